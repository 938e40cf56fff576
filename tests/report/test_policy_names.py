"""Reports and serve pages name policies by display name (issue 12): simulate, advise and check
write ``policies[] {id, displayName}`` (a contract extension) and the per-policy bars use it,
the id kept beside the name in the bars' table."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from tests.report.test_html_report import RUNS, _json

from caflow.report.impact import policy_names
from caflow.report.page import _bars, build_page, detect_kind

GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)


def _ids(node: Any, found: set[str]) -> set[str]:
    """Every policy id a result mentions (``policies`` lists of strings, ``policy`` fields)."""
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "policies" and isinstance(v, list) and all(isinstance(x, str) for x in v):
                found.update(v)
            _ids(v, found)
    elif isinstance(node, list):
        for v in node:
            _ids(v, found)
    return found


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("names")
    return {
        kind: json.loads(_json(tmp, kind, RUNS[kind]).read_text(encoding="utf-8"))
        for kind in ("simulate", "advise", "check")
    }


@pytest.mark.parametrize("kind", ["simulate", "advise", "check"])
def test_every_policy_id_in_a_result_has_its_name(
    results: dict[str, dict[str, Any]], kind: str
) -> None:
    data = results[kind]
    listed = {p["id"]: p["displayName"] for p in data["policies"]}
    mentioned = _ids(data, set()) - {"(tenant setting)"}
    assert mentioned, f"the example {kind} run names no policy: the test would prove nothing"
    assert mentioned <= listed.keys()
    assert all(name and not GUID.match(name) for name in listed.values())


@pytest.mark.parametrize("kind", ["simulate", "advise", "check"])
def test_bars_show_names_with_ids_beside(results: dict[str, dict[str, Any]], kind: str) -> None:
    data = results[kind]
    page = build_page(data, detect_kind(data, file=kind))
    listed = {p["id"]: p["displayName"] for p in data["policies"]}
    assert page.policy_bars
    for bar in page.policy_bars:
        assert not GUID.match(bar["policy"]), bar
        if bar["id"]:
            assert bar["policy"] == listed[bar["id"]]


def test_simulate_report_names_the_policy(
    results: dict[str, dict[str, Any]], tmp_path: Path
) -> None:
    from caflow.report.page import render_report

    html, _ = render_report(results["simulate"])
    section = html[html.index('id="per-policy"') :]
    assert "S101 - Require MFA for Microsoft Teams" in section
    assert "<code>66666666-0000-0000-0000-000000000101</code>" in section


def test_a_result_written_before_the_field_keeps_its_ids(
    results: dict[str, dict[str, Any]],
) -> None:
    """An artifact from an older caflow has no ``policies[]``: the report still renders, the
    bars show the ids as they are (docs/output.md)."""
    data = {k: v for k, v in results["simulate"].items() if k != "policies"}
    page = build_page(data, "simulate")
    assert [b["policy"] for b in page.policy_bars] == ["66666666-0000-0000-0000-000000000101"]
    assert page.policy_bars[0]["id"] == ""


def test_ids_match_whatever_their_case() -> None:
    names = policy_names(
        {"policies": [{"id": "ABCDEF00-0000-0000-0000-000000000001", "displayName": "P1"}]}
    )
    assert names.name("abcdef00-0000-0000-0000-000000000001") == "P1"
    assert names.name("unknown") == "unknown"
    # matrix writes {id: displayName}
    assert policy_names({"policies": {"x": "Matrix name"}}).name("X") == "Matrix name"


def test_policies_sharing_a_name_are_not_added_into_one_bar() -> None:
    names = policy_names(
        {"policies": [{"id": "a", "displayName": "Same"}, {"id": "b", "displayName": "Same"}]}
    )
    rows = _bars(Counter({"a": 2, "b": 1, "(tenant setting)": 1}), names)
    assert [r["policy"] for r in rows] == ["Same (a)", "Same (b)", "(tenant setting)"]
    assert [r["id"] for r in rows] == ["a", "b", ""]
