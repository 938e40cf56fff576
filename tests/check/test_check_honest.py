"""Issue 13 "Done when", check side: a bundle without users, a bundle of admin-API *list*
exports, connections no scheduled flow touches, a policy undetermined for the owners.

Each runs ``caflow check`` as a CI job would and asserts the honest answer: what breaks is
listed with its date or "at next use"/"next run (schedule not in the export)"; what cannot be
evaluated is listed under ``undetermined`` with its reason, counted, and fails ``--strict``.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from tests.examples_paths import CONTOSO
from tests.proposals import MFA_FOR_ALL, PolicyFile
from typer.testing import CliRunner

from caflow.cli.main import app

runner = CliRunner()
START = "2026-01-05T09:00:00Z"
#: Entra-backed connections of the Contoso example (judy-rss is RSS: CA cannot break it).
ENTRA_CONNECTIONS = {
    "alice-spo",
    "alice-outlook",
    "alice-teams",
    "svc-spo",
    "svc-outlook",
    "svc-dataverse",
    "bob-outlook",
    "judy-onedrive",
    "grace-approvals",
    "grace-spo",
}


def _check(baseline: Path, proposed: Path, *extra: str):
    return runner.invoke(
        app,
        [
            "check",
            "--baseline",
            str(baseline),
            "--proposed",
            str(proposed),
            "--start",
            START,
            "--horizon",
            "P14D",
            "--format",
            "json",
            *extra,
        ],
    )


def _bundle(tmp: Path, name: str = "b") -> Path:
    dst = tmp / name
    shutil.copytree(CONTOSO, dst)
    return dst


def test_bundle_without_users_is_undetermined_not_safe(
    policy_file: PolicyFile, bundle_without_users: Path
) -> None:
    base = bundle_without_users
    proposed = policy_file(MFA_FOR_ALL)
    res = _check(base, proposed)
    assert res.exit_code == 0, res.output  # nothing *known* to break ...
    out = json.loads(res.stdout)
    undetermined = {u["id"]: u for u in out["undetermined"] if u["kind"] == "connection"}
    assert set(undetermined) == ENTRA_CONNECTIONS  # ... but every connection is named
    assert all("not in the bundle" in u["reason"] for u in undetermined.values())
    flows = {u["id"] for u in out["undetermined"] if u["kind"] == "flow"}
    assert {"invoice-approvals", "daily-sales-digest", "dataverse-sync"} <= flows
    assert out["summary"]["undetermined"] == len(out["undetermined"]) > len(ENTRA_CONNECTIONS)
    assert f"{len(out['undetermined'])} undetermined" in out["impactLine"]
    strict = _check(base, proposed, "--strict")
    assert strict.exit_code == 1, strict.output


def test_same_change_with_users_breaks_and_dates_every_connection(
    tmp_path: Path, policy_file: PolicyFile
) -> None:
    res = _check(CONTOSO, policy_file(MFA_FOR_ALL))
    assert res.exit_code == 1, res.output
    out = json.loads(res.stdout)
    broken = {c["id"]: c for c in out["connectionsBreaking"]}
    # Scheduled flows date their connections; the ones no scheduled run touches (Teams, and the
    # Outlook connection behind a manual run-only flow) break at their next use.
    assert (
        broken["svc-outlook"]["at"] and broken["svc-outlook"]["when"] == broken["svc-outlook"]["at"]
    )
    for cid in ("alice-teams", "bob-outlook"):
        assert broken[cid]["at"] is None and broken[cid]["when"] == "at next use"
        assert broken[cid]["errorCode"] == "AADSTS50076" and broken[cid]["cause"] == "mfaRequired"
    assert out["undetermined"] == []
    text = runner.invoke(
        app,
        [
            "check",
            "--baseline",
            str(CONTOSO),
            "--proposed",
            str(tmp_path / "proposed.json"),
            "--start",
            START,
        ],
    )
    assert "! connection alice-teams breaks at next use (AADSTS50076, mfaRequired)" in text.stdout


def _admin_list_flows(connection_refs: bool) -> dict[str, Any]:
    """Two flows as "List Flows as Admin" returns them: definitionSummary, no definition."""
    flows = []
    for name, conns in (
        ("digest-list", {"shared_sharepointonline": "svc-spo", "shared_office365": "svc-outlook"}),
        ("sync-list", {"shared_commondataserviceforapps": "svc-dataverse"}),
    ):
        props: dict[str, Any] = {
            "apiId": "/providers/Microsoft.PowerApps/apis/shared_logicflows",
            "displayName": name,
            "state": "Started",
            "flowSuspensionReason": "None",
            "creator": {"objectId": "11111111-0000-0000-0000-000000000011"},
            "definitionSummary": {
                "triggers": [{"type": "Recurrence"}],
                "actions": [{"type": "OpenApiConnection", "swaggerOperationId": "GetItems"}],
            },
        }
        if connection_refs:
            props["connectionReferences"] = {
                key: {
                    "connectionName": conn,
                    "source": "Embedded",
                    "id": f"/providers/Microsoft.PowerApps/apis/{key}",
                }
                for key, conn in conns.items()
            }
        flows.append(
            {
                "name": name,
                "id": f"/providers/Microsoft.ProcessSimple/environments/Default-x/flows/{name}",
                "type": "Microsoft.ProcessSimple/environments/flows",
                "properties": props,
            }
        )
    return {"value": flows}


def test_admin_api_list_flows_fail_at_their_next_run(
    tmp_path: Path, policy_file: PolicyFile
) -> None:
    base = _bundle(tmp_path)
    (base / "powerplatform" / "flows.json").write_text(json.dumps(_admin_list_flows(True)))
    res = _check(base, policy_file(MFA_FOR_ALL))
    assert res.exit_code == 1, res.output
    out = json.loads(res.stdout)
    failing = {f["id"]: f for f in out["flowsFailing"]}
    assert set(failing) == {"digest-list", "sync-list"}  # never "a manual flow that never runs"
    for f in failing.values():
        assert f["when"] == "next run (schedule not in the export)"
        assert f["errorCode"] == "AADSTS50076" and f["firstFailureAt"] is None
    assert failing["sync-list"]["connection"] == "svc-dataverse"
    # Their connections are reported too: only these flows use them, so they break at the
    # flows' next run, which the export does not date (never "at next use").
    broken = {c["id"]: c["when"] for c in out["connectionsBreaking"]}
    for cid in ("svc-spo", "svc-outlook", "svc-dataverse"):
        assert broken[cid] == "next run (schedule not in the export)", cid
    # A connection no flow uses still breaks at its next use.
    assert broken["alice-teams"] == "at next use"
    text = runner.invoke(
        app,
        [
            "check",
            "--baseline",
            str(base),
            "--proposed",
            str(tmp_path / "proposed.json"),
            "--start",
            START,
        ],
    )
    assert "! flow sync-list fails at its next run (schedule not in the export)" in text.stdout


def test_admin_api_list_flows_without_connections_are_undetermined(
    tmp_path: Path, policy_file: PolicyFile
) -> None:
    base = _bundle(tmp_path)
    (base / "powerplatform" / "flows.json").write_text(json.dumps(_admin_list_flows(False)))
    out = json.loads(_check(base, policy_file(MFA_FOR_ALL)).stdout)
    flows = {u["id"]: u["reason"] for u in out["undetermined"] if u["kind"] == "flow"}
    assert set(flows) == {"digest-list", "sync-list"}
    assert all("does not list the flow's connections" in r for r in flows.values())


def test_policy_undetermined_for_the_owners_makes_their_connections_undetermined(
    tmp_path: Path,
) -> None:
    # Proposed as an exported bundle: a condition caflow does not evaluate offline (times).
    proposed = _bundle(tmp_path, "proposed")
    policy = {**MFA_FOR_ALL, "displayName": "MFA on weekdays"}
    policy["conditions"] = {**MFA_FOR_ALL["conditions"], "times": {"includedRanges": ["Mon"]}}
    (proposed / "policies" / "weekdays.json").write_text(json.dumps(policy))
    res = _check(CONTOSO, proposed)
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    conns = {u["id"]: u["reason"] for u in out["undetermined"] if u["kind"] == "connection"}
    assert set(conns) == ENTRA_CONNECTIONS
    assert all("'MFA on weekdays' is undetermined" in r for r in conns.values())
    assert out["connectionsBreaking"] == []
    assert _check(CONTOSO, proposed, "--strict").exit_code == 1


def test_unmapped_connector_is_undetermined(tmp_path: Path, policy_file: PolicyFile) -> None:
    base = _bundle(tmp_path)
    conns = json.loads((base / "powerplatform" / "connections.json").read_text())
    custom = json.loads(json.dumps(conns["value"][0]))
    custom["name"] = "alice-custom"
    custom["properties"]["apiId"] = "/providers/Microsoft.PowerApps/apis/shared_contoso-5finvoices"
    conns["value"].append(custom)
    (base / "powerplatform" / "connections.json").write_text(json.dumps(conns))
    out = json.loads(_check(base, policy_file(MFA_FOR_ALL)).stdout)
    reasons = {u["id"]: u["reason"] for u in out["undetermined"]}
    assert "not mapped" in reasons["alice-custom"]
    assert "judy-rss" not in reasons  # RSS has no Entra sign-in: CA cannot break it


def test_markdown_verdict_is_not_safe_when_undetermined(
    policy_file: PolicyFile, bundle_without_users: Path
) -> None:
    base = bundle_without_users
    proposed = policy_file(MFA_FOR_ALL)
    res = runner.invoke(
        app,
        [
            "check",
            "--baseline",
            str(base),
            "--proposed",
            str(proposed),
            "--start",
            START,
            "--horizon",
            "P2D",
            "--format",
            "markdown",
        ],
    )
    assert res.exit_code == 0, res.output
    assert "✅ safe" not in res.stdout and "undetermined" in res.stdout.splitlines()[0]


def test_connection_of_a_manual_and_an_unknown_period_flow_breaks_at_next_use(
    tmp_path: Path,
    policy_file: PolicyFile,
) -> None:
    """A connection also used by a manual flow is next used whenever someone runs it."""
    base = _bundle(tmp_path)
    flows = _admin_list_flows(True)
    manual = json.loads(json.dumps(flows["value"][1]))
    manual["name"] = "sync-manual"
    manual["properties"]["definitionSummary"]["triggers"] = [{"type": "Request", "kind": "Button"}]
    flows["value"].append(manual)
    (base / "powerplatform" / "flows.json").write_text(json.dumps(flows))
    out = json.loads(_check(base, policy_file(MFA_FOR_ALL)).stdout)
    broken = {c["id"]: c["when"] for c in out["connectionsBreaking"]}
    assert broken["svc-dataverse"] == "at next use"
    assert broken["svc-spo"] == "next run (schedule not in the export)"
    failing = {f["id"]: f["when"] for f in out["flowsFailing"]}
    assert failing["sync-manual"] == "next manual run"


BLOCK_ALL: dict[str, Any] = {
    **MFA_FOR_ALL,
    "displayName": "Block all",
    "grantControls": {"operator": "OR", "builtInControls": ["block"]},
}


def test_bundle_without_users_never_counts_probe_users(
    policy_file: PolicyFile, bundle_without_users: Path
) -> None:
    """Without directory.yaml the users a block would lock out are unknown: undetermined,
    named by the policy's scope, never the internal probe users."""
    base = bundle_without_users
    proposed = policy_file(BLOCK_ALL)
    for fmt in ("json", "table", "markdown", "junit", "github", "sarif"):
        res = runner.invoke(
            app,
            [
                *("check", "--baseline", str(base), "--proposed", str(proposed)),
                *("--start", START, "--horizon", "P2D", "--format", fmt),
            ],
        )
        assert res.exit_code in (0, 1), res.output
        assert "representative" not in res.output, fmt
    out = json.loads(_check(base, proposed).stdout)
    assert out["usersBlocked"] == [] and out["summary"]["usersBlocked"] == 0
    scopes = [u for u in out["undetermined"] if u["kind"] == "users"]
    assert [u["id"] for u in scopes] == ["in scope of policy 'Block all'"]
    assert "AADSTS53003" in scopes[0]["reason"] and "no directory users" in scopes[0]["reason"]
    assert _check(base, proposed, "--strict").exit_code == 1
    # With the users, the same change blocks named users.
    named = json.loads(_check(CONTOSO, proposed).stdout)
    assert named["usersBlocked"] and not [u for u in named["undetermined"] if u["kind"] == "users"]


def _formatted(base: Path, proposed: Path, fmt: str) -> str:
    res = runner.invoke(
        app,
        [
            *("check", "--baseline", str(base), "--proposed", str(proposed)),
            *("--start", START, "--horizon", "P2D", "--format", fmt),
        ],
    )
    assert res.exit_code == 0, res.output
    return res.stdout


def test_every_ci_format_lists_and_counts_the_undetermined(
    policy_file: PolicyFile, bundle_without_users: Path
) -> None:
    """junit, github and sarif name each undetermined connection/flow with its reason, as
    markdown and the table do - a CI page is never green-by-omission."""
    import xml.etree.ElementTree as ET

    from tests.report.test_writers import OFFICIAL

    base = bundle_without_users
    proposed = policy_file(MFA_FOR_ALL)
    expected = json.loads(_check(base, proposed).stdout)["undetermined"]
    items = {(u["kind"], u["id"]) for u in expected if u["kind"] != "finding"}
    assert ("connection", "alice-spo") in items and ("flow", "dataverse-sync") in items

    suite = ET.fromstring(_formatted(base, proposed, "junit"))
    errors = {
        (case.get("classname", "").removeprefix("caflow.check."), case.get("name")): err
        for case in suite.iter("testcase")
        if (err := case.find("error")) is not None and err.get("type") == "undetermined"
    }
    assert items <= set(errors)
    assert "not in the bundle" in (errors[("connection", "alice-spo")].get("message") or "")

    github = _formatted(base, proposed, "github").splitlines()
    warned = [line for line in github if line.startswith("::warning") and " undetermined::" in line]
    assert len(warned) == len(items)
    assert any("connection alice-spo undetermined: owner" in line for line in warned)
    assert github[-1].startswith("::warning ") and f"{len(expected)} undetermined" in github[-1]

    sarif = json.loads(_formatted(base, proposed, "sarif"))
    OFFICIAL.validate(sarif)
    run = sarif["runs"][0]
    rule = next(r for r in run["tool"]["driver"]["rules"] if r["id"] == "check_undetermined")
    assert rule["help"]["text"].endswith("docs/output.md#check_undetermined")
    results = [r for r in run["results"] if r["ruleId"] == "check_undetermined"]
    assert {(r["properties"]["kind"], r["properties"]["id"]) for r in results} == items
    assert {r["level"] for r in results} == {"warning"}
    output_md = (Path(__file__).resolve().parents[2] / "docs" / "output.md").read_text()
    assert "### check_undetermined" in output_md


def test_ci_formats_date_undated_breaks_in_words(tmp_path: Path, policy_file: PolicyFile) -> None:
    base = _bundle(tmp_path)
    (base / "powerplatform" / "flows.json").write_text(json.dumps(_admin_list_flows(True)))
    proposed = policy_file(MFA_FOR_ALL)
    for fmt in ("junit", "github"):
        res = runner.invoke(
            app,
            [
                *("check", "--baseline", str(base), "--proposed", str(proposed)),
                *("--start", START, "--horizon", "P2D", "--format", fmt),
            ],
        )
        assert res.exit_code == 1, res.output
        assert "(date unknown)" not in res.stdout, fmt
        assert "at its next run (schedule not in the export)" in res.stdout, fmt
    # A safe, fully determined check has no undetermined entries in any CI format.
    safe = _formatted(CONTOSO, policy_file({**MFA_FOR_ALL, "state": "disabled"}), "sarif")
    assert not [
        r for r in json.loads(safe)["runs"][0]["results"] if r["ruleId"] == "check_undetermined"
    ]
