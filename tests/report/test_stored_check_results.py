"""``caflow report`` renders check results of every build alike (docs/output.md "Changes to
check's JSON"): the v1 build before the interim one (pairs only), the interim build whose
``usersBlocked[]`` held distinct users (pairs in ``userAppsBlocked[]``), and the current one.
The stored files are unedited outputs of those builds (tests/report/stored/README.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tests.examples_paths import CONTOSO
from tests.proposals import policy_for_all
from typer.testing import CliRunner

from caflow.cli.main import app
from caflow.report.page import build_page

STORED = Path(__file__).parent / "stored"
BUILDS = ["check-v1-pairs.json", "check-interim-per-user.json", "current"]


@pytest.fixture(scope="module")
def current(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same run by this build: examples/contoso with the stored files' all-block policy."""
    stored = json.loads((STORED / "check-v1-pairs.json").read_text(encoding="utf-8"))
    policy = stored["policyChanges"][0]
    assert policy["displayName"] == "all-block"
    folder = tmp_path_factory.mktemp("current")
    proposed = folder / "all-block.json"
    proposed.write_text(
        json.dumps(policy_for_all(policy["id"], "all-block", ["All"], ["block"])),
        encoding="utf-8",
    )
    out = folder / "check.json"
    res = CliRunner().invoke(
        app,
        [
            "check", "--baseline", str(CONTOSO), "--proposed", str(proposed),
            "--start", "2026-01-05T09:00:00Z", "--format", "json", "-o", str(out),
        ],
    )  # fmt: skip
    assert res.exit_code == 1, res.output
    return out


def _source(build: str, current: Path) -> Path:
    return current if build == "current" else STORED / build


def _facts(data: dict[str, Any]) -> tuple[str, dict[str, str], list[list[str]]]:
    page = build_page(data, "check")
    table = next(rows for title, _, rows in page.tables if title == "Users blocked")
    return page.headline, dict(page.facts), table


def test_every_build_reads_the_same(current: Path) -> None:
    now = json.loads(current.read_text(encoding="utf-8"))
    users, pairs = now["summary"]["blockedUsers"], now["summary"]["usersBlocked"]
    assert pairs > users > 1  # several apps per user: pairs and users differ
    want = _facts(now)
    for build in BUILDS[:2]:
        data = json.loads((STORED / build).read_text(encoding="utf-8"))
        headline, facts, table = _facts(data)
        assert headline == want[0] and f"{users} users blocked" in headline, build
        assert facts["users blocked"] == str(users), build
        assert facts["user × app pairs blocked"] == str(pairs), build
        assert len(table) == pairs and table == want[2], build


def test_the_interim_build_is_the_one_with_per_user_entries() -> None:
    """The stored interim file really has the shape the reader must recognise."""
    data = json.loads((STORED / "check-interim-per-user.json").read_text(encoding="utf-8"))
    assert "blockedUsers" not in data and "apps" in data["usersBlocked"][0]
    assert len(data["userAppsBlocked"]) > len(data["usersBlocked"])


@pytest.mark.parametrize("build", BUILDS)
def test_caflow_report_renders_each_build(tmp_path: Path, current: Path, build: str) -> None:
    page_file = tmp_path / "check.html"
    res = CliRunner().invoke(app, ["report", str(_source(build, current)), "-o", str(page_file)])
    assert res.exit_code == 0, res.output
    html = page_file.read_text(encoding="utf-8")
    interim = json.loads((STORED / "check-interim-per-user.json").read_text(encoding="utf-8"))
    users, pairs = len(interim["usersBlocked"]), len(interim["userAppsBlocked"])
    assert f"{users} users blocked" in html and f"{pairs} users blocked" not in html
    alice = next(u for u in interim["usersBlocked"] if u["user"] == "alice@contoso.com")
    assert html.count("alice@contoso.com") >= len(alice["apps"])  # a row per app
