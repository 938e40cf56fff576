"""Writers: ``render(result) -> str`` per format; commands never format (STYLE.md 7).

Each writer accepts an advise result or a check result (``caflow.check.plan.CheckResult``);
text formats are rendered from the JSON-ready model so they cannot disagree.
"""

from __future__ import annotations

import importlib
from enum import StrEnum
from typing import Any, Protocol

__all__ = ["FORMATS", "OutputFormat", "Renderer", "render"]


class Renderer(Protocol):
    def __call__(self, result: Any) -> str: ...


class OutputFormat(StrEnum):
    """``--format`` choices; each value is the writer module ``caflow.report.<value>``."""

    table = "table"
    json = "json"
    markdown = "markdown"
    sarif = "sarif"

    @property
    def shows_summary(self) -> bool:
        """The human formats carry the summary line themselves (table last, markdown first)."""
        return self in (OutputFormat.table, OutputFormat.markdown)


FORMATS: tuple[str, ...] = tuple(f.value for f in OutputFormat)


def render(result: Any, fmt: str, *, width: int | None = None) -> str:
    """Render ``result`` in ``fmt`` (one of ``FORMATS``); ``width`` sizes the table (the
    terminal's, when printing to one); other formats have no width."""
    module = OutputFormat(fmt).value
    renderer: Renderer = importlib.import_module(f"caflow.report.{module}").render
    if width is not None and fmt == OutputFormat.table:
        from caflow.report.table import render as render_table

        return render_table(result, width=width)
    return renderer(result)
