"""``caflow examples [DIR]``: copy the bundled example tenant and scenarios out for editing.

The examples ship inside the package (``caflow/examples``, read with ``importlib.resources``)
so ``caflow demo`` works after a plain ``pip install`` from any directory; every ``--help``
example names them as ``examples/...``, which is where this command puts them by default.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from importlib.resources import as_file, files
from pathlib import Path

import typer

from caflow.cli.common import err_console, guard
from caflow.cli.exit import EXIT_CODES_HELP
from caflow.errors import InputError

__all__ = ["example_path", "register"]

_PACKAGE_DIR = "examples"


def example_path(*parts: str) -> Path:
    """A file or folder of the bundled examples (package data, whatever the working directory)."""
    with as_file(files("caflow").joinpath(_PACKAGE_DIR, *parts)) as path:
        # An installed package is a real folder (as_file returns it as is, nothing temporary).
        if not path.exists():
            raise FileNotFoundError(f"caflow package data is incomplete: {path}")
        return path


def copy_examples(target: Path, *, force: bool = False) -> list[Path]:
    """Copy each top-level example folder into ``target``; returns the copied folders.

    Refuses (bad input) when one already exists, unless ``force``; each folder is copied to a
    temporary sibling and renamed into place, so an interrupted copy leaves nothing half-written.
    """
    source = example_path()
    entries = sorted(p for p in source.iterdir() if not p.name.startswith((".", "__")))
    if target.exists() and not target.is_dir():
        raise InputError("not a folder", file=str(target), expected="a folder to copy into")
    existing = [target / p.name for p in entries if (target / p.name).exists()]
    if existing and not force:
        raise InputError(
            "already exists",
            file=str(existing[0]),
            hint="choose another folder, or --force to replace the example folders",
        )
    try:
        target.mkdir(parents=True, exist_ok=True)
        copied: list[Path] = []
        for entry in entries:
            dest = target / entry.name
            tmp = Path(tempfile.mkdtemp(dir=target, prefix=f".{entry.name}."))
            try:
                staged = tmp / entry.name
                if entry.is_dir():
                    shutil.copytree(entry, staged, ignore=shutil.ignore_patterns("__pycache__"))
                else:
                    shutil.copy2(entry, staged)
                if dest.is_dir():
                    shutil.rmtree(dest)
                os.replace(staged, dest)
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
            copied.append(dest)
    except OSError as exc:
        raise InputError(
            "cannot copy the examples",
            file=str(exc.filename or target),
            expected="a writable folder",
            got=exc.strerror or str(exc),
        ) from None
    return copied


def register(app: typer.Typer) -> None:
    @app.command(
        epilog=(
            "Examples:\n\n"
            "  # ./examples/{contoso,scenarios,requests,proposals,signins,ci}:\n"
            "  caflow examples\n\n"
            "  caflow whatif examples/contoso --help\n\n"
            "  caflow examples my-copy --force\n\n" + EXIT_CODES_HELP
        )
    )
    def examples(
        directory: Path = typer.Argument(
            Path("examples"), help="Folder to copy into (created if missing)."
        ),
        force: bool = typer.Option(
            False, "--force", help="Replace example folders that already exist there."
        ),
    ) -> None:
        """Copy the example tenant (contoso), scenarios, What If requests, proposed changes, a
        sign-in log and the CI workflow out for editing."""
        with guard():
            copied = copy_examples(directory, force=force)
        for path in copied:
            typer.echo(str(path))
        err_console.print(
            f"Copied {len(copied)} example folders into {directory}. "
            f"Try: caflow whatif {directory / 'contoso'} --help",
            highlight=False,
            markup=False,
        )
