"""Options shared by several verbs: closed value sets, and ``--format`` with its ``--json`` alias.

Sign-in values (``--platform``, ``--client-app`` ...): the sets are the engine's own (``model/signals.py``): ``--help`` lists them, the shell completes
them (``caflow --install-completion``), and a typo is bad input (exit 2) with a did-you-mean from
``canonical_signal``. Values are kept as strings and validated by ``canonical_signal`` so the
error is caflow's one-line message, the same as for the same typo in a scenario or request file.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import Any, TypeVar

import typer

from caflow.errors import InputError
from caflow.model.signals import signal_choices

__all__ = [
    "TableOrJson",
    "choice_option",
    "choice_parser",
    "docs_base_url_option",
    "format_option",
    "json_alias_option",
    "pick_format",
    "sarif_root_option",
    "signal_list_option",
    "signal_option",
]

#: Hidden spellings accepted for a value of every ``--format``: human-readable output is
#: ``table`` on every verb (``text`` was simulate's and pull's word for it).
FORMAT_ALIASES = {"text": "table"}

F = TypeVar("F", bound=StrEnum)


class TableOrJson(StrEnum):
    """``--format`` of the verbs that print a table for people or JSON for programs."""

    table = "table"
    json = "json"


#: Longest ``[a|b|c]`` metavar shown as is; longer value lists are listed in the help text.
_METAVAR_WIDTH = 16


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


def signal_list_option(kind: str, flag: str, help: str) -> Any:
    """A repeatable ``typer.Option`` (default empty) for values of the ``kind`` signal set."""
    return typer.Option(
        [],
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


def docs_base_url_option() -> Any:
    """``--docs-base-url``: make rule help links absolute (docs/output.md "Rule help links")."""
    return typer.Option(
        None,
        "--docs-base-url",
        help="Absolute URL of caflow's repository root (e.g. https://github.com/OWNER/caflow/"
        "blob/v0.1.0/): rule help links become URL + docs/rules.md#RULE (and SARIF gets "
        "helpUri). Default: $CAFLOW_DOCS_BASE_URL, else repository-relative links.",
    )


def choice_parser(choices: type[F], aliases: Mapping[str, str] | None = None) -> Callable[[Any], F]:
    """``str -> choices`` member, case-insensitive, hidden ``aliases`` accepted; anything else
    is a usage error (exit 2) that lists the values and suggests the closest one."""
    hidden = {k.lower(): v for k, v in (aliases or {}).items()}
    values = [c.value for c in choices]
    by_lower = {v.lower(): v for v in values}

    def parse(raw: Any) -> F:
        if isinstance(raw, choices):
            return raw
        text = str(raw).strip()
        key = hidden.get(text.lower(), text).lower()
        if key in by_lower:
            return choices(by_lower[key])
        close = difflib.get_close_matches(text.lower(), [*by_lower, *hidden], n=1, cutoff=0.5)
        suggestion = hidden.get(close[0], by_lower.get(close[0], "")) if close else ""
        raise typer.BadParameter(
            f"'{text}' is not one of {', '.join(values)}"
            + (f"; did you mean '{suggestion}'?" if suggestion else "")
        )

    return parse


def choice_option(
    choices: type[F],
    default: Any,
    *flags: str,
    help: str,
    aliases: Mapping[str, str] | None = None,
) -> Any:
    """A ``typer.Option`` whose values are ``choices``: ``--help`` lists them, the shell
    completes them (``caflow --install-completion``), a typo is exit 2 with a did-you-mean.
    ``aliases`` are accepted but not listed."""
    values = [c.value for c in choices]
    listed = "[" + "|".join(values) + "]"
    # A long list in the narrow metavar column is cut mid-word (``[table|json|markdown|sar``
    # ``if|...]``): it goes into the help text instead, which wraps between words.
    short = len(listed) <= _METAVAR_WIDTH

    def complete(incomplete: str) -> list[str]:
        return [v for v in values if v.startswith(incomplete.lower())]

    return typer.Option(
        default.value if isinstance(default, StrEnum) else default,
        *flags,
        parser=choice_parser(choices, aliases),
        metavar=listed if short else "<value>",
        help=help if short else f"{help} One of: {', '.join(values)}.",
        autocompletion=complete,
        show_default=isinstance(default, StrEnum),
    )


def format_option(choices: type[F], default: F, help: str = "Output format.") -> Any:
    """``--format/-f`` of a verb: one spelling everywhere (``table`` for human-readable
    output, ``text`` accepted as a hidden alias where the verb has ``table``)."""
    aliases = {k: v for k, v in FORMAT_ALIASES.items() if v in {c.value for c in choices}}
    return choice_option(choices, default, "--format", "-f", help=help, aliases=aliases)
