"""Cross-tenant access settings: which claims of external Entra users this tenant trusts.

Graph ``crossTenantAccessPolicy``: a ``default`` configuration plus per-partner ones
(``partners[].tenantId``). Only ``inboundTrust`` matters to Conditional Access: without trust,
an external user's home-tenant MFA and device claims do not count ("Authentication and
Conditional Access for External ID", step 3-6,
https://learn.microsoft.com/entra/external-id/authentication-conditional-access).
A bundle without ``crossTenantAccess.json`` trusts nothing (the service default).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

__all__ = ["CrossTenantAccess", "InboundTrust", "PartnerConfig"]


@dataclass(frozen=True, slots=True)
class InboundTrust:
    """Graph ``crossTenantAccessPolicyInboundTrust``; ``None`` = not set (inherit)."""

    mfa: bool | None = None  # isMfaAccepted
    compliant_device: bool | None = None  # isCompliantDeviceAccepted
    hybrid_joined_device: bool | None = None  # isHybridAzureADJoinedDeviceAccepted

    def over(self, base: InboundTrust) -> InboundTrust:
        """This partner setting with unset fields taken from ``base`` (the default)."""
        return InboundTrust(
            base.mfa if self.mfa is None else self.mfa,
            base.compliant_device if self.compliant_device is None else self.compliant_device,
            base.hybrid_joined_device
            if self.hybrid_joined_device is None
            else self.hybrid_joined_device,
        )


@dataclass(frozen=True, slots=True)
class PartnerConfig:
    tenant_id: str
    inbound_trust: InboundTrust | None = None  # None: "inherited from default"
    is_service_provider: bool = False


@dataclass(frozen=True)
class CrossTenantAccess:
    default: InboundTrust = InboundTrust(False, False, False)
    partners: Mapping[str, PartnerConfig] = field(default_factory=dict)
    #: False when the bundle has no crossTenantAccess.json (defaults: no trust).
    present: bool = False
    #: Why partners beyond those listed may exist unread ('' = the list is complete): an
    #: EntraExporter folder keeps one partner of many (docs/export.md).
    partners_incomplete: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.partners, MappingProxyType):
            lowered = {k.lower(): v for k, v in self.partners.items()}
            object.__setattr__(self, "partners", MappingProxyType(lowered))

    def trust_unknown(self, tenant_id: str | None) -> str:
        """Why the trust of users homed in ``tenant_id`` is unknown ('' when it is known): a
        tenant not listed among incomplete partners may be one of the partners lost."""
        if self.partners_incomplete and (tenant_id or "").lower() not in self.partners:
            return self.partners_incomplete
        return ""

    def trust_for(self, tenant_id: str | None) -> InboundTrust:
        """Effective inbound trust for users homed in ``tenant_id`` (default when unlisted)."""
        base = InboundTrust(
            bool(self.default.mfa),
            bool(self.default.compliant_device),
            bool(self.default.hybrid_joined_device),
        )
        partner = self.partners.get((tenant_id or "").lower())
        if partner is None or partner.inbound_trust is None:
            return base
        return partner.inbound_trust.over(base)
