"""``caflow check --baseline A --proposed B``: is a proposed policy change safe? (CI gate)."""

from __future__ import annotations

from pathlib import Path

import typer

from caflow.cli.exit import ExitStatus
from caflow.cli.options import (
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
    "  caflow check --baseline examples/contoso \\\n"
    "      --proposed examples/proposals/CA014-enabled.json\n\n"
    "  # the Markdown for a pull-request comment (CI: the target branch's bundle):\n"
    "  caflow check --baseline examples/contoso --proposed examples/proposals \\\n"
    "      --format markdown -o comment.md\n\n"
    "  # what breaks if this disabled or report-only policy is switched on?\n"
    "  caflow check --baseline examples/contoso \\\n"
    "      --enable 'CA014 - Require MFA for Microsoft Flow Service'\n\n"
    "--proposed is a bundle, or policy files / a folder of them overlaid on the baseline (same id "
    "replaces, new id is added); repeat it to stack changes.\n\n"
    "Every connection whose next token refresh fails under the proposed policies is listed: "
    "dated by the first scheduled run after the change, else 'at next use'; flows whose schedule "
    "the export does not carry fail at their 'next run (schedule not in the export)'. What cannot "
    "be evaluated (owner not in the bundle, unmapped connector, trigger or connections not in the "
    "export, a policy undetermined for the owner) is listed under undetermined and counted.\n\n"
    "Exit codes: 0 safe, 1 something breaks (with --strict: or something is undetermined), 2 bad input (missing or unparsable file, a file "
    "without any policy, different tenants, unwritable --output - an existing --output file is "
    "then left as it was)."
)


def check(
    baseline: Path = typer.Option(..., "--baseline", help="Current tenant bundle."),
    proposed: list[Path] = typer.Option(
        [], "--proposed", help="Proposed bundle or policy file(s)/folder (repeatable)."
    ),
    enable: list[str] = typer.Option(
        [],
        "--enable",
        help="Switch this report-only or disabled policy on (id or display name; repeatable), "
        "after any --proposed.",
    ),
    horizon: str = typer.Option(
        "P90D", "--horizon", help="How far to simulate (ISO 8601 duration)."
    ),
    start: str = typer.Option(
        None,
        "--start",
        help="Simulation start = the moment of the change (ISO 8601); default now. Pin it for "
        "reproducible CI output.",
    ),
    fmt: OutputFormat = format_option(OutputFormat, OutputFormat.table),
    as_json: bool = json_alias_option(),
    output: Path = typer.Option(
        None, "--output", "-o", dir_okay=False, help="Write here (atomically) instead of stdout."
    ),
    sarif_root: Path = sarif_root_option(),
    docs_base_url: str = docs_base_url_option(),
    strict: bool = typer.Option(
        False,
        "--strict",
        help="Exit 1 also when something is undetermined (a connection whose owner is not in "
        "the bundle, an unmapped connector, a policy undetermined for the owner, flows caflow "
        "pull could not read ...).",
    ),
) -> None:
    """Simulate baseline and proposed over a horizon and show what newly breaks, like a plan."""
    from caflow.check import build_proposed, check_window, enable_policies, run_check
    from caflow.cli.common import (
        doc_links,
        emit,
        guard,
        load_tenant,
        parse_when,
        print_summary_once,
        source_anchor,
        warn_loaded,
    )
    from caflow.cli.progress import progress_bar
    from caflow.errors import InputError
    from caflow.report import render_chunks

    with guard():
        fmt = pick_format(fmt, as_json, OutputFormat.table)
        if not proposed and not enable:
            raise InputError(
                "missing option",
                file="--proposed/--enable",
                expected="--proposed PATH (repeatable) and/or --enable POLICY",
            )
        anchor = source_anchor(baseline, sarif_root)
        links = doc_links(docs_base_url)
        base = load_tenant(baseline)
        prop = enable_policies(build_proposed(base, proposed), enable)
        warn_loaded(prop, already=base.warnings)
        begin = parse_when(start, option="--start")  # one clock: now unless pinned
        end = check_window(begin, horizon)
        with progress_bar("checking") as progress:
            result = run_check(base, prop, begin, end, progress=progress)
        text = render_chunks(result, fmt.value, anchor=anchor, links=links)
        emit(text, output)  # temp file + rename: a failed write leaves no partial file
    print_summary_once(result.impact_line(), output is None and fmt.shows_summary)
    if result.breaks or (strict and result.undetermined):
        raise typer.Exit(code=int(ExitStatus.FAILURE))


def register(app: typer.Typer) -> None:
    app.command("check", epilog=EPILOG)(check)
