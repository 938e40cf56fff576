"""What-if sign-in options -> ``SignIn`` keyword arguments, for every front end.

``caflow whatif`` flags, the ``caflow serve`` what-if form and ``/api/whatif`` all name a
sign-in the same way (user, app, IP, platform ... as the portal's What If does, reference
docs/sources.md CA-4.2); this module is the one place those names are resolved against a bundle (users, apps,
devices, groups, roles) and validated, so the CLI and the web give the same answer and the same
error for the same input. Like :func:`caflow.io.request.parse_evaluate_request` it returns the
keyword arguments only: the engine layer owns ``SignIn`` and io must not import it.

Errors name the option as the caller calls it: ``field("client_app")`` is ``--client-app`` for
the CLI (the default) and ``client_app`` for a form or a JSON body.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from caflow.errors import InputError, Shown, UnknownReferenceError, did_you_mean, did_you_mean_hint
from caflow.io.directory import device_from_graph
from caflow.io.request import user_for, with_external_identity
from caflow.model.directory import UNREGISTERED, ServicePrincipal, User
from caflow.model.signals import canonical_signal
from caflow.model.tenant import Tenant
from caflow.model.wellknown import APP_ALIASES, APPS, app_id_for, role_id_for

__all__ = [
    "REQUEST_PATHS",
    "Origin",
    "cli_flag",
    "origin_in_location",
    "resolve_app",
    "signin_kwargs",
    "unresolved_references",
]

_OBJECT_ID = re.compile(r"[0-9a-fA-F-]{36}")

Field = Callable[[str], str]


@dataclass(frozen=True)
class Origin:
    """Where a sign-in picked by named location comes from, and how it was chosen (shown to
    the user: the engine still decides every location from this IP or country)."""

    ip: str | None
    country: str | None
    how: str


def origin_in_location(tenant: Tenant, ref: str, *, file: str) -> Origin:
    """A sign-in origin inside the named location ``ref`` (id or display name): the first
    usable address of its first IP range, or its first country (alphabetically) as an
    explicit What If country (docs/assumptions.md A-LOC-2). A location that cannot give one
    (no range, no country, another location type) is bad input naming it."""
    import ipaddress

    from caflow.model.locations import CountryNamedLocation, IpNamedLocation

    loc = tenant.named_locations.get(ref) or next(
        (x for x in tenant.named_locations.values() if x.display_name == ref), None
    )
    if loc is None:
        names = [x.display_name for x in tenant.named_locations.values()]
        raise UnknownReferenceError(
            "named location is not in the bundle",
            file=file,
            expected="a named location id or display name of namedLocations.json",
            got=Shown(repr(ref)),
            hint=did_you_mean_hint(ref, names),
        )
    if isinstance(loc, IpNamedLocation) and loc.ranges:
        net = ipaddress.ip_network(loc.ranges[0], strict=False)
        addr = next(iter(net.hosts()), net.network_address)
        return Origin(str(addr), None, f"{addr}, the first address of {net} in {loc.display_name}")
    if isinstance(loc, CountryNamedLocation) and loc.countries:
        code = sorted(loc.countries)[0]
        return Origin(None, code, f"country {code} of {loc.display_name}")
    raise InputError(
        "named location without an IP range or country to sign in from",
        file=file,
        expected="an IP or country named location (or give ip / country yourself)",
        got=Shown(loc.display_name),
    )


def cli_flag(name: str) -> str:
    """``client_app`` -> ``--client-app``: how the CLI names an option in an error."""
    return "--" + name.replace("_", "-")


def resolve_app(tenant: Tenant, ref: str, *, file: str, path: Any = None) -> str:
    """An appId, a well-known app name or alias, or a service principal of the bundle (by
    display name or appId); anything else is bad input with a did-you-mean."""
    app_id = app_id_for(ref)
    if app_id is None:
        sp = next(
            (
                s
                for s in tenant.directory.service_principals
                if ref.lower() in (s.display_name.lower(), s.app_id.lower())
            ),
            None,
        )
        app_id = sp.app_id if sp else None
    if app_id is None and _OBJECT_ID.fullmatch(ref):
        app_id = ref  # an appId the bundle does not name (a corpus of exports has no directory)
    if app_id is None:
        names = [*APPS.values(), *APP_ALIASES]
        names += [s.display_name for s in tenant.directory.service_principals]
        close = did_you_mean(ref, names)
        raise UnknownReferenceError(
            "unknown application",
            file=file,
            path=path,
            expected="an appId or a well-known app name such as 'Microsoft Flow Service'",
            got=ref,
            hint=(f"did you mean '{close}'? " if close else "") + "caflow apps lists the names",
        )
    return app_id.lower()


def _with_memberships(tenant: Tenant, user: User, o: dict[str, Any], field: Field) -> User:
    """``member_of``/``role``/``guest_type`` describe a user the bundle does not define
    (e.g. when evaluating a corpus of policy exports): the memberships become known."""
    groups, roles, guest = o.get("member_of") or (), o.get("role") or (), o.get("guest_type")
    if guest:
        guest = canonical_signal("guestOrExternalUserType", guest, source=field("guest_type"))
    if not (groups or roles or guest):
        return user
    if not user.unknown:
        raise InputError(
            "user is defined in directory.yaml",
            file="/".join(field(n) for n in ("member_of", "role", "guest_type")),
            expected="these options only for a user the bundle does not define",
            got=user.user_principal_name,
        )
    direct = []
    for g in groups:
        found = tenant.directory.group(g)
        direct.append(found.id if found else g)  # a group id the bundle does not list
    # Nested groups and roles of role-assignable groups exactly as for directory users (one
    # resolver, caflow.model.directory.memberships); a group the bundle does not list has
    # unknown parents: group conditions it is not seen in stay undetermined (A-SIG-6).
    group_ids, group_roles = tenant.directory.memberships(direct)
    incomplete = any(tenant.directory.group(g) is None for g in groups)
    role_ids = list(group_roles)
    for r in roles:
        rid = role_id_for(r)
        if rid is None and not _OBJECT_ID.fullmatch(r):
            raise UnknownReferenceError(
                "unknown role",
                file=field("role"),
                expected="a built-in role name or template id",
                got=r,
            )
        role_ids.append(rid or r)
    return replace(
        user,
        unknown=False,
        group_ids=group_ids,
        role_ids=frozenset(role_ids),
        groups_incomplete=incomplete,
        user_type="Guest" if guest else "Member",
        guest_type=guest,
    )


#: Where a Graph evaluate request (``whatif --request``) names what the flags name.
REQUEST_PATHS: dict[str, tuple[str, ...]] = {
    "user": ("signInIdentity", "userId"),
    "service_principal": ("signInIdentity", "servicePrincipalId"),
}


def unresolved_references(
    tenant: Tenant,
    *,
    field: Field = cli_flag,
    paths: Mapping[str, tuple[str, ...]] | None = None,
    **o: Any,
) -> list[InputError]:
    """``user`` / ``member_of`` / ``service_principal`` values that resolve to nothing in a
    bundle that has a directory (users, groups, service principals): likely typos. Warnings by
    default, bad input under ``--strict``; without a directory nothing can be checked (a corpus
    of policy exports). The flags and a ``--request`` file share this check (``field`` names
    the file, ``paths`` the JSON path of each value in it, :data:`REQUEST_PATHS`)."""
    at = paths or {}
    d = tenant.directory
    out: list[InputError] = []

    def unknown(key: str, got: str, message: str, expected: str, names: Iterable[str]) -> None:
        """One reference ``got`` (given as ``key``) that names nothing among ``names``."""
        out.append(
            UnknownReferenceError(
                message,
                file=field(key),
                path=at.get(key),
                expected=expected,
                got=got,
                hint=did_you_mean_hint(got, names),
            )
        )

    ref = o.get("user")
    described = o.get("member_of") or o.get("role") or o.get("guest_type")
    if ref and d.users and d.user(ref) is None and not described:  # described: deliberate
        unknown(
            "user",
            ref,
            "user is not in the bundle's directory; evaluated as a user whose group and "
            "role memberships are unknown",
            "a user of directory.yaml",
            d.user_names(),
        )
    sp_ref = o.get("service_principal")
    if sp_ref and d.service_principals and _service_principal(tenant, sp_ref) is None:
        unknown(
            "service_principal",
            sp_ref,
            "service principal is not in the bundle's directory; evaluated as a workload "
            "identity no policy lists by name",
            "an appId, object id or display name of directory.yaml servicePrincipals",
            (n for sp in d.service_principals for n in (sp.display_name, sp.app_id) if n),
        )
    for g in o.get("member_of") or ():
        if d.group(g) is None and not _OBJECT_ID.fullmatch(g):
            unknown(
                "member_of",
                g,
                "group name resolves to no group of the bundle; it matches no policy",
                "a group display name of directory.yaml or a group object id",
                (x.display_name for x in d.groups),
            )
    return out


def _service_principal(tenant: Tenant, ref: str) -> ServicePrincipal | None:
    """The bundle's service principal ``ref`` names (appId, object id or display name)."""
    d = tenant.directory
    found = d.service_principal(ref)
    if found is None:
        key = ref.strip().lower()
        found = next((sp for sp in d.service_principals if sp.display_name.lower() == key), None)
    return found


def _target(tenant: Tenant, o: dict[str, Any], field: Field) -> dict[str, Any]:
    """signInContext is exactly one of application, user action, auth context (CA-4.2)."""
    targets = [k for k in ("app", "user_action", "auth_context") if o.get(k)]
    if len(targets) > 1:
        raise InputError(
            "conflicting options",
            file="/".join(field(t) for t in targets),
            expected="exactly one of "
            + ", ".join(field(t) for t in ("app", "user_action", "auth_context")),
        )
    if o.get("app"):
        return {"app_id": resolve_app(tenant, str(o["app"]), file=field("app"))}
    if o.get("user_action"):
        return {
            "user_action": canonical_signal(
                "userAction", o["user_action"], source=field("user_action")
            )
        }
    if o.get("auth_context"):
        return {
            "auth_context": canonical_signal(
                "authenticationContext", o["auth_context"], source=field("auth_context")
            )
        }
    raise InputError(
        "missing option",
        file=field("app"),
        expected=" or ".join(field(t) for t in ("app", "user_action", "auth_context")),
    )


def _device(tenant: Tenant, device: str, field: Field) -> Any:
    if device.lower() == "unregistered":
        return UNREGISTERED
    if device.lstrip().startswith("{"):
        try:
            obj = json.loads(device)
        except json.JSONDecodeError as exc:
            raise InputError(
                f"malformed JSON: {exc.msg}",
                file=field("device"),
                expected="a JSON object of device properties",
            ) from None
        if not isinstance(obj, dict):
            raise InputError("wrong type", file=field("device"), expected="a JSON object", got=obj)
        return device_from_graph(obj)
    d = tenant.directory.device(device)
    if d is None:
        raise UnknownReferenceError(
            "unknown device",
            file=field("device"),
            expected="a device in directory.yaml, inline JSON or 'unregistered'",
            got=device,
            hint=did_you_mean_hint(device, tenant.directory.device_names()),
        )
    return dict(d.properties)


def signin_kwargs(tenant: Tenant, *, field: Field = cli_flag, **o: Any) -> dict[str, Any]:
    """``SignIn`` keyword arguments for what-if options ``o`` (the ``caflow whatif`` option
    names: user, app, ip, platform, client_app, device, compliant, sign_in_risk, mfa ...),
    resolving users, apps and devices against the bundle."""
    kwargs: dict[str, Any] = {}
    if o.get("user"):
        kwargs["user"] = _with_memberships(tenant, user_for(tenant, o["user"]), o, field)
        if o.get("external_tenant"):
            # What If userSignIn.externalTenantId (CA-4.2): the user's home tenant for this
            # sign-in, for a directory user too (docs/assumptions.md A-SIG-5).
            kwargs["user"] = with_external_identity(
                kwargs["user"], guest_type=None, tenant_id=o["external_tenant"].strip()
            )
    elif o.get("service_principal"):
        # A directory service principal named by display name or object id signs in by its
        # appId (What If servicePrincipalSignIn, CA-4.2); anything else is taken as an appId.
        sp = _service_principal(tenant, o["service_principal"])
        kwargs["service_principal_id"] = sp.app_id if sp else o["service_principal"]
    else:
        raise InputError(
            "missing option",
            file=field("user"),
            expected=f"{field('user')} UPN|id (or {field('service_principal')})",
        )
    kwargs.update(_target(tenant, o, field))
    if o.get("ip"):
        import ipaddress

        try:
            ipaddress.ip_address(str(o["ip"]).strip())
        except ValueError:
            raise InputError(
                "invalid IP address",
                file=field("ip"),
                expected="an IPv4 or IPv6 address",
                got=o["ip"],
            ) from None
        kwargs["ip"] = str(o["ip"]).strip()
    if o.get("country"):
        country = str(o["country"]).strip().upper()
        if not re.fullmatch(r"[A-Z]{2}", country):
            raise InputError(
                "invalid value",
                file=field("country"),
                expected="a two-letter ISO country code",
                got=o["country"],
            )
        kwargs["country"] = country
    if o.get("platform"):
        kwargs["platform"] = canonical_signal(
            "devicePlatform", o["platform"], source=field("platform")
        )
    if o.get("client_app"):
        kwargs["client_app"] = canonical_signal(
            "clientAppType", o["client_app"], source=field("client_app")
        )
    if o.get("device"):
        kwargs["device"] = _device(tenant, str(o["device"]), field)
    if o.get("compliant"):
        dev = dict(kwargs.get("device") or {}) if kwargs.get("device") is not UNREGISTERED else {}
        dev["isCompliant"] = True
        kwargs["device"] = dev
    for key, arg, kind in (
        ("sign_in_risk", "sign_in_risk", "riskLevel"),
        ("user_risk", "user_risk", "riskLevel"),
        ("insider_risk", "insider_risk", "insiderRiskLevel"),
        ("sp_risk", "service_principal_risk", "riskLevel"),
        ("auth_flow", "transfer_method", "transferMethod"),
    ):
        if o.get(key):
            kwargs[arg] = canonical_signal(kind, o[key], source=field(key))
    # method lists what was used; whether that is MFA is the engine's call (CA-2.9, CA-5.3):
    # password alone is single-factor.
    kwargs["mfa"] = bool(o.get("mfa"))
    kwargs["auth_methods"] = frozenset(
        canonical_signal("authenticationMethod", str(m), source=field("method"))
        for m in o.get("method") or ()
    )
    kwargs["accepted_terms"] = frozenset(o.get("accepted_terms") or ())
    kwargs["approved_app"] = bool(o.get("approved_app"))
    kwargs["app_protection"] = bool(o.get("app_protection"))
    return kwargs
