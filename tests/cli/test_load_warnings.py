"""Issue 13 review: load warnings reach every verb's text output, not only JSON ``warnings[]``.

An unmapped (custom) connector makes its connections undetermined (A-AUTO-6); a user reading
the table or the timeline must see it: one line naming each connector once with its number
of connections (never one line per connection), and the same for connection owners missing
from directory.yaml.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from tests.examples_paths import CONTOSO
from typer.testing import CliRunner

from caflow.cli.main import app

runner = CliRunner()
START = "2026-01-05T09:00:00Z"


def _bundle(tmp: Path) -> Path:
    b = tmp / "bundle"
    shutil.copytree(CONTOSO, b)
    conns = json.loads((b / "powerplatform" / "connections.json").read_text())
    template = conns["value"][0]
    for i, (name, api) in enumerate(
        [("inv-1", "contoso-5finvoices"), ("inv-2", "contoso-5finvoices"), ("crm-1", "acme-5fcrm")]
    ):
        c = json.loads(json.dumps(template))
        c["name"] = name
        c["properties"]["apiId"] = f"/providers/Microsoft.PowerApps/apis/shared_{api}"
        conns["value"].append(c)
        assert i < 3
    ghost = json.loads(json.dumps(template))
    ghost["name"] = "ghost-spo"
    ghost["properties"]["createdBy"] = {"id": "0badbad0-0000-0000-0000-000000000001"}
    conns["value"].append(ghost)
    (b / "powerplatform" / "connections.json").write_text(json.dumps(conns))
    (tmp / "scenario.yaml").write_text(
        f"tenant: bundle\nstart: {START}\nend: 2026-01-06T00:00:00Z\n"
    )
    (tmp / "off.json").write_text(
        json.dumps(
            {
                "id": "99999999-0000-0000-0000-000000000009",
                "displayName": "Off",
                "state": "disabled",
                "conditions": {
                    "users": {"includeUsers": ["All"]},
                    "applications": {"includeApplications": ["All"]},
                },
                "grantControls": {"operator": "OR", "builtInControls": ["mfa"]},
            }
        )
    )
    return b


def _verbs(tmp: Path, b: Path) -> dict[str, list[str]]:
    return {
        "whatif": [
            "whatif",
            str(b),
            "--user",
            "alice@contoso.com",
            "--app",
            "Microsoft Flow Service",
        ],
        "advise": ["advise", str(b), "--at", START],
        "check": [
            *("check", "--baseline", str(b), "--proposed", str(tmp / "off.json")),
            *("--start", START, "--horizon", "P1D"),
        ],
        "simulate": ["simulate", str(tmp / "scenario.yaml")],
        "matrix": ["matrix", str(b), "--user", "alice@contoso.com"],
    }


@pytest.mark.parametrize("verb", ["whatif", "advise", "check", "simulate", "matrix"])
def test_text_output_of_every_verb_names_unmapped_connectors_once(
    tmp_path: Path, verb: str
) -> None:
    b = _bundle(tmp_path)
    res = runner.invoke(app, _verbs(tmp_path, b)[verb])
    assert res.exit_code in (0, 1), res.output
    lines = [line for line in res.stderr.splitlines() if "does not map" in line]
    assert len(lines) == 1, res.stderr  # counted once, not per connection
    line = lines[0]
    assert "2 connector(s)" in line and "3 connection(s) undetermined" in line
    assert "contoso-5finvoices (2)" in line and "acme-5fcrm (1)" in line
    assert line.count("contoso-5finvoices") == 1
    owners = [line for line in res.stderr.splitlines() if "not in directory.yaml" in line]
    assert len(owners) == 1 and "1 connection(s)" in owners[0] and "ghost-spo" in owners[0]


def test_check_does_not_repeat_the_baseline_warnings_for_the_proposed_bundle(
    tmp_path: Path,
) -> None:
    b = _bundle(tmp_path)
    res = runner.invoke(
        app,
        [
            *("check", "--baseline", str(b), "--proposed", str(b)),
            *("--start", START, "--horizon", "P1D"),
        ],
    )
    assert res.exit_code == 0, res.output
    assert res.stderr.count("does not map") == 1, res.stderr


def test_complete_bundle_prints_no_warning() -> None:
    res = runner.invoke(app, ["advise", str(CONTOSO), "--at", START])
    assert res.exit_code == 0 and "warning:" not in res.stderr, res.stderr
