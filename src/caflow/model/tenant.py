"""The whole tenant copy the engine evaluates against: one immutable object."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta
from types import MappingProxyType

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from caflow.errors import LoadWarning
from caflow.model.agreements import Agreement, AgreementAcceptance
from caflow.model.crosstenant import CrossTenantAccess
from caflow.model.directory import Directory
from caflow.model.durations import parse_timespan
from caflow.model.locations import NamedLocation
from caflow.model.policy import Policy, StrengthRef
from caflow.model.powerplatform import Connection, Flow

__all__ = ["ConnectorEgress", "RememberMfa", "Settings", "Tenant", "TokenLifetimePolicy"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True, populate_by_name=True)


class RememberMfa(_Model):
    """Legacy per-user MFA "remember multifactor authentication on trusted devices" (§2.3)."""

    enabled: bool = False
    days: int = Field(14, ge=1, le=365)


class TokenLifetimePolicy(_Model):
    """Org-default legacy ``TokenLifetimePolicy`` definition (TimeSpan strings, §1.4)."""

    MaxInactiveTime: str = "90.00:00:00"
    MaxAgeSingleFactor: str = "until-revoked"
    MaxAgeMultiFactor: str = "until-revoked"
    MaxAgeSessionSingleFactor: str = "until-revoked"
    MaxAgeSessionMultiFactor: str = "until-revoked"

    @field_validator("*", mode="before")
    @classmethod
    def _timespan_in_range(cls, value: object, info: ValidationInfo) -> str:
        """Ranges of tokens §1.4: MaxInactiveTime 10 min .. 90 days; MaxAge* 10 min .. 365 days
        (365 days is the largest explicit value) or ``until-revoked``."""
        text = str(value).strip()
        try:
            span = parse_timespan(text)
        except ValueError:
            raise ValueError(
                f"{text!r} is not a TimeSpan such as 90.00:00:00 or until-revoked"
            ) from None
        top = timedelta(days=90 if info.field_name == "MaxInactiveTime" else 365)
        if span is None:
            if info.field_name == "MaxInactiveTime":
                raise ValueError("MaxInactiveTime cannot be until-revoked (at most 90 days)")
            return text
        if not timedelta(minutes=10) <= span <= top:
            raise ValueError(f"{text} is outside 00:10:00 .. {top.days}.00:00:00")
        return text


class ConnectorEgress(_Model):
    """Outbound IPs of Power Platform connectors (power-automate.md §4.3)."""

    ipRanges: tuple[str, ...] = ("20.190.128.0/18",)
    country: str | None = "US"


class Settings(_Model):
    """``tenant.yaml`` settings; defaults are Microsoft's defaults (DESIGN.md)."""

    rememberMfa: RememberMfa = RememberMfa(enabled=False, days=14)
    legacyTokenLifetimes: bool = False
    tokenLifetimePolicy: TokenLifetimePolicy = TokenLifetimePolicy()
    mfaTrustedIps: tuple[str, ...] = ()
    connectorEgress: ConnectorEgress = ConnectorEgress()
    accessTokenLifetime: timedelta = timedelta(minutes=75)
    #: Methods assumed when a sign-in says only "mfa: true" (docs/assumptions.md A-GRANT-2).
    defaultMfaMethods: tuple[str, ...] = ("password", "microsoftAuthenticatorPush")


@dataclass(frozen=True)
class Tenant:
    id: str = ""
    display_name: str = ""
    settings: Settings = field(default_factory=Settings)
    policies: tuple[Policy, ...] = ()
    named_locations: Mapping[str, NamedLocation] = field(default_factory=dict)
    strengths: Mapping[str, StrengthRef] = field(default_factory=dict)
    agreements: Mapping[str, Agreement] = field(default_factory=dict)
    acceptances: tuple[AgreementAcceptance, ...] = ()
    directory: Directory = field(default_factory=Directory)
    cross_tenant_access: CrossTenantAccess = field(default_factory=CrossTenantAccess)
    connections: tuple[Connection, ...] = ()
    flows: tuple[Flow, ...] = ()
    warnings: tuple[LoadWarning, ...] = ()
    source: str = ""

    def __post_init__(self) -> None:
        for name in ("named_locations", "strengths", "agreements"):
            value = getattr(self, name)
            if not isinstance(value, MappingProxyType):
                object.__setattr__(self, name, MappingProxyType(dict(value)))

    def policy(self, policy_id: str) -> Policy | None:
        key = policy_id.lower()
        return next((p for p in self.policies if p.id.lower() == key), None)

    def connection(self, name: str) -> Connection | None:
        key = name.lower()
        return next((c for c in self.connections if c.name.lower() == key), None)

    def flow(self, name: str) -> Flow | None:
        key = name.lower()
        return next(
            (f for f in self.flows if f.name.lower() == key or f.display_name.lower() == key), None
        )

    def with_policies(self, policies: tuple[Policy, ...]) -> Tenant:
        return replace(self, policies=policies)

    def evolve(self, **changes: object) -> Tenant:
        return replace(self, **changes)  # type: ignore[arg-type]
