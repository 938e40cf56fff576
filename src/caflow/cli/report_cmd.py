"""``caflow report RESULT.json -o report.html``: one self-contained HTML page (offline, printable)."""

from __future__ import annotations

from pathlib import Path

import typer

__all__ = ["register"]

EPILOG = (
    "Examples:\n\n"
    "  caflow check --baseline tenant --proposed pr/tenant --format json -o check.json\n"
    "  caflow report check.json -o check.html\n\n"
    "  caflow advise examples/contoso --json -o advise.json\n"
    "  caflow report advise.json -o advise.html\n\n"
    "RESULT is the --format json output of caflow advise, check, simulate or matrix. The page "
    "inlines its styles and charts (SVG drawn by vl-convert; nothing is fetched). Without the "
    "report extra (pip install 'caflow\\[report]') the page has the tables without charts and "
    "says so. Exit codes: 0 written, 2 bad input."
)


def report(
    result: Path = typer.Argument(..., dir_okay=False, help="A caflow --format json output."),
    output: Path = typer.Option(
        None, "--output", "-o", dir_okay=False, help="Write here (atomically) instead of stdout."
    ),
) -> None:
    """Write one self-contained HTML report for an advise, check, simulate or matrix result."""
    from caflow.cli.common import emit, err_console, guard
    from caflow.io.decode import load_document
    from caflow.report.htmlreport import render_report

    with guard():
        data = load_document(result)
        text, page = render_report(data, file=str(result))
        emit(text, output)
    if page.chart_note:
        err_console.print("note: " + page.chart_note, highlight=False, markup=False)


def register(app: typer.Typer) -> None:
    app.command("report", epilog=EPILOG)(report)
