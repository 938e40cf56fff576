"""Rule discovery: every module in ``caflow.advise.rules`` plus its ``.meta.yaml`` sibling.

No hand-kept list (prowler's ``recover_checks_from_provider``): a new rule is a new pair of
files. The id in the metadata must equal the file stem, or the load fails.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from caflow.advise.model import Finding, RuleMeta

if TYPE_CHECKING:
    from caflow.advise.context import Context
    from caflow.model import Tenant

__all__ = ["Rule", "RuleLoadError", "check_select", "load_rules", "rule_names"]

CheckFn = Callable[["Tenant", "Context"], Iterable[Finding]]


class RuleLoadError(RuntimeError):
    """A rule package is inconsistent (programming error, not bad user input)."""


@dataclass(frozen=True)
class Rule:
    meta: RuleMeta
    check: CheckFn

    @property
    def id(self) -> str:
        return self.meta.id


def load_meta(path: Path) -> RuleMeta:
    data: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    meta = RuleMeta.model_validate(data)
    stem = path.name.removesuffix(".meta.yaml")
    if meta.id != stem:
        raise RuleLoadError(f"{path}: id {meta.id!r} does not match the file name {stem!r}")
    from caflow.advise.needs import is_known

    unknown = [n for n in (*meta.needs, *meta.reads) if not is_known(n)]
    if unknown:
        raise RuleLoadError(f"{path}: unknown needs {unknown} (see caflow/advise/needs.py)")
    return meta


@cache
def load_rules(package: str = "caflow.advise.rules") -> tuple[Rule, ...]:
    """Discover and validate every rule, sorted by id."""
    pkg = importlib.import_module(package)
    folder = Path(pkg.__file__ or "").parent
    rules = []
    for info in pkgutil.iter_modules([str(folder)]):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{package}.{info.name}")
        meta_path = folder / f"{info.name}.meta.yaml"
        if not meta_path.exists():
            raise RuleLoadError(f"rule {info.name}: missing {meta_path.name}")
        check = getattr(module, "check", None)
        if not callable(check):
            raise RuleLoadError(f"rule {info.name}: no check(tenant, ctx) function")
        rules.append(Rule(load_meta(meta_path), check))
    return tuple(sorted(rules, key=lambda r: r.id))


def rule_names() -> dict[str, str]:
    """Every name a rule answers to (its id and its aliases) -> its id: what a suppressions
    file may name (``--suppressions``, the API's ``suppressions``)."""
    rules = load_rules()
    names = {r.id: r.id for r in rules}
    names.update({a: r.id for r in rules for a in r.meta.aliases})
    return names


def check_select(select: list[str] | tuple[str, ...]) -> None:
    """Rule ids to run (``--select``, the API's ``select``): an unknown id is bad input (exit
    2): running no rule would print a clean report for checks that never ran."""
    from caflow.errors import UnknownReferenceError, did_you_mean_hint

    ids = [r.id for r in load_rules()]
    aliases = {a for r in load_rules() for a in r.meta.aliases}
    for wanted in select:
        if wanted not in ids and wanted not in aliases:
            raise UnknownReferenceError(
                "unknown rule id",
                file="--select",
                expected="one of " + ", ".join(ids),
                got=wanted,
                hint=did_you_mean_hint(wanted, ids),
            )
