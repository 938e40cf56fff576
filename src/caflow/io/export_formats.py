"""The exported bundle files (Graph / Power Platform objects) as pydantic models, for their JSON
Schemas (``caflow schema policy|namedLocations|...``, docs/schema/).

These files come from Microsoft tools, so the models describe the fields caflow reads and allow
every other field (Graph adds fields over time; caflow keeps them as written). Closed value sets
are the ones the loader checks (:data:`caflow.io.policies.POLICY_VALUES`), so the schema and the
loader cannot disagree on them. The loaders read these files tolerantly (``io/policies.py``,
``io/bundle.py``, ``io/powerplatform.py``): PowerShell unrolls one-element arrays and writes
PascalCase keys, which the schemas accept as well (``oneOf`` string / list; keys are
case-normalised before reading).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from caflow.io.policies import POLICY_VALUES
from caflow.model.strict import key_spellings, spellings_in_schema

__all__ = [
    "AgreementAcceptanceObject",
    "AgreementObject",
    "AuthenticationStrengthObject",
    "ConnectionObject",
    "CrossTenantAccessObject",
    "FlowObject",
    "NamedLocationObject",
    "PolicyObject",
]


class _Exported(BaseModel):
    # The loaders camelCase keys before reading (io/normalize.py): PascalCase keys are the
    # same field, in the schema too.
    model_config = ConfigDict(extra="allow", json_schema_extra=spellings_in_schema)


def _values(kind: str) -> Any:
    """A string (or list of strings, or a comma-joined flag string) from a closed Graph set."""
    names = sorted(POLICY_VALUES[kind])
    item = {"type": "string", "enum": names}
    return Annotated[
        Any,
        WithJsonSchema({"oneOf": [item, {"type": "array", "items": item}, {"type": "null"}]}),
    ]


Strings = Annotated[
    Any,
    WithJsonSchema(
        {
            "oneOf": [
                {"type": "array", "items": {"type": ["string", "null"]}},
                {"type": "string"},
                {"type": "null"},
            ]
        }
    ),
]


#: ``[]`` or ``""`` where an object is expected: how exports write an object that is not
#: configured (``"locations": []`` in AlexFilipin's templates, PowerShell's empty collections).
#: The loaders read it as no object (``io.fields.Reader.obj``), so the schema accepts it too.
Unconfigured = Annotated[
    Any, WithJsonSchema({"oneOf": [{"type": "array", "maxItems": 0}, {"const": ""}]})
]


class Filter(_Exported):
    mode: _values("filterMode") = None  # type: ignore[valid-type]
    rule: str | None = None


class ExternalTenants(_Exported):
    membershipKind: _values("membershipKind") = None  # type: ignore[valid-type]
    members: Strings = None


class GuestsOrExternalUsers(_Exported):
    guestOrExternalUserTypes: Strings = None
    externalTenants: ExternalTenants | Unconfigured | None = None


class Users(_Exported):
    includeUsers: Strings = None
    excludeUsers: Strings = None
    includeGroups: Strings = None
    excludeGroups: Strings = None
    includeRoles: Strings = None
    excludeRoles: Strings = None
    includeGuestsOrExternalUsers: GuestsOrExternalUsers | Unconfigured | None = None
    excludeGuestsOrExternalUsers: GuestsOrExternalUsers | Unconfigured | None = None


class Applications(_Exported):
    includeApplications: Strings = None
    excludeApplications: Strings = None
    includeUserActions: Strings = None
    includeAuthenticationContextClassReferences: Strings = None
    applicationFilter: Filter | Unconfigured | None = None


class ClientApplications(_Exported):
    includeServicePrincipals: Strings = None
    excludeServicePrincipals: Strings = None
    servicePrincipalFilter: Filter | Unconfigured | None = None


class Platforms(_Exported):
    includePlatforms: _values("platform") = None  # type: ignore[valid-type]
    excludePlatforms: _values("platform") = None  # type: ignore[valid-type]


class Locations(_Exported):
    includeLocations: Strings = None
    excludeLocations: Strings = None


class Devices(_Exported):
    deviceFilter: Filter | Unconfigured | None = None


class AuthenticationFlows(_Exported):
    transferMethods: Strings = None


def _users_or_applications(schema: dict[str, Any], cls: type[BaseModel]) -> None:
    """A policy's conditions name ``users`` or ``applications`` (in either spelling): what the
    loader takes for a policy (``io.policies.is_policy_like``); other objects in policies/ are
    refused as a missing field."""
    spellings_in_schema(schema, cls)
    schema.setdefault("allOf", []).append(
        {
            "anyOf": [
                {"required": [key]}
                for name in ("users", "applications")
                for key in key_spellings(name)
            ]
        }
    )


class Conditions(_Exported):
    model_config = ConfigDict(extra="allow", json_schema_extra=_users_or_applications)

    users: Users | Unconfigured | None = None
    applications: Applications | Unconfigured | None = None
    clientApplications: ClientApplications | Unconfigured | None = None
    clientAppTypes: Strings = None
    platforms: Platforms | Unconfigured | None = None
    locations: Locations | Unconfigured | None = None
    devices: Devices | Unconfigured | None = None
    signInRiskLevels: _values("riskLevel") = None  # type: ignore[valid-type]
    userRiskLevels: _values("riskLevel") = None  # type: ignore[valid-type]
    servicePrincipalRiskLevels: _values("riskLevel") = None  # type: ignore[valid-type]
    insiderRiskLevels: _values("insiderRiskLevel") = None  # type: ignore[valid-type]
    authenticationFlows: AuthenticationFlows | Unconfigured | None = None


class StrengthRef(_Exported):
    id: str | None = None
    displayName: str | None = None
    allowedCombinations: Strings = None


class GrantControls(_Exported):
    operator: _values("operator") = None  # type: ignore[valid-type]
    builtInControls: Strings = None
    customAuthenticationFactors: Strings = None
    termsOfUse: Strings = None
    authenticationStrength: StrengthRef | Unconfigured | None = None


class SignInFrequency(_Exported):
    isEnabled: bool | None = None
    value: int | None = None
    type: _values("signInFrequencyType") = None  # type: ignore[valid-type]
    frequencyInterval: _values("frequencyInterval") = None  # type: ignore[valid-type]
    authenticationType: _values("authenticationType") = None  # type: ignore[valid-type]


class PersistentBrowser(_Exported):
    isEnabled: bool | None = None
    mode: _values("persistentBrowserMode") = None  # type: ignore[valid-type]


class CloudAppSecurity(_Exported):
    isEnabled: bool | None = None
    cloudAppSecurityType: _values("cloudAppSecurityType") = None  # type: ignore[valid-type]


class ContinuousAccessEvaluation(_Exported):
    mode: _values("caeMode") = None  # type: ignore[valid-type]


class SessionControls(_Exported):
    applicationEnforcedRestrictions: dict[str, Any] | Unconfigured | None = None
    cloudAppSecurity: CloudAppSecurity | Unconfigured | None = None
    signInFrequency: SignInFrequency | Unconfigured | None = None
    persistentBrowser: PersistentBrowser | Unconfigured | None = None
    continuousAccessEvaluation: ContinuousAccessEvaluation | Unconfigured | None = None
    disableResilienceDefaults: bool | None = None
    secureSignInSession: dict[str, Any] | Unconfigured | None = None


class PolicyObject(_Exported):
    """A Graph ``conditionalAccessPolicy`` (v1.0 or beta) in ``policies/*.json``."""

    id: str | None = None
    displayName: str | None = None
    state: Literal["enabled", "disabled", "enabledForReportingButNotEnforced"] | None = None
    conditions: Conditions
    grantControls: GrantControls | Unconfigured | None = None
    sessionControls: SessionControls | Unconfigured | None = None


class IpRange(_Exported):
    cidrAddress: str


class NamedLocationObject(_Exported):
    """``ipNamedLocation`` or ``countryNamedLocation`` in ``namedLocations.json``."""

    id: str | None = Field(
        None,
        description="Graph's id; without one (a Graph create request body), caflow derives a "
        "stable id from displayName",
    )
    displayName: str | None = None
    isTrusted: bool | None = None
    ipRanges: list[IpRange | str] | None = None
    countriesAndRegions: Strings = None
    includeUnknownCountriesAndRegions: bool | None = None
    countryLookupMethod: _values("countryLookupMethod") = None  # type: ignore[valid-type]


class AuthenticationStrengthObject(_Exported):
    """``authenticationStrengthPolicy`` in ``authenticationStrengths.json``."""

    id: str
    displayName: str | None = None
    allowedCombinations: Strings = None


class TermsExpiration(_Exported):
    startDateTime: str | None = None
    frequency: str | None = Field(None, description="ISO 8601 duration such as P1M")


class AgreementObject(_Exported):
    """Graph ``agreement`` in ``agreements.json``."""

    id: str
    displayName: str | None = None
    isPerDeviceAcceptanceRequired: bool | None = None
    userReacceptRequiredFrequency: str | None = Field(None, description="ISO 8601 duration")
    termsExpiration: TermsExpiration | Unconfigured | None = None


class AgreementAcceptanceObject(_Exported):
    """Graph ``agreementAcceptance`` in ``agreementAcceptances.json``."""

    agreementId: str
    userId: str | None = None
    userPrincipalName: str | None = None
    recordedDateTime: str
    state: str | None = None
    deviceId: str | None = None
    expirationDateTime: str | None = None


class InboundTrust(_Exported):
    isMfaAccepted: bool | None = None
    isCompliantDeviceAccepted: bool | None = None
    isHybridAzureADJoinedDeviceAccepted: bool | None = None


class CrossTenantPartner(_Exported):
    tenantId: str
    inboundTrust: InboundTrust | Unconfigured | None = None
    isServiceProvider: bool | None = None


class CrossTenantDefault(_Exported):
    inboundTrust: InboundTrust | Unconfigured | None = None


class CrossTenantAccessObject(_Exported):
    """``crossTenantAccess.json``: Graph ``crossTenantAccessPolicy`` default + partners."""

    default: CrossTenantDefault | Unconfigured | None = None
    partners: list[CrossTenantPartner] | None = None


class ConnectionProperties(_Exported):
    apiId: str
    statuses: list[dict[str, Any]] | None = None
    createdBy: dict[str, Any] | Unconfigured | None = None
    createdTime: str | None = None


class ConnectionObject(_Exported):
    """A Power Platform admin API connection (``powerplatform/connections.json``); PowerShell's
    flattened objects (``ConnectionName``, ``ConnectorName``) and the short form
    ``{id, connector, owner}`` load too."""

    name: str | None = None
    properties: ConnectionProperties | Unconfigured | None = None
    id: str | None = None
    connector: str | None = None
    owner: str | None = None


class FlowProperties(_Exported):
    displayName: str | None = None
    state: str | None = None
    creator: dict[str, Any] | Unconfigured | None = None
    connectionReferences: dict[str, Any] | Unconfigured | None = None
    definition: dict[str, Any] | None = Field(
        None, description="Logic Apps definition: triggers (Recurrence frequency/interval) ..."
    )


class FlowObject(_Exported):
    """A Power Platform admin API flow (``powerplatform/flows.json``), or the short scenario
    form ``{id, owner, connections, trigger}``."""

    name: str | None = None
    properties: FlowProperties | Unconfigured | None = None
    id: str | None = None
    owner: str | None = None
    connections: list[Any] | None = None
    trigger: dict[str, Any] | None = None
