"""simulate: the fast path (runs that cannot change anything counted, not executed; repeated
refreshes skipped) gives the same JSON as the plain event loop (reference=True) on every
example scenario and on drawn tenants, with and without a policy switch mid-way."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.examples_paths import SCENARIOS
from tests.small_tenants import contoso, small_tenants

from caflow.io.policies import parse_policy
from caflow.model import Tenant
from caflow.model.powerplatform import Connection, ConnectionRef, Flow, Trigger
from caflow.model.tenant import RememberMfa
from caflow.simulate import Action, load_scenario, run_scenario, simulate_tenant

START = datetime(2026, 1, 5, 9, tzinfo=UTC)
MFA_ALL = parse_policy(
    {
        "id": "P-MFA",
        "displayName": "MFA for Office 365",
        "state": "enabled",
        "conditions": {
            "clientAppTypes": ["all"],
            "users": {"includeUsers": ["All"]},
            "applications": {"includeApplications": ["Office365"]},
        },
        "grantControls": {"operator": "OR", "builtInControls": ["mfa"]},
    },
    "<test>",
)


def _dump(result) -> str:  # type: ignore[no-untyped-def]
    return json.dumps(result.to_json(), indent=1)


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.yaml")), ids=lambda p: p.stem)
def test_example_scenarios_identical(path) -> None:  # type: ignore[no-untyped-def]
    scenario = load_scenario(path)
    fast = _dump(run_scenario(scenario))
    assert fast == _dump(run_scenario(scenario, reference=True))


def test_contoso_year_identical_and_runs_counted() -> None:
    tenant = contoso()
    end = START + timedelta(days=365)
    fast = simulate_tenant(tenant, START, end)
    assert _dump(fast) == _dump(simulate_tenant(tenant, START, end, reference=True))
    assert sum(f.runs for f in fast.flows) > 365  # the skipped runs are still counted


@settings(max_examples=30, deadline=None)
@given(small_tenants(), st.integers(0, 200), st.booleans(), st.booleans())
def test_drawn_tenants_identical(tenant: Tenant, switch_day: int, switch: bool, remember: bool):
    if remember:
        remembered = RememberMfa(enabled=True, days=14)
        settings_ = tenant.settings.model_copy(update={"rememberMfa": remembered})
        tenant = tenant.evolve(settings=settings_)
    end = START + timedelta(days=240)
    events = ()
    if switch:
        at = START + timedelta(days=switch_day, hours=5)
        changed = tenant.with_policies((*tenant.policies, MFA_ALL))
        events = (Action(0, at, "addPolicy", {"tenant": changed}, "/events/0"),)
    fast = simulate_tenant(tenant, START, end, events=events)
    ref = simulate_tenant(tenant, START, end, events=events, reference=True)
    assert _dump(fast) == _dump(ref)


def test_late_flow_sharing_a_connection_still_breaks_on_inactivity() -> None:
    """F runs daily on c0; G starts 95 days later on c0 and c1: c1 idles past 90 days, so the
    fast path must not count G's runs as successes when F settles."""
    base = contoso()
    alice = base.directory.user("alice@contoso.com")
    assert alice is not None
    conns = (
        Connection("c0", "sharepointonline", alice.id),
        Connection("c1", "office365", alice.id),
    )
    daily = timedelta(days=1)
    flows = (
        Flow(
            "F",
            "F",
            alice.id,
            trigger=Trigger("schedule", daily, START),
            connections=(ConnectionRef("c0", "c0", "sharepointonline"),),
        ),
        Flow(
            "G",
            "G",
            alice.id,
            trigger=Trigger("schedule", daily, START + timedelta(days=95)),
            connections=(
                ConnectionRef("c0", "c0", "sharepointonline"),
                ConnectionRef("c1", "c1", "office365"),
            ),
        ),
    )
    tenant = base.evolve(connections=conns, flows=flows)
    end = START + timedelta(days=200)
    fast = simulate_tenant(tenant, START, end)
    assert _dump(fast) == _dump(simulate_tenant(tenant, START, end, reference=True))
    assert fast.connection("c1").broken_at == START + timedelta(days=95)
    assert fast.connection("c1").failure.cause == "inactivity"


# -- review of issue 8: long horizons answer within a second, equal to the plain loop --------

_LONG = """tenant: {bundle}
start: 2026-01-05T09:00:00Z
end: {end}
flows:
  - {{id: fast, owner: alice@contoso.com, connections: [c1], trigger: {{schedule: {every}, startTime: 2026-01-05T13:00:00Z}}}}
events:
  - {{at: 2026-01-05T09:00:00Z, signIn: {{user: alice@contoso.com, mfa: false, ip: 8.8.8.8, device: LAPTOP-ALICE}}}}
  - {{at: 2026-01-05T09:05:00Z, createConnection: {{id: c1, user: alice@contoso.com, connector: teams}}}}
{extra}"""
_BREAK = """  - at: 2026-02-01T00:00:00Z
    addPolicy: {policy: {id: p-teams, displayName: T, state: enabled, conditions: {clientAppTypes: [all], users: {includeUsers: [All]}, applications: {includeApplications: [cc15fd57-2c6c-4117-a88c-83b1d56b4bbe]}}, grantControls: {operator: OR, builtInControls: [mfa]}}}
"""


@pytest.mark.parametrize(
    ("every", "end", "breaks"),
    [
        ("PT1M", "2036-01-04T00:00:00Z", True),  # 20,160 failed runs before the turn-off
        ("PT1M", "2036-01-04T00:00:00Z", False),
        ("PT5M", "2031-01-05T00:00:00Z", True),
        ("PT1H", "2036-01-04T00:00:00Z", True),
    ],
)
def test_long_horizon_is_bounded_and_identical(tmp_path, every, end, breaks) -> None:  # type: ignore[no-untyped-def]
    """The contoso bundle's own SharePoint polls and a minute schedule over ten years: counted
    by arithmetic (the plain loop steps ~10^5 refreshes per flow), identical JSON, and a
    failing flow's identical runs past the first 100 shown as one counted event."""
    from tests.examples_paths import CONTOSO
    from tests.hang_guard import hang_guard

    path = tmp_path / "long.yaml"
    path.write_text(
        _LONG.format(bundle=CONTOSO, end=end, every=every, extra=_BREAK if breaks else ""),
        encoding="utf-8",
    )
    scenario = load_scenario(path)
    with hang_guard():  # stepping ~10^5 refreshes per flow per year would trip it
        fast = run_scenario(scenario)
    assert _dump(fast) == _dump(run_scenario(scenario, reference=True))
    out = fast.to_json()
    assert len(out["events"]) < 200
    flow = next(f for f in out["flows"] if f["id"] == "fast")
    if breaks:
        counted = [e for e in out["events"] if e.get("count")]
        listed = [e for e in out["events"] if e["kind"] == "runFailed" and e["flow"] == "fast"]
        assert sum(e.get("count", 1) for e in listed) == flow["failedRuns"] > 100
        if flow["failedRuns"] > 101:
            assert len(counted) == 1 and counted[0]["lastAt"] <= flow["turnedOffAt"]
