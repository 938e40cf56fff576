"""``caflow schema``: the JSON Schema of a bundle file, the scenario file or a ``--json`` output."""

from __future__ import annotations

from pathlib import Path

import typer

from caflow.cli.exit import EXIT_CODES_HELP

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    from caflow.report.schemas import NAMES

    @app.command(
        "schema",
        epilog=(
            "Examples:\n\n"
            "  caflow schema scenario > scenario.schema.json\n\n"
            "  caflow schema whatif\n\n"
            "  caflow schema --out docs/schema\n\n"
            "Names: " + ", ".join(NAMES) + ". The formats are described in docs/bundle-format.md, "
            "docs/scenario-format.md and docs/output.md. " + EXIT_CODES_HELP
        ),
    )
    def schema(
        name: str | None = typer.Argument(
            None, help="bundle (every bundle file), a bundle file, scenario, or an output."
        ),
        out: Path | None = typer.Option(
            None, "--out", "-o", help="Write every schema to DIR/<name>.schema.json instead."
        ),
    ) -> None:
        """Print the JSON Schema of a caflow format (generated from caflow's models)."""
        from caflow.cli.common import emit, err_console, guard
        from caflow.errors import InputError, did_you_mean_hint
        from caflow.report.schemas import render

        with guard():
            if out is not None:
                if name is not None:
                    raise InputError("give a name or --out, not both", file="--out")
                for each in NAMES:
                    emit(render(each), out / f"{each}.schema.json")
                err_console.print(
                    f"wrote {len(NAMES)} schemas to {out}: <name>.schema.json for "
                    + ", ".join(NAMES),
                    highlight=False,
                    markup=False,
                )
                return
            if name is None or name not in NAMES:
                raise InputError(
                    f"unknown schema '{name or ''}'",
                    file="caflow schema",
                    expected="one of " + ", ".join(NAMES),
                    hint=did_you_mean_hint(name or "", NAMES),
                )
            emit(render(name), None)
