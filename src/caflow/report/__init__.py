"""Writers: ``render(result) -> str`` per format; commands never format (STYLE.md 7).

Each writer accepts an advise result or a check result (``caflow.check.plan.CheckResult``);
text formats are rendered from the JSON-ready model so they cannot disagree.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

__all__ = ["FORMATS", "Renderer", "render"]


class Renderer(Protocol):
    def __call__(self, result: Any) -> str: ...


def _load(name: str) -> Renderer:
    import importlib

    return importlib.import_module(f"caflow.report.{name}").render  # type: ignore[no-any-return]


FORMATS: tuple[str, ...] = ("table", "json", "markdown", "sarif")


def render(result: Any, fmt: str) -> str:
    """Render ``result`` in ``fmt`` (one of ``FORMATS``)."""
    module = {"table": "table", "json": "json", "markdown": "markdown", "sarif": "sarif"}[fmt]
    renderer: Callable[[Any], str] = _load(module)
    return renderer(result)
