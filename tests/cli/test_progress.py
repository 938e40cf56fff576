"""The progress bar every long verb shows (caflow.cli.progress): on a terminal only, fed
fractions or - ``caflow pull`` - steps out of a known total (review of issue 9, L9)."""

from __future__ import annotations

import io

import pytest

from caflow.cli import progress as progress_module
from caflow.report.terminal import SafeConsole


def test_no_bar_when_stderr_is_not_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(progress_module, "err_console", SafeConsole(file=io.StringIO()))
    with progress_module.progress_bar("reading the tenant", steps=3) as advance:
        assert advance is None


def test_steps_are_drawn_as_a_bar_with_m_of_n(monkeypatch: pytest.MonkeyPatch) -> None:
    """The last frame (rich draws it when the bar stops, then erases it: transient) shows the
    label given last, the bar and ``3/3``."""
    screen = io.StringIO()
    console = SafeConsole(file=screen, force_terminal=True, width=100, color_system=None)
    monkeypatch.setattr(progress_module, "err_console", console)
    with progress_module.progress_bar("reading the tenant", steps=3) as advance:
        assert advance is not None
        advance(1, "reading policies: 14 items")
        advance(3, "read")
    frames = screen.getvalue()
    assert "read " in frames and "3/3" in frames and "━" in frames
    with progress_module.progress_bar("simulating") as fraction:  # fractions: no M/N column
        assert fraction is not None
        fraction(0.5)
    assert "simulating" in screen.getvalue() and "/1" not in screen.getvalue()
