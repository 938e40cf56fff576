"""Progress bars on long runs: rich, on stderr, only when stderr is a terminal."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from caflow.cli.common import err_console

__all__ = ["progress_bar"]


@contextmanager
def progress_bar(label: str) -> Iterator[Callable[[float], None] | None]:
    """A transient bar fed fractions 0..1; ``None`` when stderr is not a terminal, so callers
    pass no callback and pay nothing per step."""
    if not err_console.is_terminal:
        yield None
        return
    from rich.progress import Progress

    with Progress(console=err_console, transient=True) as bar:
        task = bar.add_task(label, total=1.0)
        yield lambda done: bar.update(task, completed=done)
