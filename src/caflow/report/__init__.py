"""Writers: ``render(result) -> str`` per format; commands never format.

Each writer accepts an advise result or a check result (``caflow.check.plan.CheckResult``);
text formats are rendered from the JSON-ready model so they cannot disagree.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from caflow.report.anchor import SourceAnchor
    from caflow.report.rulelinks import DocLinks

__all__ = ["FORMATS", "OutputFormat", "Renderer", "render", "render_chunks"]


class Renderer(Protocol):
    def __call__(self, result: Any) -> str: ...


class OutputFormat(StrEnum):
    """``--format`` choices; each value is the writer module ``caflow.report.<value>``."""

    table = "table"
    json = "json"
    markdown = "markdown"
    sarif = "sarif"
    junit = "junit"
    github = "github"

    @property
    def shows_summary(self) -> bool:
        """The human formats carry the summary line themselves (table last, markdown first)."""
        return self in (OutputFormat.table, OutputFormat.markdown)


FORMATS: tuple[str, ...] = tuple(f.value for f in OutputFormat)


#: Writers that locate evidence files for a code host (``anchor``: ``--sarif-root``).
ANCHORED = (OutputFormat.sarif, OutputFormat.github)
#: Writers that link rule ids to their documentation (``links``: ``--docs-base-url``).
LINKED = (OutputFormat.sarif, OutputFormat.github, OutputFormat.markdown, OutputFormat.junit)


def render(
    result: Any,
    fmt: str,
    *,
    width: int | None = None,
    anchor: SourceAnchor | None = None,
    links: DocLinks | None = None,
) -> str:
    """Render ``result`` in ``fmt`` (one of ``FORMATS``); ``width`` sizes the table (the
    terminal's, when printing to one); ``anchor`` places evidence files for the ``ANCHORED``
    formats and ``links`` rule documentation for the ``LINKED`` ones; other formats ignore
    them."""
    module = OutputFormat(fmt).value
    extra: dict[str, Any] = {}
    if anchor is not None and fmt in ANCHORED:
        extra["anchor"] = anchor
    if links is not None and fmt in LINKED:
        extra["links"] = links
    if extra:
        return importlib.import_module(f"caflow.report.{module}").render(result, **extra)
    renderer: Renderer = importlib.import_module(f"caflow.report.{module}").render
    if width is not None and fmt == OutputFormat.table:
        from caflow.report.table import render as render_table

        return render_table(result, width=width)
    return renderer(result)


def render_chunks(
    result: Any,
    fmt: str,
    *,
    width: int | None = None,
    anchor: SourceAnchor | None = None,
    links: DocLinks | None = None,
) -> Iterable[str]:
    """:func:`render` in pieces to write one after another: JSON streams the result's lists
    item by item (``to_json(lazy=True)``); other formats are one piece."""
    if fmt == OutputFormat.json:
        from caflow.report.json import chunks

        return chunks(result.to_json(lazy=True))
    return (render(result, fmt, width=width, anchor=anchor, links=links),)
