"""``caflow`` command line: one module per verb (``<verb>_cmd.py``) with a ``register(app)``."""

from __future__ import annotations

import importlib
import importlib.util
import inspect

import typer

from caflow import __version__
from caflow.cli.exit import EXIT_CODES_ROOT_HELP

app = typer.Typer(
    name="caflow",
    help=(
        "Predict which Power Automate flows and connections a Conditional Access, MFA, "
        "token-lifetime or Terms-of-Use change will break - when, with which AADSTS error, and "
        "what to do instead. Offline, on a copy of the tenant.\n\n"
        "Start with:  caflow demo\n\n" + EXIT_CODES_ROOT_HELP
    ),
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    add_completion=True,
    rich_markup_mode="rich",
)

# Verbs in the order --help lists them; a module that is not there yet is simply absent.
_VERBS = (
    "demo_cmd",
    "whatif_cmd",
    "simulate_cmd",
    "advise_cmd",
    "check_cmd",
    "matrix_cmd",
    "report_cmd",
    "serve_cmd",
    "replay_cmd",
    "synth_cmd",
    "apps_cmd",
    "pull_cmd",
    "examples_cmd",
    "schema_cmd",
)
for _name in _VERBS:
    _module = f"caflow.cli.{_name}"
    if importlib.util.find_spec(_module) is not None:
        importlib.import_module(_module).register(app)


def unwrapped(text: str) -> str:
    """``text`` with the line breaks inside each paragraph turned into spaces: typer's rich
    help keeps a docstring's source line breaks, which then land mid-line at any terminal
    width (ragged help); rich wraps each paragraph to the terminal instead."""
    paragraphs = inspect.cleandoc(text).split("\n\n")
    return "\n\n".join(" ".join(line.strip() for line in p.splitlines()) for p in paragraphs)


for _info in app.registered_commands:
    _doc = _info.help or (inspect.getdoc(_info.callback) if _info.callback else None)
    if _doc:
        _info.help = unwrapped(_doc)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"caflow {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """caflow: terraform plan for identity policy, aimed at Power Automate."""


def main() -> None:
    """Console entry. ``--help`` and ``--version`` are written by click, not by caflow's own
    writers: a full or closed stdout there is still one line and exit 1 (SECURITY.md), never a
    traceback."""
    import sys

    try:
        app(standalone_mode=True)
    except SystemExit:
        try:
            sys.stdout.flush()
        except OSError as exc:
            _broken_stdout(exc)
        raise
    except OSError as exc:
        _broken_stdout(exc)


def _broken_stdout(exc: OSError) -> None:
    import os
    import sys

    sys.stderr.write(
        f"error: cannot write to standard output: {exc.strerror or type(exc).__name__}\n"
    )
    # Nothing more may reach the broken stream when the interpreter exits.
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    raise SystemExit(1) from None


if __name__ == "__main__":  # pragma: no cover
    main()
