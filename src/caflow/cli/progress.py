"""Progress bars on long runs: rich, on stderr, only when stderr is a terminal."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

from caflow.cli.common import err_console

__all__ = ["Advance", "progress_bar"]


class Advance(Protocol):
    """Feeds a bar: how much is done, and optionally what is being done now."""

    def __call__(self, done: float, label: str | None = None) -> None: ...


@contextmanager
def progress_bar(label: str, steps: int | None = None) -> Iterator[Advance | None]:
    """A transient bar fed fractions 0..1 - or, with ``steps``, the number of steps done out of
    a known total, shown as ``M/N`` (``caflow pull``: the parts it reads) - and optionally a new
    label. ``None`` when stderr is not a terminal (a pipe, CI), so callers pass no callback and
    pay nothing per step."""
    if not err_console.is_terminal:
        yield None
        return
    from rich.progress import MofNCompleteColumn, Progress

    columns = Progress.get_default_columns()
    if steps is not None:
        columns = (*columns, MofNCompleteColumn())
    with Progress(*columns, console=err_console, transient=True) as bar:
        task = bar.add_task(label, total=float(steps) if steps is not None else 1.0)

        def advance(done: float, label: str | None = None) -> None:
            if label is None:
                bar.update(task, completed=done)
            else:
                bar.update(task, completed=done, description=label)

        yield advance
