"""Hang detection for hostile-input tests, not a performance measurement.

Issue 8's "exit 2 within a second" is measured in ``benchmarks/bench_hostile.py``; tests only
fail when work that must be bounded (alias bombs, tiny periods, deep nesting) is not bounded
at all, with a limit far above any honest run so a busy CI machine never trips it.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager

#: Seconds after which a hostile input counts as a hang (real refusals take < 0.5 s).
HANG_GUARD_SECONDS = 15.0


@contextmanager
def hang_guard(seconds: float = HANG_GUARD_SECONDS) -> Iterator[None]:
    """Raise ``TimeoutError`` inside the block when it runs longer than ``seconds``."""

    def _timeout(signum: int, frame: object) -> None:
        raise TimeoutError(f"still running after {seconds:.0f} s: unbounded work")

    previous = signal.signal(signal.SIGALRM, _timeout)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
