"""Wide tables (the what-if matrix: 6 apps and more) at a 1280 px window: they scroll inside a
named, focusable region with the user column kept in view, the page itself never scrolls
sideways and no column is cut off (WCAG 1.4.10 reflow), in a report opened from disk."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.browser.checks import assert_tables_have_headers, assert_wide_tables_scroll
from tests.browser.conftest import open_page
from tests.examples_paths import CONTOSO
from typer.testing import CliRunner

from caflow.cli.main import app

AT = "2026-02-01T09:00:00Z"


def test_matrix_report_scrolls_its_wide_table(browser: Any, tmp_path: Path) -> None:
    source, out = tmp_path / "matrix.json", tmp_path / "matrix.html"
    res = CliRunner().invoke(
        app, ["matrix", str(CONTOSO), "--at", AT, "--format", "json", "-o", str(source)]
    )
    assert res.exit_code in (0, 1), res.output
    res = CliRunner().invoke(app, ["report", str(source), "-o", str(out)])
    assert res.exit_code == 0, res.output
    context, page, watch = open_page(browser, allowed=("file:",))
    try:
        page.goto(out.as_uri())
        main = page.locator("main")
        assert_wide_tables_scroll(page, main, "Decision per user")
        assert_tables_have_headers(main)
    finally:
        context.close()
    assert not watch.problems(), watch.problems()


def test_matrix_html_format_scrolls_its_wide_table(browser: Any, tmp_path: Path) -> None:
    """``caflow matrix --format html`` (its own page, not the report's) does the same."""
    out = tmp_path / "matrix.html"
    res = CliRunner().invoke(
        app, ["matrix", str(CONTOSO), "--at", AT, "--format", "html", "-o", str(out)]
    )
    assert res.exit_code in (0, 1), res.output
    context, page, watch = open_page(browser, allowed=("file:",))
    try:
        page.goto(out.as_uri())
        assert_wide_tables_scroll(page, page.locator("main"), "Users × sign-in contexts")
    finally:
        context.close()
    assert not watch.problems(), watch.problems()


def test_findings_evidence_column_stays_narrow_and_opens_in_full(
    browser: Any, tmp_path: Path
) -> None:
    """Review of issue 12: long file#pointer evidence widened the findings table. The column
    is at most 18rem wide (long paths wrap) and its details element shows the full list."""
    source, out = tmp_path / "advise.json", tmp_path / "advise.html"
    res = CliRunner().invoke(app, ["advise", str(CONTOSO), "--json", "-o", str(source)])
    assert res.exit_code in (0, 1), res.output
    assert CliRunner().invoke(app, ["report", str(source), "-o", str(out)]).exit_code == 0
    context, page, watch = open_page(browser, allowed=("file:",))
    try:
        page.goto(out.as_uri())
        cells = page.locator("td.evidence")
        assert cells.count() > 0
        widths = [cells.nth(i).bounding_box()["width"] for i in range(cells.count())]
        rem = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
        assert max(widths) <= 18 * rem + 1, (widths, rem)
        first = cells.locator("details").first
        full = first.locator(":scope > code").first
        assert not full.is_visible()
        first.locator("summary").click()
        assert full.is_visible() and "#/" in full.inner_text()
        page_width = page.evaluate("document.documentElement.scrollWidth")
        assert page_width <= 1280, page_width  # the page itself never scrolls sideways
    finally:
        context.close()
    assert not watch.problems(), watch.problems()
