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


FORMATS: tuple[str, ...] = tuple(f.value for f in OutputFormat)


def render(result: Any, fmt: str) -> str:
    """Render ``result`` in ``fmt`` (one of ``FORMATS``)."""
    module = OutputFormat(fmt).value
    renderer: Renderer = importlib.import_module(f"caflow.report.{module}").render
    return renderer(result)
