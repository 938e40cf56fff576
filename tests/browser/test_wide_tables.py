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
