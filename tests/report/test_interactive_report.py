"""``caflow report --interactive`` (issue 12 item 2): the vendored vega, vega-lite and
vega-embed builds and each chart's Vega-Lite spec inlined, the static SVG kept as the fallback;
the default page stays script-free. The browser side: tests/browser/test_interactive_report.py."""

from __future__ import annotations

import json
import re
from importlib.resources import files
from pathlib import Path

import pytest
from tests.report.test_html_report import RUNS, _json
from typer.testing import CliRunner

from caflow.cli.main import app
from caflow.report import charts
from caflow.report.vendor import VEGA_FILES, VERSIONS, vega_scripts

VENDOR = files("caflow.report.vendor")
SPECS = re.compile(r'<script type="application/json" id="caflow-chart-specs">(.*?)</script>', re.S)


def _report(tmp_path: Path, *extra: str) -> str:
    source = _json(tmp_path, "check", RUNS["check"])
    out = tmp_path / "check.html"
    res = CliRunner().invoke(app, ["report", str(source), "-o", str(out), *extra])
    assert res.exit_code == 0, res.output
    return out.read_text(encoding="utf-8")


def test_vendored_builds_match_altair_and_carry_their_licenses() -> None:
    altair = pytest.importorskip("altair")
    assert VERSIONS["vega-lite"] == altair.VEGALITE_VERSION
    assert VERSIONS["vega"].split(".")[0] == altair.VEGA_VERSION.split(".")[0]
    assert VERSIONS["vega-embed"].split(".")[0] == altair.VEGAEMBED_VERSION.split(".")[0]
    lite = VENDOR.joinpath("vega-lite.min.js").read_text(encoding="utf-8")
    assert f'"{VERSIONS["vega-lite"]}"' in lite  # the build is the version it says
    for name in ("vega", "vega-lite", "vega-embed"):
        licence = VENDOR.joinpath(f"{name}.LICENSE").read_text(encoding="utf-8")
        assert "University of Washington Interactive Data Lab" in licence
    notices = VENDOR.joinpath("THIRD-PARTY-NOTICES.txt").read_text(encoding="utf-8")
    for bundled in ("d3-array", "d3-scale", "d3-shape", "delaunator", "fast-json-patch", "semver"):
        assert re.search(rf"^{bundled} \S+ \(", notices, re.M), bundled
    assert "ISC" in notices and "Mike Bostock" in notices
    for name in VEGA_FILES:  # no source map to look for: the maps are not shipped
        assert "sourceMappingURL" not in VENDOR.joinpath(name).read_text(encoding="utf-8")


def test_default_report_has_no_script(tmp_path: Path) -> None:
    page = _report(tmp_path)
    assert "<script" not in page


def test_interactive_report_inlines_runtime_and_specs(tmp_path: Path) -> None:
    if not charts.available():
        pytest.fail("the report extra (altair, vl-convert) is part of the dev install")
    page = _report(tmp_path, "--interactive")
    for js in vega_scripts():
        assert f"<script>{js}</script>" in page
    assert not re.search(r"<script[^>]*\bsrc=", page)  # nothing to fetch
    (blob,) = SPECS.findall(page)
    specs = json.loads(blob)
    assert set(specs) == {"timeline", "bars"}
    for spec in specs.values():
        assert spec["$schema"].endswith(f"/v{VERSIONS['vega-lite']}.json")
        assert spec["description"]
    # tooltips: the bars name policy and id, the timeline kind, day and count
    bar_tips = [
        t["field"] for layer in specs["bars"]["layer"] for t in layer["encoding"]["tooltip"]
    ]
    assert {"policy", "id", "count"} <= set(bar_tips)
    # the static charts stay: what a reader without JavaScript sees
    assert page.count("<svg") >= 2 and 'aria-labelledby="timeline-caption"' in page
    assert len(page) > 800_000  # the runtime is inlined, not linked


def test_interactive_inside_the_json_cannot_end_the_script(tmp_path: Path) -> None:
    """Tenant text in a spec (a policy named ``</script>``) stays data: ``tojson`` escapes
    ``<``, so the JSON script element cannot be closed from inside."""
    from caflow.report.page import render_report

    data = json.loads(_json(tmp_path, "simulate", RUNS["simulate"]).read_text(encoding="utf-8"))
    for p in data["policies"]:
        p["displayName"] = "</script><script>alert(1)</script>"
    page, _ = render_report(data, interactive=True)
    (blob,) = SPECS.findall(page)  # one element, closed where caflow closes it
    assert "<" not in blob
    assert json.loads(blob)["bars"]["data"]["values"][0]["policy"].startswith("</script>")
