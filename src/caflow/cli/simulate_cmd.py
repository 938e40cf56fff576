"""``caflow simulate FILE``: run a scenario; readable timeline or the JSON contract."""

from __future__ import annotations

from pathlib import Path

import typer

from caflow.cli.common import (
    emit,
    guard,
    out_console,
    parse_when,
    print_summary_once,
    warn_loaded,
)
from caflow.cli.exit import EXIT_CODES_HELP
from caflow.cli.options import TableOrJson, format_option, json_alias_option, pick_format

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    @app.command(
        "simulate",
        epilog=(
            "Examples:\n\n"
            "  caflow simulate examples/scenarios/effect1-future-runs.yaml\n\n"
            "  caflow simulate examples/scenarios/tou-expiry-monthly.yaml --json \\\n"
            "      -o result.json\n\n"
            "  caflow simulate examples/scenarios/remember-mfa-14-days.yaml \\\n"
            "      --until 2026-02-01\n\n"
            "Scenario format: docs/scenario-format.md (tenant + timeline of signIn, createConnection, addPolicy, "
            "runFlow, repairConnection ... events). " + EXIT_CODES_HELP
        ),
    )
    def simulate(
        file: Path = typer.Argument(
            ..., help="Scenario file (YAML/JSON, docs/scenario-format.md)."
        ),
        fmt: TableOrJson = format_option(
            TableOrJson,
            TableOrJson.table,
            help="table (the timeline), or json: the simulate JSON contract.",
        ),
        as_json: bool = json_alias_option(),
        full: bool = typer.Option(
            False, "--full", help="Text timeline: list every failed run, do not collapse repeats."
        ),
        until: str | None = typer.Option(None, "--until", help="Stop at this time (ISO 8601)."),
        output: Path | None = typer.Option(None, "--output", "-o", help="Write to FILE (atomic)."),
    ) -> None:
        """Which connections break, which flows fail, which surfaces degrade - when and why."""
        from caflow.cli.progress import progress_bar
        from caflow.simulate import check_horizon, load_scenario, run_scenario

        with guard():
            fmt = pick_format(fmt, as_json, TableOrJson.table)
            scenario = load_scenario(file)
            warn_loaded(scenario.tenant)
            stop = parse_when(until, lambda: scenario.end, option="--until")
            check_horizon(scenario, stop, until_field="--until" if until else None)
            with progress_bar("simulating") as progress:
                result = run_scenario(scenario, stop, progress=progress)
            if fmt is TableOrJson.json:
                from caflow.report.json import chunks

                emit(chunks(result.to_json(lazy=True), ensure_ascii=True), output)
            elif output is None and out_console.is_terminal:
                # Colour only on a terminal; pipes and --output get the plain text.
                from caflow.simulate.render import render_timeline

                out_console.print(
                    render_timeline(result, collapse=not full), highlight=False, soft_wrap=True
                )
            else:
                from caflow.simulate.render import render_text

                emit(render_text(result, collapse=not full), output)
            if fmt is TableOrJson.json or output is not None:
                from caflow.simulate.render import summary_line

                # The JSON or the file holds the result: the summary still reaches the user.
                line = summary_line(result.summary(), len(result.events))
                print_summary_once(line, on_stdout=False)
