"""Which grant controls an external (B2B) user can satisfy, given the cross-tenant trust.

"Authentication and Conditional Access for External ID", authentication flow steps 3-6
(https://learn.microsoft.com/entra/external-id/authentication-conditional-access; reference
docs/sources.md CA-2.2 "Home-tenant MFA/device claims count only with inbound cross-tenant
trust"):

* step 6: "When no trust settings are configured and MFA is required, B2B collaboration users
  are prompted for MFA, which they need to satisfy in the resource tenant. Access is blocked for
  B2B direct connect users. If device compliance is required but can't be evaluated, access is
  blocked for both B2B collaboration and B2B direct connect users."

So for a user homed in another tenant, a device control (compliant / hybrid joined) is met only
when the tenant trusts that claim from the user's home tenant, and otherwise can never be met
(blocked); MFA (and authentication strengths) of a B2B direct connect user is likewise met only
with MFA trust. docs/assumptions.md A-EXT-2.
"""

from __future__ import annotations

from dataclasses import dataclass

from caflow.engine.signin import SignIn
from caflow.model.tenant import Tenant

__all__ = ["ExternalLimits", "external_limits"]

#: Guest types whose credentials (and devices) live in another tenant (CA-2.2 table).
_HOME_ELSEWHERE = frozenset(
    {"b2bcollaborationguest", "b2bcollaborationmember", "b2bdirectconnectuser", "serviceprovider"}
)


@dataclass(frozen=True, slots=True)
class ExternalLimits:
    """Controls this external user can never satisfy in this tenant (untrusted home claims)."""

    mfa: bool  # True: MFA / authentication strength cannot be met (direct connect, no trust)
    compliant_device: bool
    hybrid_joined_device: bool
    tenant_id: str | None

    def reason(self, control: str) -> str:
        home = self.tenant_id or "the user's home tenant"
        return f"{control}: claims from {home} are not trusted (cross-tenant inbound trust)"


def external_limits(s: SignIn, t: Tenant) -> ExternalLimits | None:
    """Limits for the signing-in user, or None for a user of this tenant (or a local guest)."""
    user = s.user
    if user is None:
        return None
    gtype = (user.guest_type or "").lower()
    if gtype not in _HOME_ELSEWHERE and not (user.external_tenant_id and gtype != "internalguest"):
        return None
    trust = t.cross_tenant_access.trust_for(user.external_tenant_id)
    return ExternalLimits(
        mfa=gtype == "b2bdirectconnectuser" and not trust.mfa,
        compliant_device=not trust.compliant_device,
        hybrid_joined_device=not trust.hybrid_joined_device,
        tenant_id=user.external_tenant_id,
    )
