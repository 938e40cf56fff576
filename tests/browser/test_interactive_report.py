"""``caflow report --interactive`` opened from disk (``file://``) in a real Chromium: vega-embed
draws every chart from its inlined spec (marks with area), the static SVG it replaces is gone,
hovering a bar shows its tooltip (policy name and id), no console error, nothing requested but
the file itself; with JavaScript off the static SVG charts are what the reader gets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.browser.checks import assert_charts_drawn
from tests.browser.conftest import open_page
from tests.report.test_html_report import RUNS, _json
from typer.testing import CliRunner

from caflow.cli.main import app
from caflow.report import charts


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    if not charts.available():
        pytest.fail("the report extra (altair, vl-convert) is part of the dev install")
    tmp = tmp_path_factory.mktemp("interactive")
    source = _json(tmp, "check", RUNS["check"])
    out = tmp / "check.html"
    res = CliRunner().invoke(app, ["report", str(source), "--interactive", "-o", str(out)])
    assert res.exit_code == 0, res.output
    import json

    return out, json.loads(source.read_text(encoding="utf-8"))


def test_vega_draws_the_charts_with_tooltips(browser: Any, report: Any) -> None:
    path, data = report
    context, page, watch = open_page(browser, allowed=("file:",))
    warnings: list[str] = []  # vega logs spec problems as warnings: none either
    page.on("console", lambda m: warnings.append(m.text) if m.type == "warning" else None)
    try:
        url = path.as_uri()
        page.goto(url)
        for name in ("timeline", "bars"):
            figure = page.locator(f'figure[aria-labelledby="{name}-caption"][data-drawn="vega"]')
            figure.wait_for(timeout=15_000)
            assert figure.locator(":scope > svg").count() == 0  # the static chart was replaced
            svg = figure.locator(".vega-embed svg")
            assert svg.count() == 1 and svg.is_visible()
            assert svg.get_attribute("role") == "img" and svg.get_attribute("aria-label")
            marks = svg.locator("g.mark-rect path, g.mark-line path, g.mark-symbol path").all()
            assert any((b := m.bounding_box()) and b["width"] * b["height"] > 0 for m in marks)
        assert page.locator("details.vega-actions, .vega-actions").count() == 0  # actions off

        # a bar's tooltip names the policy and its id
        names = {p["id"]: p["displayName"] for p in data["policies"]}
        bars = page.locator('figure[aria-labelledby="bars-caption"] .vega-embed g.mark-rect path')
        bars.first.hover()
        tip = page.locator("#vg-tooltip-element.visible")
        tip.wait_for(timeout=5_000)
        text = tip.inner_text()
        assert "policy" in text and "id" in text and "count" in text
        assert any(pid in text and names[pid] in text for pid in names), text

        assert watch.requests == [url] and not watch.refused
        assert not warnings, warnings
    finally:
        context.close()
    assert not watch.problems(), watch.problems()


def test_without_javascript_the_static_charts_remain(browser: Any, report: Any) -> None:
    path, _ = report
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 1280, "height": 900}
    )
    try:
        page = context.new_page()
        page.goto(path.as_uri())
        assert_charts_drawn(page, {"timeline", "bars"})
        assert page.locator(".vega-embed").count() == 0
    finally:
        context.close()
