"""Suppressions: accepted findings, each with a written justification.

A suppressions file is a YAML list; every entry names a rule (id or alias), optionally a policy
(id or display name), and must say why the finding is accepted::

    - rule: terms_of_use_without_service_account_exclusion
      policy: "CA007 - Require Finance Data Handling terms for Finance on Office 365"
      justification: "Finance owners re-accept monthly by design (ticket SEC-123)."

Only the framework sets ``SUPPRESSED`` (checkov's SKIPPED, prowler's MUTED): a matching FAIL or
UNDETERMINED finding keeps its message and evidence, carries the justification, and never counts
for ``--fail-on``. An entry without a justification is bad input (exit 2, file + JSON path).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from caflow.advise.model import Finding, Status
from caflow.errors import (
    InputError,
    ParseError,
    SchemaError,
    Shown,
    UnknownReferenceError,
    json_pointer,
    shown_key,
)
from caflow.model import Tenant

__all__ = ["Suppression", "apply_suppressions", "load_suppressions"]

_KEYS = ("rule", "policy", "justification")
_SHAPE = "{rule, policy?, justification}"
_SUPPRESSIBLE = frozenset({Status.FAIL, Status.UNDETERMINED})


@dataclass(frozen=True, slots=True)
class Suppression:
    rule: str
    justification: str
    policy: str | None = None
    file: str = ""
    pointer: str = ""  # JSON Pointer of the entry in its file (``/2``)

    def __str__(self) -> str:
        what = f"rule {self.rule}" + (f", policy {self.policy}" if self.policy else "")
        return f"{self.file}: {self.pointer}: suppression ({what})"


def load_suppressions(
    path: str | Path, rules: Mapping[str, str] | None = None
) -> tuple[Suppression, ...]:
    """Read and validate a suppressions file; ``rules`` maps rule ids and aliases to rule ids.

    >>> load_suppressions("suppressions.yaml")  # doctest: +SKIP
    (Suppression(rule='remember_mfa_enabled', justification='...', ...),)
    """
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("no such file", file=file, code="parse-error") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ParseError(
            "cannot read the suppressions file", file=file, got=Shown(type(exc).__name__)
        ) from None
    try:
        data: Any = yaml.safe_load(text)
    except yaml.YAMLError:
        raise ParseError(
            "not valid YAML", file=file, expected="a YAML list", got=Shown("a YAML syntax error")
        ) from None
    if data is None:
        return ()
    if not isinstance(data, list):
        raise SchemaError(
            "a suppressions file is a list",
            file=file,
            path=(),
            expected=f"a list of {_SHAPE}",
            got=Shown(type(data).__name__),
        )
    return tuple(_entry(file, i, item, rules) for i, item in enumerate(data))


def _entry(file: str, i: int, item: Any, rules: Mapping[str, str] | None) -> Suppression:
    def bad(message: str, key: str | None, expected: str, got: object, code: str) -> InputError:
        path = (i,) if key is None else (i, key)
        kind = UnknownReferenceError if code == "unknown-reference" else SchemaError
        return kind(message, file=file, path=path, expected=expected, got=got, code=code)

    if not isinstance(item, dict):
        raise bad("a suppression is a mapping", None, _SHAPE, type(item).__name__, "wrong-type")
    for key in item:
        if key not in _KEYS:
            expected = "one of " + ", ".join(_KEYS)
            raise bad(f"unknown key {shown_key(key)}", str(key), expected, key, "invalid-value")
    for key in ("rule", "justification"):
        value = item.get(key)
        if not isinstance(value, str) or not value.strip():
            why = " (say why the finding is accepted)" if key == "justification" else ""
            message = f"suppression without a {key}{why}"
            raise bad(message, key, "a non-empty string", value, "missing-field")
    policy = item.get("policy")
    if policy is not None and not isinstance(policy, str):
        raise bad(
            "policy must be a string", "policy", "a policy id or display name", policy, "wrong-type"
        )
    rule = item["rule"].strip()
    if rules is not None:
        if rule not in rules:
            close = difflib.get_close_matches(rule, list(rules), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise bad(
                "unknown rule" + hint,
                "rule",
                "a rule id from docs/rules.md",
                rule,
                "unknown-reference",
            )
        rule = rules[rule]
    return Suppression(
        rule=rule,
        justification=" ".join(item["justification"].split()),
        policy=policy.strip() if policy else None,
        file=Path(file).name,
        pointer=json_pointer((i,)),
    )


def apply_suppressions(
    findings: Iterable[Finding], suppressions: Iterable[Suppression], tenant: Tenant
) -> tuple[list[Finding], list[Suppression]]:
    """Mark matching FAIL/UNDETERMINED findings SUPPRESSED; also return the entries never used."""
    entries = tuple(suppressions)
    policy_ids = {s: _policy_id(s.policy, tenant) for s in entries if s.policy}
    used: set[Suppression] = set()
    out: list[Finding] = []
    for f in findings:
        match = next(
            (
                s
                for s in entries
                if f.status in _SUPPRESSIBLE
                and s.rule == f.rule_id
                and (not s.policy or policy_ids[s] in {p.lower() for p in f.policies})
            ),
            None,
        )
        if match is None:
            out.append(f)
            continue
        used.add(match)
        out.append(replace(f, status=Status.SUPPRESSED, justification=match.justification))
    return out, [s for s in entries if s not in used]


def _policy_id(ref: str | None, tenant: Tenant) -> str:
    """Policy id (lower case) for an id or a display name; the reference itself when unknown."""
    key = (ref or "").lower()
    for p in tenant.policies:
        if key in (p.id.lower(), p.display_name.lower()):
            return p.id.lower()
    return key
