"""A Conditional Access policy in plain English: who, what, when, then what.

The portal shows a policy as a form of includes and excludes; an admin sharing a finding with a
change board needs sentences. Built from the parsed :class:`~caflow.model.policy.Policy` (the
model the engine evaluates, so the words describe what caflow evaluates), with directory, named
location, agreement and authentication strength ids replaced by their names where the bundle
has them (an id the bundle does not name is shown as the id, never dropped).

Reading order follows the evaluation (reference conditional-access.md §2: assignments, then
conditions, then grant and session controls; every configured condition must match).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from caflow.model.policy import GuestsSpec, Policy
from caflow.model.tenant import Tenant
from caflow.model.wellknown import APPS, role_name

__all__ = ["PolicyText", "explain_policy"]

_STATE = {
    "enabled": "On: enforced at every matching sign-in.",
    "enabledForReportingButNotEnforced": (
        "Report-only: evaluated and logged, never enforced (switching it on is the change to check)."
    ),
    "disabled": "Off: never evaluated.",
}
_BUILT_IN = {
    "block": "block access",
    "mfa": "multifactor authentication",
    "compliantDevice": "a device marked compliant",
    "domainJoinedDevice": "a Microsoft Entra hybrid joined device",
    "approvedApplication": "an approved client app",
    "compliantApplication": "an app protection policy",
    "passwordChange": "a password change",
    "riskRemediation": "risk remediation",
}
_CLIENT_APPS = {
    "browser": "browser",
    "mobileAppsAndDesktopClients": "mobile apps and desktop clients",
    "exchangeActiveSync": "Exchange ActiveSync clients",
    "other": "other (legacy authentication) clients",
    "all": "any client app",
}
_USER_ACTIONS = {
    "urn:user:registersecurityinfo": "register security information",
    "urn:user:registerdevice": "register or join a device",
}
_SPECIAL = {
    "All": "all users",
    "None": "nobody",
    "GuestsOrExternalUsers": "guests and external users",
}


@dataclass(frozen=True)
class PolicyText:
    """One policy, explained: a headline and sentences per part (empty parts left out)."""

    id: str
    display_name: str
    state: str
    headline: str
    parts: list[tuple[str, str]] = field(default_factory=list)  # (part, sentence)


def _join(items: list[str], word: str = "or") -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {word} " + items[-1]


def _names(tenant: Tenant, kind: str, ids: tuple[str, ...]) -> list[str]:
    out = []
    d = tenant.directory
    for i in ids:
        if kind in ("user", "group", "role") and i in _SPECIAL:
            out.append(_SPECIAL[i])
            continue
        name = None
        if kind == "user":
            u = d.user(i)
            name = (u.display_name or u.user_principal_name) if u else None
        elif kind == "group":
            g = d.group(i)
            name = f"group {g.display_name}" if g else None
        elif kind == "role":
            rn = role_name(i)
            name = f"role {rn}" if rn != i else None
        elif kind == "app":
            if i == "All":
                name = "all cloud apps"
            elif i == "Office365":
                name = "Office 365 (the app group)"
            elif i in ("MicrosoftAdminPortals",):
                name = "the Microsoft admin portals"
            else:
                sp = next((s for s in d.service_principals if s.app_id.lower() == i.lower()), None)
                name = APPS.get(i.lower()) or (sp.display_name if sp else None)
        elif kind == "location":
            if i == "All":
                name = "any location"
            elif i == "AllTrusted":
                name = "any trusted location"
            else:
                loc = tenant.named_locations.get(i)
                name = f"named location {loc.display_name}" if loc else None
        out.append(name or f"{kind} {i}")
    return out


def _guests(spec: GuestsSpec | None) -> list[str]:
    if spec is None:
        return []
    kinds = ", ".join(spec.types) or "external users"
    where = "from any tenant" if spec.tenants_kind == "all" else "from " + ", ".join(spec.tenants)
    return [f"external users ({kinds}) {where}"]


def _who(p: Policy, t: Tenant) -> tuple[str, str | None]:
    u = p.conditions.users
    inc = (
        _names(t, "user", u.include_users)
        + _names(t, "group", u.include_groups)
        + _names(t, "role", u.include_roles)
        + _guests(u.include_guests)
    )
    exc = (
        _names(t, "user", u.exclude_users)
        + _names(t, "group", u.exclude_groups)
        + _names(t, "role", u.exclude_roles)
        + _guests(u.exclude_guests)
    )
    ca = p.conditions.client_applications
    if not inc and ca.include_service_principals:
        inc = [f"workload identities ({_join(list(ca.include_service_principals))})"]
    who = "Applies to " + (_join(inc) if inc else "no user (no user is included)") + "."
    return who, ("Except " + _join(exc, "and") + ".") if exc else None


def _what(p: Policy, t: Tenant) -> tuple[str, str | None]:
    a = p.conditions.applications
    if a.include_user_actions:
        actions = [_USER_ACTIONS.get(x.lower(), x) for x in a.include_user_actions]
        return "When they " + _join(actions) + " (user action).", None
    if a.include_auth_contexts:
        return (
            "When they reach a resource tagged with authentication context "
            + _join(list(a.include_auth_contexts))
            + ".",
            None,
        )
    inc = _names(t, "app", a.include_applications)
    if a.application_filter is not None:
        inc.append(
            f"apps matching the filter ({a.application_filter.mode}: {a.application_filter.rule})"
        )
    what = "Signing in to " + (_join(inc) if inc else "no app") + "."
    exc = _names(t, "app", a.exclude_applications)
    return what, ("But not when signing in to " + _join(exc) + ".") if exc else None


def _conditions(p: Policy, t: Tenant) -> list[str]:
    c = p.conditions
    out = []
    if c.include_platforms or c.exclude_platforms:
        s = "On " + _join(list(c.include_platforms) or ["any platform"])
        if c.exclude_platforms:
            s += " except " + _join(list(c.exclude_platforms))
        out.append(s + ".")
    if c.include_locations or c.exclude_locations:
        s = "From " + _join(_names(t, "location", c.include_locations) or ["any location"])
        if c.exclude_locations:
            s += ", except from " + _join(_names(t, "location", c.exclude_locations))
        out.append(s + ".")
    if c.client_app_types and list(c.client_app_types) != ["all"]:
        out.append("Using " + _join([_CLIENT_APPS.get(x, x) for x in c.client_app_types]) + ".")
    for label, levels in (
        ("sign-in risk", c.sign_in_risk_levels),
        ("user risk", c.user_risk_levels),
        ("service principal risk", c.service_principal_risk_levels),
        ("insider risk", c.insider_risk_levels),
    ):
        if levels:
            out.append(f"When the {label} is {_join(list(levels))}.")
    if c.transfer_methods:
        out.append("When the authentication flow is " + _join(list(c.transfer_methods)) + ".")
    if c.device_filter is not None:
        verb = "matches" if c.device_filter.mode == "include" else "does not match"
        out.append(f"When the device {verb} the filter {c.device_filter.rule}.")
    for name, _ in c.unsupported:
        out.append(f"A condition caflow does not evaluate: {name} (the policy is undetermined).")
    return out


def _grant(p: Policy, t: Tenant) -> str | None:
    g = p.grant
    if g is None or g.is_empty:
        return None
    if "block" in g.built_in:
        return "Then: block access."
    needs = [_BUILT_IN.get(x, x) for x in g.built_in]
    if g.authentication_strength is not None:
        s = g.authentication_strength
        needs.append(f"authentication strength {s.display_name or s.id}")
    for tou in g.terms_of_use:
        a = t.agreements.get(tou)
        needs.append(f"accepting the terms of use {a.display_name if a else tou}")
    needs += [f"custom control {x}" for x in g.custom_factors]
    word = "and" if g.operator.upper() == "AND" else "or"
    lead = "all of" if word == "and" and len(needs) > 1 else "one of" if len(needs) > 1 else ""
    return "Then: require " + (lead + " " if lead else "") + _join(needs, word) + "."


def _session(p: Policy) -> str | None:
    s = p.session
    if s is None or s.is_empty:
        return None
    out = []
    if s.sign_in_frequency is not None:
        interval, value, unit = s.sign_in_frequency
        out.append(
            "sign in again every " + f"{value} {unit}" if value else f"sign-in frequency {interval}"
        )
    if s.persistent_browser:
        out.append(f"persistent browser session {s.persistent_browser}")
    if s.application_enforced_restrictions:
        out.append("app enforced restrictions")
    if s.cloud_app_security:
        out.append(f"Defender for Cloud Apps ({s.cloud_app_security})")
    if s.continuous_access_evaluation:
        out.append(f"continuous access evaluation {s.continuous_access_evaluation}")
    if s.disable_resilience_defaults:
        out.append("resilience defaults disabled")
    if s.secure_sign_in_session:
        out.append("token protection")
    return "Session: " + _join(out, "and") + "." if out else None


def explain_policy(policy: Policy, tenant: Tenant) -> PolicyText:
    """The policy in sentences, in evaluation order."""
    who, who_not = _who(policy, tenant)
    what, what_not = _what(policy, tenant)
    then = _grant(policy, tenant)
    parts: list[tuple[str, str | None]] = [
        ("state", _STATE.get(policy.state, policy.state)),
        ("users", who),
        ("excluded", who_not),
        ("target", what),
        ("excluded targets", what_not),
        *(("condition", s) for s in _conditions(policy, tenant)),
        ("grant", then),
        ("session", _session(policy)),
    ]
    headline = " ".join(x for x in (who, what, then or _session(policy) or "") if x)
    return PolicyText(
        id=policy.id,
        display_name=policy.display_name,
        state=policy.state,
        headline=headline,
        parts=[(k, v) for k, v in parts if v],
    )
