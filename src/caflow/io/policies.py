"""Graph (v1.0/beta) and PowerShell policy objects -> :class:`caflow.model.Policy`.

Keys are normalised first (``caflow.io.normalize``). "Present but all-null" objects
(ScubaGear's older SDK exports) read as "not configured" (data/SOURCES.md). Conditions caflow
cannot evaluate are recorded in ``Conditions.unsupported`` so the engine reports the policy as
``notEnoughInformation`` instead of silently ignoring them (docs/assumptions.md).
"""

from __future__ import annotations

import hashlib
from typing import Any

from caflow.errors import (
    LoadWarning,
    SchemaError,
    did_you_mean,
    did_you_mean_hint,
    enum_token,
    json_pointer,
    shown_key,
)
from caflow.io.fields import Reader
from caflow.io.truncation import is_joined_enum, truncated_error
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

__all__ = [
    "POLICY_KEYS",
    "POLICY_VALUES",
    "UNDECLARED_KEYS",
    "UNDECLARED_VALUES",
    "UNREAD_FIELD",
    "check_written_policy",
    "is_policy_like",
    "not_a_policy_error",
    "parse_policy",
    "parse_strength",
    "shape_typo",
    "unread_fields",
    "unread_warnings",
]

Path = tuple[str | int, ...]

_MAX_SIF = 1_000_000  # hours or days; far beyond any portal setting, well inside timedelta

#: Condition keys caflow evaluates; any other configured condition makes the policy
#: undetermined (``Conditions.unsupported``).
_KNOWN_CONDITION_KEYS = frozenset(
    {
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
    }
)

#: Closed value sets of policy fields (docs/sources.md CA-1.3 to CA-1.9; matched
#: case-insensitively).
#: A value outside its set makes the policy undetermined, naming the value: it is never read
#: as another value (a misspelt platform must not make a block policy skip the sign-in).
#: ``unknownFutureValue`` is Graph's own sentinel and stays accepted.
POLICY_VALUES: dict[str, tuple[str, ...]] = {
    "state": ("enabled", "disabled", "enabledForReportingButNotEnforced"),
    # easUnsupported / modern: deprecated spellings Graph still returns (CA-1.2).
    "clientAppType": (
        "all",
        "browser",
        "mobileAppsAndDesktopClients",
        "exchangeActiveSync",
        "easSupported",
        "other",
        "easUnsupported",
        "modern",
    ),
    "guestOrExternalUserType": (
        "none",
        "internalGuest",
        "b2bCollaborationGuest",
        "b2bCollaborationMember",
        "b2bDirectConnectUser",
        "otherExternalUser",
        "serviceProvider",
    ),
    "transferMethod": ("none", "deviceCodeFlow", "authenticationTransfer"),
    "userAction": ("urn:user:registersecurityinfo", "urn:user:registerdevice"),
    # riskRemediation: beta (CA-1.8).
    "builtInControl": (
        "block",
        "mfa",
        "compliantDevice",
        "domainJoinedDevice",
        "approvedApplication",
        "compliantApplication",
        "passwordChange",
        "riskRemediation",
    ),
    "platform": ("android", "iOS", "windows", "windowsPhone", "macOS", "linux", "all"),
    "riskLevel": ("low", "medium", "high", "hidden", "none"),
    # conditionalAccessInsiderRiskLevels: no "none" (that is the sign-in's insiderRiskLevel)
    "insiderRiskLevel": ("minor", "moderate", "elevated"),
    "filterMode": ("include", "exclude"),
    "membershipKind": ("all", "enumerated"),
    "operator": ("AND", "OR"),
    "signInFrequencyType": ("hours", "days"),
    "frequencyInterval": ("timeBased", "everyTime"),
    "authenticationType": ("primaryAndSecondaryAuthentication", "secondaryAuthentication"),
    "persistentBrowserMode": ("always", "never"),
    "cloudAppSecurityType": ("mcasConfigured", "monitorOnly", "blockDownloads"),
    "caeMode": ("strictEnforcement", "disabled", "strictLocation"),
    "countryLookupMethod": ("clientIpAddress", "authenticatorAppGps"),
}
#: Values caflow accepts that Graph's published enums no longer list: deprecated spellings the
#: conditionalAccessConditionSet reference still names and older exports carry (CA-1.2).
UNDECLARED_VALUES: dict[str, tuple[str, ...]] = {"clientAppType": ("easUnsupported", "modern")}
_ENUMS: dict[str, frozenset[str]] = {
    name: frozenset(v.lower() for v in values) | {"unknownfuturevalue"}
    for name, values in POLICY_VALUES.items()
}


class _Unknown(list[tuple[str, str]]):
    """(value, JSON pointer) of every policy value outside its closed set; ``kinds`` holds
    the name of each one's set."""

    def __init__(self, reader: Reader) -> None:
        super().__init__()
        self.kinds: list[str] = []
        self.reader = reader
        #: JSON pointers of fields a configured control needs and the policy lacks.
        self.missing: list[str] = []

    def add(self, kind: str, value: str, where: Path) -> None:
        self.append((value, json_pointer(where)))
        self.kinds.append(kind)

    def check(
        self, kind: str, values: tuple[str, ...] | str | None, path: Path, *, flags: bool = False
    ) -> None:
        """``flags``: Graph flag enums are one comma-joined string (or a list of them), so the
        pointer names the field, not an item index that may not exist in the file."""
        if values is None:
            return
        items = (values,) if isinstance(values, str) else values
        for i, value in enumerate(items):
            if value.strip().lower() not in _ENUMS[kind]:
                if is_joined_enum(value, _ENUMS[kind]):
                    # "android iOS": ConvertTo-Json past -Depth joined a list of values with
                    # spaces (like id lists, caflow.io.truncation): the fix, not "unknown value".
                    # The file holds one string there, so the pointer names the field.
                    raise truncated_error(
                        self.reader.file, self.reader.base + path, value, words=True
                    )
                self.add(kind, value, path if isinstance(values, str) or flags else (*path, i))


#: Keys of every object in a policy file, by JSON path from the policy object. They are Graph's
#: published metadata for the object's type, v1.0 and beta together (microsoftgraph/
#: msgraph-metadata: conditionalAccessPolicy, conditionalAccessConditionSet, ...; extracted by
#: scripts/graph_keys.py, compared by tests/io/test_graph_keys.py), plus the
#: :data:`UNDECLARED_KEYS` Graph returns without declaring them. A policy the user wrote is
#: checked against them (``includeUser`` is a typo, exit 2); a key Graph really returns never
#: is. Objects caflow does not read into (``applications.globalSecureAccess``, ``agents``, ...)
#: are not checked inside: configured, they make the policy undetermined.
POLICY_KEYS: dict[Path, frozenset[str]] = {
    # conditionalAccessPolicy, and whatIfAnalysisResult (What If results: the policy + these)
    (): frozenset(
        {
            "id",
            "displayName",
            "state",
            "conditions",
            "grantControls",
            "sessionControls",
            "description",
            "createdDateTime",
            "modifiedDateTime",
            "deletedDateTime",
            "templateId",
            "policyApplies",
            "analysisReasons",
        }
    ),
    ("conditions",): frozenset(
        {
            *_KNOWN_CONDITION_KEYS,
            # Graph beta conditions caflow does not evaluate (undetermined when configured)
            "deviceStates",
            "agentIdRiskLevels",
        }
    ),
    ("conditions", "users"): frozenset(
        {
            "includeUsers",
            "excludeUsers",
            "includeGroups",
            "excludeGroups",
            "includeRoles",
            "excludeRoles",
            "includeGuestsOrExternalUsers",
            "excludeGuestsOrExternalUsers",
        }
    ),
    ("conditions", "applications"): frozenset(
        {
            "includeApplications",
            "excludeApplications",
            "includeUserActions",
            "includeAuthenticationContextClassReferences",
            "applicationFilter",
            "globalSecureAccess",
            "networkAccess",
        }
    ),
    ("conditions", "applications", "applicationFilter"): frozenset({"mode", "rule"}),
    ("conditions", "clientApplications"): frozenset(
        {
            "includeServicePrincipals",
            "excludeServicePrincipals",
            "servicePrincipalFilter",
            "includeAgentIdServicePrincipals",
            "excludeAgentIdServicePrincipals",
            "agentIdServicePrincipalFilter",
        }
    ),
    ("conditions", "clientApplications", "servicePrincipalFilter"): frozenset({"mode", "rule"}),
    ("conditions", "platforms"): frozenset({"includePlatforms", "excludePlatforms"}),
    ("conditions", "locations"): frozenset({"includeLocations", "excludeLocations"}),
    ("conditions", "devices"): frozenset(
        {
            "deviceFilter",
            "includeDevices",
            "excludeDevices",
            "includeDeviceStates",
            "excludeDeviceStates",
        }
    ),
    ("conditions", "devices", "deviceFilter"): frozenset({"mode", "rule"}),
    ("conditions", "deviceStates"): frozenset({"includeStates", "excludeStates"}),
    ("conditions", "authenticationFlows"): frozenset({"transferMethods"}),
    ("grantControls",): frozenset(
        {
            "operator",
            "builtInControls",
            "customAuthenticationFactors",
            "termsOfUse",
            "authenticationStrength",
        }
    ),
    # authenticationStrengthPolicy (navigation property; exports carry it expanded)
    ("grantControls", "authenticationStrength"): frozenset(
        {
            "id",
            "displayName",
            "description",
            "allowedCombinations",
            "combinationConfigurations",
            "createdDateTime",
            "modifiedDateTime",
            "policyType",
            "requirementsSatisfied",
        }
    ),
    ("sessionControls",): frozenset(
        {
            "applicationEnforcedRestrictions",
            "cloudAppSecurity",
            "signInFrequency",
            "persistentBrowser",
            "continuousAccessEvaluation",
            "disableResilienceDefaults",
            "secureSignInSession",
            "globalSecureAccessFilteringProfile",
        }
    ),
    ("sessionControls", "applicationEnforcedRestrictions"): frozenset({"isEnabled"}),
    ("sessionControls", "cloudAppSecurity"): frozenset({"isEnabled", "cloudAppSecurityType"}),
    ("sessionControls", "signInFrequency"): frozenset(
        {"isEnabled", "value", "type", "frequencyInterval", "authenticationType"}
    ),
    ("sessionControls", "persistentBrowser"): frozenset({"isEnabled", "mode"}),
    ("sessionControls", "continuousAccessEvaluation"): frozenset({"mode"}),
    ("sessionControls", "secureSignInSession"): frozenset({"isEnabled"}),
    ("sessionControls", "globalSecureAccessFilteringProfile"): frozenset(
        {"isEnabled", "profileId"}
    ),
}
_GUESTS = ("includeGuestsOrExternalUsers", "excludeGuestsOrExternalUsers")
POLICY_KEYS.update(
    {
        ("conditions", "users", g): frozenset({"guestOrExternalUserTypes", "externalTenants"})
        for g in _GUESTS
    }
)
# conditionalAccessExternalTenants and its two derived types (all / enumerated)
POLICY_KEYS.update(
    {
        ("conditions", "users", g, "externalTenants"): frozenset({"membershipKind", "members"})
        for g in _GUESTS
    }
)

#: Keys Graph returns in policy objects although its published metadata does not declare them
#: (older or newer beta properties), each seen in a real export or a documented Graph response:
#: accepted like declared keys, so a policy copied from such an export loads. Conditions among
#: them are not evaluated (undetermined when configured); session controls are listed in a note.
UNDECLARED_KEYS: dict[Path, frozenset[str]] = {
    # beta exports (IntuneManagement, 2026) and What If (evaluate) responses
    (): frozenset({"partialEnablementStrategy"}),
    # agents/agentContext: beta exports (2026); times/clients: beta What If responses;
    # signInRiskDetections: v1.0 conditionalAccessTemplate list response
    ("conditions",): frozenset(
        {"agents", "agentContext", "times", "clients", "signInRiskDetections"}
    ),
    # beta create-policy response (Graph docs, 2021)
    ("conditions", "applications"): frozenset({"includeProtectionLevels"}),
    # blockSensitiveActions: beta export (2026); networkAccessSecurity: beta exports and What If
    # responses (Global Secure Access, before globalSecureAccessFilteringProfile)
    ("sessionControls",): frozenset({"blockSensitiveActions", "networkAccessSecurity"}),
}
POLICY_KEYS.update({at: POLICY_KEYS[at] | keys for at, keys in UNDECLARED_KEYS.items()})

#: Graph PowerShell SDK objects (``Get-MgIdentityConditionalAccessPolicy | ConvertTo-Json``)
#: carry ``AdditionalProperties`` on every object; a non-empty one is lifted into its object
#: (io/normalize.py), an empty one is nothing.
_SDK_BAG = "additionalProperties"

#: Keys of the objects above that caflow reads; every other configured key of a condition
#: section makes the policy undetermined (it may narrow or widen who the policy covers).
_READ_KEYS: dict[str, frozenset[str]] = {
    "users": POLICY_KEYS[("conditions", "users")],
    "applications": frozenset(
        {
            "includeApplications",
            "excludeApplications",
            "includeUserActions",
            "includeAuthenticationContextClassReferences",
            "applicationFilter",
        }
    ),
    "clientApplications": frozenset(
        {"includeServicePrincipals", "excludeServicePrincipals", "servicePrincipalFilter"}
    ),
    "platforms": POLICY_KEYS[("conditions", "platforms")],
    "locations": POLICY_KEYS[("conditions", "locations")],
    "devices": frozenset({"deviceFilter"}),
    "authenticationFlows": POLICY_KEYS[("conditions", "authenticationFlows")],
}
_POLICY_FIELDS = POLICY_KEYS[()]
_GRANT_FIELDS = POLICY_KEYS[("grantControls",)]
#: Session controls caflow reads (:func:`_session`); the others, Graph's included
#: (``globalSecureAccessFilteringProfile``), are listed once in a load note when configured.
_READ_SESSION_FIELDS = frozenset(
    {
        "applicationEnforcedRestrictions",
        "cloudAppSecurity",
        "signInFrequency",
        "persistentBrowser",
        "continuousAccessEvaluation",
        "disableResilienceDefaults",
        "secureSignInSession",
    }
)


def _pointers(obj: Any, prefix: str = "") -> set[str]:
    """JSON pointers of every value inside ``obj``."""
    out = {prefix} if prefix else set()
    if isinstance(obj, dict):
        for k, v in obj.items():
            out |= _pointers(v, f"{prefix}/{k}")
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            out |= _pointers(v, f"{prefix}/{i}")
    return out


def _annotation(key: str) -> bool:
    """OData annotations (``@odata.type``, ``x@odata.context``) and action links (``#...``)."""
    return key.startswith(("@", "#")) or "@" in key


def check_written_policy(policy: Policy, written: dict[str, Any] | None = None) -> None:
    """A policy the user wrote (a scenario's inline policy or policy file, a ``check`` /
    ``replay --proposed`` file; called by :func:`caflow.io.bundle.bind_written_policy`) is read strictly: an unknown key or an
    unknown value is exit 2 with a did-you-mean, not a note or an undetermined policy.
    ``written``: only these (normalised) fields were written by the user (``updatePolicy``'s
    ``set`` merged into an exported policy); the rest keeps the exported-file treatment."""
    raw = policy.raw if written is None else written
    base = policy.source_path.rstrip("/")
    mine = {base + pointer for pointer in _pointers(raw)}
    for at, known in POLICY_KEYS.items():
        section: Any = raw
        for key in at:
            section = section.get(key) if isinstance(section, dict) else None
        if not isinstance(section, dict):
            continue
        where = "".join(f"/{k}" for k in at)
        for key in section:
            if key in known or key == _SDK_BAG or _annotation(str(key)):
                continue
            raise SchemaError(
                f"unknown key {shown_key(str(key))}",
                file=policy.source,
                path=f"{base}{where}/{key}",
                hint=did_you_mean_hint(str(key), sorted(known)),
                code="unknown-key",
            )
    for pointer in policy.missing:
        if pointer.rsplit("/", 1)[0] in mine:
            raise SchemaError(
                "missing field",
                file=policy.source,
                path=pointer,
                expected="'days' or 'hours' (the unit of signInFrequency's value)",
                code="missing-field",
            )
    kinds = policy.unknown_kinds or ("",) * len(policy.unknown_values)
    for (value, pointer), kind in zip(policy.unknown_values, kinds, strict=True):
        if pointer not in mine and pointer.rsplit("/", 1)[0] not in mine:
            continue  # not written by the user (an exported policy's own value)
        members = POLICY_VALUES.get(kind, ())
        suggestion = did_you_mean(value.strip(), members)
        raise SchemaError(
            f"unknown value {enum_token(value)}",
            file=policy.source,
            path=pointer,
            expected=("one of " + ", ".join(members)) if members else None,
            hint=f"did you mean '{suggestion}'?"
            if suggestion
            else "see the Graph conditionalAccessPolicy values in docs/bundle-format.md",
            code="invalid-value",
        )


def unread_fields(obj: dict[str, Any]) -> list[str]:
    """Configured policy and session-control fields caflow does not read (Graph adds fields
    over time): kept in ``raw`` as written and listed once in a note. Unknown *conditions* and
    *grant* fields are not only noted: they make the policy undetermined."""
    out = [
        k
        for k, v in obj.items()
        if k not in _POLICY_FIELDS and not _annotation(k) and not _is_empty(v)
    ]
    session = obj.get("sessionControls")
    if isinstance(session, dict):
        out += [
            f"sessionControls.{k}"
            for k, v in session.items()
            if k not in _READ_SESSION_FIELDS and not _annotation(k) and not _is_empty(v)
        ]
        # Inside a control caflow reads, a key Graph does not define (``"typ": "days"``) is
        # not read either: listed too, never dropped silently (review of issue 9, N3).
        for k in sorted(_READ_SESSION_FIELDS & session.keys()):
            control = session[k]
            known = POLICY_KEYS.get(("sessionControls", k))
            if not isinstance(control, dict) or known is None:
                continue
            out += [
                f"sessionControls.{k}.{kk}"
                for kk, v in control.items()
                if kk not in known and kk != _SDK_BAG and not _annotation(kk) and not _is_empty(v)
            ]
        if _sif_without_type(session.get("signInFrequency")):
            out.append(f"sessionControls.signInFrequency.type {_MISSING}")
    return out


#: How :func:`unread_fields` names a field that is missing (not misspelt, just absent).
_MISSING = "(missing)"


def _sif_without_type(sif: Any) -> bool:
    """An enabled time-based sign-in frequency with a value but no ``type``: Graph's
    signInFrequencySessionControl needs ``type`` (``days`` | ``hours``) to say what ``value``
    counts (learn.microsoft.com/graph/api/resources/signinfrequencysessioncontrol); caflow
    never guesses the unit."""
    if not isinstance(sif, dict) or sif.get("isEnabled") is not True:
        return False
    interval = sif.get("frequencyInterval")
    timed = interval is None or (isinstance(interval, str) and interval.lower() == "timebased")
    return timed and sif.get("value") is not None and sif.get("type") in (None, "")


def unread_warnings(obj: dict[str, Any], file: str, base: str) -> tuple[LoadWarning, ...]:
    """:func:`unread_fields` as ``unread-field`` load warnings on the policy, one per field
    (``caflow.io.bundle.load_warnings`` says them once, counted, on every verb)."""
    out = []
    for name in unread_fields(obj):
        dotted = name.removesuffix(" " + _MISSING)
        pointer = base + "".join(f"/{part}" for part in dotted.split("."))
        out.append(LoadWarning(file, pointer, f"{UNREAD_FIELD}: {name}", code="unread-field"))
    return tuple(out)


#: The message prefix of an ``unread-field`` warning (the field follows after ": ").
UNREAD_FIELD = "policy field caflow does not evaluate"


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


def shape_typo(obj: Any) -> tuple[Path, str, str] | None:
    """(JSON path of the key as written, the key, the key meant) when a misspelt key is why
    ``obj`` is not :func:`is_policy_like`: ``conditons`` holding ``users``, or ``usres`` inside
    ``conditions`` (review of issue 9, L12: the error named ``/conditions``, a key the user did
    not write, without a did-you-mean). Only a key holding an object counts."""
    if not isinstance(obj, dict) or is_policy_like(obj):
        return None
    cond = obj.get("conditions")
    if cond is None:
        for key, value in obj.items():
            if (
                isinstance(key, str)
                and key not in POLICY_KEYS[()]
                and isinstance(value, dict)
                and ("users" in value or "applications" in value)
                and did_you_mean(key, ("conditions",))
            ):
                return (key,), key, "conditions"
    elif isinstance(cond, dict):
        known = POLICY_KEYS[("conditions",)]
        for key, value in cond.items():
            if key in known:
                continue  # "locations" is no misspelt "applications"
            meant = did_you_mean(str(key), ("users", "applications"))
            if meant and isinstance(value, dict):
                return ("conditions", str(key)), str(key), meant
    return None


def not_a_policy_error(obj: dict[str, Any], file: str, path: Path) -> SchemaError:
    """The bad-input error for an object read as a policy that has no ``conditions.users`` /
    ``applications``: the misspelt key the file writes, with a did-you-mean, when there is one."""
    typo = shape_typo(obj)
    if typo is not None:
        where, key, meant = typo
        return SchemaError(
            f"unknown key {shown_key(key)}",
            file=file,
            path=(*path, *where),
            expected="a conditionalAccessPolicy key",
            hint=did_you_mean_hint(key, (meant,)),
            code="unknown-key",
        )
    return SchemaError(
        "missing field",
        file=file,
        path=(*path, "conditions"),
        expected="a conditionalAccessPolicy with conditions.users or conditions.applications",
        got=obj,
        code="missing-field",
    )


def _guests(r: Reader, value: Any, path: Path, unknown: _Unknown) -> GuestsSpec | None:
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
    unknown.check("membershipKind", kind, (*path, "externalTenants", "membershipKind"))
    unknown.check("guestOrExternalUserType", types, (*path, "guestOrExternalUserTypes"), flags=True)
    return GuestsSpec(types=types, tenants_kind=kind, tenants=members)


def _filter(r: Reader, value: Any, path: Path, unknown: _Unknown) -> FilterSpec | None:
    if _is_empty(value):
        return None
    obj = r.obj(value, path)
    rule = r.string(obj.get("rule"), (*path, "rule"))
    mode = r.string(obj.get("mode"), (*path, "mode")) or "include"
    if rule is None or not rule.strip():
        return None
    unknown.check("filterMode", mode, (*path, "mode"))
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


def _conditions(r: Reader, cond: dict[str, Any], path: Path, unknown: _Unknown) -> Conditions:
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
            r,
            users.get("includeGuestsOrExternalUsers"),
            (*up, "includeGuestsOrExternalUsers"),
            unknown,
        ),
        exclude_guests=_guests(
            r,
            users.get("excludeGuestsOrExternalUsers"),
            (*up, "excludeGuestsOrExternalUsers"),
            unknown,
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
        application_filter=_filter(
            r, apps.get("applicationFilter"), (*ap, "applicationFilter"), unknown
        ),
    )
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
    platforms = r.obj(cond.get("platforms"), (*path, "platforms"))
    locations = r.obj(cond.get("locations"), (*path, "locations"))
    devices = r.obj(cond.get("devices"), (*path, "devices"))
    flows = r.obj(cond.get("authenticationFlows"), (*path, "authenticationFlows"))

    unsupported: list[tuple[str, str]] = []
    for key, value in cond.items():
        if _annotation(key) or key in _KNOWN_CONDITION_KEYS:
            continue
        if not _is_empty(value):
            # e.g. agents, agentContext, agentIdRiskLevels, times, deviceStates (legacy)
            unsupported.append((key, json_pointer((*path, key))))
    sections = {
        "applications": apps,
        "clientApplications": clients,
        "devices": devices,
        "users": users,
        "platforms": platforms,
        "locations": locations,
        "authenticationFlows": flows,
    }
    for name, section in sections.items():
        for key, value in section.items():
            # A configured key caflow does not read (Global Secure Access traffic profiles,
            # agent identities, device states, a key Graph adds later) may narrow or widen
            # what the policy covers: the policy is undetermined, never read without it.
            if key not in _READ_KEYS[name] and not _annotation(key) and not _is_empty(value):
                unsupported.append((f"{name}.{key}", json_pointer((*path, name, key))))

    conditions = Conditions(
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
        device_filter=_filter(
            r, devices.get("deviceFilter"), (*path, "devices", "deviceFilter"), unknown
        ),
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
    k = conditions
    unknown.check("platform", k.include_platforms, (*path, "platforms", "includePlatforms"))
    unknown.check("platform", k.exclude_platforms, (*path, "platforms", "excludePlatforms"))
    unknown.check("riskLevel", k.sign_in_risk_levels, (*path, "signInRiskLevels"))
    unknown.check("riskLevel", k.user_risk_levels, (*path, "userRiskLevels"))
    unknown.check(
        "riskLevel", k.service_principal_risk_levels, (*path, "servicePrincipalRiskLevels")
    )
    unknown.check(
        "insiderRiskLevel", k.insider_risk_levels, (*path, "insiderRiskLevels"), flags=True
    )
    unknown.check("clientAppType", k.client_app_types, (*path, "clientAppTypes"), flags=True)
    unknown.check(
        "userAction",
        k.applications.include_user_actions,
        (*path, "applications", "includeUserActions"),
    )
    unknown.check(
        "transferMethod",
        r.strings(
            flows.get("transferMethods"),
            (*path, "authenticationFlows", "transferMethods"),
            flags=True,
        ),
        (*path, "authenticationFlows", "transferMethods"),
        flags=True,
    )
    return conditions


def _grant(r: Reader, value: Any, path: Path, unknown: _Unknown) -> GrantControls | None:
    if _is_empty(value):
        return None
    g = r.obj(value, path)
    unknown.check("operator", r.string(g.get("operator"), (*path, "operator")), (*path, "operator"))
    built_in = r.strings(g.get("builtInControls"), (*path, "builtInControls"))
    unknown.check("builtInControl", built_in, (*path, "builtInControls"))
    for key, field in g.items():
        if key not in _GRANT_FIELDS and not _annotation(key) and not _is_empty(field):
            # A grant control caflow does not know may require anything: undetermined.
            unknown.add("", key, (*path, key))
    return GrantControls(
        # Missing operator: the portal default for several controls is "require all" (CA-2.9).
        operator=(r.string(g.get("operator"), (*path, "operator")) or "AND").upper(),
        built_in=built_in,
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


def _session(r: Reader, value: Any, path: Path, unknown: _Unknown) -> SessionControls | None:
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
    for key, control in (
        ("applicationEnforcedRestrictions", aer),
        ("cloudAppSecurity", mcas),
        ("signInFrequency", sif),
        ("persistentBrowser", pb),
        ("secureSignInSession", sss),
    ):
        flag = control.get("isEnabled")
        if flag is not None and not isinstance(flag, bool):
            # "true" in quotes is not read as true (nor as false): a wrong type, exit 2.
            raise r.error((*path, key, "isEnabled"), "wrong type", "true or false", flag)
    if isinstance(sif.get("value"), str | float | bool):
        raise r.error((*path, "signInFrequency", "value"), "wrong type", "an integer", sif["value"])
    sif_value = None
    if sif.get("isEnabled") is True:
        interval = (
            r.string(sif.get("frequencyInterval"), (*path, "signInFrequency", "frequencyInterval"))
            or "timeBased"
        )
        value = r.integer(sif.get("value"), (*path, "signInFrequency", "value"))
        # Graph only says Int32 (docs/sources.md TS-2.1); reject what no timedelta can hold.
        if value is not None and not 0 <= value <= _MAX_SIF:
            raise r.error(
                (*path, "signInFrequency", "value"),
                "invalid value",
                f"a sign-in frequency between 0 and {_MAX_SIF}",
                value,
            )
        sif_value = (interval, value, r.string(sif.get("type"), (*path, "signInFrequency", "type")))
        sp = (*path, "signInFrequency")
        if _sif_without_type(sif):
            # No unit for the value: the policy is undetermined, never read as hours.
            unknown.missing.append(json_pointer((*sp, "type")))
        unknown.check("frequencyInterval", interval, (*sp, "frequencyInterval"))
        unknown.check("signInFrequencyType", sif_value[2], (*sp, "type"))
        unknown.check(
            "authenticationType",
            r.string(sif.get("authenticationType"), (*sp, "authenticationType")),
            (*sp, "authenticationType"),
        )
    if pb.get("isEnabled") is True:
        mode = r.string(pb.get("mode"), (*path, "persistentBrowser", "mode"))
        unknown.check("persistentBrowserMode", mode, (*path, "persistentBrowser", "mode"))
    if mcas.get("isEnabled") is True:
        mcas_type = r.string(
            mcas.get("cloudAppSecurityType"), (*path, "cloudAppSecurity", "cloudAppSecurityType")
        )
        unknown.check(
            "cloudAppSecurityType", mcas_type, (*path, "cloudAppSecurity", "cloudAppSecurityType")
        )
    unknown.check(
        "caeMode",
        r.string(cae.get("mode"), (*path, "continuousAccessEvaluation", "mode")),
        (*path, "continuousAccessEvaluation", "mode"),
    )
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
    unknown = _Unknown(r)
    unknown.check("state", state, ("state",))
    # Graph's spelling whatever the case the file used (PolicyState compares exactly).
    state = {v.lower(): v for v in POLICY_VALUES["state"]}.get(state.strip().lower(), state)
    conditions = _conditions(r, cond, ("conditions",), unknown)
    grant = _grant(r, obj.get("grantControls"), ("grantControls",), unknown)
    session = _session(r, obj.get("sessionControls"), ("sessionControls",), unknown)
    base = json_pointer(path).rstrip("/")
    return Policy(
        id=pid,
        display_name=name,
        state=state,
        conditions=conditions,
        grant=grant,
        session=session,
        source=file,
        source_path=json_pointer(path),
        raw=obj,
        unknown_values=tuple((value, base + pointer) for value, pointer in unknown),
        unknown_kinds=tuple(unknown.kinds),
        missing=tuple(base + pointer for pointer in unknown.missing),
        warnings=unread_warnings(obj, file, base),
    )
