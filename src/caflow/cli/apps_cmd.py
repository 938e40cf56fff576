"""``caflow apps``: which application names and ids caflow knows (for ``--app`` and scenarios)."""

from __future__ import annotations

import typer

from caflow.cli.exit import EXIT_CODES_HELP
from caflow.cli.options import TableOrJson, format_option, json_alias_option, pick_format

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    @app.command(
        "apps",
        epilog=(
            "Examples:\n\n"
            "  caflow apps\n\n"
            "  caflow apps sharepoint\n\n"
            "  caflow apps --format json\n\n"
            "An app not listed here is given by its appId, or by the display name of a service "
            "principal in the bundle's directory.yaml. TEXT that matches no app is exit 2 with "
            "the closest name. " + EXIT_CODES_HELP
        ),
    )
    def apps(
        match: str | None = typer.Argument(
            None, help="Show only apps whose name, alias or id contains this (case-insensitive)."
        ),
        fmt: TableOrJson = format_option(TableOrJson, TableOrJson.table),
        as_json: bool = json_alias_option(),
    ) -> None:
        """List the well-known Microsoft application names and ids --app accepts."""
        from caflow.cli.common import emit, guard, out_console
        from caflow.report.apps import app_rows, render_json, render_table

        with guard():
            fmt = pick_format(fmt, as_json, TableOrJson.table)
            rows = app_rows(match)
            if match and not rows:
                # A filter naming nothing is bad input, as advise --select, matrix --user and
                # schema NAME: an empty table would read as "caflow knows no such app" and
                # hide the typo.
                from caflow.errors import InputError, did_you_mean_hint

                known = [n for r in app_rows() for n in (r["displayName"], *r["aliases"])]
                raise InputError(
                    f"no application matches '{match}'",
                    file="caflow apps",
                    expected="part of a name, alias or appId that `caflow apps` lists",
                    hint=did_you_mean_hint(match, known),
                )
            if fmt is TableOrJson.json:
                emit(render_json(rows), None)
            else:
                out_console.print(render_table(rows))
