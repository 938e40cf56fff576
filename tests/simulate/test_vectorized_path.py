"""simulate/check: the numpy lifetime path (simulate/covered.py) gives the same JSON as the
event loop alone (``vectorized=False``) and the plain loop (``reference=True``): on every
example scenario, on a tenant whose covered connections
break for every cause it handles, and on drawn small tenants (policy switches, remember-MFA,
Terms of Use acceptances). Coverage is checked too: the cases exercise it, nothing is sent
back to the loop."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.examples_paths import SCENARIOS
from tests.small_tenants import contoso, small_tenants

from caflow.io.policies import parse_policy
from caflow.model import Tenant
from caflow.model.agreements import AgreementAcceptance
from caflow.model.powerplatform import Connection, ConnectionRef, Flow, Trigger
from caflow.model.tenant import RememberMfa
from caflow.simulate import Action, load_scenario
from caflow.simulate.runner import Simulator

START = datetime(2026, 1, 5, 9, tzinfo=UTC)
MFA_ALL = parse_policy(
    {
        "id": "P-MFA-ALL",
        "displayName": "MFA for every app",
        "state": "enabled",
        "conditions": {
            "clientAppTypes": ["all"],
            "users": {"includeUsers": ["All"]},
            "applications": {"includeApplications": ["All"]},
        },
        "grantControls": {"operator": "OR", "builtInControls": ["mfa"]},
    },
    "<test>",
)


def _run(tenant: Tenant, end: datetime, actions=(), flows=(), **kw) -> tuple[str, Simulator]:  # type: ignore[no-untyped-def]
    sim = Simulator(tenant, START if "start" not in kw else kw.pop("start"), end, flows=flows, **kw)
    return json.dumps(sim.run(actions).to_json(), indent=1), sim


def _all_three(tenant: Tenant, end: datetime, actions=(), flows=(), start=START) -> Simulator:  # type: ignore[no-untyped-def]
    vec, sim = _run(tenant, end, actions, flows, start=start, vectorized=True)
    loop, _ = _run(tenant, end, actions, flows, start=start, vectorized=False)
    ref, _ = _run(tenant, end, actions, flows, start=start, fast=False)
    assert vec == loop == ref
    assert sim.coverage["fallback"] == 0
    return sim


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.yaml")), ids=lambda p: p.stem)
def test_scenarios_identical(path: Path) -> None:
    sc = load_scenario(path)
    _all_three(sc.tenant, sc.end, sc.actions, sc.flows, start=sc.start)


def _exclusive_flows(tenant: Tenant, specs) -> Tenant:  # type: ignore[no-untyped-def]
    """One connection and one scheduled flow per (user, connector, period, first-run delay)."""
    conns, flows = [], []
    for i, (upn, connector, period, delay) in enumerate(specs):
        user = tenant.directory.user(upn)
        assert user is not None
        conns.append(Connection(f"c{i}", connector, user.id))
        flows.append(
            Flow(
                f"f{i}",
                f"Flow {i}",
                user.id,
                trigger=Trigger("schedule", period, START + delay),
                connections=(ConnectionRef(f"c{i}", f"c{i}", connector),),
            )
        )
    return tenant.evolve(connections=tuple(conns), flows=tuple(flows))


def test_every_cause_covered_and_identical() -> None:
    """Covered connections break by inactivity, remember-MFA age, Terms of Use expiry and a
    policy switch (some after 100+ identical failed runs, some flows turned off), all
    identical to the loop."""
    base = contoso()
    s = base.settings.model_copy(update={"rememberMfa": RememberMfa(enabled=True, days=14)})
    hour, day = timedelta(hours=1), timedelta(days=1)
    tenant = _exclusive_flows(
        base.evolve(settings=s),
        [
            ("alice@contoso.com", "teams", timedelta(days=100), timedelta(0)),  # inactivity
            ("alice@contoso.com", "sharepointonline", hour, timedelta(0)),  # MFA: remembered
            ("bob@contoso.com", "teams", day, timedelta(hours=4)),
            ("bob@contoso.com", "office365", hour, timedelta(days=3)),
            ("carol@contoso.com", "office365", timedelta(minutes=7), timedelta(0)),
            ("alice@contoso.com", "rss", day, timedelta(0)),  # no token: never breaks
        ],
    )
    at = START + timedelta(days=40, hours=5)
    switch = Action(
        0,
        at,
        "addPolicy",
        {"tenant": tenant.with_policies((*tenant.policies, MFA_ALL))},
        "/events/0",
    )
    sim = _all_three(tenant, START + timedelta(days=200), (switch,))
    once, _ = _run(tenant, START + timedelta(days=200), iter((switch,)), vectorized=True)
    assert once == _run(tenant, START + timedelta(days=200), (switch,), vectorized=True)[0]
    assert sim.coverage["vectorized"] == 6
    causes = {c.failure.cause for c in sim.connections.values() if c.failure}
    assert {"inactivity", "rememberMfaExpired"} <= causes
    assert any(f.turned_off_at for f in sim.flows.values())


def _with_acceptances(tenant: Tenant, draws) -> Tenant:  # type: ignore[no-untyped-def]
    agreements = sorted(tenant.agreements.values(), key=lambda a: a.id)
    acc = [
        AgreementAcceptance(
            agreements[a % len(agreements)].id,
            tenant.directory.users[u % len(tenant.directory.users)].id,
            START + timedelta(days=d),
        )
        for u, a, d in draws
    ]
    return tenant.evolve(acceptances=tuple(acc))


@settings(max_examples=40, deadline=None)
@given(
    small_tenants(),
    st.integers(0, 200),
    st.booleans(),
    st.sampled_from([None, 3, 14]),
    st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5), st.integers(-60, 0)), max_size=4),
    st.lists(
        st.tuples(
            st.integers(0, 5),
            st.sampled_from(("office365", "teams", "sharepointonline", "rss", "commondataservice")),
            st.sampled_from((7, 60, 1440, 1440 * 7, 1440 * 95)),
            st.integers(0, 1440 * 100),
        ),
        max_size=5,
    ),
)
def test_drawn_tenants_identical(
    tenant: Tenant, switch_day: int, switch: bool, remember, accepted, own
) -> None:  # type: ignore[no-untyped-def]
    """small_tenants' flows (shared connections, every trigger: mostly the loop) plus drawn
    flows with a connection of their own (covered)."""
    users = tenant.directory.users
    conns, flows = list(tenant.connections), list(tenant.flows)
    for i, (u, connector, minutes, delay) in enumerate(own):
        owner = users[u % len(users)].id
        conns.append(Connection(f"x{i}", connector, owner))
        flows.append(
            Flow(
                f"xf{i}",
                f"Own {i}",
                owner,
                trigger=Trigger(
                    "schedule", timedelta(minutes=minutes), START + timedelta(minutes=delay)
                ),
                connections=(ConnectionRef(f"x{i}", f"x{i}", connector),),
            )
        )
    tenant = tenant.evolve(connections=tuple(conns), flows=tuple(flows))
    if remember:
        s = tenant.settings.model_copy(
            update={"rememberMfa": RememberMfa(enabled=True, days=remember)}
        )
        tenant = tenant.evolve(settings=s)
    tenant = _with_acceptances(tenant, accepted)
    actions: tuple[Action, ...] = ()
    if switch:
        changed = tenant.with_policies((*tenant.policies, MFA_ALL))
        actions = (
            Action(
                0,
                START + timedelta(days=switch_day, hours=5),
                "addPolicy",
                {"tenant": changed},
                "/events/0",
            ),
        )
    _all_three(tenant, START + timedelta(days=240), actions)


def test_auto_uses_the_loop_below_the_threshold() -> None:
    tenant = contoso()
    _, sim = _run(tenant, START + timedelta(days=30))
    assert sim.coverage == {"vectorized": 0, "fallback": 0}
    _, sim = _run(tenant, START + timedelta(days=30), vectorized=True)
    assert sim.coverage["vectorized"] > 0
