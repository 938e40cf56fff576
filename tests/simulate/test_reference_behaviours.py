"""Behaviours the references document beyond the seed's seven effects. Every expected instant is
derived from the scenario timeline and the cited reference sentence, not copied from output."""

from __future__ import annotations

import yaml
from sim_support import events
from tests.examples_paths import SCENARIOS

from caflow.simulate import SimOptions, load_scenario, run_scenario
from caflow.tokens import TokenOptions

CA009 = "66666666-0000-0000-0000-000000000009"  # contoso: SIF 12 hours, negative device filter


def _breaks(r, conn):
    return [
        (e["at"], e["errorCode"], e["cause"], e["policies"])
        for e in events(r, kind="connectionBroken", connection=conn)
    ]


def _failed_runs(r, flow):
    return [(e["at"], e["errorCode"], e["cause"]) for e in events(r, kind="runFailed", flow=flow)]


# -- CAE strict location (tokens §4.2, §7.4) ---------------------------------------------------


def test_strict_location_blocks_untrusted_connector_egress(run):
    r = run("cae-strict-location.yaml")
    s120 = ["66666666-0000-0000-0000-000000000120"]
    # Created at HQ 09:05; the access token (75 min) is cached until 10:20, so the first refresh
    # is the 13:00 run. Entra's own check uses the original issuance IP (HQ, trusted: §7.2), but
    # Teams sees the egress IP 20.190.128.x, which no trusted location contains -> 53003.
    assert _breaks(r, "alice-teams-new") == [
        ("2026-01-05T13:00:00Z", "AADSTS53003", "locationBlocked", s120)
    ]
    assert [e[0] for e in _failed_runs(r, "alice-teams-post")] == [
        "2026-01-05T13:00:00Z",
        "2026-01-06T13:00:00Z",
        "2026-01-07T13:00:00Z",
    ]
    # No failure at creation: the interactive sign-in came from the trusted HQ network.
    assert events(r, kind="connectionCreateFailed") == []


def test_strict_location_fine_when_egress_is_a_trusted_named_location(run):
    r = run("inline-tenant-trusted-egress.yaml")
    assert r.events == []
    assert r.connection("alice-teams").status == "Connected"
    assert r.flow("alice-teams-post").to_json()["runs"] == 3


def test_strict_location_inline_tenant_without_trusted_egress_breaks(tmp_path):
    """Control for the test above: the same inline tenant minus the egress location."""
    doc = yaml.safe_load((SCENARIOS / "inline-tenant-trusted-egress.yaml").read_text())
    doc["tenant"]["namedLocations"] = doc["tenant"]["namedLocations"][:1]
    p = tmp_path / "untrusted-egress.yaml"
    p.write_text(yaml.safe_dump(doc))
    r = run_scenario(load_scenario(p))
    assert _breaks(r, "alice-teams") == [
        (
            "2026-01-05T13:00:00Z",
            "AADSTS53003",
            "locationBlocked",
            ["66666666-0000-0000-0000-00000000fa01"],
        )
    ]


def test_standard_cae_mode_never_checks_the_egress_ip(tmp_path):
    """Without strictLocation (standard mode, tokens §4.2) the resource's IP is not enforced."""
    doc = yaml.safe_load((SCENARIOS / "cae-strict-location.yaml").read_text())
    doc["tenant"] = str(SCENARIOS.parent / "contoso")
    del doc["events"][0]["addPolicy"]["policy"]["sessionControls"]
    p = tmp_path / "standard.yaml"
    p.write_text(yaml.safe_dump(doc))
    r = run_scenario(load_scenario(p))
    assert _breaks(r, "alice-teams-new") == []


# -- sign-in frequency on background refresh (tokens §2.1, §7.3; A-TOK-2) ---------------------


def test_sign_in_frequency_deferred_by_default(run):
    r = run("sign-in-frequency.yaml")
    assert _breaks(r, "alice-teams-new") == []
    assert r.flow("alice-teams-post").to_json()["failedRuns"] == 0


def test_sign_in_frequency_enforced_when_deferral_is_off():
    scenario = load_scenario(SCENARIOS / "sign-in-frequency.yaml")
    options = SimOptions(tokens=TokenOptions(defer_sif_for_confidential_clients=False))
    r = run_scenario(scenario, options=options)
    # Interactive sign-in 2026-01-05 09:00; refreshes at the 13:00 runs. 01-05 13:00 is 4 h
    # after it (inside CA009's 12 hours); 01-06 13:00 is 28 h after it -> AADSTS70043.
    assert _breaks(r, "alice-teams-new") == [
        ("2026-01-06T13:00:00Z", "AADSTS70043", "signInFrequency", [CA009])
    ]
    assert "sign-in frequency" in events(r, connection="alice-teams-new")[0]["message"]


# -- Dataverse current-environment exception (power-automate §1.5; A-SIM-1) --------------------


def test_dataverse_runs_survive_expiry_until_the_user_is_disabled(run):
    r = run("dataverse-current-environment.yaml")
    # The MFA policy (2026-01-08 08:00) breaks the connection at the next refresh, 13:00 ...
    assert _breaks(r, "carol-dataverse") == [
        (
            "2026-01-08T13:00:00Z",
            "AADSTS50076",
            "mfaRequired",
            ["66666666-0000-0000-0000-000000000121"],
        )
    ]
    assert r.connection("carol-dataverse").status == "Error"
    # ... but runs go on "as long as the user is still enabled": the first failing run is the
    # first one after the disable (2026-01-12 10:00), then every daily run up to the end.
    assert _failed_runs(r, "carol-dataverse-sync") == [
        ("2026-01-12T13:00:00Z", "AADSTS50057", "userDisabled"),
        ("2026-01-13T13:00:00Z", "AADSTS50057", "userDisabled"),
        ("2026-01-14T13:00:00Z", "AADSTS50057", "userDisabled"),
    ]


def test_dataverse_exception_off_fails_runs_like_any_connector():
    scenario = load_scenario(SCENARIOS / "dataverse-current-environment.yaml")
    r = run_scenario(scenario, options=SimOptions(dataverse_current_environment=False))
    runs = _failed_runs(r, "carol-dataverse-sync")
    assert runs[0] == ("2026-01-08T13:00:00Z", "AADSTS50076", "mfaRequired")
    assert len(runs) == 7  # 01-08 .. 01-14 at 13:00, the sticky Error (A-SIM-3)


# -- invoker (run-only user) connections (power-automate §2.4, §8.4; A-SIM-6) -------------------


def test_invoker_connection_is_the_runners_own(run):
    r = run("invoker-connections.yaml")
    s122 = ["66666666-0000-0000-0000-000000000122"]
    # bob runs at 10:00 with his own single-factor connection: the MFA policy fails it.
    assert _breaks(r, "bob-teams") == [("2026-01-06T10:00:00Z", "AADSTS50076", "mfaRequired", s122)]
    (failed,) = events(r, kind="runFailed", flow="post-status-button")
    assert (failed["at"], failed["connection"], failed["user"]) == (
        "2026-01-06T10:00:00Z",
        "bob-teams",
        "bob@contoso.com",
    )
    # alice's run (10:05, her MFA connection) and the run without a named runner (10:10, the
    # design-time connection, alice's) succeed.
    assert _breaks(r, "alice-teams-new") == []
    f = r.flow("post-status-button").to_json()
    assert (f["runs"], f["failedRuns"]) == (3, 1)


# -- revocation (tokens §3.1-§3.2) --------------------------------------------------------------


def test_revoke_sessions_repairable_disable_user_not(run):
    r = run("revocation-repair.yaml")
    # Revoked 2026-01-07 10:00 -> the 13:00 refresh fails.
    assert _breaks(r, "judy-teams") == [
        ("2026-01-07T13:00:00Z", "AADSTS50173", "sessionsRevoked", [])
    ]
    assert _breaks(r, "frank-teams") == [
        ("2026-01-07T13:00:00Z", "AADSTS50057", "userDisabled", [])
    ]
    # A token issued after the revocation is valid: judy's repair holds, one failed run only.
    assert [e["at"] for e in events(r, kind="connectionRepaired")] == ["2026-01-08T09:00:00Z"]
    assert _failed_runs(r, "judy-post") == [
        ("2026-01-07T13:00:00Z", "AADSTS50173", "sessionsRevoked")
    ]
    assert r.connection("judy-teams").status == "Connected"
    # A disabled account cannot sign in to repair: every later run fails too.
    (repair,) = events(r, kind="signInFailed", connection="frank-teams")
    assert (repair["at"], repair["errorCode"], repair["cause"]) == (
        "2026-01-08T09:00:00Z",
        "AADSTS50057",
        "userDisabled",
    )
    assert [e[0] for e in _failed_runs(r, "frank-post")] == [
        "2026-01-07T13:00:00Z",
        "2026-01-08T13:00:00Z",
        "2026-01-09T13:00:00Z",
    ]


# -- automatic turn-off (power-automate §2.5, §8.3; A-SIM-5) -------------------------------------


def test_flow_turned_off_after_14_days_of_continuous_failure(run):
    r = run("flow-turned-off.yaml")
    # First failure 2026-01-10 13:00 (first refresh after the 08:00 MFA policy); 14 days later
    # is 2026-01-24 13:00: that run fails and the flow is turned off; nothing runs afterwards.
    (off,) = events(r, kind="flowTurnedOff", flow="alice-daily")
    assert (off["at"], off["errorCode"], off["cause"]) == (
        "2026-01-24T13:00:00Z",
        "AADSTS50076",
        "mfaRequired",
    )
    runs = _failed_runs(r, "alice-daily")
    assert (runs[0][0], runs[-1][0], len(runs)) == (
        "2026-01-10T13:00:00Z",
        "2026-01-24T13:00:00Z",
        15,
    )
    assert r.flow("alice-daily").to_json() == {
        "id": "alice-daily",
        "state": "Stopped",
        "runs": 20,  # 01-05 .. 01-24
        "failedRuns": 15,
        "firstFailureAt": "2026-01-10T13:00:00Z",
        "turnedOffAt": "2026-01-24T13:00:00Z",
        "flowSuspensionReason": "AlwaysFailingDetected",
    }


def test_repair_interrupts_the_failure_streak(run):
    r = run("flow-turned-off.yaml")
    # bob: failing 01-10..01-19, repaired 01-20 09:00, failing again from 01-22 (password reset
    # 10:00) to the end: never 14 continuous days, so never turned off.
    assert events(r, kind="flowTurnedOff", flow="bob-daily") == []
    f = r.flow("bob-daily").to_json()
    assert (f["state"], f["failedRuns"], f["firstFailureAt"], f["turnedOffAt"]) == (
        "Started",
        20,  # 10 (01-10..01-19) + 10 (01-22..01-31)
        "2026-01-10T13:00:00Z",
        None,
    )
    assert _breaks(r, "bob-teams")[-1][:3] == (
        "2026-01-22T13:00:00Z",
        "AADSTS50173",
        "passwordChanged",
    )


# -- 90-day inactivity (tokens §1.2; seed table MaxInactiveTime) --------------------------------


def test_inactivity_89_days_survives_91_days_expires(run):
    r = run("inactivity-89-vs-91-days.yaml")
    # Each use refreshes (the access token is long expired) and returns a fresh refresh token:
    # frank's 89-day gaps never exceed the 90-day window.
    assert _breaks(r, "frank-teams") == []
    assert r.flow("frank-button").to_json()["runs"] == 3
    (b,) = events(r, kind="connectionBroken", connection="judy-teams")
    assert (b["at"], b["errorCode"], b["cause"]) == (
        "2026-04-06T09:05:00Z",
        "AADSTS70008",
        "inactivity",
    )
    assert "inactive for 90.00:00:00" in b["message"]
