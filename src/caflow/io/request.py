"""Graph What If ``evaluate`` request body -> :class:`SignIn` (docs/sources.md CA-4.2).

Also accepts the older beta shape (``conditionalAccessWhatIfSubject`` / ``conditionalAccessContext``
/ ``conditionalAccessWhatIfConditions``) used by Maester and the beta SDKs (CA-4.1).
"""

from __future__ import annotations

import ipaddress
from typing import Any

from caflow.errors import InputError, SchemaError, did_you_mean_hint, shown_key
from caflow.io.directory import device_from_graph
from caflow.io.fields import Reader
from caflow.io.normalize import normalize_keys
from caflow.model.directory import User
from caflow.model.signals import canonical_signal
from caflow.model.tenant import Tenant

__all__ = ["REQUEST_KEYS", "parse_evaluate_request", "user_for", "with_external_identity"]

_DEVICE_INFO = frozenset(
    {
        "deviceId",
        "displayName",
        "enrollmentProfileName",
        "isCompliant",
        "manufacturer",
        "mdmAppId",
        "model",
        "operatingSystem",
        "operatingSystemVersion",
        "ownership",
        "physicalIds",
        "profileType",
        "systemLabels",
        "trustType",
        *(f"extensionAttribute{i}" for i in range(1, 16)),
    }
)

#: Keys of a What If ``evaluate`` request body by JSON path: Graph's metadata, v1.0 and beta
#: (the action's parameters; ``signInIdentity`` = userSignIn | servicePrincipalSignIn,
#: ``signInContext`` = applicationContext | userActionContext | authContext, signInConditions,
#: authenticationFlow, deviceInfo; tests/io/test_graph_keys.py compares). The request is written
#: by the user, so any other key is a typo: exit 2 with a did-you-mean, never ignored.
#: ``signInConditions.agentIdRiskLevel`` (beta) is accepted and not read: only policies with
#: ``agentIdRiskLevels`` use it, and caflow leaves those undetermined.
REQUEST_KEYS: dict[tuple[str, ...], frozenset[str]] = {
    (): frozenset({"signInIdentity", "signInContext", "signInConditions", "appliedPoliciesOnly"}),
    ("signInIdentity",): frozenset(
        {"userId", "externalTenantId", "externalUserType", "servicePrincipalId"}
    ),
    ("signInContext",): frozenset(
        {"includeApplications", "userAction", "authenticationContextValue"}
    ),
    ("signInConditions",): frozenset(
        {
            "authenticationFlow",
            "clientAppType",
            "country",
            "deviceInfo",
            "devicePlatform",
            "insiderRiskLevel",
            "ipAddress",
            "servicePrincipalRiskLevel",
            "signInRiskLevel",
            "userRiskLevel",
            "agentIdRiskLevel",
        }
    ),
    ("signInConditions", "authenticationFlow"): frozenset({"transferMethod"}),
    ("signInConditions", "deviceInfo"): _DEVICE_INFO,
}

#: The older beta shape (CA-4.1; Maester, CIPP, the beta SDKs' ConditionalAccessWhatIf* models)
#: names the three objects differently and holds the same keys.
_OLD_NAMES = {
    "signInIdentity": "conditionalAccessWhatIfSubject",
    "signInContext": "conditionalAccessContext",
    "signInConditions": "conditionalAccessWhatIfConditions",
}

# The engine layer owns SignIn; io builds only its keyword arguments to keep imports downward.


def user_for(
    tenant: Tenant, ref: str, *, user_type: str | None = None, guest_type: str | None = None
) -> User:
    """A directory user by id/UPN/name, or an 'unknown' user whose memberships are unknown."""
    user = tenant.directory.user(ref)
    if user is not None:
        return user
    if guest_type is None and "#ext#" in ref.lower():
        guest_type = "b2bCollaborationGuest"
    return User(
        id=ref,
        user_principal_name=ref if "@" in ref else "",
        user_type=user_type or ("Guest" if guest_type else "Unknown"),
        guest_type=guest_type,
        unknown=True,
    )


def with_external_identity(user: User, *, guest_type: str | None, tenant_id: str | None) -> User:
    """The What If ``userSignIn.externalUserType`` / ``externalTenantId`` (Graph ``userSignIn``,
    docs/sources.md CA-4.2) decide the guest conditions: they override what directory.yaml says of the
    user (the request describes *this* sign-in). ``none`` = not an external user."""
    from dataclasses import replace

    if guest_type is None and tenant_id is None:
        return user
    changes: dict[str, Any] = {}
    if guest_type == "none":
        changes.update(guest_type=None, user_type="Member", external_tenant_id=None)
    elif guest_type is not None:
        member = guest_type in ("b2bCollaborationMember",)
        changes.update(guest_type=guest_type, user_type="Member" if member else "Guest")
    if tenant_id is not None and guest_type != "none":
        changes["external_tenant_id"] = tenant_id
    return replace(user, **changes)


def _guest_type(r: Reader, value: Any) -> str | None:
    """``externalUserType``: a guest flag of CA-1.3 or ``none``; anything else is bad input."""
    path = ("signInIdentity", "externalUserType")
    text = r.string(value, path)
    if text is None or not text.strip():
        return None
    if text.strip().lower() == "none":
        return "none"
    return _signal(r, "guestOrExternalUserType", text, path)


def _signal(r: Reader, kind: str, value: Any, path: tuple[str, ...]) -> str:
    """A sign-in value from the closed sets of CA-4.2; anything else is bad input (exit 2)."""
    text = r.string(value, path) or ""
    try:
        return canonical_signal(kind, text, source=r.file, path=path)
    except InputError as exc:
        raise SchemaError(
            "invalid value",
            file=r.file,
            path=path,
            expected=exc.expected,
            got=text,
            code="invalid-value",
        ) from None


def _check_keys(body: dict[str, Any], file: str) -> None:
    """An unknown key anywhere in the request is the user's typo (exit 2, did-you-mean)."""
    for at, known in REQUEST_KEYS.items():
        section: Any = body
        path: list[str] = []
        for key in at:
            if not isinstance(section, dict):
                break
            name = key if key in section or key not in _OLD_NAMES else _OLD_NAMES[key]
            section = section.get(name)
            path.append(name)
        allowed = known | ({*_OLD_NAMES.values()} if not at else frozenset())
        if not isinstance(section, dict):
            continue
        for key in section:
            if key in allowed or str(key).startswith("@") or "@odata" in str(key):
                continue
            raise SchemaError(
                f"unknown key {shown_key(str(key))}",
                file=file,
                path="".join(f"/{k}" for k in (*path, key)),
                hint=did_you_mean_hint(str(key), sorted(known)),
                code="unknown-key",
            )


def parse_evaluate_request(doc: Any, tenant: Tenant, file: str) -> dict[str, Any]:
    """Return ``SignIn`` keyword arguments for the request in ``doc``."""
    r = Reader(file)
    body = normalize_keys(r.obj(doc, (), optional=False), file=file)
    _check_keys(body, file)
    identity = r.obj(
        body.get("signInIdentity") or body.get("conditionalAccessWhatIfSubject"),
        ("signInIdentity",),
    )
    context = r.obj(
        body.get("signInContext") or body.get("conditionalAccessContext"), ("signInContext",)
    )
    cond = r.obj(
        body.get("signInConditions") or body.get("conditionalAccessWhatIfConditions"),
        ("signInConditions",),
    )
    kwargs: dict[str, Any] = {}
    if identity.get("servicePrincipalId"):
        kwargs["service_principal_id"] = r.string(
            identity["servicePrincipalId"], ("signInIdentity", "servicePrincipalId")
        )
    elif identity.get("userId"):
        uid = r.string(identity["userId"], ("signInIdentity", "userId")) or ""
        kwargs["user"] = with_external_identity(
            user_for(tenant, uid),
            guest_type=_guest_type(r, identity.get("externalUserType")),
            tenant_id=r.string(
                identity.get("externalTenantId"), ("signInIdentity", "externalTenantId")
            ),
        )
    else:
        raise SchemaError(
            "missing field",
            file=file,
            path=("signInIdentity",),
            expected="userId or servicePrincipalId",
            got=identity,
            code="missing-field",
        )
    apps = r.strings(context.get("includeApplications"), ("signInContext", "includeApplications"))
    if apps:
        kwargs["app_id"] = apps[0]
    elif context.get("userAction"):
        kwargs["user_action"] = _signal(
            r, "userAction", context["userAction"], ("signInContext", "userAction")
        )
    elif context.get("authenticationContextValue"):
        kwargs["auth_context"] = _signal(
            r,
            "authenticationContext",
            context["authenticationContextValue"],
            ("signInContext", "authenticationContextValue"),
        )
    else:
        raise SchemaError(
            "missing field",
            file=file,
            path=("signInContext",),
            expected="includeApplications, userAction or authenticationContextValue",
            got=context,
            code="missing-field",
        )
    if cond.get("ipAddress"):
        ip = r.string(cond["ipAddress"], ("signInConditions", "ipAddress")) or ""
        try:
            ipaddress.ip_address(ip.strip())
        except ValueError:
            raise r.error(
                ("signInConditions", "ipAddress"), "invalid value", "an IPv4 or IPv6 address", ip
            ) from None
        kwargs["ip"] = ip.strip()
    if cond.get("country"):
        kwargs["country"] = r.string(cond["country"], ("signInConditions", "country"))
    # "all" is the API's default for platform and client app type: not a concrete signal (CA-4.2).
    plat = r.string(cond.get("devicePlatform"), ("signInConditions", "devicePlatform"))
    if plat and plat.lower() != "all":
        kwargs["platform"] = _signal(
            r, "devicePlatform", plat, ("signInConditions", "devicePlatform")
        )
    capp = r.string(cond.get("clientAppType"), ("signInConditions", "clientAppType"))
    if capp and capp.lower() != "all":
        kwargs["client_app"] = _signal(
            r, "clientAppType", capp, ("signInConditions", "clientAppType")
        )
    for key, arg, kind in (
        ("signInRiskLevel", "sign_in_risk", "riskLevel"),
        ("userRiskLevel", "user_risk", "riskLevel"),
        ("servicePrincipalRiskLevel", "service_principal_risk", "riskLevel"),
        ("insiderRiskLevel", "insider_risk", "insiderRiskLevel"),
    ):
        if cond.get(key):
            kwargs[arg] = _signal(r, kind, cond[key], ("signInConditions", key))
    flow = r.obj(cond.get("authenticationFlow"), ("signInConditions", "authenticationFlow"))
    if flow.get("transferMethod"):
        path = ("signInConditions", "authenticationFlow", "transferMethod")
        kwargs["transfer_method"] = _signal(r, "transferMethod", flow["transferMethod"], path)
    info = cond.get("deviceInfo")
    if isinstance(info, dict) and info:
        props = device_from_graph(info)
        props.setdefault("isCompliant", False)  # deviceInfo.isCompliant defaults to false (CA-4.2)
        kwargs["device"] = props
    elif info is not None and not isinstance(info, dict):
        raise r.error(("signInConditions", "deviceInfo"), "wrong type", "an object", info)
    return kwargs
