"""One test per seed statement (KB 4467879, both versions); expectations derived from the seed
text and the scenario timeline, not copied from output."""

from __future__ import annotations

from sim_support import events

CA004 = "66666666-0000-0000-0000-000000000004"
CA005 = "66666666-0000-0000-0000-000000000005"
CA014 = "66666666-0000-0000-0000-000000000014"
MFA_TEAMS = "66666666-0000-0000-0000-000000000101"


def test_effect1_policy_after_connections_fails_future_runs(run):
    r = run("effect1-future-runs.yaml")
    # Policy enabled 2026-02-01 00:00; the daily run at 13:00 is the first refresh after it.
    broken = events(r, kind="connectionBroken", connection="alice-teams-new")
    assert [(e["at"], e["errorCode"], e["cause"], e["policies"]) for e in broken] == [
        ("2026-02-01T13:00:00Z", "AADSTS50076", "mfaRequired", [MFA_TEAMS])
    ]
    assert "must use multi-factor authentication" in broken[0]["message"]
    assert "Failed to refresh access token for service" in broken[0]["message"]
    runs = events(r, kind="runFailed", flow="alice-teams-post")
    assert runs[0]["at"] == "2026-02-01T13:00:00Z" and runs[0]["errorCode"] == "AADSTS50076"
    assert len(runs) == 9  # Feb 1..9 at 13:00
    # Nothing failed before the policy.
    assert all(e["at"] >= "2026-02-01" for e in events(r, connection="alice-teams-new"))
    # A connection created with MFA carries the claim: it survives the new policy.
    assert events(r, connection="bob-teams-new") == []
    assert r.connection("bob-teams-new").status == "Connected"
    c = r.connection("alice-teams-new").to_json()
    assert c["status"] == "Error" and c["statuses"][0]["target"] == "token"
    assert c["statuses"][0]["error"]["code"] == "Unauthorized"


def test_effect2_automatic_template_connection_fails_then_succeeds(run):
    r = run("effect2-template-connection.yaml")
    failed = events(r, kind="connectionCreateFailed", connection="alice-template-spo")
    assert [(e["at"], e["errorCode"], e["cause"], e["policies"]) for e in failed] == [
        ("2026-01-05T09:05:00Z", "AADSTS50076", "mfaRequired", [CA004])
    ]
    assert "1-click template" in failed[0]["message"]
    assert r.connection("alice-template-spo").status == "Connected"  # after the MFA sign-in


def test_effect3_direct_creation_fails_in_power_apps_and_flow(run):
    r = run("effect3-direct-creation.yaml")
    failed = events(r, kind="connectionCreateFailed")
    assert [(e["at"], e["connection"], e["errorCode"], e["policies"]) for e in failed] == [
        ("2026-01-05T09:05:00Z", "alice-outlook-pa", "AADSTS50076", [CA005]),
        ("2026-01-05T09:06:00Z", "alice-outlook-flow", "AADSTS50076", [CA005]),
    ]
    # Re-created after signing in on the corporate network (CA005 excludes trusted locations).
    assert r.connection("alice-outlook-flow").status == "Connected"


def test_effect4_pickers_miss_groups(run):
    r = run("effect4-pickers.yaml")
    deg = events(r, kind="pickerDegraded")
    assert [e["at"] for e in deg] == [
        "2026-01-05T09:10:00Z",
        "2026-01-05T09:11:00Z",
        "2026-01-05T09:12:00Z",
    ]
    assert all(e["cause"] == "mfaRequired" and CA005 in e["policies"] for e in deg)
    assert all("Office 365 groups" in e["message"] for e in deg)


def test_effect5_embedded_mismatch_both_ways(run):
    r = run("effect5-embedded.yaml")
    emb = events(r, kind="embeddedFailed")
    assert [(e["at"], e["errorCode"], e["cause"], e["policies"]) for e in emb] == [
        # MFA for SharePoint but not for Power Automate
        ("2026-01-05T09:10:00Z", "AADSTS50076", "embeddedMismatch", [CA004]),
        # MFA for Power Automate but not for SharePoint
        ("2026-01-06T09:10:00Z", "AADSTS50076", "embeddedMismatch", [CA014]),
    ]  # and none at 10:10 once both are targeted through Office 365


def test_effect6_list_sharing_shows_id_and_flow_not_discoverable(run):
    r = run("effect6-list-sharing.yaml")
    ids = events(r, kind="listShownAsId", flow="invoice-approvals")
    nd = events(r, kind="flowNotDiscoverable", flow="invoice-approvals")
    assert [e["at"] for e in ids] == [e["at"] for e in nd] == ["2026-01-05T09:30:00Z"]
    assert ids[0]["cause"] == nd[0]["cause"] == "policyInfoNotPassed"
    assert CA004 in ids[0]["policies"]
    assert "99999999-0000-0000-0000-000000000001" in ids[0]["message"]


def test_effect7_sharepoint_out_of_box_flows_blocked(run):
    r = run("effect7-sharepoint-oob.yaml")
    blocked = events(r, kind="sharePointFlowBlocked")
    assert [(e["at"], e["errorCode"], e["cause"], e["policies"]) for e in blocked] == [
        (
            "2026-01-05T09:10:00Z",
            "AADSTS53003",
            "locationBlocked",
            ["66666666-0000-0000-0000-000000000107"],
        ),
        (
            "2026-01-06T09:10:00Z",
            "AADSTS53000",
            "deviceNotCompliant",
            ["66666666-0000-0000-0000-000000000108"],
        ),
    ]
    assert "requestSignoff" in blocked[0]["message"] and "pageApproval" in blocked[1]["message"]
