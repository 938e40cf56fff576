"""ToU, remember-MFA, token lifetime table, revocation and repair paths (seed + reference)."""

from __future__ import annotations

from sim_support import events


def _breaks(r, conn):
    return [
        (e["at"], e["errorCode"], e["cause"], e["policies"])
        for e in events(r, kind="connectionBroken", connection=conn)
    ]


def test_tou_retroactive_breaks_on_next_refresh_and_repair_fixes(run):
    r = run("tou-retroactive.yaml")
    assert _breaks(r, "alice-teams-new") == [
        (
            "2026-01-10T13:00:00Z",
            "AADSTS50158",
            "termsOfUseRequired",
            ["66666666-0000-0000-0000-000000000111"],
        )
    ]
    rep = events(r, kind="connectionRepaired", connection="alice-teams-new")
    assert [e["at"] for e in rep] == ["2026-01-12T09:05:00Z"]
    assert r.connection("alice-teams-new").status == "Connected"


def test_tou_monthly_schedule_breaks_every_expiry(run):
    r = run("tou-expiry-monthly.yaml")
    pol = ["66666666-0000-0000-0000-000000000112"]
    # Expire consents monthly from 2026-01-01: Feb 1 and Mar 1 (first daily run after each).
    assert _breaks(r, "alice-teams-new") == [
        ("2026-02-01T13:00:00Z", "AADSTS50158", "termsOfUseExpired", pol),
        ("2026-03-01T13:00:00Z", "AADSTS50158", "termsOfUseExpired", pol),
    ]


def test_tou_rolling_30_days(run):
    r = run("tou-expiry-rolling.yaml")
    # Accepted at creation 2026-01-05T09:05 -> expires 2026-02-04T09:05 -> 13:00 run fails.
    assert _breaks(r, "alice-teams-new") == [
        (
            "2026-02-04T13:00:00Z",
            "AADSTS50158",
            "termsOfUseExpired",
            ["66666666-0000-0000-0000-000000000113"],
        )
    ]


def test_tou_per_device_never_satisfied_by_background_refresh(run):
    r = run("tou-per-device.yaml")
    # Accepted on LAPTOP-ALICE at creation; the very first background refresh fails.
    assert _breaks(r, "alice-teams-new") == [
        (
            "2026-01-05T13:00:00Z",
            "AADSTS50158",
            "termsOfUsePerDevice",
            ["66666666-0000-0000-0000-000000000114"],
        )
    ]


def test_remember_mfa_14_days(run):
    r = run("remember-mfa-14-days.yaml")
    # MFA at 2026-01-05T09:00; 14 days later = 2026-01-19T09:00; next refresh 13:00.
    assert _breaks(r, "alice-teams-new") == [
        ("2026-01-19T13:00:00Z", "AADSTS50076", "rememberMfaExpired", [])
    ]


def test_token_lifetime_table_legacy_true(run):
    r = run("lifetimes-legacy-true.yaml")
    # MaxInactiveTime 10 days: frank's connection idle since 2026-01-05 -> manual run on 01-16 fails.
    (inactive,) = _breaks(r, "frank-teams")
    assert inactive[:3] == ("2026-01-16T12:00:00Z", "AADSTS70008", "inactivity")
    assert (
        "inactive for 10.00:00:00"
        in events(r, kind="connectionBroken", connection="frank-teams")[0]["message"]
    )
    # MaxAgeSingleFactor 20 days from 2026-01-05T09:00 -> run 2026-01-25T13:00.
    assert _breaks(r, "alice-teams-sf") == [
        ("2026-01-25T13:00:00Z", "AADSTS50076", "maxAgeExceeded", [])
    ]
    # MaxAgeMultiFactor 30 days from the MFA at 2026-01-05T09:00 -> run 2026-02-04T13:00.
    # MaxAgeSessionMultiFactor (1 day) has no effect: nothing earlier.
    assert _breaks(r, "bob-teams-mfa") == [
        ("2026-02-04T13:00:00Z", "AADSTS50076", "maxAgeExceeded", [])
    ]


def test_token_lifetime_table_legacy_false_not_enforced(run):
    r = run("lifetimes-legacy-false.yaml")
    for conn in ("frank-teams", "alice-teams-sf", "bob-teams-mfa"):
        assert _breaks(r, conn) == []


def test_fixed_90_day_inactivity_always_holds(run):
    r = run("inactivity-90-days.yaml")
    (b,) = events(r, kind="connectionBroken", connection="frank-teams")
    assert (b["at"], b["errorCode"], b["cause"]) == (
        "2026-04-06T09:00:00Z",
        "AADSTS70008",
        "inactivity",
    )
    assert "inactive for 90.00:00:00" in b["message"]


def test_repair_requires_matching_network(run):
    r = run("repair-matching-network.yaml")
    pol = ["66666666-0000-0000-0000-000000000120"]
    assert _breaks(r, "alice-teams-new") == [
        ("2026-01-08T13:00:00Z", "AADSTS50076", "mfaRequired", pol)
    ]
    failed = events(r, kind="signInFailed", connection="alice-teams-new")
    assert [(e["at"], e["errorCode"], e["policies"]) for e in failed] == [
        ("2026-01-09T08:00:00Z", "AADSTS50076", pol)
    ]
    assert [e["at"] for e in events(r, kind="connectionRepaired")] == ["2026-01-09T10:00:00Z"]
    # Refresh keeps the HQ IP of the repair: later runs succeed.
    runs = events(r, kind="runFailed", flow="alice-teams-post")
    assert [e["at"] for e in runs] == ["2026-01-08T13:00:00Z"]
    assert r.connection("alice-teams-new").status == "Connected"


def test_revocation_codes(run):
    r = run("revocation.yaml")
    assert _breaks(r, "alice-teams-new") == [
        ("2026-01-07T13:00:00Z", "AADSTS50173", "passwordChanged", [])
    ]
    assert _breaks(r, "judy-teams") == [
        ("2026-01-07T13:00:00Z", "AADSTS50173", "sessionsRevoked", [])
    ]
    assert _breaks(r, "frank-teams") == [
        ("2026-01-07T13:00:00Z", "AADSTS50057", "userDisabled", [])
    ]


def test_turn_off_after_14_days_of_failures(run):
    r = run("effect1-future-runs.yaml")
    assert r.flow("alice-teams-post").state == "Started"  # only 9 days of failures
    r2 = run("lifetimes-legacy-true.yaml")
    off = events(r2, kind="flowTurnedOff", flow="sf-daily")
    # first failure 2026-01-25T13:00 -> 14 days later 2026-02-08T13:00
    assert [e["at"] for e in off] == ["2026-02-08T13:00:00Z"]
    f = r2.flow("sf-daily").to_json()
    assert (
        f["flowSuspensionReason"] == "AlwaysFailingDetected"
        and f["turnedOffAt"] == "2026-02-08T13:00:00Z"
    )
