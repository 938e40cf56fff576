"""Properties of cross-tenant trust (engine/external.py; "Authentication and Conditional Access
for External ID" steps 3-6, https://learn.microsoft.com/entra/external-id/authentication-conditional-access):

* trusting more home-tenant claims never makes a sign-in's outcome stricter;
* cross-tenant settings never change anything for a user of this tenant.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from caflow.engine.evaluate import evaluate
from caflow.engine.signin import SignIn
from caflow.io.bundle import load_tenant_from_documents
from caflow.model.crosstenant import CrossTenantAccess, InboundTrust
from caflow.model.directory import User
from caflow.model.tenant import Tenant
from caflow.model.wellknown import TEAMS

NOW = datetime(2026, 1, 15, tzinfo=UTC)
RANK = {"allow": 0, "requires": 1, "block": 2}
CONTROLS = ("mfa", "compliantDevice", "domainJoinedDevice")
GUEST_TYPES = (
    "b2bCollaborationGuest",
    "b2bCollaborationMember",
    "b2bDirectConnectUser",
    "serviceProvider",
)


def _tenant(controls: list[str], operator: str) -> Tenant:
    policy = {
        "id": "p",
        "displayName": "p",
        "state": "enabled",
        "conditions": {
            "users": {"includeUsers": ["All"]},
            "applications": {"includeApplications": ["All"]},
            "clientAppTypes": ["all"],
        },
        "grantControls": {"operator": operator, "builtInControls": controls},
    }
    body = json.dumps(policy).encode()
    return load_tenant_from_documents([("policies/p.json", lambda: body)], label="mem:")


trust = st.builds(InboundTrust, st.booleans(), st.booleans(), st.booleans())


def _at_least(a: InboundTrust, b: InboundTrust) -> InboundTrust:
    return InboundTrust(
        a.mfa or b.mfa,
        a.compliant_device or b.compliant_device,
        a.hybrid_joined_device or b.hybrid_joined_device,
    )


@settings(max_examples=60)
@given(
    controls=st.lists(st.sampled_from(CONTROLS), min_size=1, max_size=3, unique=True),
    operator=st.sampled_from(["AND", "OR"]),
    gtype=st.sampled_from(GUEST_TYPES),
    mfa=st.booleans(),
    compliant=st.booleans(),
    hybrid=st.booleans(),
    low=trust,
    extra=trust,
)
def test_more_trust_is_never_stricter(
    controls, operator, gtype, mfa, compliant, hybrid, low, extra
) -> None:
    base = _tenant(controls, operator)
    user = User(
        id="ext",
        user_principal_name="ext@fabrikam.com",
        user_type="Guest",
        guest_type=gtype,
        external_tenant_id="f0",
    )
    device = {
        "deviceId": "d",
        "isCompliant": compliant,
        "trustType": "ServerAD" if hybrid else "AzureAD",
    }
    signin = SignIn(user=user, app_id=TEAMS, mfa=mfa, device=device)

    def outcome(tr: InboundTrust) -> int:
        t = base.evolve(cross_tenant_access=CrossTenantAccess(default=tr, present=True))
        return RANK[evaluate(t, signin, NOW).decision]

    assert outcome(_at_least(low, extra)) <= outcome(low)


@settings(max_examples=30)
@given(
    controls=st.lists(st.sampled_from(CONTROLS), min_size=1, max_size=3, unique=True),
    operator=st.sampled_from(["AND", "OR"]),
    compliant=st.booleans(),
    tr=trust,
)
def test_members_ignore_cross_tenant_settings(controls, operator, compliant, tr) -> None:
    base = _tenant(controls, operator)
    member = User(id="m", user_principal_name="m@contoso.com")
    signin = SignIn(user=member, app_id=TEAMS, device={"deviceId": "d", "isCompliant": compliant})
    trusted = base.evolve(cross_tenant_access=CrossTenantAccess(default=tr, present=True))
    assert evaluate(base, signin, NOW).to_json() == evaluate(trusted, signin, NOW).to_json()
