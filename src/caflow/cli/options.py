"""Options shared by several verbs: closed value sets, and ``--format`` with its ``--json`` alias.

Sign-in values (``--platform``, ``--client-app`` ...): the sets are the engine's own (``model/signals.py``): ``--help`` lists them, the shell completes
them (``caflow --install-completion``), and a typo is bad input (exit 2) with a did-you-mean from
``canonical_signal``. Values are kept as strings and validated by ``canonical_signal`` so the
error is caflow's one-line message, the same as for the same typo in a scenario or request file.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Any, TypeVar

import typer

from caflow.errors import InputError
from caflow.model.signals import signal_choices

__all__ = ["json_alias_option", "pick_format", "sarif_root_option", "signal_option"]

F = TypeVar("F", bound=StrEnum)


def _completer(kind: str) -> Callable[[str], list[str]]:
    def complete(incomplete: str) -> list[str]:
        prefix = incomplete.lower()
        return [v for v in signal_choices(kind) if v.lower().startswith(prefix)]

    return complete


def signal_option(kind: str, flag: str, help: str) -> Any:
    """A ``typer.Option`` (default None) for a value of the ``kind`` signal set."""
    return typer.Option(
        None,
        flag,
        metavar="<value>",
        help=f"{help} One of: {', '.join(signal_choices(kind))} (case-insensitive).",
        autocompletion=_completer(kind),
    )


def json_alias_option() -> Any:
    """``--json``: the same as ``--format json`` on every verb (one spelling, one alias)."""
    return typer.Option(False, "--json", help="Same as --format json.")


def pick_format(fmt: F, as_json: bool, default: F) -> F:
    """The format asked for; ``--json`` with another explicit ``--format`` is a conflict.

    (``fmt`` equal to ``default`` is taken as not given: ``--format table --json`` is json.)
    """
    if not as_json:
        return fmt
    json_fmt = type(fmt)("json")
    if fmt not in (json_fmt, default):
        raise InputError(
            "conflicting options",
            file="--json/--format",
            expected="--json (= --format json) or another --format, not both",
            got=fmt.value,
        )
    return json_fmt


def sarif_root_option() -> Any:
    """``--sarif-root``: the tenant repository's root, so SARIF and GitHub annotations name
    evidence files as the code host sees them (``%SRCROOT%``-relative)."""
    return typer.Option(
        None,
        "--sarif-root",
        file_okay=False,
        help="Repository root containing the bundle folder: --format sarif/github name "
        "evidence files relative to it (for GitHub code scanning); default: bundle-relative.",
    )
