"""``caflow advise BUNDLE``: the seeds' recommendations as rules, run against one tenant."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer

from caflow.cli.exit import EXIT_CODES_HELP, ExitStatus

__all__ = ["register"]


class Format(StrEnum):
    table = "table"
    json = "json"
    markdown = "markdown"
    sarif = "sarif"


class FailOn(StrEnum):
    critical = "critical"
    high = "high"
    medium = "medium"
    low = "low"
    info = "info"
    never = "never"


EPILOG = (
    "Examples:\n\n"
    "  caflow advise examples/contoso\n\n"
    "  caflow advise examples/contoso --format sarif --output caflow.sarif\n\n"
    "  caflow advise ./bundle --fail-on high   # exit 1 when a high or critical finding fails\n\n"
    "Rules are documented in docs/rules.md. " + EXIT_CODES_HELP
)


def advise(
    bundle: Path = typer.Argument(
        ..., help="Tenant bundle: folder, .zip, corpus folder or export file."
    ),
    fmt: Format = typer.Option(Format.table, "--format", "-f", help="Output format."),
    fail_on: FailOn = typer.Option(
        FailOn.never, "--fail-on", help="Exit 1 when a FAIL finding has at least this severity."
    ),
    strict: bool = typer.Option(
        False, "--strict", help="Count UNDETERMINED findings like FAIL for --fail-on."
    ),
    select: list[str] = typer.Option(
        None, "--select", help="Run only these rule ids (repeatable)."
    ),
    at: str = typer.Option(
        None, "--at", help="Evaluation moment (ISO 8601); default 2026-01-05T09:00:00Z."
    ),
    output: Path = typer.Option(
        None, "--output", "-o", help="Write here (atomically) instead of stdout."
    ),
) -> None:
    """Find what in a tenant's configuration will hurt Power Automate, with evidence and remedy."""
    from caflow.advise import Severity, Status, run_advise
    from caflow.advise.context import DEFAULT_NOW
    from caflow.cli.common import emit, err_console, guard, load_tenant, parse_when
    from caflow.report import render

    with guard():
        tenant = load_tenant(bundle)
        now = parse_when(at, default=lambda: DEFAULT_NOW)
        result = run_advise(tenant, now=now, select=select or None)
        text = render(result, fmt.value)
        emit(text, output)
    counts = result.counts()
    err_console.print(
        f"{counts['FAIL']} failed, {counts['UNDETERMINED']} undetermined, {counts['PASS']} passed.",
        highlight=False,
    )
    if fail_on != FailOn.never:
        threshold = Severity(fail_on.value).rank
        statuses = {Status.FAIL, Status.UNDETERMINED} if strict else {Status.FAIL}
        if any(f.status in statuses and f.severity.rank >= threshold for f in result.findings):
            raise typer.Exit(code=int(ExitStatus.FAILURE))


def register(app: typer.Typer) -> None:
    app.command("advise", epilog=EPILOG)(advise)
