"""Shared CLI plumbing: consoles, error reporting, atomic output, tenant loading."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import typer
from rich.console import Console

from caflow.cli.exit import ExitStatus
from caflow.errors import CaflowError, InputError

__all__ = [
    "err_console",
    "guard",
    "load_tenant",
    "out_console",
    "parse_when",
    "print_summary_once",
    "table_width",
    "warn_unparsable",
    "write_atomic",
]


out_console = Console()
err_console = Console(stderr=True, soft_wrap=True)


@contextmanager
def guard() -> Iterator[None]:
    """Turn caflow errors into one clear line on stderr and exit code 2; never a traceback.

    An unexpected exception is an internal error: also exit 2 (ruff's convention), with one
    line asking for a report; ``CAFLOW_DEBUG=1`` shows the traceback instead.
    """
    try:
        yield
    except CaflowError as exc:
        err_console.print("error: " + str(exc), highlight=False, markup=False, style="red")
        raise typer.Exit(code=int(ExitStatus.ERROR)) from None
    except (typer.Exit, KeyboardInterrupt):
        raise
    except Exception as exc:
        if os.environ.get("CAFLOW_DEBUG"):
            raise
        err_console.print(
            f"internal error: {type(exc).__name__}: {exc} "
            "(a caflow bug: please report it with the input; CAFLOW_DEBUG=1 shows the traceback)",
            highlight=False,
            markup=False,
            style="red",
        )
        raise typer.Exit(code=int(ExitStatus.ERROR)) from None


def load_tenant(path: Path):
    """Load a bundle (folder, zip, corpus folder or single export file); a policy whose filter
    rule caflow cannot parse becomes undetermined with a warning (exported, Entra-validated)."""
    from caflow.engine.unparsable import quarantine_unparsable
    from caflow.io.bundle import LoadReport, load_bundle

    report = LoadReport()
    tenant = quarantine_unparsable(load_bundle(path, report))
    warn_unparsable(tenant)
    if not tenant.policies and report.kinds.total():
        err_console.print(
            f"note: {path} holds no Conditional Access policy (a tenant may have none); "
            "every sign-in is evaluated against zero policies",
            highlight=False,
            markup=False,
        )
    if report.skipped:
        # Never drop input silently (DESIGN.md): say what was not read, briefly.
        shown = "; ".join(report.skipped[:3])
        more = f" (+{len(report.skipped) - 3} more)" if len(report.skipped) > 3 else ""
        err_console.print(
            f"note: {len(report.skipped)} file(s)/object(s) not read as tenant data: {shown}{more}",
            highlight=False,
            markup=False,
        )
    return tenant


def warn_unparsable(tenant, already=()) -> None:
    """One stderr line per policy made undetermined because caflow cannot parse its filter rule
    (those of ``already``, e.g. the baseline's, were printed before)."""
    for w in tenant.warnings:
        if w.code == "unparsable-rule" and w not in already:
            err_console.print("warning: " + str(w), highlight=False, markup=False, style="yellow")


def parse_when(
    value: str | None, default: Callable[[], datetime] | None = None, *, option: str = "--at"
) -> datetime:
    """Time options (``--at``, ``--start``, ``--until``): ISO 8601 date-time (UTC if no offset)
    or a date; ``option`` names the flag in error messages."""
    from caflow.io.fields import parse_moment

    if value is None:
        if default is None:
            return datetime.now(tz=UTC).replace(microsecond=0)
        return default()
    try:
        return parse_moment(value if "T" in value or " " in value else value + "T00:00:00Z")
    except ValueError:
        raise InputError(
            "invalid time",
            file=option,
            expected="an ISO 8601 date-time such as 2026-02-01T09:00:00Z",
            got=value,
        ) from None


def write_atomic(path: Path, text: str) -> None:
    """Write via a temp file + rename so a failure never leaves half a file (exit 2 rule)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def emit(text: str, output: Path | None) -> None:
    """Result to stdout, or atomically to ``output``; a failed write is bad input (exit 2)."""
    if output is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return
    try:
        write_atomic(output, text)
    except OSError as exc:
        raise InputError(
            "cannot write the output",
            file=str(output),
            expected="a writable file path",
            got=exc.strerror or str(exc),
        ) from None


def print_summary_once(line: str, on_stdout: bool) -> None:
    """The summary line on stderr, unless the result just printed on stdout shows it already
    (table, markdown): with ``--output`` or JSON/SARIF on stdout it still reaches the user."""
    if not on_stdout:
        err_console.print(line, highlight=False, markup=False)


def table_width(output: Path | None) -> int | None:
    """The terminal's width for a table printed on it; None (the writer's fixed default, so
    files and pipes are reproducible) when writing to ``--output`` or a pipe."""
    return out_console.width if output is None and out_console.is_terminal else None
