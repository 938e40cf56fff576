"""Golden files per output format (ruff's ``cli__format__output_format_*.snap``; STYLE.md 7).

advise (table, json, markdown, sarif) on examples/contoso at the fixed moment, and check
(table, markdown, json) with CA014 switched on by ``tests/check/fixtures/CA014-enabled.json``
from a fixed start. Output is deterministic: sorted findings, no wall clock, evidence relative
to the bundle root. After an intended change, rewrite the files and review the diff::

    CAFLOW_UPDATE_GOLDEN=1 python -m pytest -q tests/report/test_golden.py
"""

from __future__ import annotations

import json
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from tests.examples_paths import CONTOSO
from typer.testing import CliRunner

from caflow.advise import run_advise
from caflow.advise.context import DEFAULT_NOW
from caflow.check import CheckResult, build_proposed, run_check
from caflow.cli.main import app
from caflow.io.bundle import load_bundle
from caflow.model.durations import parse_iso_duration
from caflow.report import render

ROOT = Path(__file__).resolve().parents[2]
CA014_ENABLED = ROOT / "tests" / "check" / "fixtures" / "CA014-enabled.json"
GOLDEN = Path(__file__).parent / "golden"
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
SUFFIX = {"table": "table.txt", "json": "json", "markdown": "md", "sarif": "sarif"}
UPDATE = os.environ.get("CAFLOW_UPDATE_GOLDEN") == "1"


def _compare(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"missing {path}: run with CAFLOW_UPDATE_GOLDEN=1"
    want = path.read_text(encoding="utf-8")
    assert text == want, f"{name} differs from its golden file (CAFLOW_UPDATE_GOLDEN=1 rewrites it)"
    assert str(ROOT) not in text and "/tmp/" not in text, "absolute path in output"


@pytest.fixture(scope="module")
def check_result() -> CheckResult:
    base = load_bundle(CONTOSO)
    proposed = build_proposed(base, [CA014_ENABLED])
    return run_check(base, proposed, START, parse_iso_duration("P90D").after(START))


@pytest.mark.parametrize("fmt", ["table", "json", "markdown", "sarif"])
def test_advise_golden(fmt: str) -> None:
    result = run_advise(load_bundle(CONTOSO), now=DEFAULT_NOW)
    _compare(f"advise.{SUFFIX[fmt]}", render(result, fmt))


@pytest.mark.parametrize("fmt", ["table", "json", "markdown"])
def test_check_golden(check_result: CheckResult, fmt: str) -> None:
    _compare(f"check.{SUFFIX[fmt]}", render(check_result, fmt))


def test_cli_output_equals_golden_from_a_copy_elsewhere(tmp_path: Path) -> None:
    """The same bundle at another absolute path renders byte-identical reports."""
    if UPDATE:
        pytest.skip("golden files are being rewritten")
    copy = tmp_path / "somewhere" / "contoso"
    shutil.copytree(CONTOSO, copy)
    runner = CliRunner()
    res = runner.invoke(app, ["advise", str(copy), "--at", "2026-01-05T09:00:00Z", "-f", "json"])
    assert res.exit_code == 0, res.output
    assert res.stdout == (GOLDEN / "advise.json").read_text(encoding="utf-8")
    res = runner.invoke(
        app,
        [
            "check",
            "--baseline",
            str(copy),
            "--proposed",
            str(CA014_ENABLED),
            "--start",
            "2026-01-05T09:00:00Z",
            "-f",
            "json",
        ],
    )
    assert res.exit_code == 1, res.output
    assert res.stdout == (GOLDEN / "check.json").read_text(encoding="utf-8")


def test_golden_json_is_versioned_and_sorted() -> None:
    data = json.loads((GOLDEN / "advise.json").read_text(encoding="utf-8"))
    assert data["schemaVersion"] == 1 and data["now"] == "2026-01-05T09:00:00Z"
    order = {"FAIL": 0, "UNDETERMINED": 1, "SUPPRESSED": 2, "PASS": 3}
    keys = [order[f["status"]] for f in data["findings"]]
    assert keys == sorted(keys)
    assert all(not e["file"].startswith("/") for f in data["findings"] for e in f["evidence"])
