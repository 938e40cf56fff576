"""Scenario upload on the ``/simulate`` page (review of issue 12): a scenario file sent from
the browser runs like one typed as a path - the CLI's loader and limits, its relative paths
held to the served folder, messages naming the file as it was sent."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.examples_paths import CONTOSO, EXAMPLES, SCENARIOS
from typer.testing import CliRunner

from caflow.cli.main import app as cli
from caflow.web.app import create_app

SCENARIO = (SCENARIOS / "effect1-future-runs.yaml").read_text()
HEAD = b"start: 2026-03-01T00:00:00Z\nend: 2026-03-02T00:00:00Z\n"


@pytest.fixture
def served(tmp_path: Path) -> tuple[TestClient, Path]:
    shutil.copytree(CONTOSO, tmp_path / "contoso")
    return TestClient(create_app(CONTOSO, root=tmp_path, examples=EXAMPLES)), tmp_path


def _alert(html: str) -> str:
    match = re.search(r'role="alert">\s*<h2>[^<]*</h2>\s*<p><code>([^<]*)', html)
    assert match, html[-2000:]
    return match.group(1)


def test_uploaded_scenario_runs_like_the_cli(served: tuple[TestClient, Path]) -> None:
    client, root = served
    page = client.get("/simulate").text
    assert 'name="scenario_file"' in page and 'enctype="multipart/form-data"' in page
    text = SCENARIO.replace("tenant: ../contoso", "tenant: contoso")
    assert text != SCENARIO  # relative to the served folder, as the page says
    r = client.post("/simulate/upload", files={"scenario_file": ("mine.yaml", text.encode())})
    assert r.status_code == 200, _alert(r.text)
    (root / "mine.yaml").write_text(text)
    res = CliRunner().invoke(cli, ["simulate", str(root / "mine.yaml"), "--json"])
    assert res.exit_code in (0, 1), res.output
    broken = [c for c in json.loads(res.stdout)["connections"] if c.get("brokenAt")]
    assert broken and all(c["id"] in r.text and c["brokenAt"] in r.text for c in broken)


def test_uploaded_scenario_errors_name_the_file_as_sent(
    served: tuple[TestClient, Path],
) -> None:
    client, root = served
    bad = client.post(
        "/simulate/upload", files={"scenario_file": ("mine.yaml", b"tenant: contoso\nbogus: 1\n")}
    )
    assert bad.status_code == 400
    assert _alert(bad.text).startswith("mine.yaml: /bogus: unknown key")
    assert "caflow-serve-" not in bad.text and str(root) not in _alert(bad.text)
    outside = client.post(
        "/simulate/upload", files={"scenario_file": ("x.yaml", HEAD + b"tenant: ../../etc\n")}
    )
    assert outside.status_code == 403 and "/tenant: path outside the served folder" in outside.text
    none = client.post("/simulate/upload", data={"until": "2026-03-01T00:00:00Z"})
    assert none.status_code == 400 and "no scenario file uploaded" in none.text
    hidden = client.post("/simulate/upload", files={"scenario_file": ("../x.yaml", b"{}")})
    assert hidden.status_code == 403


def test_uploaded_scenario_over_the_limit_is_413(tmp_path: Path) -> None:
    client = TestClient(create_app(CONTOSO, root=tmp_path, examples=EXAMPLES, max_upload=2048))
    r = client.post("/simulate/upload", files={"scenario_file": ("big.yaml", b"#" * 100_000)})
    assert r.status_code == 413 and "2,048-byte limit" in r.text
