"""Shared CLI plumbing: consoles, error reporting, atomic output, tenant loading."""

from __future__ import annotations

import os
import stat
import sys
import tempfile
import traceback
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from datetime import datetime
from pathlib import Path

import typer

from caflow.cli.exit import ExitStatus
from caflow.errors import CaflowError, InputError, Shown, UnsafePathError
from caflow.report.anchor import SourceAnchor
from caflow.report.rulelinks import DocLinks, docs_links
from caflow.report.terminal import BrokenOutputError, SafeConsole, displayable, encodable

__all__ = [
    "err_console",
    "guard",
    "load_tenant",
    "out_console",
    "parse_when",
    "print_summary_once",
    "replace_with",
    "table_width",
    "warn_loaded",
    "write_atomic",
    "write_output",
    "write_stdout",
    "writes_through",
]


# Markup off and control characters made visible: names from a bundle are shown, never obeyed.
out_console = SafeConsole()
err_console = SafeConsole(stderr=True, soft_wrap=True)


def debug_enabled() -> bool:
    """``CAFLOW_DEBUG`` set to anything but empty, 0, false, no or off."""
    return os.environ.get("CAFLOW_DEBUG", "").strip().lower() not in ("", "0", "false", "no", "off")


def _say(text: str) -> None:
    """One line on stderr; if stderr itself is gone there is nobody left to tell."""
    with suppress(BrokenOutputError):
        err_console.print(text, highlight=False, markup=False, style="red")


def _silence_stdout() -> None:
    """After stdout broke, point it at /dev/null so the interpreter's final flush stays quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass  # not a real file descriptor (tests capture stdout)


@contextmanager
def guard() -> Iterator[None]:
    """Turn caflow errors into one clear line on stderr and exit code 2; never a traceback.

    An unexpected exception is an internal error: also exit 2 (ruff's convention), with one
    line asking for a report; ``CAFLOW_DEBUG=1`` adds the traceback (still exit 2). Standard
    output that cannot be written (closed pipe, full disk) is exit 1 with one line. Every file
    read inside the block is recorded so that ``--output`` never overwrites an input.
    """
    from caflow.io.decode import track_reads

    try:
        with track_reads():
            yield
    except BrokenOutputError as exc:
        _silence_stdout()
        _say(f"error: {exc}")
        raise typer.Exit(code=int(ExitStatus.FAILURE)) from None
    except CaflowError as exc:
        _say("error: " + str(exc))
        raise typer.Exit(code=int(ExitStatus.ERROR)) from None
    except (typer.Exit, KeyboardInterrupt):
        raise
    except Exception as exc:
        if debug_enabled():
            with suppress(OSError):
                traceback.print_exc(file=sys.stderr)
        _say(
            f"internal error: {type(exc).__name__} "
            "(a caflow bug: please report it with the input; CAFLOW_DEBUG=1 shows the traceback)"
        )
        raise typer.Exit(code=int(ExitStatus.ERROR)) from None


def load_tenant(path: Path):
    """Load a bundle (folder, zip, corpus folder or single export file); a policy whose filter
    rule caflow cannot parse becomes undetermined with a warning (exported, Entra-validated)."""
    from caflow.engine.unparsable import quarantine_unparsable
    from caflow.io.bundle import LoadReport, load_bundle

    report = LoadReport()
    tenant = quarantine_unparsable(load_bundle(path, report))
    warn_loaded(tenant)
    for note in report.notes(path, tenant):
        err_console.print("note: " + note, highlight=False, markup=False)
    return tenant


def warn_loaded(tenant, already=()) -> None:
    """What loading made undetermined, on stderr whatever the output format (text and table
    outputs carry no ``warnings[]``); the sentences are ``caflow.io.bundle.load_warnings``'s
    (``caflow serve`` shows the same). Those of ``already`` (e.g. the baseline's) were printed
    before."""
    from caflow.io.bundle import load_warnings

    for text in load_warnings(tenant, already):
        err_console.print("warning: " + text, highlight=False, markup=False, style="yellow")


def parse_when(
    value: str | None, default: Callable[[], datetime] | None = None, *, option: str = "--at"
) -> datetime:
    """:func:`caflow.io.fields.parse_when`, imported when a verb runs: its module pulls in the
    ISO 8601 duration libraries, which ``caflow --help`` does not need (start-up time)."""
    from caflow.io.fields import parse_when as parse

    return parse(value, default, option=option)


def _pieces(text: str | Iterable[str]) -> Iterable[str]:
    return (text,) if isinstance(text, str) else text


def write_atomic(path: Path, text: str | Iterable[str]) -> None:
    """Write via a temp file + rename so a failure never leaves half a file (exit 2 rule).

    A replaced file keeps its permission bits; a new one gets the usual ``0o666 & ~umask``.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace") as fh:
            fh.writelines(_pieces(text))
        replace_with(Path(tmp), path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def replace_with(tmp: Path, path: Path) -> None:
    """Rename the finished temp file ``tmp`` (``mkstemp``: mode 0600) onto ``path``: a
    replaced file keeps its permission bits, a new one gets ``0o666 & ~umask``."""
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    os.chmod(tmp, mode)
    os.replace(tmp, path)


def _refuse(output: Path, why: str) -> UnsafePathError:
    return UnsafePathError(
        why, file=str(output), hint="choose another --output path (nothing was written)"
    )


def write_output(output: Path, text: str | Iterable[str]) -> None:
    """Write the result to ``output`` without ever destroying something else.

    Refused (exit 2): a path that is one of this command's input files (also through a link),
    a symbolic link to anything but a FIFO or character device, a directory, a block device or
    socket. Written through: a FIFO or character device (``/dev/stdout``, process substitution).
    Otherwise atomically replaced (temp file + rename).
    """
    if writes_through(output):
        with open(output, "w", encoding="utf-8", errors="backslashreplace") as fh:
            fh.writelines(_pieces(text))
        return
    write_atomic(output, text)


def writes_through(output: Path) -> bool:
    """How ``--output`` may be written (:func:`write_output`'s rules, for every writer of an
    output file, text or binary): True = write through (a FIFO or character device), False =
    replace atomically (a regular file, or nothing yet); anything else is refused (exit 2)."""
    from caflow.io.decode import reads_so_far

    try:
        link = os.lstat(output)
    except FileNotFoundError:
        link = None
    except OSError as exc:
        raise _refuse(output, f"cannot inspect the output path: {exc.strerror}") from None
    try:
        target = os.stat(output) if link is not None else None
    except OSError:
        target = None  # a dangling symbolic link
    if target is not None and (target.st_dev, target.st_ino) in reads_so_far():
        raise _refuse(output, "the output is one of the input files (it would be overwritten)")
    kind = target.st_mode if target is not None else 0
    if target is not None and (stat.S_ISFIFO(kind) or stat.S_ISCHR(kind)):
        return True
    if link is not None and stat.S_ISLNK(link.st_mode):
        raise _refuse(output, "the output is a symbolic link (never replaced or written through)")
    if target is not None and stat.S_ISDIR(kind):
        raise _refuse(output, "the output is a directory")
    if target is not None and not stat.S_ISREG(kind):
        raise _refuse(output, "the output is a device or socket, not a regular file")
    return False


def write_stdout(text: str | Iterable[str]) -> None:
    """The result on standard output: control characters made visible on a terminal, anything
    the stream's encoding cannot hold replaced; a stream that cannot be written is exit 1.
    Pieces (a streamed result) are written one by one; both rules apply per character."""
    stream = sys.stdout
    encoding = getattr(stream, "encoding", None)
    try:
        terminal = stream.isatty()
    except (OSError, ValueError):
        terminal = False
    safe = displayable if terminal else encodable
    try:
        for piece in _pieces(text):
            stream.write(safe(piece, encoding))
        stream.flush()
    except OSError as exc:
        raise BrokenOutputError(
            f"cannot write to standard output: {exc.strerror or type(exc).__name__}"
        ) from None


def emit(text: str | Iterable[str], output: Path | None) -> None:
    """Result to stdout, or safely to ``output``; a failed write is bad input (exit 2).
    ``text`` may be pieces (``report.render_chunks``), which end with their own newline."""
    if output is None:
        if isinstance(text, str) and not text.endswith("\n"):
            text += "\n"
        write_stdout(text)
        return
    try:
        write_output(output, text)
    except OSError as exc:
        raise InputError(
            "cannot write the output",
            file=str(output),
            expected="a writable file path",
            got=Shown(exc.strerror or type(exc).__name__),
        ) from None


def print_summary_once(line: str, on_stdout: bool) -> None:
    """The summary line on stderr, unless the result just printed on stdout shows it already
    (table, markdown): with ``--output`` or JSON/SARIF on stdout it still reaches the user."""
    if not on_stdout:
        err_console.print(line, highlight=False, markup=False)


def table_width(output: Path | None) -> int | None:
    """The width of a table printed on standard output: the terminal's on a terminal, else
    ``$COLUMNS`` when set (``COLUMNS=100 caflow matrix ... | less``), else None: the writer's
    fixed default (``report.terminal.DEFAULT_WIDTH``), which ``--output`` files always get so
    they are reproducible whatever the terminal. Every verb's table asks here (issue 9: "tables
    use the terminal width")."""
    if output is not None:
        return None
    if out_console.is_terminal:
        return out_console.width
    columns = os.environ.get("COLUMNS", "").strip()
    return int(columns) if columns.isdigit() and int(columns) > 0 else None


def doc_links(option: str | None) -> DocLinks:
    """Rule help links: ``--docs-base-url``, else ``$CAFLOW_DOCS_BASE_URL``, else relative."""
    return docs_links(option, os.environ)


def source_anchor(bundle: Path, root: Path | None) -> SourceAnchor:
    """Where evidence files are for ``--format sarif/github``: bundle-relative, or relative to
    ``--sarif-root`` (exit 2 when the bundle is not a folder inside it)."""
    return SourceAnchor(bundle if bundle.is_dir() else None, root)
