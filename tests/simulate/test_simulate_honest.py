"""Issue 13 review, simulate side: a scenario over a real export counts and shows what it cannot
evaluate (owner not in the bundle, unmapped connector, a flow whose connections the export does
not list) and runs admin-API *list* flows as scheduled with an unknown period: they fail at
their "next run (schedule not in the export)", as ``check`` says (automation.verdicts).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from tests.check.test_check_honest import _admin_list_flows
from tests.examples_paths import CONTOSO
from typer.testing import CliRunner

from caflow.cli.main import app

runner = CliRunner()
NEXT_RUN = "next run (schedule not in the export)"
MFA_EVENT = """
events:
  - at: 2026-01-10T00:00:00Z
    addPolicy:
      policy:
        id: 99999999-0000-0000-0000-000000000001
        displayName: MFA for all
        state: enabled
        conditions:
          clientAppTypes: [all]
          users: {includeUsers: [All]}
          applications: {includeApplications: [All]}
        grantControls: {operator: OR, builtInControls: [mfa]}
"""


def _bundle(tmp: Path) -> Path:
    dst = tmp / "bundle"
    shutil.copytree(CONTOSO, dst)
    return dst


def _scenario(tmp: Path, events: str = "") -> Path:
    f = tmp / "scenario.yaml"
    f.write_text(
        "tenant: bundle\nstart: 2026-01-05T09:00:00Z\nend: 2026-01-20T00:00:00Z\n" + events
    )
    return f


def _simulate(scenario: Path, *extra: str) -> tuple[Any, dict[str, Any]]:
    res = runner.invoke(app, ["simulate", str(scenario), *extra])
    assert res.exit_code == 0, res.output
    data = json.loads(runner.invoke(app, ["simulate", str(scenario), "--json"]).stdout)
    return res, data


def test_bundle_without_users_counts_every_connection_undetermined(tmp_path: Path) -> None:
    (_bundle(tmp_path) / "directory.yaml").unlink()
    res, data = _simulate(_scenario(tmp_path, MFA_EVENT))
    conns = {u["id"]: u["reason"] for u in data["undetermined"] if u["kind"] == "connection"}
    assert "alice-spo" in conns and "svc-dataverse" in conns
    assert all("not in the bundle (it has no directory users)" in r for r in conns.values())
    assert "judy-rss" not in conns  # RSS has no Entra sign-in: CA cannot break it
    flows = {u["id"] for u in data["undetermined"] if u["kind"] == "flow"}
    assert {"invoice-approvals", "dataverse-sync"} <= flows
    assert data["summary"]["undetermined"] == len(data["undetermined"])
    # Nothing is "broken" - and nothing is claimed safe: the text counts and names them.
    assert data["summary"]["connectionsBroken"] == 0
    assert f"{len(data['undetermined'])} undetermined" in res.stdout
    assert "? connection alice-spo undetermined: owner" in res.stdout
    assert "representative" not in res.stdout
    connection = next(c for c in data["connections"] if c["id"] == "alice-spo")
    assert "not in the bundle" in connection["undetermined"]


def test_owner_missing_from_the_directory_is_undetermined(tmp_path: Path) -> None:
    b = _bundle(tmp_path)
    conns = json.loads((b / "powerplatform" / "connections.json").read_text())
    orphan = json.loads(json.dumps(conns["value"][0]))
    orphan["name"] = "ghost-spo"
    orphan["properties"]["createdBy"] = {"id": "0badbad0-0000-0000-0000-000000000001"}
    conns["value"].append(orphan)
    (b / "powerplatform" / "connections.json").write_text(json.dumps(conns))
    res, data = _simulate(_scenario(tmp_path, MFA_EVENT))
    reasons = {u["id"]: u["reason"] for u in data["undetermined"]}
    assert "not in the bundle's directory" in reasons["ghost-spo"], reasons
    assert set(reasons) == {"ghost-spo"}  # the others are evaluated
    assert "1 undetermined" in res.stdout


def test_unmapped_connector_is_counted_and_shown(tmp_path: Path) -> None:
    b = _bundle(tmp_path)
    conns = json.loads((b / "powerplatform" / "connections.json").read_text())
    custom = json.loads(json.dumps(conns["value"][0]))
    custom["name"] = "alice-custom"
    custom["properties"]["apiId"] = "/providers/Microsoft.PowerApps/apis/shared_contoso-5finvoices"
    conns["value"].append(custom)
    (b / "powerplatform" / "connections.json").write_text(json.dumps(conns))
    res, data = _simulate(_scenario(tmp_path))
    reasons = {u["id"]: u["reason"] for u in data["undetermined"]}
    assert "not mapped" in reasons["alice-custom"]
    assert "? connection alice-custom undetermined" in res.stdout


def test_admin_api_list_flows_fail_at_their_next_run(tmp_path: Path) -> None:
    b = _bundle(tmp_path)
    (b / "powerplatform" / "flows.json").write_text(json.dumps(_admin_list_flows(True)))
    res, data = _simulate(_scenario(tmp_path, MFA_EVENT))
    flows = {f["id"]: f for f in data["flows"]}
    for name, conn in (("digest-list", "svc-spo"), ("sync-list", "svc-dataverse")):
        assert flows[name]["nextRun"] == {
            "when": NEXT_RUN,
            "connection": conn,
            "errorCode": "AADSTS50076",
        }
        assert f"! flow {name} fails at its {NEXT_RUN}" in res.stdout
    conns = {c["id"]: c for c in data["connections"]}
    assert conns["svc-spo"]["nextUse"]["when"] == NEXT_RUN
    assert conns["alice-teams"]["nextUse"]["when"] == "at next use"  # no flow uses it
    assert data["summary"]["flowsFailAtNextRun"] == 2
    assert "2 flow(s) fail at their next run" in res.stdout
    # Without the policy change nothing fails: the verdict comes from the policies.
    _, calm = _simulate(_scenario(tmp_path))
    assert not any(f.get("nextRun") for f in calm["flows"])
    assert not any(c.get("nextUse") for c in calm["connections"])


def test_admin_api_list_flows_without_connections_are_undetermined(tmp_path: Path) -> None:
    b = _bundle(tmp_path)
    (b / "powerplatform" / "flows.json").write_text(json.dumps(_admin_list_flows(False)))
    res, data = _simulate(_scenario(tmp_path, MFA_EVENT))
    flows = {u["id"]: u["reason"] for u in data["undetermined"] if u["kind"] == "flow"}
    assert set(flows) == {"digest-list", "sync-list"}
    assert all("does not list the flow's connections" in r for r in flows.values())
    assert "? flow sync-list undetermined" in res.stdout


def test_example_scenarios_have_nothing_undetermined() -> None:
    """The shipped scenarios are complete: the new counts stay 0 there (no false alarms)."""
    from tests.examples_paths import SCENARIOS

    for scenario in sorted(SCENARIOS.glob("*.yaml")):
        data = json.loads(runner.invoke(app, ["simulate", str(scenario), "--json"]).stdout)
        assert data["undetermined"] == [], (scenario.name, data["undetermined"])
