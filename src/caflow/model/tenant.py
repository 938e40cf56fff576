"""The whole tenant copy the engine evaluates against: one immutable object."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta
from types import MappingProxyType
from typing import Annotated

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)
from pydantic_core import PydanticCustomError

from caflow.errors import LoadWarning, describe
from caflow.model.agreements import Agreement, AgreementAcceptance
from caflow.model.crosstenant import CrossTenantAccess
from caflow.model.directory import Directory
from caflow.model.durations import parse_iso_duration, parse_timespan
from caflow.model.locations import NamedLocation
from caflow.model.policy import Policy, StrengthRef
from caflow.model.powerplatform import Connection, Flow
from caflow.model.pulled import NotPulled, acceptances_not_pulled
from caflow.model.signals import signal_choices
from caflow.model.strict import Flag, FormatModel, Number, Text, TextList, choice_list

__all__ = [
    "ConnectorEgress",
    "RememberMfa",
    "Settings",
    "Tenant",
    "TenantFile",
    "TokenLifetimePolicy",
    "acceptances_reason",
]


def _access_token_lifetime(value: object) -> timedelta:
    """An ISO 8601 duration string (``PT75M``) -> timedelta; numbers are refused (unit unknown)."""
    if isinstance(value, timedelta):
        return value
    if not isinstance(value, str):
        raise PydanticCustomError("string_type", "Input should be a valid string")
    try:
        duration = parse_iso_duration(value)
    except ValueError:
        raise ValueError(
            f"expected an ISO 8601 duration such as PT75M, got {describe(value)}"
        ) from None
    if duration.months:
        raise ValueError("give the duration in days, hours or minutes, not months")
    # docs/sources.md TS-1.4: AccessTokenLifetime 10 minutes .. 1 day.
    if not timedelta(minutes=10) <= duration.fixed <= timedelta(days=1):
        raise ValueError("the duration is outside PT10M .. P1D (the access token lifetime range)")
    return duration.fixed


def _ip_ranges(values: tuple[str, ...]) -> tuple[str, ...]:
    """CIDR ranges (or single addresses); host bits may be set, as in the portal (CA-5.1)."""
    for i, value in enumerate(values):
        try:
            ipaddress.ip_network(value.strip(), strict=False)
        except ValueError:
            raise ValueError(
                f"item {i}: expected an IPv4 or IPv6 CIDR range, got {describe(value)}"
            ) from None
    return tuple(v.strip() for v in values)


IpRanges = Annotated[TextList, AfterValidator(_ip_ranges)]


class RememberMfa(FormatModel):
    """Legacy per-user MFA "remember multifactor authentication on trusted devices" (TS-2.3)."""

    enabled: Flag = False
    days: Number = Field(14, ge=1, le=365)


class TokenLifetimePolicy(FormatModel):
    """Org-default legacy ``TokenLifetimePolicy`` definition (TimeSpan strings, TS-1.4)."""

    MaxInactiveTime: Text = "90.00:00:00"
    MaxAgeSingleFactor: Text = "until-revoked"
    MaxAgeMultiFactor: Text = "until-revoked"
    MaxAgeSessionSingleFactor: Text = "until-revoked"
    MaxAgeSessionMultiFactor: Text = "until-revoked"

    @field_validator("*", mode="after")
    @classmethod
    def _timespan_in_range(cls, value: str, info: ValidationInfo) -> str:
        """Ranges of docs/sources.md TS-1.4: MaxInactiveTime 10 min .. 90 days; MaxAge* 10 min .. 365 days
        (365 days is the largest explicit value) or ``until-revoked``."""
        text = value.strip()
        try:
            span = parse_timespan(text)
        except ValueError:
            raise ValueError(
                f"expected a TimeSpan such as 90.00:00:00 or until-revoked, got {describe(text)}"
            ) from None
        top = timedelta(days=90 if info.field_name == "MaxInactiveTime" else 365)
        if span is None:
            if info.field_name == "MaxInactiveTime":
                raise ValueError("MaxInactiveTime cannot be until-revoked (at most 90 days)")
            return text
        if not timedelta(minutes=10) <= span <= top:
            raise ValueError(f"the TimeSpan is outside 00:10:00 .. {top.days}.00:00:00")
        return text


class ConnectorEgress(FormatModel):
    """Outbound IPs of Power Platform connectors (docs/sources.md PA-4.3)."""

    ipRanges: IpRanges = ("20.190.128.0/18",)
    country: Text | None = "US"


class Settings(FormatModel):
    """``tenant.yaml`` settings; defaults are Microsoft's defaults (docs/bundle-format.md)."""

    rememberMfa: RememberMfa = RememberMfa(enabled=False, days=14)
    legacyTokenLifetimes: Flag = False
    tokenLifetimePolicy: TokenLifetimePolicy = TokenLifetimePolicy()
    mfaTrustedIps: IpRanges = ()
    connectorEgress: ConnectorEgress = ConnectorEgress()
    #: Access token lifetime (docs/sources.md TS-1.1, TS-1.4 range: 10 minutes .. 1 day).
    accessTokenLifetime: Annotated[
        timedelta,
        BeforeValidator(_access_token_lifetime),
        WithJsonSchema({"type": "string", "format": "duration", "examples": ["PT75M"]}),
    ] = timedelta(minutes=75)
    #: Methods assumed when a sign-in says only "mfa: true" (docs/assumptions.md A-GRANT-2).
    defaultMfaMethods: choice_list(*signal_choices("authenticationMethod")) = (  # type: ignore[valid-type]
        "password",
        "microsoftAuthenticatorPush",
    )


class TenantFile(FormatModel):
    """``tenant.yaml``: the tenant's id, name and settings."""

    id: Text | None = None
    displayName: Text | None = None
    settings: Settings = Settings()


def acceptances_reason(gaps: tuple[NotPulled, ...]) -> str:
    """Why a bundle's Terms of Use acceptances are unknown: what pull.json or an export page
    says (model.pulled.acceptances_not_pulled), else no acceptances file (A-TOU-1)."""
    return acceptances_not_pulled(gaps) or (
        "Terms of Use acceptances not exported (no agreementAcceptances.json in the bundle; "
        "EntraExporter, Get-Mg* and az exports write none): whether the user accepted is unknown"
    )


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
    #: Files of a policies folder caflow does not read that may hold policies (a policy saved
    #: as ``CA015.jsn``): every verdict is uncertain, naming them (``not-read`` warnings).
    unread_policies: tuple[LoadWarning, ...] = ()
    cross_tenant_access: CrossTenantAccess = field(default_factory=CrossTenantAccess)
    connections: tuple[Connection, ...] = ()
    flows: tuple[Flow, ...] = ()
    warnings: tuple[LoadWarning, ...] = ()
    source: str = ""
    #: What ``caflow pull`` could not read (pull.json): missing, not empty (model.pulled).
    not_pulled: tuple[NotPulled, ...] = ()
    #: ``settings`` keys read from an export object instead of tenant.yaml -> (file, JSON
    #: pointer): an EntraExporter token lifetime policy (io.tokenlifetime), for evidence.
    setting_sources: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    #: The agreements (lower-case ids) whose acceptances the bundle does not record: every
    #: agreement it defines or its policies require, when it has no agreementAcceptances file
    #: (EntraExporter, Get-Mg* and az exports write none), or one pull could not read or that
    #: is one page of several. An acceptance of one of them the bundle does not show is
    #: unknown, never "not accepted" (engine.grants.terms_status; docs/assumptions.md
    #: A-TOU-1). Empty with an empty file (``[]``: exported, nobody accepted), and for an
    #: agreement a scenario adds (nobody accepted it before it existed).
    acceptances_unrecorded: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        for name in ("named_locations", "strengths", "agreements", "setting_sources"):
            value = getattr(self, name)
            if not isinstance(value, MappingProxyType):
                object.__setattr__(self, name, MappingProxyType(dict(value)))

    def acceptances_unknown(self) -> str:
        """Why who accepted the agreements of :attr:`acceptances_unrecorded` is unknown (''
        when the bundle records every acceptance): what pull.json or an export page says, else
        the missing file (docs/assumptions.md A-TOU-1)."""
        return acceptances_reason(self.not_pulled) if self.acceptances_unrecorded else ""

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
