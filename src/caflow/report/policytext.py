"""A Conditional Access policy in plain English: who, what, when, then what.

The portal shows a policy as a form of includes and excludes; an admin sharing a finding with a
change board needs sentences. Built from the parsed :class:`~caflow.model.policy.Policy` (the
model the engine evaluates, so the words describe what caflow evaluates), with directory, named
location, agreement and authentication strength ids replaced by their names where the bundle
has them (an id the bundle does not name is shown as the id, never dropped).

Reading order follows the evaluation (docs/sources.md CA-2: assignments, then
conditions, then grant and session controls; every configured condition must match). The
one-line ``headline`` names every assignment and condition that narrows the policy - a policy
that blocks only legacy-authentication clients must not read as "block all" - with long lists
counted by kind (a policy naming 100 roles says "100 roles") and exclusions always counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from caflow.model.policy import GuestsSpec, Policy
from caflow.model.tenant import Tenant
from caflow.model.wellknown import APPS, BUILTIN_STRENGTHS, role_name

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
    "browser": "a browser",
    "mobileappsanddesktopclients": "mobile apps and desktop clients",
    "exchangeactivesync": "Exchange ActiveSync clients",
    "other": "other (legacy authentication) clients",
    "all": "any client app",
}
#: Platform tokens (docs/sources.md CA-1.5 devicePlatform) in the portal's words.
_PLATFORMS = {
    "android": "Android",
    "ios": "iOS",
    "windows": "Windows",
    "windowsphone": "Windows Phone",
    "macos": "macOS",
    "linux": "Linux",
    "all": "any platform",
    "unknownfuturevalue": "platforms Microsoft adds later",
}
_TRANSFER = {
    "devicecodeflow": "device code flow",
    "authenticationtransfer": "authentication transfer",
}
#: A brief list longer than this is counted by kind instead of listed.
_BRIEF_MAX = 3
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
    """One policy, explained: a one-line headline naming every narrowing assignment and
    condition, and full sentences per part (empty parts left out)."""

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
            elif i == "None":
                name = "no app"
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


#: One assignment list, grouped by kind for counting: (singular kind, names). Kind "" holds the
#: special values ("all users", "any trusted location"), which are named, never counted.
_Groups = list[tuple[str, list[str]]]


#: Ids that name a set rather than one object (docs/sources.md CA-1.3, CA-1.6): named, never counted.
_SPECIAL_IDS = {
    "user": tuple(_SPECIAL),
    "group": tuple(_SPECIAL),
    "role": tuple(_SPECIAL),
    "app": ("All", "None", "Office365", "MicrosoftAdminPortals"),
    "location": ("All", "AllTrusted"),
}
_KIND_WORD = {"location": "named location"}


def _grouped(t: Tenant, pairs: list[tuple[str, tuple[str, ...]]]) -> _Groups:
    special: list[str] = []
    out: _Groups = []
    for kind, ids in pairs:
        named = [i for i in ids if i not in _SPECIAL_IDS.get(kind, ())]
        special += _names(t, kind, tuple(i for i in ids if i not in named))
        out.append((_KIND_WORD.get(kind, kind), _names(t, kind, tuple(named))))
    return [("", special), *out]


def _full(groups: _Groups) -> list[str]:
    return [n for _, names in groups for n in names]


def _count(n: int, kind: str) -> str:
    return f"{n} {kind}" if n == 1 else f"{n} {kind}s"


def _brief(groups: _Groups, word: str = "or") -> str:
    """Names when there are few, else counted by kind ("1 group or 111 roles") so a headline
    stays one line and still says how much the list narrows."""
    names = _full(groups)
    if len(names) <= _BRIEF_MAX:
        return _join(names, word)
    return _join(
        [n for kind, ns in groups if not kind for n in ns]
        + [_count(len(ns), kind) for kind, ns in groups if kind and ns],
        word,
    )


@dataclass(frozen=True)
class _Part:
    """A sentence for the parts list and the phrase the headline uses for the same thing."""

    sentence: str
    brief: str


def _who(p: Policy, t: Tenant) -> tuple[_Part, _Part | None]:
    u = p.conditions.users
    ca = p.conditions.client_applications
    inc = _grouped(
        t,
        [("user", u.include_users), ("group", u.include_groups), ("role", u.include_roles)],
    )
    inc.append(("", _guests(u.include_guests)))
    exc = _grouped(
        t,
        [
            ("user", u.exclude_users),
            ("group", u.exclude_groups),
            ("role", u.exclude_roles),
            ("service principal", ca.exclude_service_principals),
        ],
    )
    exc.append(("", _guests(u.exclude_guests)))
    if not _full(inc) and ca.include_service_principals:
        inc = [("", [f"workload identities ({_join(list(ca.include_service_principals))})"])]
    if _full(inc):
        who = _Part(f"Applies to {_join(_full(inc))}.", f"Applies to {_brief(inc)}")
    else:
        who = _Part("Applies to no user (no user is included).", "Applies to no user")
    if not _full(exc):
        return who, None
    return who, _Part(f"Except {_join(_full(exc), 'and')}.", f"except {_brief(exc, 'and')}")


def _what(p: Policy, t: Tenant) -> tuple[_Part, _Part | None]:
    a = p.conditions.applications
    if a.include_user_actions:
        actions = _join([_USER_ACTIONS.get(x.lower(), x) for x in a.include_user_actions])
        return _Part(f"When they {actions} (user action).", f"when they {actions}"), None
    if a.include_auth_contexts:
        ctx = f"authentication context {_join(list(a.include_auth_contexts))}"
        return _Part(
            f"When they reach a resource tagged with {ctx}.", f"when they reach {ctx}"
        ), None
    inc = _grouped(t, [("app", a.include_applications)])
    if a.application_filter is not None:
        f = a.application_filter
        inc.append(("", [f"apps matching the filter ({f.mode}: {f.rule})"]))
    names = _full(inc)
    what = _Part(
        "Signing in to " + (_join(names) if names else "no app") + ".",
        "signing in to " + (_brief(inc) if names else "no app"),
    )
    exc = _grouped(t, [("app", a.exclude_applications)])
    if not _full(exc):
        return what, None
    return what, _Part(f"But not when signing in to {_join(_full(exc))}.", f"except {_brief(exc)}")


def _platforms(tokens: tuple[str, ...]) -> list[str]:
    return [_PLATFORMS.get(x.lower(), x) for x in tokens]


def _conditions(p: Policy, t: Tenant) -> list[_Part]:
    """Every configured condition (all must match, docs/sources.md CA-2), as sentence and phrase."""
    c = p.conditions
    out: list[_Part] = []
    if c.include_platforms or c.exclude_platforms:
        s = "on " + _join(_platforms(c.include_platforms) or ["any platform"])
        if c.exclude_platforms:
            s += " except " + _join(_platforms(c.exclude_platforms))
        out.append(_Part(s[0].upper() + s[1:] + ".", s))
    if c.include_locations or c.exclude_locations:
        inc = _grouped(t, [("location", c.include_locations)])
        exc = _grouped(t, [("location", c.exclude_locations)])
        s, b = (
            "from " + _join(_full(inc) or ["any location"]),
            "from " + (_brief(inc) if _full(inc) else "any location"),
        )
        if c.exclude_locations:
            s += ", except from " + _join(_full(exc))
            b += " except from " + _brief(exc)
        out.append(_Part(s[0].upper() + s[1:] + ".", b))
    if c.client_app_types and [x.lower() for x in c.client_app_types] != ["all"]:
        s = "using " + _join([_CLIENT_APPS.get(x.lower(), x) for x in c.client_app_types])
        out.append(_Part(s[0].upper() + s[1:] + ".", s))
    for label, levels in (
        ("sign-in risk", c.sign_in_risk_levels),
        ("user risk", c.user_risk_levels),
        ("service principal risk", c.service_principal_risk_levels),
        ("insider risk", c.insider_risk_levels),
    ):
        if levels:
            s = f"when the {label} is {_join(list(levels))}"
            out.append(_Part(f"W{s[1:]}.", s))
    if c.transfer_methods:
        s = "when the authentication flow is " + _join(
            [_TRANSFER.get(x.lower(), x) for x in c.transfer_methods]
        )
        out.append(_Part(f"W{s[1:]}.", s))
    if c.device_filter is not None:
        verb = "matches" if c.device_filter.mode == "include" else "does not match"
        s = f"when the device {verb} the filter {c.device_filter.rule}"
        out.append(_Part(f"W{s[1:]}.", s))
    for name, _ in c.unsupported:
        out.append(
            _Part(
                f"A condition caflow does not evaluate: {name} (the policy is undetermined).",
                f"if {name} matches (a condition caflow does not evaluate: undetermined)",
            )
        )
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
        name = s.display_name or (BUILTIN_STRENGTHS.get(s.id) or (s.id,))[0]
        needs.append(f"authentication strength {name}")
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
    """The policy in sentences, in evaluation order, and a one-line headline naming every
    assignment and condition that narrows it (docs/sources.md CA-2: all configured conditions must
    match, so leaving one out would overstate the policy's reach)."""
    who, who_not = _who(policy, tenant)
    what, what_not = _what(policy, tenant)
    conditions = _conditions(policy, tenant)
    then = _grant(policy, tenant)
    session = _session(policy)
    parts: list[tuple[str, str | None]] = [
        ("state", _STATE.get(policy.state, policy.state)),
        ("users", who.sentence),
        ("excluded", who_not.sentence if who_not else None),
        ("target", what.sentence),
        ("excluded targets", what_not.sentence if what_not else None),
        *(("condition", c.sentence) for c in conditions),
        ("grant", then),
        ("session", session),
    ]
    scope = who.brief + (f", {who_not.brief}" if who_not else "") + f"; {what.brief}"
    scope += f", {what_not.brief}" if what_not else ""
    if conditions:
        scope += "; only " + _join([c.brief for c in conditions], "and")
    effect = " ".join(x for x in (then, session) if x) or "No grant or session control."
    return PolicyText(
        id=policy.id,
        display_name=policy.display_name,
        state=policy.state,
        headline=f"{scope}. {effect}",
        parts=[(k, v) for k, v in parts if v],
    )
