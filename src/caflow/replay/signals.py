"""A sign-in log record -> the engine's :class:`SignIn`, one field at a time.

Each ``SignIn`` field is derived from a fixed set of record columns (:data:`FIELD_COLUMNS`) by
one function, so the compiled evaluator can derive a field once per *distinct* value of its
columns and the one-sign-in path (:func:`signin_of`) derives it from a whole row the same way.
Values caflow cannot map are ``None`` (the engine then says ``notEnoughInformation`` for the
policies needing them) and are named by :func:`field_note`. Choices the documentation does not
settle are docs/assumptions.md A-REPLAY-1 .. A-REPLAY-6.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from caflow.engine.signin import UNREGISTERED, SignIn
from caflow.errors import describe, enum_token
from caflow.io.request import user_for
from caflow.model.tenant import Tenant

__all__ = [
    "FIELD_COLUMNS",
    "NOT_IN_LOG",
    "field_note",
    "field_value",
    "is_managed_identity",
    "signin_of",
]

#: Risk levels the logs do not carry (user, service principal, insider risk) or hide
#: (``hidden``): outside the engine's known levels, so a policy using them is undetermined.
NOT_IN_LOG = "notInLog"

_USER_EVENTS = ("interactiveUser", "nonInteractiveUser")

#: SignIn field -> the record columns it is derived from.
FIELD_COLUMNS: dict[str, tuple[str, ...]] = {
    "user": (
        "userId",
        "userPrincipalName",
        "userType",
        "crossTenantAccessType",
        "homeTenantId",
        "signInEventType",
    ),
    "service_principal_id": ("servicePrincipalId", "appId", "signInEventType"),
    "app_id": ("resourceId", "appId"),
    "ip": ("ipAddress",),
    "country": ("countryOrRegion",),
    "platform": ("operatingSystem",),
    "client_app": ("clientAppUsed",),
    "device": ("deviceId", "deviceDisplayName", "isCompliant", "trustType", "operatingSystem"),
    "sign_in_risk": ("riskLevelDuringSignIn",),
    "transfer_method": ("originalTransferMethod", "authenticationProtocol"),
    "mfa": ("authenticationRequirement", "errorCode"),
    "auth_methods": ("authenticationMethods",),
    "interactive": ("signInEventType",),
}
#: Fields no log column carries: constant for every record (A-REPLAY-4).
CONSTANT_FIELDS: dict[str, Any] = {
    "user_risk": NOT_IN_LOG,
    "service_principal_risk": NOT_IN_LOG,
    "insider_risk": NOT_IN_LOG,
}

_PLATFORMS = (
    ("windows phone", "windowsPhone"),
    ("windowsphone", "windowsPhone"),
    ("windows", "windows"),
    ("ios", "iOS"),
    ("iphone", "iOS"),
    ("ipad", "iOS"),
    ("android", "android"),
    ("macos", "macOS"),
    ("mac os", "macOS"),
    ("osx", "macOS"),
    ("linux", "linux"),
    ("ubuntu", "linux"),
    ("chromeos", "unknown"),
    ("chrome os", "unknown"),
)
#: ``clientAppUsed`` (docs/sources.md TS-6.5) -> What If client app type.
_CLIENT_APPS = {
    "browser": "browser",
    "mobile apps and desktop clients": "mobileAppsAndDesktopClients",
    "exchange activesync": "exchangeActiveSync",
    **{
        legacy: "other"
        for legacy in (
            "authenticated smtp",
            "autodiscover",
            "exchange online powershell",
            "exchange web services",
            "imap4",
            "imap",
            "mapi over http",
            "offline address book",
            "outlook anywhere (rpc over http)",
            "outlook service",
            "pop3",
            "pop",
            "reporting web services",
            "other clients",
            "universal outlook",
        )
    },
}
_TRUST = {
    "azuread": "AzureAD",
    "azure ad joined": "AzureAD",
    "microsoft entra joined": "AzureAD",
    "serverad": "ServerAD",
    "hybrid azure ad joined": "ServerAD",
    "microsoft entra hybrid joined": "ServerAD",
    "workplace": "Workplace",
    "azure ad registered": "Workplace",
    "microsoft entra registered": "Workplace",
}
_RISK = frozenset({"none", "low", "medium", "high"})
#: authenticationDetails method names -> authentication strength method ids (CA-5.3).
_METHODS = {
    "password": "password",
    "mobile app notification": "microsoftAuthenticatorPush",
    "microsoft authenticator app": "microsoftAuthenticatorPush",
    "text message": "sms",
    "oath verification code": "softwareOath",
    "fido2 security key": "fido2",
    "windows hello for business": "windowsHelloForBusiness",
    "passkey (microsoft authenticator)": "fido2",
    "x509 certificate": "x509CertificateMultiFactor",
    "temporary access pass": "temporaryAccessPassOneTime",
    "phone call approval (authentication phone)": "voice",
}
_GUEST_TYPES = {
    ("guest", "b2bcollaboration"): "b2bCollaborationGuest",
    ("member", "b2bcollaboration"): "b2bCollaborationMember",
    ("guest", "b2bdirectconnect"): "b2bDirectConnectUser",
    ("member", "b2bdirectconnect"): "b2bDirectConnectUser",
    ("guest", "serviceprovider"): "serviceProvider",
    ("member", "serviceprovider"): "serviceProvider",
}


def _low(v: Any) -> str:
    return str(v).strip().lower() if v is not None else ""


def is_managed_identity(event: Any) -> bool:
    """Conditional Access does not cover managed identities (docs/sources.md CA-2.3):
    their sign-ins are listed but not evaluated."""
    return event == "managedIdentity"


def _user(tenant: Tenant, v: tuple[Any, ...]) -> Any:
    uid, upn, utype, cross, home, event = v
    if event not in _USER_EVENTS and event is not None:
        return None
    ref = uid or upn
    if not ref:
        return None
    found = tenant.directory.user(uid) if uid else None
    if found is None and upn:
        found = tenant.directory.user(upn)
    if found is not None:
        return found
    kind = _low(utype)
    guest_type = _GUEST_TYPES.get((kind, _low(cross)))
    user = user_for(
        tenant,
        str(ref),
        user_type={"guest": "Guest", "member": "Member"}.get(kind),
        guest_type=guest_type,
    )
    if upn and not user.user_principal_name:
        user = replace(user, user_principal_name=str(upn))
    if home and tenant.id and _low(home) != tenant.id.lower():
        user = replace(user, external_tenant_id=str(home))
    return user


def _service_principal(v: tuple[Any, ...]) -> Any:
    sp_id, app_id, event = v
    if event in ("servicePrincipal", "managedIdentity"):
        return _low(sp_id or app_id) or None
    return None


def _platform(v: tuple[Any, ...]) -> Any:
    os_name = _low(v[0]).replace("_", " ")
    if not os_name:
        return None
    compact = os_name.replace(" ", "")
    for needle, value in _PLATFORMS:
        if os_name.startswith(needle) or compact.startswith(needle.replace(" ", "")):
            return value
    return None


def _device(tenant: Tenant, v: tuple[Any, ...]) -> Any:
    dev_id, name, compliant, trust, os_name = v
    if not dev_id:
        return UNREGISTERED  # A-REPLAY-3: no device id in the log = not a registered device
    known = tenant.directory.device(str(dev_id))
    if known is not None:
        return known.properties
    props: dict[str, Any] = {"deviceId": str(dev_id), "isCompliant": compliant is True}
    if name:
        props["displayName"] = str(name)
    if trust and _low(trust) in _TRUST:
        props["trustType"] = _TRUST[_low(trust)]
    if os_name:
        props["operatingSystem"] = str(os_name)
    return props


def _ip(v: tuple[Any, ...]) -> Any:
    text = str(v[0]).strip() if v[0] else ""
    if not text:
        return None
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def _transfer(v: tuple[Any, ...]) -> str:
    original, protocol = _low(v[0]), _low(v[1])
    if original in ("devicecodeflow", "authenticationtransfer"):
        return "deviceCodeFlow" if original == "devicecodeflow" else "authenticationTransfer"
    return "deviceCodeFlow" if protocol == "devicecode" else "none"


def _methods(v: tuple[Any, ...]) -> frozenset[str]:
    names = (_low(x) for x in str(v[0] or "").split(","))
    return frozenset(_METHODS[n] for n in names if n in _METHODS)


_DERIVE: dict[str, Callable[[Tenant, tuple[Any, ...]], Any]] = {
    "user": _user,
    "service_principal_id": lambda t, v: _service_principal(v),
    "app_id": lambda t, v: _low(v[0] or v[1]) or None,
    "ip": lambda t, v: _ip(v),
    "country": lambda t, v: (
        str(v[0]).strip().upper() if v[0] and len(str(v[0]).strip()) == 2 else None
    ),
    "platform": lambda t, v: _platform(v),
    "client_app": lambda t, v: _CLIENT_APPS.get(_low(v[0])),
    "device": _device,
    "sign_in_risk": lambda t, v: _low(v[0]) if _low(v[0]) in _RISK else NOT_IN_LOG,
    "transfer_method": lambda t, v: _transfer(v),
    # A-REPLAY-5: the token has MFA when the log says MFA was required and the sign-in succeeded.
    "mfa": lambda t, v: _low(v[0]) == "multifactorauthentication" and v[1] == 0,
    "auth_methods": lambda t, v: _methods(v),
    "interactive": lambda t, v: v[0] == "interactiveUser",
}


def field_value(tenant: Tenant, field: str, values: tuple[Any, ...]) -> Any:
    """The SignIn value of ``field`` for the record column ``values`` (FIELD_COLUMNS order)."""
    return _DERIVE[field](tenant, values)


def field_note(field: str, values: tuple[Any, ...], derived: Any) -> str | None:
    """Why a present log value gave no signal (counted in the replay report), else None."""
    if derived is not None:
        return None
    if field == "platform" and values[0]:
        return f"unknown operatingSystem {enum_token(values[0])}"
    if field == "client_app" and values[0]:
        return f"unknown clientAppUsed {enum_token(values[0])}"
    if field == "ip" and values[0]:
        return f"invalid ipAddress ({describe(values[0])})"
    return None


def signin_of(tenant: Tenant, row: Mapping[str, Any]) -> SignIn:
    """The one-sign-in path: a whole record -> SignIn (the compiled path derives the same
    fields per distinct column values)."""
    kwargs = {
        f: field_value(tenant, f, tuple(row.get(c) for c in cols))
        for f, cols in FIELD_COLUMNS.items()
    }
    return SignIn(**kwargs, **CONSTANT_FIELDS)
