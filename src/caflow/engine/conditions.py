"""One function per policy condition: does the sign-in fall inside it?

Each returns ``(Tri, detail)``: True = inside, False = outside, None = not enough information.
The order of ``CONDITIONS`` is the order of the What If ``analysisReasons`` enum (docs/sources.md CA-4.4);
the first condition that is False names the reason a policy does not apply.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from caflow.engine.logic import Tri, any3, scope3
from caflow.engine.networks import in_location, in_trusted
from caflow.engine.signin import UNREGISTERED, SignIn
from caflow.errors import enum_token
from caflow.model.directory import User
from caflow.model.locations import COMPLIANT_NETWORK_ID
from caflow.model.policy import FilterSpec, GuestsSpec, Policy
from caflow.model.signals import SIGNALS
from caflow.model.tenant import Tenant
from caflow.model.wellknown import ADMIN_PORTAL_APP_IDS, APPS, OFFICE365_APP_IDS

__all__ = ["CONDITIONS", "KNOWN_GUEST_TYPES", "ConditionCheck"]

Outcome = tuple[Tri, str]
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")

# Value sets come from one vocabulary (model/signals.py, What If CA-4.2); compared lower-case.
KNOWN_GUEST_TYPES = frozenset(SIGNALS["guestOrExternalUserType"])
_PLATFORMS = frozenset(v.lower() for v in SIGNALS["devicePlatform"].values()) - {"unknown"}
_CLIENT_APPS = frozenset(v.lower() for v in SIGNALS["clientAppType"].values())
_RISK_LEVELS = frozenset(SIGNALS["riskLevel"])
_INSIDER_LEVELS = frozenset(SIGNALS["insiderRiskLevel"])
_SECURITY_INFO = "registersecurityinformation"


def _all_resources_cover(user_action: str) -> bool:
    return user_action_key(user_action) == _SECURITY_INFO


def user_action_key(value: str) -> str:
    """Policy (``urn:user:registersecurityinfo``) and What If (``registerSecurityInformation``)
    spellings of a user action, made comparable."""
    key = value.strip().lower()
    return SIGNALS["userAction"].get(key, key).lower()


def _client_app_key(value: str) -> str:
    """Deprecated client app names map to their replacements (CA-1.2)."""
    key = value.strip().lower()
    return SIGNALS["clientAppType"].get(key, key).lower()


# -- users -------------------------------------------------------------------------------


def _external(user: User) -> Tri:
    """Guest/external user? Unknown for a user the bundle does not define, unless a guest type
    or home tenant (What If ``externalUserType`` / ``externalTenantId``) or an ``#EXT#`` UPN
    says so (docs/assumptions.md A-SIG-3)."""
    if user.external_tenant_id:
        return True  # homed in another tenant (What If userSignIn.externalTenantId, CA-4.2)
    if user.unknown and user.user_type == "Unknown":
        return None
    return user.is_external


def _spec_tenants(spec: GuestsSpec) -> frozenset[str]:
    return frozenset(t.lower() for t in spec.tenants)


def _guest_match(spec: GuestsSpec, s: SignIn) -> Tri:
    """``include/excludeGuestsOrExternalUsers`` (CA-1.3, CA-2.2)."""
    user = s.user
    assert user is not None
    external = _external(user)
    if external is not True:
        return external
    types = {t.lower() for t in spec.types}
    gtype = (user.guest_type or "").lower()
    enumerated = spec.tenants_kind.lower() == "enumerated"
    home = (user.external_tenant_id or "").lower()
    if enumerated and home and gtype != "internalguest" and home not in _spec_tenants(spec):
        return False  # externalTenants lists home tenant ids (CA-1.3): another tenant is out
    if not gtype:
        return None
    type_match: Tri = gtype in types
    if not type_match and types - KNOWN_GUEST_TYPES - {"none"}:
        type_match = None  # an enum value caflow does not know might cover this user
    if type_match is False:
        return False
    if enumerated and gtype != "internalguest" and not user.external_tenant_id:
        return None  # home tenant unknown: cannot tell whether it is listed
    return type_match


#: Entries of the users-condition memo before it is emptied (bounds the memory of a server
#: that evaluates many policies and users over one directory).
_USERS_MEMO_MAX = 1 << 16


def check_users(p: Policy, s: SignIn, t: Tenant) -> Outcome:
    """The users condition. It reads the policy, the sign-in's user and the directory only, so
    its outcome is kept per (policy, user) object in the directory's memo: advise, check and
    simulate evaluate one user per policy-relevant signature for many apps and contexts
    (issue 10: 24% of ``check`` went here). Entries keep their policy and user alive, so an
    id is never reused while its entry stands."""
    user = s.user
    if user is None:
        return _check_users(p, s, t)
    memo = t.directory.memo
    key = ("users", id(p), id(user))
    hit = memo.get(key)
    if hit is not None and hit[0] is p and hit[1] is user:
        return hit[2]
    out = _check_users(p, s, t)
    if len(memo) >= _USERS_MEMO_MAX:
        memo.clear()
    memo[key] = (p, user, out)
    return out


def _check_users(p: Policy, s: SignIn, t: Tenant) -> Outcome:
    u = p.conditions.users
    if s.user is None:
        return (
            (False, "workload identity sign-in; policy targets users")
            if not p.conditions.client_applications.configured
            else (True, "")
        )
    user = s.user
    uid = user.id.lower()

    def item_user(v: str) -> Tri:
        key = v.lower()
        if key == "all":
            return True  # All users includes B2B guests (CA-2.2)
        if key == "none":
            return False
        if key == "guestsorexternalusers":
            return _external(user)
        return key == uid or key == user.user_principal_name.lower()

    # Lower-cased once per policy, not once per listed group/role.
    groups = {g.lower() for g in user.group_ids} if u.include_groups or u.exclude_groups else set()
    roles = {r.lower() for r in user.role_ids} if u.include_roles or u.exclude_roles else set()

    unknown_groups = t.directory.unknown_member_groups
    # Memberships the export does not record (A-DIR-4) or parents of unlisted groups (A-SIG-6).
    groups_partial = user.groups_incomplete or user.groups_unknown

    def held(
        values: tuple[str, ...],
        pool: set[str],
        unknown: frozenset[str] = frozenset(),
        partial: bool = False,
    ) -> Tri:
        """Any listed group/role held (OR of the items; a user without any skips the scan).
        Not being a recorded member of a group whose members are unknown (a dynamic group the
        export did not list, A-DIR-3) proves nothing: undetermined; nor does it when ``partial``:
        the pool may miss parent groups the bundle does not list (A-SIG-6)."""
        if not values:
            return False
        if user.unknown:
            return None  # memberships of a user not in the bundle are unknown
        if pool and not pool.isdisjoint(map(str.lower, values)):
            return True
        if unknown and not unknown.isdisjoint(map(str.lower, values)):
            return None
        return None if partial else False

    included = any3(
        (
            any3([item_user(v) for v in u.include_users]),
            held(u.include_groups, groups, unknown_groups, groups_partial),
            held(u.include_roles, roles, partial=user.roles_unknown),
            *([_guest_match(u.include_guests, s)] if u.include_guests else []),
        )
    )
    excluded = any3(
        (
            any3([item_user(v) for v in u.exclude_users]),
            held(u.exclude_groups, groups, unknown_groups, groups_partial),
            held(u.exclude_roles, roles, partial=user.roles_unknown),
            *([_guest_match(u.exclude_guests, s)] if u.exclude_guests else []),
        )
    )
    result = scope3(included, excluded)
    detail = "user excluded" if excluded else ("user not included" if included is False else "")
    if result is None:
        dynamic = [
            g
            for g in (*u.include_groups, *u.exclude_groups)
            if not user.unknown and g.lower() in unknown_groups and g.lower() not in groups
        ]
        # The groups / roles a policy names that the user is not recorded in: the open ones.
        open_groups = [g for g in (*u.include_groups, *u.exclude_groups) if g.lower() not in groups]
        open_roles = [r for r in (*u.include_roles, *u.exclude_roles) if r.lower() not in roles]
        detail = (
            f"group '{_group_label(dynamic[0], t)}': its membership was not exported (a "
            "dynamic group: Entra computes it from the rule, EntraExporter writes only its "
            "owners; or a member list saved as one page of several): whether the user is in "
            "it is unknown"
            if dynamic
            else "parent groups of a group the bundle does not list are unknown (A-SIG-6)"
            if user.groups_incomplete and not user.unknown
            else f"the export records none of this user's group memberships (no group member "
            f"lists or memberOf): membership in group '{_group_label(open_groups[0], t)}' is "
            "unknown (A-DIR-4)"
            if user.groups_unknown and open_groups and not user.unknown
            else "the export records none of this user's directory roles (no role member "
            "lists, role assignments or memberOf): whether the user holds the role is unknown "
            "(A-DIR-4)"
            if user.roles_unknown and open_roles and not user.unknown
            else "group/role membership or guest type of this user is unknown"
        )
    return result, detail


def _group_label(gid: str, t: Tenant) -> str:
    g = t.directory.group(gid)
    return g.display_name if g is not None and g.display_name else gid


def _sp_item(signing_in: str, t: Tenant) -> Callable[[str], Tri]:
    """Does a policy's service principal entry name the signing-in one?

    Policies list object ids (CA-1.5); a sign-in names the appId (What If
    ``servicePrincipalSignIn.servicePrincipalId``). ``servicePrincipals`` in directory.yaml relate
    the two (docs/assumptions.md A-DIR-2). An entry that neither equals the sign-in's id nor
    belongs to a known service principal might be this one's other id: unknown.
    """
    key = signing_in.strip().lower()
    sp = t.directory.service_principal(key)
    ids = {key} | ({sp.app_id.lower(), sp.id.lower()} - {""} if sp is not None else set())

    def item(v: str) -> Tri:
        ref = v.strip().lower()
        if ref in ids:
            return True
        if sp is not None and sp.id:
            return False  # both ids of the signing-in service principal are known
        return False if t.directory.service_principal(ref) is not None else None

    return item


def check_workload(p: Policy, s: SignIn, t: Tenant) -> Outcome:
    c = p.conditions.client_applications
    if s.service_principal_id is None:
        return True, ""
    if not c.configured:
        return False, "policy does not target workload identities"
    item = _sp_item(s.service_principal_id, t)
    inc = any3(
        True if v.lower() == "serviceprincipalsinmytenant" else item(v)
        for v in c.include_service_principals
    )
    exc = any3(item(v) for v in c.exclude_service_principals)
    if c.has_filter:
        return None, "servicePrincipalFilter is not evaluated offline"
    result = scope3(inc, exc)
    if result is None:
        return None, (
            f"service principal '{s.service_principal_id}' is not in directory.yaml "
            "servicePrincipals: the policy's object ids cannot be related to its appId"
        )
    return result, ""


# -- resources ---------------------------------------------------------------------------


def _app_item(v: str, app: str, t: Tenant) -> Tri:
    key = v.strip().lower()
    if key == "all":
        return True
    if key == "none":
        return False
    if key == "office365":
        return app in OFFICE365_APP_IDS
    if key == "microsoftadminportals":
        return app in ADMIN_PORTAL_APP_IDS
    if key == "allagentidresources":
        # Microsoft first-party apps are not agent identity resources.
        return False if app in APPS else None
    if _GUID.match(key):
        return key == app
    return None  # unknown keyword: cannot tell whether it covers this app


def _filter_match(spec: FilterSpec, app: str, t: Tenant) -> Tri:
    from caflow.engine.device_filter import compile_application_filter

    sp = t.directory.service_principal(app)
    if sp is None or not sp.custom_security_attributes:
        return None
    attrs: dict[str, object] = {}
    for set_name, values in sp.custom_security_attributes.items():
        if isinstance(values, dict):
            for k, v in values.items():
                if not k.startswith("@"):
                    attrs[f"{set_name}_{k}"] = v
    return compile_application_filter(spec.rule).matches(attrs)


def check_application(p: Policy, s: SignIn, t: Tenant) -> Outcome:
    a = p.conditions.applications
    if s.app_id is None:
        if s.user_action and a.include_applications:
            # What If example 3 (beta evaluate docs): "All resources" policies apply to a
            # registerSecurityInformation sign-in; policies on specific apps do not. For device
            # registration this is not documented: only user-action policies (A-APP-4).
            hit = _all_resources_cover(s.user_action) and any(
                v.lower() == "all" for v in a.include_applications
            )
            return hit, "" if hit else "policy targets applications, not this user action"
        if s.user_action or s.auth_context:
            return True, ""  # judged by userActions / authenticationContext
        return None, "no application in the request"
    targets_apps = bool(a.include_applications) or a.application_filter is not None
    if not targets_apps:
        return False, "policy targets user actions or authentication context, not applications"
    app = s.app_id.lower()
    inc = any3(_app_item(v, app, t) for v in a.include_applications)
    exc = any3(_app_item(v, app, t) for v in a.exclude_applications if v.lower() != "all")
    if a.application_filter is not None:
        fm = _filter_match(a.application_filter, app, t)
        if a.application_filter.mode.lower() == "exclude":
            exc = any3((exc, fm))
        else:
            inc = any3((inc, fm))
    result = scope3(inc, exc)
    return result, "application excluded" if exc else (
        "application not included" if inc is False else ""
    )


def check_user_actions(p: Policy, s: SignIn, t: Tenant) -> Outcome:
    if s.user_action is None:
        return True, ""
    wanted = user_action_key(s.user_action)
    a = p.conditions.applications
    if (
        not a.include_user_actions
        and _all_resources_cover(s.user_action)
        and any(v.lower() == "all" for v in a.include_applications)
    ):
        return True, ""  # an All-resources policy (see check_application)
    actions = {user_action_key(v) for v in a.include_user_actions}
    return wanted in actions, "" if wanted in actions else "policy does not target this user action"


def check_auth_context(p: Policy, s: SignIn, t: Tenant) -> Outcome:
    if s.auth_context is None:
        return True, ""
    ctx = {v.lower() for v in p.conditions.applications.include_auth_contexts}
    hit = s.auth_context.lower() in ctx
    return hit, "" if hit else "policy does not target this authentication context"


# -- client and device ---------------------------------------------------------------------


def check_platform(p: Policy, s: SignIn, t: Tenant) -> Outcome:
    c = p.conditions
    include = {v.lower() for v in c.include_platforms}
    if not include:
        return True, ""  # not configured: all platforms (CA-2.1)
    exclude = {v.lower() for v in c.exclude_platforms}
    if s.platform is None:
        if "all" in include and not exclude:
            return True, ""
        return None, "device platform not provided"
    plat = s.platform.lower()
    if plat not in _PLATFORMS and plat != "unknown":
        return None, f"sign-in platform {enum_token(s.platform)} is not a known value"
    # An unknown/unsupported platform is matched only by "all" (CA-2.5).
    inc: Tri = "all" in include or plat in include
    if not inc and (include - _PLATFORMS - {"all"}) and plat not in _PLATFORMS:
        inc = None
    exc: Tri = plat in exclude
    if not exc and (exclude - _PLATFORMS - {"all"}) and plat not in _PLATFORMS:
        exc = None
    return scope3(inc, exc), "platform excluded" if exc else (
        "platform not included" if inc is False else ""
    )


def check_devices(p: Policy, s: SignIn, t: Tenant) -> Outcome:
    spec = p.conditions.device_filter
    if spec is None:
        return True, ""
    if s.device is None:
        return (
            None,
            "device not provided (use a directory device, inline properties or 'unregistered')",
        )
    from caflow.engine.device_filter import compile_device_filter

    props = None if s.device is UNREGISTERED else s.device
    hit = compile_device_filter(spec.rule).matches(props)
    if spec.mode.lower() == "exclude":
        return (not hit), "device excluded by filter" if hit else ""
    return hit, "" if hit else "device does not match the filter"


def check_client_apps(p: Policy, s: SignIn, t: Tenant) -> Outcome:
    types = {_client_app_key(v) for v in p.conditions.client_app_types}
    if not types or "all" in types:
        return True, ""  # not configured applies to all client app types (CA-2.1)
    if s.client_app is None or s.client_app.lower() == "all":
        return None, "client app type not provided"
    app = _client_app_key(s.client_app)
    if app not in _CLIENT_APPS:
        return None, f"sign-in client app type {enum_token(s.client_app)} is not a known value"
    if app in types:
        return True, ""
    if types - _CLIENT_APPS:
        return None, f"unknown client app type value(s): {sorted(types - _CLIENT_APPS)}"
    return False, "client app type not included"


# -- network -------------------------------------------------------------------------------


def _location_item(v: str, s: SignIn, t: Tenant) -> Tri:
    key = v.strip().lower()
    if key == "all":
        return True  # any IP address on the internet (CA-2.6)
    if key == "alltrusted":
        return in_trusted(t.named_locations, t.settings.mfaTrustedIps, s.ip)
    loc = t.named_locations.get(key)
    if loc is None:
        if key == COMPLIANT_NETWORK_ID:
            return None  # Global Secure Access compliant network: not decidable offline
        return False  # dangling reference: not matched, with a load warning on the policy
    return in_location(loc, s.ip, s.country)


def check_location(p: Policy, s: SignIn, t: Tenant) -> Outcome:
    c = p.conditions
    if not c.include_locations:
        return True, ""  # policies apply to all locations by default (CA-2.1)
    inc = any3(_location_item(v, s, t) for v in c.include_locations)
    exc = any3(_location_item(v, s, t) for v in c.exclude_locations)
    result = scope3(inc, exc)
    if result is None:
        return None, "IP address or country not provided (or location type not decidable offline)"
    return result, "location excluded" if exc else ("location not included" if inc is False else "")


# -- risk and flows ------------------------------------------------------------------------


def _levels(configured: tuple[str, ...], actual: str, known: frozenset[str]) -> Outcome:
    levels = {v.lower() for v in configured} - {"unknownfuturevalue"}
    if not levels:
        return True, ""
    level = (actual or "none").lower()
    if level in levels:
        return True, ""
    if level not in known:
        return None, f"unknown risk level {enum_token(actual)}"
    return False, f"risk level {enum_token(actual)} not included"


def check_sign_in_risk(p: Policy, s: SignIn, t: Tenant) -> Outcome:
    return _levels(p.conditions.sign_in_risk_levels, s.sign_in_risk, _RISK_LEVELS)


def check_user_risk(p: Policy, s: SignIn, t: Tenant) -> Outcome:
    return _levels(p.conditions.user_risk_levels, s.user_risk, _RISK_LEVELS)


def check_sp_risk(p: Policy, s: SignIn, t: Tenant) -> Outcome:
    if s.service_principal_id is None:
        return True, ""  # only evaluated for workload identities
    return _levels(
        p.conditions.service_principal_risk_levels, s.service_principal_risk, _RISK_LEVELS
    )


def check_insider_risk(p: Policy, s: SignIn, t: Tenant) -> Outcome:
    return _levels(p.conditions.insider_risk_levels, s.insider_risk, _INSIDER_LEVELS)


def check_auth_flow(p: Policy, s: SignIn, t: Tenant) -> Outcome:
    methods = {m.lower() for m in p.conditions.transfer_methods}
    if not methods:
        return True, ""
    m = (s.transfer_method or "none").lower()
    if m not in ("none", "devicecodeflow", "authenticationtransfer"):
        return (
            None,
            f"sign-in authentication flow {enum_token(s.transfer_method)} is not a known value",
        )
    if m in methods:
        return True, ""  # protocol tracking: a tracked session keeps matching (CA-2.8)
    if methods - {"devicecodeflow", "authenticationtransfer", "unknownfuturevalue"}:
        return None, "unknown authentication flow value"
    return False, "authentication flow not included"


def _users_part(p: Policy) -> Hashable:
    return p.conditions.users, p.conditions.client_applications.configured


def _platforms_part(p: Policy) -> Hashable:
    return p.conditions.include_platforms, p.conditions.exclude_platforms


def _locations_part(p: Policy) -> Hashable:
    return p.conditions.include_locations, p.conditions.exclude_locations


@dataclass(frozen=True, slots=True)
class ConditionCheck:
    reason: str  # analysisReasons value when this condition is not met
    name: str  # JSON pointer of the policy field, for explanations
    check: Callable[[Policy, SignIn, Tenant], Outcome]
    #: The part of the policy ``check`` reads: policies with equal parts get equal outcomes
    #: for the same sign-in, so the compiled replay runs ``check`` once per distinct part
    #: (kept next to the check it describes; the replay's differential test guards it).
    policy_part: Callable[[Policy], Hashable]


CONDITIONS: tuple[ConditionCheck, ...] = (
    ConditionCheck("users", "/conditions/users", check_users, _users_part),
    ConditionCheck(
        "workloadIdentities",
        "/conditions/clientApplications",
        check_workload,
        lambda p: p.conditions.client_applications,
    ),
    ConditionCheck(
        "application",
        "/conditions/applications",
        check_application,
        lambda p: p.conditions.applications,
    ),
    ConditionCheck(
        "userActions",
        "/conditions/applications/includeUserActions",
        check_user_actions,
        lambda p: p.conditions.applications,
    ),
    ConditionCheck(
        "authenticationContext",
        "/conditions/applications/includeAuthenticationContextClassReferences",
        check_auth_context,
        lambda p: p.conditions.applications.include_auth_contexts,
    ),
    ConditionCheck("devicePlatform", "/conditions/platforms", check_platform, _platforms_part),
    ConditionCheck(
        "devices",
        "/conditions/devices/deviceFilter",
        check_devices,
        lambda p: p.conditions.device_filter,
    ),
    ConditionCheck(
        "clientApps",
        "/conditions/clientAppTypes",
        check_client_apps,
        lambda p: p.conditions.client_app_types,
    ),
    ConditionCheck("location", "/conditions/locations", check_location, _locations_part),
    ConditionCheck(
        "signInRisk",
        "/conditions/signInRiskLevels",
        check_sign_in_risk,
        lambda p: p.conditions.sign_in_risk_levels,
    ),
    ConditionCheck(
        "userRisk",
        "/conditions/userRiskLevels",
        check_user_risk,
        lambda p: p.conditions.user_risk_levels,
    ),
    ConditionCheck(
        "workloadIdentities",
        "/conditions/servicePrincipalRiskLevels",
        check_sp_risk,
        lambda p: p.conditions.service_principal_risk_levels,
    ),
    ConditionCheck(
        "insiderRisk",
        "/conditions/insiderRiskLevels",
        check_insider_risk,
        lambda p: p.conditions.insider_risk_levels,
    ),
    ConditionCheck(
        "authenticationFlow",
        "/conditions/authenticationFlows",
        check_auth_flow,
        lambda p: p.conditions.transfer_methods,
    ),
)
