"""Hypothesis strategy: small tenants for the fast-path vs reference-path equivalence tests.

Built from the Contoso example (its policies, locations, agreements and devices) with a drawn
directory (users in random groups/roles, some guests, some sharing a signature), drawn policy
subset and states (report-only variants exercise the second advise pass), and drawn
connections and flows (several per owner, shared connections, every trigger kind).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import cache

from hypothesis import strategies as st
from tests.examples_paths import CONTOSO

from caflow.io.bundle import load_bundle
from caflow.model import Tenant
from caflow.model.directory import User
from caflow.model.policy import PolicyState
from caflow.model.powerplatform import Connection, ConnectionRef, Flow, Trigger

CONNECTORS = ("sharepointonline", "office365", "teams", "commondataservice", "rss", "excelonline")
FIRST_RUN = datetime(2026, 1, 5, 13, tzinfo=UTC)
_STATES = (PolicyState.ENABLED, PolicyState.REPORT_ONLY, PolicyState.DISABLED)


@cache
def contoso() -> Tenant:
    return load_bundle(CONTOSO)


@st.composite
def small_tenants(draw: st.DrawFn, max_users: int = 6) -> Tenant:
    base = contoso()
    groups = sorted(g.id for g in base.directory.groups)
    roles = sorted({r for u in base.directory.users for r in u.role_ids})
    devices = [d.id for d in base.directory.devices]
    n = draw(st.integers(1, max_users))
    users = []
    for i in range(n):
        guest = draw(st.booleans()) and i > 0
        real = base.directory.users[i % len(base.directory.users)]
        users.append(
            User(
                # sometimes a Contoso id, which policies may list by id
                id=real.id if draw(st.booleans()) else f"00000000-0000-0000-0000-{i:012d}",
                user_principal_name=f"u{i}@contoso.com",
                user_type="Guest" if guest else "Member",
                guest_type="b2bCollaborationGuest" if guest else None,
                account_enabled=draw(st.booleans()) or i == 0,
                group_ids=frozenset(draw(st.lists(st.sampled_from(groups), max_size=3))),
                role_ids=frozenset(draw(st.lists(st.sampled_from(roles), max_size=1))),
                device_ids=tuple(draw(st.lists(st.sampled_from(devices), max_size=1))),
                tags=frozenset(["serviceAccount"]) if draw(st.booleans()) else frozenset(),
            )
        )
    chosen = draw(
        st.lists(st.sampled_from(range(len(base.policies))), min_size=1, max_size=6, unique=True)
    )
    policies = tuple(
        replace(base.policies[i], state=draw(st.sampled_from(_STATES))) for i in sorted(chosen)
    )
    connections = []
    for i in range(draw(st.integers(0, 8))):
        owner = draw(st.sampled_from(users))
        connections.append(Connection(f"c{i}", draw(st.sampled_from(CONNECTORS)), owner.id))
    flows = []
    for i in range(draw(st.integers(0, 5)) if connections else 0):
        used = draw(st.lists(st.sampled_from(connections), min_size=1, max_size=3, unique=True))
        kind = draw(st.sampled_from(("schedule", "sharePoint", "manual")))
        period = draw(st.sampled_from((timedelta(hours=1), timedelta(days=1), timedelta(days=7))))
        # sometimes first run long after the start (idle connection until then)
        begins = FIRST_RUN + timedelta(days=draw(st.sampled_from((0, 0, 3, 95))))
        flows.append(
            Flow(
                f"f{i}",
                f"Flow {i}",
                used[0].owner_id,
                trigger=Trigger(kind, period=None if kind == "manual" else period, start=begins),
                connections=tuple(ConnectionRef(c.name, c.name, c.connector) for c in used),
            )
        )
    return base.evolve(
        directory=replace(base.directory, users=tuple(users)),
        policies=policies,
        connections=tuple(connections),
        flows=tuple(flows),
    )
