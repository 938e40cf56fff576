"""Assertions shared by the browser tests: a chart is drawn (visible, named, marks with area)
and tables have the semantics a screen reader needs."""

from __future__ import annotations

from typing import Any

__all__ = ["assert_charts_drawn", "assert_tables_have_headers", "assert_wide_tables_scroll"]


def assert_charts_drawn(scope: Any, names: set[str]) -> None:
    """Exactly the figures ``names`` (``<figure aria-labelledby="NAME-caption">``) under
    ``scope``; each holds a visible SVG with an accessible name, a sensible size and marks
    (bars, lines, points) that cover some area."""
    figures = scope.locator("figure").all()
    assert {f.get_attribute("aria-labelledby") for f in figures} == {f"{n}-caption" for n in names}
    for svg in scope.locator("figure > svg").all():
        assert svg.is_visible()
        assert svg.get_attribute("role") == "img" and (svg.get_attribute("aria-label") or "")
        assert svg.locator("title").count() == 1
        box = svg.bounding_box()
        assert box and box["width"] > 100 and box["height"] > 50
        marks = svg.locator("g.mark-rect path, g.mark-line path, g.mark-symbol path").all()
        assert any((b := m.bounding_box()) and b["width"] * b["height"] > 0 for m in marks), (
            "chart marks have no area"
        )


def assert_tables_have_headers(scope: Any) -> int:
    """Every table under ``scope`` has a caption and scoped column headers, one per column;
    returns how many tables there were."""
    tables = scope.locator("table").all()
    for table in tables:
        assert table.locator("caption").inner_text().strip()
        heads = table.locator("thead th")
        assert heads.count() > 0
        assert all(h.get_attribute("scope") == "col" for h in heads.all())
        widths = table.evaluate(
            "t => [...t.tBodies].flatMap(b => [...b.rows]).map(r => r.cells.length)"
        )
        assert all(w == heads.count() for w in widths)
    return len(tables)


def assert_wide_tables_scroll(page: Any, scope: Any, wide: str) -> None:
    """The page never scrolls sideways; every table under ``scope`` sits in a focusable region
    (``role="region"``, ``tabindex="0"``) named by the table's caption; the table whose caption
    starts with ``wide`` really is wider than its region, and scrolling the region brings its
    last column into view while the first column stays put (sticky)."""
    doc = page.evaluate("() => [document.documentElement.scrollWidth, innerWidth]")
    assert doc[0] <= doc[1], f"the page scrolls sideways: {doc}"
    tables = scope.locator("table").all()
    assert tables
    for table in tables:
        region = table.locator("xpath=..")
        assert region.get_attribute("role") == "region" and region.get_attribute("tabindex") == "0"
        label = region.get_attribute("aria-labelledby")
        assert label and table.locator("caption").get_attribute("id") == label
    region = scope.locator(".scroll", has=page.locator(f"caption:text-matches('^{wide}')"))
    assert region.count() == 1
    width, visible = region.evaluate("r => [r.scrollWidth, r.clientWidth]")
    assert width > visible, "the wide table fits: this check would prove nothing"
    first = region.locator("tbody tr").first.locator("> :first-child")
    last = region.locator("thead th").last
    before = first.bounding_box()
    region.focus()
    page.keyboard.press("End")  # a focused region scrolls by keyboard
    region.evaluate("r => { r.scrollLeft = r.scrollWidth; }")
    box, frame, after = last.bounding_box(), region.bounding_box(), first.bounding_box()
    assert box and frame and before and after
    assert frame["x"] <= box["x"] and box["x"] + box["width"] <= frame["x"] + frame["width"] + 1
    assert abs(after["x"] - before["x"]) < 1, "the first column scrolled away"
