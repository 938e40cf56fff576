"""Graph ``signIn`` objects (v1.0 and beta) -> record rows.

Decoded with msgspec typed structs (the fastest decoder measured, see docs/replay.md; enum values are kept
as ``str``, never dropped). Every other source (Log Analytics, Event Hub, CSV) is first reshaped
into this Graph shape, so there is one mapping to the record schema.
"""

from __future__ import annotations

from typing import Any

import msgspec

from caflow.io.signins.schema import EVENT_TYPES

__all__ = ["GraphSignIn", "Page", "graph_row", "lenient_signin"]

Scalar = str | int | float | bool | None


class _Status(msgspec.Struct):
    errorCode: int | str | None = None


class _Device(msgspec.Struct):
    deviceId: str | None = None
    displayName: str | None = None
    operatingSystem: str | None = None
    browser: str | None = None
    isCompliant: bool | None = None
    isManaged: bool | None = None
    trustType: str | None = None


class _Location(msgspec.Struct):
    city: str | None = None
    countryOrRegion: str | None = None


class _Applied(msgspec.Struct):
    id: str | None = None
    displayName: str | None = None
    result: str | None = None


class _AuthDetail(msgspec.Struct):
    authenticationMethod: str | None = None
    succeeded: bool | None = None


class GraphSignIn(msgspec.Struct):
    """The fields of Graph ``signIn`` a replay reads; unknown fields are skipped by the decoder."""

    id: str | None = None
    createdDateTime: str | None = None
    userId: str | None = None
    userPrincipalName: str | None = None
    userDisplayName: str | None = None
    userType: str | None = None
    homeTenantId: str | None = None
    resourceTenantId: str | None = None
    crossTenantAccessType: str | None = None
    appId: str | None = None
    appDisplayName: str | None = None
    resourceId: str | None = None
    resourceDisplayName: str | None = None
    servicePrincipalId: str | None = None
    servicePrincipalName: str | None = None
    ipAddress: str | None = None
    location: _Location | None = None
    clientAppUsed: str | None = None
    isInteractive: bool | None = None
    signInEventTypes: list[str] | None = None
    deviceDetail: _Device | None = None
    status: _Status | None = None
    conditionalAccessStatus: str | None = None
    authenticationRequirement: str | None = None
    authenticationDetails: list[_AuthDetail] | None = None
    riskLevelDuringSignIn: str | None = None
    riskLevelAggregated: str | None = None
    authenticationProtocol: str | None = None
    originalTransferMethod: str | None = None
    incomingTokenType: str | None = None
    appliedConditionalAccessPolicies: list[_Applied] | None = None
    #: Older beta name of the same list (docs/sources.md TS-6).
    appliedConditionalAccessPolicy: list[_Applied] | None = None


class Page(msgspec.Struct):
    """A Graph list response page (``@odata.nextLink`` pages saved one per file)."""

    value: list[GraphSignIn]


_PAGE_DECODER = msgspec.json.Decoder(Page)
_RECORD_DECODER = msgspec.json.Decoder(GraphSignIn)
_ANY_DECODER = msgspec.json.Decoder()


def _decoded(decoder: Any, raw: bytes | str) -> Any:
    """``decoder.decode(raw)``; nesting deep enough to exhaust the stack (msgspec recurses:
    ``[`` x 100,000 on one line was a RecursionError, an internal error) is malformed JSON like
    any other - a line is skipped and counted, a document goes to the bounded parser."""
    try:
        return decoder.decode(raw)
    except RecursionError:
        raise msgspec.DecodeError("JSON nested too deeply") from None


def decode_page(raw: bytes) -> list[GraphSignIn]:
    page: Page = _decoded(_PAGE_DECODER, raw)
    return page.value


def decode_record(raw: bytes | str) -> GraphSignIn:
    record: GraphSignIn = _decoded(_RECORD_DECODER, raw)
    return record


def decode_any(raw: bytes | str) -> Any:
    return _decoded(_ANY_DECODER, raw)


def lenient_signin(obj: Any) -> GraphSignIn:
    """A Graph-shaped dict -> struct, coercing ``"true"``/``"0"`` strings (CSV, LA exports);
    raises :class:`msgspec.ValidationError` when a field has an impossible type."""
    return msgspec.convert(obj, GraphSignIn, strict=False)


_ENC = msgspec.json.Encoder()


def _text(v: str | None) -> str | None:
    if v is None:
        return None
    v = v.strip()
    return v or None


def _error_code(s: GraphSignIn) -> int | None:
    code = s.status.errorCode if s.status is not None else None
    if code is None or isinstance(code, int):
        return code
    try:
        return int(str(code).strip())
    except ValueError:
        return None


def _event_type(s: GraphSignIn, default: str | None) -> str | None:
    for t in s.signInEventTypes or ():
        if t in EVENT_TYPES:
            return t
    if default in ("servicePrincipal", "managedIdentity"):
        return default
    if s.isInteractive is not None and (s.userId or s.userPrincipalName):
        return "interactiveUser" if s.isInteractive else "nonInteractiveUser"
    if default:
        return default
    if s.servicePrincipalId and not (s.userId or s.userPrincipalName):
        return "servicePrincipal"
    return None


def graph_row(s: GraphSignIn, event_default: str | None = None) -> tuple[Any, ...] | str:
    """One record row (schema ``NAMES`` order), or the reason the record cannot be used."""
    if not _text(s.createdDateTime):
        return "missing createdDateTime"
    user = _text(s.userId) or _text(s.userPrincipalName)
    event = _event_type(s, event_default)
    if not user and event in ("interactiveUser", "nonInteractiveUser"):
        return "user sign-in without userId or userPrincipalName"
    if not user and not _text(s.servicePrincipalId) and not _text(s.appId):
        return "no user and no service principal"
    if not _text(s.resourceId) and not _text(s.appId):
        return "no resource and no application id"
    d = s.deviceDetail or _Device()
    loc = s.location or _Location()
    applied = s.appliedConditionalAccessPolicies
    if applied is None:
        applied = s.appliedConditionalAccessPolicy
    applied_text = (
        _ENC.encode(
            [{"id": a.id, "displayName": a.displayName, "result": a.result} for a in applied]
        ).decode()
        if applied is not None
        else None
    )
    methods = (
        ",".join(
            a.authenticationMethod
            for a in s.authenticationDetails
            if a.authenticationMethod and a.succeeded is not False
        )
        if s.authenticationDetails
        else None
    )
    return (
        _text(s.id),
        s.createdDateTime,
        _text(s.userId),
        _text(s.userPrincipalName),
        _text(s.userDisplayName),
        _text(s.userType),
        _text(s.homeTenantId),
        _text(s.resourceTenantId),
        _text(s.crossTenantAccessType),
        _text(s.appId),
        _text(s.appDisplayName),
        _text(s.resourceId),
        _text(s.resourceDisplayName),
        _text(s.servicePrincipalId),
        _text(s.servicePrincipalName),
        _text(s.ipAddress),
        _text(loc.countryOrRegion),
        _text(loc.city),
        _text(s.clientAppUsed),
        s.isInteractive,
        event,
        _text(d.operatingSystem),
        _text(d.browser),
        _text(d.deviceId),
        _text(d.displayName),
        d.isCompliant,
        d.isManaged,
        _text(d.trustType),
        _error_code(s),
        _text(s.conditionalAccessStatus),
        _text(s.authenticationRequirement),
        methods or None,
        _text(s.riskLevelDuringSignIn),
        _text(s.riskLevelAggregated),
        _text(s.authenticationProtocol),
        _text(s.originalTransferMethod),
        _text(s.incomingTokenType),
        applied_text,
    )
