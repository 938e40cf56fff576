"""``caflow advise BUNDLE``: the seeds' recommendations as rules, run against one tenant."""

from __future__ import annotations

from pathlib import Path

import typer

from caflow.advise.severity import FailOn
from caflow.cli.exit import ExitStatus
from caflow.cli.options import (
    choice_option,
    docs_base_url_option,
    format_option,
    json_alias_option,
    pick_format,
    sarif_root_option,
)
from caflow.report import OutputFormat

__all__ = ["register"]

EPILOG = (
    "Examples:\n\n"
    "  caflow advise examples/contoso\n\n"
    "  caflow advise examples/contoso --format sarif --output caflow.sarif\n\n"
    "  # exit 1 when a high or critical finding fails:\n"
    "  caflow advise examples/contoso --fail-on high\n\n"
    "  # also exit 1 when a rule could not decide (UNDETERMINED, NOT_EVALUATED):\n"
    "  caflow advise examples/contoso --fail-on high --strict\n\n"
    "  # accepted findings (entries: rule, policy?, justification) are SUPPRESSED:\n"
    "  caflow advise examples/contoso --suppressions examples/ci/accepted.yaml\n\n"
    "Rules are documented in docs/rules.md. SUPPRESSED findings never count for --fail-on. "
    "A rule with nothing to look at (e.g. the tenant.yaml setting it reads is not in the export) "
    "is NOT_EVALUATED with the reason, never PASS. An unknown --select rule id is exit 2. "
    "Exit codes: 0 success, 1 a finding at or above --fail-on failed (or, with --strict, one "
    "is UNDETERMINED or NOT_EVALUATED: at any severity without --fail-on), 2 bad input (the message "
    "names the file and JSON path)."
)


def advise(
    bundle: Path = typer.Argument(
        ..., help="Tenant bundle: folder, .zip, corpus folder or export file."
    ),
    fmt: OutputFormat = format_option(OutputFormat, OutputFormat.table),
    as_json: bool = json_alias_option(),
    fail_on: FailOn = choice_option(
        FailOn,
        FailOn("never"),
        "--fail-on",
        help="Exit 1 when a FAIL finding has at least this severity.",
    ),
    strict: bool = typer.Option(
        False,
        "--strict",
        help="Exit 1 when a finding is UNDETERMINED or NOT_EVALUATED (with --fail-on: count "
        "them like FAIL at that severity).",
    ),
    select: list[str] = typer.Option(
        None, "--select", help="Run only these rule ids (repeatable)."
    ),
    suppressions: Path = typer.Option(
        None,
        "--suppressions",
        help="YAML list of accepted findings: {rule, policy?, justification} (justification required).",
    ),
    at: str = typer.Option(
        None,
        "--at",
        help="Evaluation moment (ISO 8601); default now (pin it for reproducible reports).",
    ),
    output: Path = typer.Option(
        None, "--output", "-o", dir_okay=False, help="Write here (atomically) instead of stdout."
    ),
    sarif_root: Path = sarif_root_option(),
    docs_base_url: str = docs_base_url_option(),
) -> None:
    """Find what in a tenant's configuration will hurt Power Automate, with evidence and remedy."""
    from caflow.advise import load_suppressions, run_advise
    from caflow.advise.registry import check_select, rule_names
    from caflow.advise.severity import threshold
    from caflow.advise.suppressions import Suppression
    from caflow.cli.common import (
        doc_links,
        emit,
        err_console,
        guard,
        load_tenant,
        parse_when,
        print_summary_once,
        source_anchor,
        table_width,
    )
    from caflow.cli.progress import progress_bar
    from caflow.report import render_chunks

    with guard():
        fmt = pick_format(fmt, as_json, OutputFormat.table)
        accepted: tuple[Suppression, ...] = ()
        if suppressions is not None:
            accepted = load_suppressions(suppressions, rule_names())
        check_select(select or ())
        anchor = source_anchor(bundle, sarif_root)
        links = doc_links(docs_base_url)
        tenant = load_tenant(bundle)
        now = parse_when(at)  # one clock: now unless pinned
        with progress_bar("advising") as progress:
            result = run_advise(
                tenant, now=now, select=select or None, suppressions=accepted, progress=progress
            )
        text = render_chunks(
            result, fmt.value, width=table_width(output), anchor=anchor, links=links
        )
        emit(text, output)
    for warning in result.warnings:
        if warning.endswith("[unused-suppression]"):
            err_console.print("warning: " + warning, highlight=False, markup=False)
    print_summary_once(result.summary_line(), output is None and fmt.shows_summary)
    if result.exceeds(threshold(fail_on), strict=strict):
        raise typer.Exit(code=int(ExitStatus.FAILURE))


def register(app: typer.Typer) -> None:
    app.command("advise", epilog=EPILOG)(advise)
