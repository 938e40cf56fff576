"""The scenario file format as pydantic models (docs/scenario-format.md).

:func:`caflow.simulate.scenario.parse_scenario` reads every event body through these models
(unknown keys, wrong types and unknown values are exit 2 naming the JSON path as written, with
a did-you-mean), then resolves the references against the tenant. ``caflow schema scenario``
publishes the same models as a JSON Schema (docs/schema/scenario.schema.json).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Field, WithJsonSchema

from caflow.model.strict import (
    Flag,
    FormatModel,
    Items,
    Moment,
    Number,
    Text,
    TextList,
    accept_spellings,
    choice,
)

__all__ = [
    "ACTION_MODELS",
    "HOSTS",
    "PICKERS",
    "TEMPLATES",
    "VIA",
    "Event",
    "ScenarioFile",
    "ScenarioFlow",
    "SignInBody",
]

HOSTS = ("sharepoint", "teams", "excel", "powerapps")
VIA = ("portal", "template", "powerapps", "flow")
TEMPLATES = ("requestSignoff", "pageApproval")
PICKERS = ("share", "email", "runInput")


class SignInBody(FormatModel):
    """An interactive sign-in: who, to which app, with what (What If's sign-in values)."""

    user: Text | None = Field(None, description="user id or UPN (required on a signIn event)")
    app: Text | None = Field(None, description="app id or well-known app name")
    mfa: Flag | None = None
    ip: Text | None = None
    country: Text | None = None
    device: Text | None = Field(None, description="device id or name; 'unregistered' for none")
    platform: Text | None = Field(None, description="android, iOS, windows, macOS, linux ...")
    clientApp: Text | None = Field(None, description="browser, mobileAppsAndDesktopClients ...")
    authMethods: TextList | None = Field(
        None, description="Graph authenticationMethodModes: password, fido2, sms, ..."
    )
    acceptTerms: Flag | None = None


class _UserBody(FormatModel):
    user: Text


class CreateConnection(FormatModel):
    id: Text
    user: Text
    connector: Text = Field(description="short API name: sharepointonline, office365, teams ...")
    via: choice(*VIA) | None = None  # type: ignore[valid-type]
    signIn: SignInBody | None = None


class AddPolicy(FormatModel):
    """``{file: ...}`` (relative to the scenario) or ``{policy: {...}}``; a body holding
    ``conditions`` is itself the policy."""

    file: Text | None = None
    policy: dict[str, Any] | None = None


class UpdatePolicy(FormatModel):
    id: Text
    set: dict[str, Any] = Field(description="policy fields to change (merged into the policy)")


class RemovePolicy(FormatModel):
    id: Text


class SetRememberMfa(FormatModel):
    enabled: Flag | None = None
    days: Number | None = None


class SetTokenLifetimePolicy(FormatModel):
    legacyTokenLifetimes: Flag | None = None
    MaxInactiveTime: Text | None = None
    MaxAgeSingleFactor: Text | None = None
    MaxAgeMultiFactor: Text | None = None
    MaxAgeSessionSingleFactor: Text | None = None
    MaxAgeSessionMultiFactor: Text | None = None


class TermsExpiration(FormatModel):
    startDateTime: Moment | None = None
    frequency: Text | None = Field(None, description="ISO 8601 duration such as P1M")


class AddAgreement(FormatModel):
    """A Graph ``agreement`` (docs/sources.md TS-5.1): the fields caflow evaluates."""

    id: Text
    displayName: Text | None = None
    isPerDeviceAcceptanceRequired: Flag | None = None
    isViewingBeforeAcceptanceRequired: Flag | None = None
    userReacceptRequiredFrequency: Text | None = None
    termsExpiration: TermsExpiration | None = None


class AcceptAgreement(FormatModel):
    user: Text
    agreement: Text
    device: Text | None = None


class RunFlow(FormatModel):
    flow: Text
    invoker: Text | None = None


class OpenEmbedded(FormatModel):
    user: Text
    host: choice(*HOSTS)  # type: ignore[valid-type]
    flow: Text


class UsePicker(FormatModel):
    user: Text
    kind: choice(*PICKERS) | None = None  # type: ignore[valid-type]


class ShareFlowWithList(FormatModel):
    flow: Text
    site: Text | None = None
    list: Text


class CreateSharePointFlow(FormatModel):
    user: Text
    template: choice(*TEMPLATES)  # type: ignore[valid-type]
    site: Text | None = None


class RepairConnection(FormatModel):
    id: Text
    signIn: SignInBody | None = None


class Idle(FormatModel):
    """Nothing happens: connections stay unused until the next event."""


#: action key -> the model of its body (docs/scenario-format.md); an event has exactly one.
ACTION_MODELS: dict[str, type[FormatModel]] = {
    "signIn": SignInBody,
    "createConnection": CreateConnection,
    "addPolicy": AddPolicy,
    "updatePolicy": UpdatePolicy,
    "removePolicy": RemovePolicy,
    "setRememberMfa": SetRememberMfa,
    "setTokenLifetimePolicy": SetTokenLifetimePolicy,
    "addAgreement": AddAgreement,
    "acceptAgreement": AcceptAgreement,
    "runFlow": RunFlow,
    "openEmbedded": OpenEmbedded,
    "usePicker": UsePicker,
    "shareFlowWithList": ShareFlowWithList,
    "createSharePointFlow": CreateSharePointFlow,
    "repairConnection": RepairConnection,
    "resetPassword": _UserBody,
    "disableUser": _UserBody,
    "revokeSessions": _UserBody,
    "idle": Idle,
}


class Event(FormatModel):
    """One timeline event: ``at`` and exactly one action."""

    at: Moment
    signIn: SignInBody | None = None
    createConnection: CreateConnection | None = None
    addPolicy: AddPolicy | None = None
    updatePolicy: UpdatePolicy | None = None
    removePolicy: RemovePolicy | None = None
    setRememberMfa: SetRememberMfa | None = None
    setTokenLifetimePolicy: SetTokenLifetimePolicy | None = None
    addAgreement: AddAgreement | None = None
    acceptAgreement: AcceptAgreement | None = None
    runFlow: RunFlow | None = None
    openEmbedded: OpenEmbedded | None = None
    usePicker: UsePicker | None = None
    shareFlowWithList: ShareFlowWithList | None = None
    createSharePointFlow: CreateSharePointFlow | None = None
    repairConnection: RepairConnection | None = None
    resetPassword: _UserBody | None = None
    disableUser: _UserBody | None = None
    revokeSessions: _UserBody | None = None
    idle: Idle | None = None


class SharePointTrigger(FormatModel):
    site: Text | None = None
    list: Text | None = None


class Trigger(FormatModel):
    """``{schedule: P1D, startTime: ...}``, ``{manual: true}`` or ``{sharePoint: {site, list}}``."""

    schedule: Text | None = Field(
        None, description="ISO 8601 duration: runs at startTime + k*period"
    )
    startTime: Moment | None = None
    manual: Flag | None = None
    sharePoint: SharePointTrigger | None = None


class FlowConnection(FormatModel):
    connection: Text | None = None
    id: Text | None = None
    source: choice("Embedded", "Invoker") | None = None  # type: ignore[valid-type]


def _named(value: Any) -> Any:
    return {"connection": value} if isinstance(value, str) else value


#: A connection of a scenario flow: its name, or ``{connection, source}``.
FlowConnectionRef = Annotated[
    FlowConnection,
    BeforeValidator(_named),
    WithJsonSchema(
        {
            "oneOf": [
                {"type": "string", "description": "connection name"},
                accept_spellings(
                    {
                        "type": "object",
                        "properties": {
                            "connection": {"type": "string"},
                            "id": {"type": "string"},
                            "source": {"enum": ["Embedded", "Invoker"]},
                        },
                        "additionalProperties": False,
                    }
                ),
            ]
        }
    ),
]


class ScenarioFlow(FormatModel):
    """A flow that is not in the bundle (the short form)."""

    id: Text
    displayName: Text | None = None
    owner: Text | None = None
    state: choice("Started", "Stopped", "Suspended") | None = None  # type: ignore[valid-type]
    connections: Items[FlowConnectionRef] = ()
    trigger: Trigger | None = None


#: ``tenant:`` a bundle path relative to the scenario, or an inline bundle mapping (its parts
#: are the bundle files: see caflow.simulate.inline_tenant.INLINE_PARTS). The loader reads the
#: mapping itself; ``caflow schema scenario`` types it with each part's bundle-file schema
#: (caflow.report.schemas).
TenantRef = Annotated[
    Any,
    WithJsonSchema(
        {
            "oneOf": [
                {"type": "string", "description": "bundle folder or .zip, relative to this file"},
                {"type": "object", "description": "inline bundle: tenant, directory, policies ..."},
            ]
        }
    ),
]


class ScenarioFile(FormatModel):
    """A scenario: a tenant, a time window, extra flows and an ordered timeline of events."""

    tenant: TenantRef
    start: Moment
    end: Moment
    flows: Items[ScenarioFlow] = ()
    events: Items[Event] = ()
