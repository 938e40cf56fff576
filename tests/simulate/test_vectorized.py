"""The numpy lifetime path equals the event loop on small random cases (hypothesis)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.examples_paths import CONTOSO

from caflow.automation import ConnectionState
from caflow.io.bundle import load_bundle
from caflow.io.policies import parse_policy
from caflow.model.powerplatform import ConnectionRef, Flow, Trigger
from caflow.model.wellknown import TEAMS
from caflow.simulate.runner import Simulator
from caflow.simulate.scenario import Action
from caflow.simulate.vectorized import CAUSES, lifetimes
from caflow.tokens import Claims, issue

T0 = datetime(2026, 1, 5, tzinfo=UTC)
BASE = load_bundle(CONTOSO)
POLICY = parse_policy(
    {
        "id": "P1",
        "displayName": "MFA Teams",
        "state": "enabled",
        "conditions": {
            "clientAppTypes": ["all"],
            "users": {"includeUsers": ["All"]},
            "applications": {"includeApplications": [TEAMS]},
        },
        "grantControls": {"operator": "OR", "builtInControls": ["mfa"]},
    },
    "<test>",
)

conn_st = st.tuples(
    st.integers(0, 48),
    st.sampled_from([1800, 3600, 7200, 86400, 86400 * 7, 86400 * 40]),
    st.integers(0, 100),
    st.booleans(),
)


def _loop(tenant, conns, policy_at, end, remember):
    sim = Simulator(tenant, T0, end)
    user = tenant.directory.user("alice@contoso.com").__class__(id="u", user_principal_name="u@x")
    for i, (c_h, period, off_min, mfa) in enumerate(conns):
        created = T0 + timedelta(hours=c_h)
        claims = Claims(
            user=user, auth_time=created, mfa=mfa, mfa_time=created if mfa else None, ip="8.8.8.8"
        )
        cs = ConnectionState(
            f"c{i}", "teams", "u", token=issue(TEAMS, "Teams", claims, created, tenant)
        )
        sim.connections[f"c{i}"] = cs
        f = Flow(
            f"f{i}",
            f"f{i}",
            "u",
            trigger=Trigger(
                "schedule",
                period=timedelta(seconds=period),
                start=created + timedelta(minutes=off_min),
            ),
            connections=(ConnectionRef(f"c{i}", f"c{i}", "teams"),),
        )
        sim.flow_defs[f.name] = f
        from caflow.automation import FlowState

        sim.flows[f.name] = FlowState(f.name, "u")
    act = Action(
        0, policy_at, "addPolicy", {"tenant": tenant.with_policies((POLICY,))}, "/events/0"
    )
    res = sim.run([act])
    return {c.id: (c.broken_at, c.failure.cause if c.failure else "") for c in res.connections}


@settings(max_examples=25, deadline=None)
@given(
    st.lists(conn_st, min_size=1, max_size=4), st.integers(1, 80), st.sampled_from([None, 3, 14])
)
def test_numpy_equals_event_loop(conns, policy_day, remember):
    tenant = BASE.evolve(policies=(), connections=(), flows=(), acceptances=())
    if remember:
        tenant = tenant.evolve(
            settings=tenant.settings.model_copy(
                update={
                    "rememberMfa": tenant.settings.rememberMfa.model_copy(
                        update={"enabled": True, "days": remember}
                    )
                }
            )
        )
    end = T0 + timedelta(days=120)
    policy_at = T0 + timedelta(days=policy_day)
    loop = _loop(tenant, conns, policy_at, end, remember)
    s = lambda d: int((d - T0).total_seconds())  # noqa: E731
    created = np.array([c[0] * 3600 for c in conns])
    lt = lifetimes(
        created,
        created + np.array([c[2] * 60 for c in conns]),
        np.array([c[1] for c in conns]),
        np.array([c[3] for c in conns]),
        np.array([np.iinfo(np.int64).max if c[3] else s(policy_at) for c in conns]),
        end=s(end),
        access_lifetime=75 * 60,
        inactivity=90 * 86400,
        remember_mfa_days=remember,
    )
    for i in range(len(conns)):
        at, cause = loop[f"c{i}"]
        got_at = None if lt.broken_at[i] < 0 else T0 + timedelta(seconds=int(lt.broken_at[i]))
        assert (got_at, CAUSES[lt.cause[i]]) == (at, cause)
