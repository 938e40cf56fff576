"""Human timeline: policy display names next to ids, colour only on a terminal; the JSON
contract keeps ids only (DESIGN.md "simulate --json")."""

from __future__ import annotations

import json

from rich.console import Console
from tests.examples_paths import SCENARIOS
from typer.testing import CliRunner

from caflow.cli.main import app
from caflow.simulate.render import render_text, render_timeline

S120 = "66666666-0000-0000-0000-000000000120"
S120_NAME = "S120 - Block Teams outside trusted networks (strict location)"


def test_text_shows_display_names_next_to_ids(run):
    text = render_text(run("cae-strict-location.yaml"))
    assert f'policies: {S120} "{S120_NAME}"' in text
    # Bundle policies are named too (CA005 from examples/contoso/policies).
    picker = render_text(run("effect4-pickers.yaml"))
    assert (
        '66666666-0000-0000-0000-000000000005 "CA005 - Require MFA for Exchange Online outside '
        'trusted networks"' in picker
    )
    assert "\x1b[" not in text


def test_json_names_policies_once_beside_the_ids(run):
    """Events and connections carry policy ids; the names are in ``policies[]`` only (a
    contract extension, docs/output.md), once per policy."""
    data = run("cae-strict-location.yaml").to_json()
    broken = next(e for e in data["events"] if e["kind"] == "connectionBroken")
    assert broken["policies"] == [S120]
    assert {"id": S120, "displayName": S120_NAME} in data["policies"]
    without = {k: v for k, v in data.items() if k != "policies"}
    assert S120_NAME not in json.dumps(without)
    assert "policy_names" not in data and "policyNames" not in data


def test_timeline_is_coloured_on_a_terminal(run):
    console = Console(force_terminal=True, color_system="standard", width=300)
    with console.capture() as cap:
        console.print(render_timeline(run("cae-strict-location.yaml")), highlight=False)
    coloured = cap.get()
    assert "\x1b[1;31mconnectionBroken" in coloured  # failures in bold red
    assert S120_NAME in coloured


def test_cli_text_plain_when_piped_or_written(tmp_path):
    scen = str(SCENARIOS / "cae-strict-location.yaml")
    piped = CliRunner().invoke(app, ["simulate", scen])
    assert piped.exit_code == 0 and "\x1b[" not in piped.stdout
    assert S120_NAME in piped.stdout and "[x3, last 2026-01-07T13:00:00Z]" in piped.stdout
    out = tmp_path / "timeline.txt"
    written = CliRunner().invoke(app, ["simulate", scen, "--output", str(out), "--full"])
    assert written.exit_code == 0 and written.stdout == ""
    text = out.read_text()
    assert "\x1b[" not in text and text.count("runFailed") == 3  # --full: no collapsing
