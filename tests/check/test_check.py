"""check: diff logic with a fake simulator, and the CLI end to end on contoso."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.examples_paths import CONTOSO
from typer.testing import CliRunner

from caflow.check import build_proposed, run_check
from caflow.cli.main import app
from caflow.io.bundle import load_bundle

ROOT = Path(__file__).resolve().parents[2]
CA014 = CONTOSO / "policies/CA014-Require-MFA-for-Microsoft-Flow-Service.json"
START = datetime(2026, 1, 5, 9, tzinfo=UTC)
runner = CliRunner()


@dataclass
class FakeSim:
    data: dict

    def to_json(self) -> dict:
        return self.data


def fake_simulate(tenant, start, end, *, claims_tenant=None):
    broken = claims_tenant is not None and any(
        p.id.endswith("14") and p.enforced for p in tenant.policies
    )
    conn = {
        "id": "grace-approvals",
        "status": "Error" if broken else "Connected",
        "errorCode": "AADSTS50076" if broken else None,
        "brokenAt": "2026-01-06T00:00:00Z" if broken else None,
    }
    events = (
        [
            {
                "at": "2026-01-06T00:00:00Z",
                "kind": "connectionBroken",
                "connection": "grace-approvals",
                "flow": None,
                "user": "grace@contoso.com",
                "errorCode": "AADSTS50076",
                "policies": ["x"],
                "cause": "mfaRequired",
                "message": "",
            }
        ]
        if broken
        else []
    )
    flow = {
        "id": "contract-signoff",
        "state": "Started",
        "failedRuns": 3 if broken else 0,
        "firstFailureAt": "2026-01-06T00:00:00Z" if broken else None,
        "turnedOffAt": None,
    }
    return FakeSim({"schemaVersion": 1, "events": events, "connections": [conn], "flows": [flow]})


def _enabled_ca014(tmp_path: Path) -> Path:
    data = json.loads(CA014.read_text())
    data["state"] = "enabled"
    out = tmp_path / "CA014.json"
    out.write_text(json.dumps(data))
    return out


def test_diff_with_fake_simulator(tmp_path):
    base = load_bundle(CONTOSO)
    prop = build_proposed(base, [_enabled_ca014(tmp_path)])
    r = run_check(base, prop, START, START + timedelta(days=90), simulate=fake_simulate)
    assert r.breaks
    assert (
        r.broken_connections[0]["id"] == "grace-approvals"
        and r.broken_connections[0]["cause"] == "mfaRequired"
    )
    text = r.plan_text()
    assert (
        '# policy "CA014 - Require MFA for Microsoft Flow Service" (66666666-0000-0000-0000-000000000014) will be enabled'
        in text
    )
    assert '~ state = "disabled" -> "enabled"' in text
    assert (
        "! connection grace-approvals breaks 2026-01-06T00:00:00Z (AADSTS50076, mfaRequired)"
        in text
    )
    assert text.splitlines()[-1].startswith(
        "Impact: 1 connections break, 1 flows fail, 0 users blocked"
    )
    assert "-/+" not in text and "  - destroy" not in text  # legend lists used symbols only


def test_no_change_is_no_impact():
    base = load_bundle(CONTOSO)
    r = run_check(base, base, START, START + timedelta(days=90), simulate=fake_simulate)
    assert not r.breaks and r.plan_text().startswith("No impact.")


def test_cli_exit_1_when_something_breaks(tmp_path):
    res = runner.invoke(
        app, ["check", "--baseline", str(CONTOSO), "--proposed", str(_enabled_ca014(tmp_path))]
    )
    assert res.exit_code == 1, res.output
    assert "will be enabled" in res.stdout


def test_cli_exit_0_and_formats(tmp_path):
    same = CONTOSO / "policies/CA001-Block-legacy-authentication.json"
    for fmt in ("table", "json", "markdown", "sarif"):
        res = runner.invoke(
            app, ["check", "--baseline", str(CONTOSO), "--proposed", str(same), "--format", fmt]
        )
        assert res.exit_code == 0, (fmt, res.output)
    res = runner.invoke(app, ["check", "--baseline", str(CONTOSO), "--proposed", str(same)])
    assert "No impact." in res.stdout


def test_cli_exit_2_bad_input(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    res = runner.invoke(app, ["check", "--baseline", str(CONTOSO), "--proposed", str(bad)])
    assert res.exit_code == 2
    other = tmp_path / "other"
    other.mkdir()
    (other / "tenant.yaml").write_text(
        "id: 00000000-0000-0000-0000-0000000000ff\ndisplayName: Other\n"
    )
    res = runner.invoke(app, ["check", "--baseline", str(CONTOSO), "--proposed", str(other)])
    assert res.exit_code == 2
