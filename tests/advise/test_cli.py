from __future__ import annotations

import json

import pytest
from tests.examples_paths import CONTOSO
from typer.testing import CliRunner

from caflow.cli.main import app

CONTOSO = str(CONTOSO)
runner = CliRunner()


@pytest.mark.parametrize("fmt", ["table", "json", "markdown", "sarif"])
def test_formats_exit_0(fmt):
    res = runner.invoke(app, ["advise", CONTOSO, "--format", fmt])
    assert res.exit_code == 0, res.output


def test_fail_on_high_exits_1_and_output_file(tmp_path):
    out = tmp_path / "r.json"
    res = runner.invoke(app, ["advise", CONTOSO, "--fail-on", "high", "-f", "json", "-o", str(out)])
    assert res.exit_code == 1
    assert json.loads(out.read_text())["schemaVersion"] == 1


def test_fail_on_critical_passes():
    assert runner.invoke(app, ["advise", CONTOSO, "--fail-on", "critical"]).exit_code == 0


def test_bad_input_exit_2(tmp_path):
    assert runner.invoke(app, ["advise", str(tmp_path / "missing")]).exit_code == 2
