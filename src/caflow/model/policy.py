"""Typed, immutable Conditional Access policy (docs/sources.md CA-1).

Values are kept as Microsoft writes them (enum strings are *not* dropped when unknown); the
engine decides what it can evaluate. ``raw`` keeps the normalised source object so unknown
fields survive a round-trip.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from caflow.errors import LoadWarning

__all__ = [
    "ApplicationsCondition",
    "ClientApplicationsCondition",
    "Conditions",
    "FilterSpec",
    "GrantControls",
    "GuestsSpec",
    "Policy",
    "PolicyState",
    "SessionControls",
    "StrengthRef",
    "UsersCondition",
]


class PolicyState:
    ENABLED = "enabled"
    DISABLED = "disabled"
    REPORT_ONLY = "enabledForReportingButNotEnforced"
    KNOWN = frozenset({ENABLED, DISABLED, REPORT_ONLY})


@dataclass(frozen=True, slots=True)
class GuestsSpec:
    """``conditionalAccessGuestsOrExternalUsers`` (CA-1.3)."""

    types: tuple[str, ...]
    tenants_kind: str = "all"  # all | enumerated
    tenants: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class UsersCondition:
    include_users: tuple[str, ...] = ()
    exclude_users: tuple[str, ...] = ()
    include_groups: tuple[str, ...] = ()
    exclude_groups: tuple[str, ...] = ()
    include_roles: tuple[str, ...] = ()
    exclude_roles: tuple[str, ...] = ()
    include_guests: GuestsSpec | None = None
    exclude_guests: GuestsSpec | None = None

    @property
    def is_empty(self) -> bool:
        return not (
            self.include_users or self.include_groups or self.include_roles or self.include_guests
        )


@dataclass(frozen=True, slots=True)
class ClientApplicationsCondition:
    include_service_principals: tuple[str, ...] = ()
    exclude_service_principals: tuple[str, ...] = ()
    has_filter: bool = False

    @property
    def configured(self) -> bool:
        return bool(self.include_service_principals)


@dataclass(frozen=True, slots=True)
class FilterSpec:
    """Device or application filter: ``{"mode": "include"|"exclude", "rule": "..."}``."""

    mode: str
    rule: str


@dataclass(frozen=True, slots=True)
class ApplicationsCondition:
    include_applications: tuple[str, ...] = ()
    exclude_applications: tuple[str, ...] = ()
    include_user_actions: tuple[str, ...] = ()
    include_auth_contexts: tuple[str, ...] = ()
    application_filter: FilterSpec | None = None


@dataclass(frozen=True, slots=True)
class Conditions:
    users: UsersCondition = field(default_factory=UsersCondition)
    client_applications: ClientApplicationsCondition = field(
        default_factory=ClientApplicationsCondition
    )
    applications: ApplicationsCondition = field(default_factory=ApplicationsCondition)
    client_app_types: tuple[str, ...] = ()
    include_platforms: tuple[str, ...] = ()
    exclude_platforms: tuple[str, ...] = ()
    include_locations: tuple[str, ...] = ()
    exclude_locations: tuple[str, ...] = ()
    device_filter: FilterSpec | None = None
    sign_in_risk_levels: tuple[str, ...] = ()
    user_risk_levels: tuple[str, ...] = ()
    service_principal_risk_levels: tuple[str, ...] = ()
    insider_risk_levels: tuple[str, ...] = ()
    transfer_methods: tuple[str, ...] = ()
    #: Configured conditions caflow cannot evaluate (e.g. ``agents``, legacy ``deviceStates``,
    #: ``times``): name -> JSON path. They make the policy ``notEnoughInformation``.
    unsupported: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class StrengthRef:
    """An authentication strength as embedded in a policy (id + optional combinations)."""

    id: str
    display_name: str | None = None
    allowed_combinations: tuple[frozenset[str], ...] = ()


@dataclass(frozen=True, slots=True)
class GrantControls:
    operator: str = "OR"
    built_in: tuple[str, ...] = ()
    custom_factors: tuple[str, ...] = ()
    terms_of_use: tuple[str, ...] = ()
    authentication_strength: StrengthRef | None = None

    @property
    def is_empty(self) -> bool:
        return not (
            self.built_in
            or self.custom_factors
            or self.terms_of_use
            or self.authentication_strength
        )


@dataclass(frozen=True, slots=True)
class SessionControls:
    application_enforced_restrictions: bool = False
    cloud_app_security: str | None = None
    sign_in_frequency: tuple[str, int | None, str | None] | None = None  # (interval, value, type)
    sif_authentication_type: str | None = None
    persistent_browser: str | None = None
    continuous_access_evaluation: str | None = None
    disable_resilience_defaults: bool = False
    secure_sign_in_session: bool = False

    @property
    def is_empty(self) -> bool:
        return self == SessionControls()

    @property
    def strict_location(self) -> bool:
        """CAE strict location enforcement (``continuousAccessEvaluation.mode: strictLocation``)."""
        return str(self.continuous_access_evaluation or "").lower() == "strictlocation"


@dataclass(frozen=True, slots=True)
class Policy:
    id: str
    display_name: str
    state: str
    conditions: Conditions
    grant: GrantControls | None
    session: SessionControls | None
    source: str = ""
    source_path: str = ""
    raw: dict[str, Any] = field(default_factory=dict, compare=False, hash=False, repr=False)
    warnings: tuple[LoadWarning, ...] = ()
    #: Values outside their closed Graph set: (value, JSON pointer in ``source``). They make the
    #: policy ``notEnoughInformation`` naming the value; never read as another value.
    unknown_values: tuple[tuple[str, str], ...] = ()
    #: The closed set (a key of ``caflow.io.policies.POLICY_VALUES``, "" for an unknown grant
    #: field) of each of ``unknown_values``, in the same order: for did-you-mean hints.
    unknown_kinds: tuple[str, ...] = field(default=(), compare=False)
    #: JSON pointers of fields a configured control needs and the policy lacks (an enabled
    #: time-based sign-in frequency without ``type``): ``notEnoughInformation``, never a guess.
    missing: tuple[str, ...] = ()

    @property
    def enforced(self) -> bool:
        return self.state == PolicyState.ENABLED

    @property
    def report_only(self) -> bool:
        return self.state == PolicyState.REPORT_ONLY

    @property
    def label(self) -> str:
        return f'"{self.display_name}" ({self.id})'
