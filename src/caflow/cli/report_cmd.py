"""``caflow report RESULT.json -o report.html`` (or ``--store PATH [--run ID]`` for a stored
replay): one self-contained HTML page (offline, printable)."""

from __future__ import annotations

from pathlib import Path

import typer

from caflow.cli.options import docs_base_url_option

__all__ = ["register"]

EPILOG = (
    "Examples:\n\n"
    "  caflow check --baseline examples/contoso \\\n"
    "      --proposed examples/proposals/CA014-enabled.json -f json -o check.json\n"
    "  caflow report check.json -o check.html\n\n"
    "  caflow advise examples/contoso --json -o advise.json\n"
    "  caflow report advise.json -o advise.html\n\n"
    "  caflow replay --logs examples/signins --bundle examples/contoso \\\n"
    "      --proposed examples/proposals/CA014-enabled.json\n"
    "  caflow report --store .caflow/caflow.duckdb -o replay.html\n\n"
    "RESULT is the --format json output of caflow advise, check, simulate, matrix or replay; "
    "or, instead of RESULT, --store reads a replay run kept in DuckDB (the newest, or --run ID). "
    "The page "
    "inlines its styles and charts (SVG drawn by vl-convert; nothing is fetched); --interactive "
    "also inlines vega, vega-lite and vega-embed and each chart's Vega-Lite spec, so the "
    "browser draws the charts with tooltips (the SVG stays for readers without JavaScript). "
    "Without the "
    "report extra (pip install 'caflow\\[report]') the page has the tables without charts and "
    "says so. Exit codes: 0 written, 2 bad input."
)


def report(
    result: Path = typer.Argument(
        None, dir_okay=False, help="A caflow --format json output (or use --store)."
    ),
    store: Path = typer.Option(
        None, "--store", dir_okay=False, help="A replay result store (DuckDB) instead of RESULT."
    ),
    run: str = typer.Option(None, "--run", help="The stored run (default: the newest)."),
    output: Path = typer.Option(
        None, "--output", "-o", dir_okay=False, help="Write here (atomically) instead of stdout."
    ),
    interactive: bool = typer.Option(
        False,
        "--interactive",
        help="Draw the charts in the browser with tooltips (inlines the Vega runtime, "
        "~830 KB; the static SVG stays as the no-JavaScript fallback).",
    ),
    docs_base_url: str = docs_base_url_option(),
) -> None:
    """Write one self-contained HTML report for an advise, check, simulate, matrix or replay
    result."""
    from caflow.cli.common import doc_links, emit, err_console, guard
    from caflow.errors import InputError, Shown
    from caflow.report.page import render_report

    with guard():
        links = doc_links(docs_base_url)
        if run is not None and store is None:
            raise InputError("option needs --store", file="--run", got=run)
        if (result is None) == (store is None):
            raise InputError(
                "give one input",
                file="RESULT" if result is None else "--store",
                expected="either RESULT (a caflow --format json file) or --store PATH",
                got=Shown("both" if result is not None else "neither"),
            )
        if store is not None:
            from caflow.store.replay import read_run

            stored = read_run(store, run)
            text, page = render_report(
                stored.result,
                file=str(store),
                interactive=interactive,
                links=links,
                provenance=[
                    ("stored run", f"{stored.run_id} ({stored.created})"),
                    ("logs", stored.logs),
                    ("bundle", stored.bundle),
                    ("proposed", stored.proposed or "—"),
                ],
            )
        else:
            from caflow.io.decode import load_document

            data = load_document(result)
            text, page = render_report(data, file=str(result), interactive=interactive, links=links)
        emit(text, output)
    if output is not None:
        # The page went to a file: say where, so the command never finishes silently.
        err_console.print(
            f"wrote {output} ({len(text.encode('utf-8')) / 1024:,.1f} KB): open it in a browser",
            highlight=False,
            markup=False,
        )
    if page.chart_note:
        err_console.print("note: " + page.chart_note, highlight=False, markup=False)


def register(app: typer.Typer) -> None:
    app.command("report", epilog=EPILOG)(report)
