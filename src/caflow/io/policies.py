"""Graph (v1.0/beta) and PowerShell policy objects -> :class:`caflow.model.Policy`.

Keys are normalised first (``caflow.io.normalize``). "Present but all-null" objects
(ScubaGear's older SDK exports) read as "not configured" (data/SOURCES.md). Conditions caflow
cannot evaluate are recorded in ``Conditions.unsupported`` so the engine reports the policy as
``notEnoughInformation`` instead of silently ignoring them (DESIGN.md fidelity rules).
"""

from __future__ import annotations

import hashlib
from typing import Any

from caflow.errors import json_pointer
from caflow.io.fields import Reader
from caflow.model.policy import (
    ApplicationsCondition,
    ClientApplicationsCondition,
    Conditions,
    FilterSpec,
    GrantControls,
    GuestsSpec,
    Policy,
    SessionControls,
    StrengthRef,
    UsersCondition,
)
from caflow.model.wellknown import BUILTIN_STRENGTHS

__all__ = ["is_policy_like", "parse_policy", "parse_strength"]

Path = tuple[str | int, ...]

_MAX_SIF = 1_000_000  # hours or days; far beyond any portal setting, well inside timedelta

# Condition keys caflow evaluates, or that are "not configured" when empty.
_KNOWN_CONDITION_KEYS = {
    "users",
    "applications",
    "clientApplications",
    "clientAppTypes",
    "platforms",
    "locations",
    "devices",
    "signInRiskLevels",
    "userRiskLevels",
    "servicePrincipalRiskLevels",
    "insiderRiskLevels",
    "authenticationFlows",
    "additionalProperties",
    "clients",
}


def _is_empty(value: Any) -> bool:
    """``null``, ``[]``, ``{}``, ``""`` and objects whose every value is empty are 'not configured'."""
    if value in (None, "", [], {}, False):
        return True
    if isinstance(value, dict):
        return all(_is_empty(v) for k, v in value.items() if not k.startswith("@") and "@" not in k)
    return False


def is_policy_like(obj: Any) -> bool:
    """A conditionalAccessPolicy (or What If result) has ``conditions`` with users/applications."""
    if not isinstance(obj, dict):
        return False
    cond = obj.get("conditions")
    return isinstance(cond, dict) and ("users" in cond or "applications" in cond)


def _guests(r: Reader, value: Any, path: Path) -> GuestsSpec | None:
    if _is_empty(value):
        return None
    obj = r.obj(value, path)
    types = r.strings(
        obj.get("guestOrExternalUserTypes"), (*path, "guestOrExternalUserTypes"), flags=True
    )
    tenants = r.obj(obj.get("externalTenants"), (*path, "externalTenants"))
    kind = str(tenants.get("membershipKind") or "all")
    if not tenants.get("membershipKind") and "@odata.type" in tenants:
        kind = "enumerated" if "numerated" in str(tenants["@odata.type"]) else "all"
    members = r.strings(tenants.get("members"), (*path, "externalTenants", "members"))
    return GuestsSpec(types=types, tenants_kind=kind, tenants=members)


def _filter(r: Reader, value: Any, path: Path) -> FilterSpec | None:
    if _is_empty(value):
        return None
    obj = r.obj(value, path)
    rule = r.string(obj.get("rule"), (*path, "rule"))
    mode = r.string(obj.get("mode"), (*path, "mode")) or "include"
    if rule is None or not rule.strip():
        return None
    return FilterSpec(mode=mode, rule=rule)


def parse_strength(r: Reader, value: Any, path: Path) -> StrengthRef | None:
    if _is_empty(value):
        return None
    obj = r.obj(value, path)
    sid = r.string(obj.get("id"), (*path, "id"))
    if not sid:
        return None
    combos = r.strings(obj.get("allowedCombinations"), (*path, "allowedCombinations"))
    parsed = tuple(frozenset(p.strip() for p in c.split(",")) for c in combos)
    if not parsed and sid in BUILTIN_STRENGTHS:
        parsed = BUILTIN_STRENGTHS[sid][1]
    name = r.string(obj.get("displayName"), (*path, "displayName"))
    return StrengthRef(id=sid, display_name=name, allowed_combinations=parsed)


def _conditions(r: Reader, cond: dict[str, Any], path: Path) -> Conditions:
    users = r.obj(cond.get("users"), (*path, "users"))
    up = (*path, "users")
    u = UsersCondition(
        include_users=r.strings(users.get("includeUsers"), (*up, "includeUsers")),
        exclude_users=r.strings(users.get("excludeUsers"), (*up, "excludeUsers")),
        include_groups=r.strings(users.get("includeGroups"), (*up, "includeGroups")),
        exclude_groups=r.strings(users.get("excludeGroups"), (*up, "excludeGroups")),
        include_roles=r.strings(users.get("includeRoles"), (*up, "includeRoles")),
        exclude_roles=r.strings(users.get("excludeRoles"), (*up, "excludeRoles")),
        include_guests=_guests(
            r, users.get("includeGuestsOrExternalUsers"), (*up, "includeGuestsOrExternalUsers")
        ),
        exclude_guests=_guests(
            r, users.get("excludeGuestsOrExternalUsers"), (*up, "excludeGuestsOrExternalUsers")
        ),
    )
    apps = r.obj(cond.get("applications"), (*path, "applications"))
    ap = (*path, "applications")
    a = ApplicationsCondition(
        include_applications=r.strings(
            apps.get("includeApplications"), (*ap, "includeApplications")
        ),
        exclude_applications=r.strings(
            apps.get("excludeApplications"), (*ap, "excludeApplications")
        ),
        include_user_actions=r.strings(apps.get("includeUserActions"), (*ap, "includeUserActions")),
        include_auth_contexts=r.strings(
            apps.get("includeAuthenticationContextClassReferences"),
            (*ap, "includeAuthenticationContextClassReferences"),
        ),
        application_filter=_filter(r, apps.get("applicationFilter"), (*ap, "applicationFilter")),
    )
    unsupported: list[tuple[str, str]] = []
    for key in ("networkAccess", "globalSecureAccess"):
        if not _is_empty(apps.get(key)):
            unsupported.append((f"applications.{key}", json_pointer((*ap, key))))

    clients = r.obj(cond.get("clientApplications"), (*path, "clientApplications"))
    cp = (*path, "clientApplications")
    c = ClientApplicationsCondition(
        include_service_principals=r.strings(
            clients.get("includeServicePrincipals"), (*cp, "includeServicePrincipals")
        ),
        exclude_service_principals=r.strings(
            clients.get("excludeServicePrincipals"), (*cp, "excludeServicePrincipals")
        ),
        has_filter=not _is_empty(clients.get("servicePrincipalFilter")),
    )
    for key, value in clients.items():
        if "@" in key:
            continue  # OData annotations such as includeAgentIdServicePrincipals@odata.type
        if key.startswith(("includeAgent", "excludeAgent", "agent")) and not _is_empty(value):
            unsupported.append((f"clientApplications.{key}", json_pointer((*cp, key))))

    platforms = r.obj(cond.get("platforms"), (*path, "platforms"))
    locations = r.obj(cond.get("locations"), (*path, "locations"))
    devices = r.obj(cond.get("devices"), (*path, "devices"))
    flows = r.obj(cond.get("authenticationFlows"), (*path, "authenticationFlows"))

    for key, value in cond.items():
        if key.startswith("@") or "@" in key or key in _KNOWN_CONDITION_KEYS:
            continue
        if not _is_empty(value):
            # e.g. agents, agentContext, agentIdRiskLevels, times, deviceStates (legacy)
            unsupported.append((key, json_pointer((*path, key))))
    for key, value in devices.items():
        if key != "deviceFilter" and "@" not in key and not _is_empty(value):
            unsupported.append((f"devices.{key}", json_pointer((*path, "devices", key))))

    return Conditions(
        users=u,
        client_applications=c,
        applications=a,
        client_app_types=r.strings(
            cond.get("clientAppTypes"), (*path, "clientAppTypes"), flags=True
        ),
        include_platforms=r.strings(
            platforms.get("includePlatforms"), (*path, "platforms", "includePlatforms")
        ),
        exclude_platforms=r.strings(
            platforms.get("excludePlatforms"), (*path, "platforms", "excludePlatforms")
        ),
        include_locations=r.strings(
            locations.get("includeLocations"), (*path, "locations", "includeLocations")
        ),
        exclude_locations=r.strings(
            locations.get("excludeLocations"), (*path, "locations", "excludeLocations")
        ),
        device_filter=_filter(r, devices.get("deviceFilter"), (*path, "devices", "deviceFilter")),
        sign_in_risk_levels=r.strings(
            cond.get("signInRiskLevels"), (*path, "signInRiskLevels"), flags=True
        ),
        user_risk_levels=r.strings(
            cond.get("userRiskLevels"), (*path, "userRiskLevels"), flags=True
        ),
        service_principal_risk_levels=r.strings(
            cond.get("servicePrincipalRiskLevels"),
            (*path, "servicePrincipalRiskLevels"),
            flags=True,
        ),
        insider_risk_levels=r.strings(
            cond.get("insiderRiskLevels"), (*path, "insiderRiskLevels"), flags=True
        ),
        transfer_methods=tuple(
            m
            for m in r.strings(
                flows.get("transferMethods"),
                (*path, "authenticationFlows", "transferMethods"),
                flags=True,
            )
            if m.lower() != "none"
        ),
        unsupported=tuple(unsupported),
    )


def _grant(r: Reader, value: Any, path: Path) -> GrantControls | None:
    if _is_empty(value):
        return None
    g = r.obj(value, path)
    return GrantControls(
        # Missing operator: the portal default for several controls is "require all" (§2.9).
        operator=(r.string(g.get("operator"), (*path, "operator")) or "AND").upper(),
        built_in=r.strings(g.get("builtInControls"), (*path, "builtInControls")),
        custom_factors=r.strings(
            g.get("customAuthenticationFactors"), (*path, "customAuthenticationFactors")
        ),
        terms_of_use=r.strings(g.get("termsOfUse"), (*path, "termsOfUse")),
        authentication_strength=parse_strength(
            r, g.get("authenticationStrength"), (*path, "authenticationStrength")
        ),
    )


def _enabled(obj: dict[str, Any]) -> bool:
    return obj.get("isEnabled") is True or (obj.get("isEnabled") is None and not _is_empty(obj))


def _session(r: Reader, value: Any, path: Path) -> SessionControls | None:
    if _is_empty(value):
        return None
    s = r.obj(value, path)
    aer = r.obj(
        s.get("applicationEnforcedRestrictions"), (*path, "applicationEnforcedRestrictions")
    )
    mcas = r.obj(s.get("cloudAppSecurity"), (*path, "cloudAppSecurity"))
    sif = r.obj(s.get("signInFrequency"), (*path, "signInFrequency"))
    pb = r.obj(s.get("persistentBrowser"), (*path, "persistentBrowser"))
    cae = r.obj(s.get("continuousAccessEvaluation"), (*path, "continuousAccessEvaluation"))
    sss = r.obj(s.get("secureSignInSession"), (*path, "secureSignInSession"))
    sif_value = None
    if sif.get("isEnabled") is True:
        interval = (
            r.string(sif.get("frequencyInterval"), (*path, "signInFrequency", "frequencyInterval"))
            or "timeBased"
        )
        value = r.integer(sif.get("value"), (*path, "signInFrequency", "value"))
        # Graph only says Int32 (tokens §2.1); reject what no timedelta can hold.
        if value is not None and not 0 <= value <= _MAX_SIF:
            raise r.error(
                (*path, "signInFrequency", "value"),
                "invalid value",
                f"a sign-in frequency between 0 and {_MAX_SIF}",
                value,
            )
        sif_value = (interval, value, r.string(sif.get("type"), (*path, "signInFrequency", "type")))
    return SessionControls(
        application_enforced_restrictions=aer.get("isEnabled") is True,
        cloud_app_security=(
            r.string(
                mcas.get("cloudAppSecurityType"),
                (*path, "cloudAppSecurity", "cloudAppSecurityType"),
            )
            if mcas.get("isEnabled") is True
            else None
        ),
        sign_in_frequency=sif_value,
        sif_authentication_type=r.string(
            sif.get("authenticationType"), (*path, "signInFrequency", "authenticationType")
        ),
        persistent_browser=(
            r.string(pb.get("mode"), (*path, "persistentBrowser", "mode"))
            if pb.get("isEnabled") is True
            else None
        ),
        continuous_access_evaluation=r.string(
            cae.get("mode"), (*path, "continuousAccessEvaluation", "mode")
        ),
        disable_resilience_defaults=r.boolean(
            s.get("disableResilienceDefaults"), (*path, "disableResilienceDefaults")
        ),
        secure_sign_in_session=_enabled(sss) if sss else False,
    )


def _synthetic_id(obj: dict[str, Any], file: str, path: Path) -> str:
    """Templates carry no id (AlexFilipin): derive a stable one from the source location."""
    digest = hashlib.sha1(f"{file}#{json_pointer(path)}".encode()).hexdigest()
    return f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"


def parse_policy(obj: dict[str, Any], file: str, path: Path = ()) -> Policy:
    """Build a :class:`Policy` from one normalised policy object."""
    r = Reader(file, path)
    pid = r.string(obj.get("id"), ("id",)) or _synthetic_id(obj, file, path)
    name = r.string(obj.get("displayName"), ("displayName",)) or pid
    state = r.string(obj.get("state"), ("state",)) or "enabled"
    cond = r.obj(obj.get("conditions"), ("conditions",), optional=False)
    return Policy(
        id=pid,
        display_name=name,
        state=state,
        conditions=_conditions(r, cond, ("conditions",)),
        grant=_grant(r, obj.get("grantControls"), ("grantControls",)),
        session=_session(r, obj.get("sessionControls"), ("sessionControls",)),
        source=file,
        source_path=json_pointer(path),
        raw=obj,
    )
