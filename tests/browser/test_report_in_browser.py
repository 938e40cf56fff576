"""A ``caflow report`` page opened from disk (``file://``) in a real Chromium: charts drawn and
visible, no console error, nothing requested but the file itself, headings and table semantics
an assistive technology can use. One page per result kind, including a replay read back from
the DuckDB store (``caflow report --store``)."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest
from tests.browser.checks import assert_charts_drawn, assert_tables_have_headers
from tests.browser.conftest import open_page, replay_store
from tests.report.test_html_report import RUNS, _json
from typer.testing import CliRunner

from caflow.cli.main import app
from caflow.report import charts

ROOT = Path(__file__).resolve().parents[2]
#: Which charts each page must draw (from the example runs: every kind has per-policy bars;
#: advise and matrix have no dated events, so no timeline).
CHARTS = {
    "advise": {"bars"},
    "check": {"timeline", "bars"},
    "simulate": {"timeline", "bars"},
    "matrix": {"bars"},
    "replay": {"timeline", "bars"},
}


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("reports")
    out: dict[str, Path] = {}
    for kind, args in RUNS.items():
        source = _json(tmp, kind, args)
        out[kind] = tmp / f"{kind}.html"
        res = CliRunner().invoke(app, ["report", str(source), "-o", str(out[kind])])
        assert res.exit_code == 0, res.output
    out["replay"] = tmp / "replay.html"
    res = CliRunner().invoke(
        app, ["report", "--store", str(replay_store(tmp)), "-o", str(out["replay"])]
    )
    assert res.exit_code == 0, res.output
    return out


@pytest.fixture
def report_page(browser: Any) -> Any:
    context, page, watch = open_page(browser, allowed=("file:",))
    yield page, watch
    context.close()
    assert not watch.problems(), watch.problems()


@pytest.mark.parametrize("kind", list(CHARTS))
def test_report_opens_offline_with_its_charts(
    reports: dict[str, Path], report_page: Any, kind: str
) -> None:
    page, watch = report_page
    url = reports[kind].as_uri()
    page.goto(url)
    page.wait_for_load_state("load")

    # nothing but the file itself was requested (the route aborts and records anything else)
    assert watch.requests == [url] and not watch.refused

    # charts: each expected one is drawn, named, visible, and has marks with a real size
    if not charts.available():
        pytest.fail("the report extra (altair, vl-convert) is part of the dev install")
    assert_charts_drawn(page, CHARTS[kind])

    # headings: one h1, levels never skip
    levels = page.eval_on_selector_all(
        "h1, h2, h3, h4, h5, h6", "els => els.map(e => Number(e.tagName[1]))"
    )
    assert levels.count(1) == 1 and levels[0] == 1
    assert all(b - a <= 1 for a, b in itertools.pairwise(levels))

    # tables: a caption, column headers with scope, and as many header cells as data columns
    assert assert_tables_have_headers(page) > 0

    # the summary states the result in words
    assert page.get_by_role("heading", name="Executive summary").is_visible()
    if kind == "replay":
        body = page.locator("main").inner_text()
        assert "svc-outlook" in body and "stored run" in body


def test_a_request_from_a_report_would_be_caught(browser: Any, tmp_path: Path) -> None:
    """The watch itself works: a page that fetches something is refused and reported."""
    html = tmp_path / "leaky.html"
    html.write_text(
        '<!DOCTYPE html><html lang="en"><title>x</title><img alt="x" '
        'src="https://cdn.example.invalid/x.png"></html>',
        encoding="utf-8",
    )
    context, page, watch = open_page(browser, allowed=("file:",))
    try:
        page.goto(html.as_uri())
        page.wait_for_load_state("load")
    finally:
        context.close()
    assert watch.refused == ["https://cdn.example.invalid/x.png"]
    assert any("cdn.example.invalid" in p for p in watch.problems())
