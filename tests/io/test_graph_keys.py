"""caflow's key lists and closed value sets against Microsoft Graph's published metadata (issue 9:
every export layout loads).

``tests/data/graph/graph_keys.json`` holds the properties and enum members of the Graph types a
bundle file carries, for v1.0 and beta, extracted from microsoftgraph/msgraph-metadata by
``scripts/graph_keys.py`` (source and licence in tests/data/graph/SOURCES.md). A policy the user
writes is checked against caflow's lists (an unknown key is exit 2), so:

* every Graph property (v1.0 or beta) must be accepted: a real export must never be exit 2;
* every key caflow accepts must be a Graph property, or one of the few keys Graph returns
  without declaring them (:data:`caflow.io.policies.UNDECLARED_KEYS`), each of which a real
  export in tests/data carries;
* the same for enum members (``unknownFutureValue``, Graph's evolvable-enum sentinel, included).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.corpora_paths import DATA

from caflow.errors import SchemaError
from caflow.io.crosstenant import (
    CONFIG_FIELDS,
    POLICY_FIELDS,
    TRUST_FIELDS,
    unknown_cross_tenant_keys,
)
from caflow.io.decode import decode_text
from caflow.io.directory import device_from_graph
from caflow.io.normalize import normalize_keys
from caflow.io.policies import (
    POLICY_KEYS,
    POLICY_VALUES,
    UNDECLARED_KEYS,
    UNDECLARED_VALUES,
    check_written_policy,
    is_policy_like,
    parse_policy,
)
from caflow.io.request import REQUEST_KEYS
from caflow.model.signals import SIGNALS
from caflow.model.wellknown import BUILTIN_STRENGTHS

GRAPH = json.loads((DATA / "graph" / "graph_keys.json").read_text(encoding="utf-8"))
Path_ = tuple[str, ...]

_GUESTS = ("includeGuestsOrExternalUsers", "excludeGuestsOrExternalUsers")
_EXTERNAL_TENANTS = (
    "conditionalAccessExternalTenants",
    "conditionalAccessAllExternalTenants",
    "conditionalAccessEnumeratedExternalTenants",
)

#: The Graph type(s) of each object caflow checks the keys of (derived types together).
SECTION_TYPES: dict[Path_, tuple[str, ...]] = {
    (): ("conditionalAccessPolicy", "whatIfAnalysisResult"),
    ("conditions",): ("conditionalAccessConditionSet",),
    ("conditions", "users"): ("conditionalAccessUsers",),
    **{("conditions", "users", g): ("conditionalAccessGuestsOrExternalUsers",) for g in _GUESTS},
    **{("conditions", "users", g, "externalTenants"): _EXTERNAL_TENANTS for g in _GUESTS},
    ("conditions", "applications"): ("conditionalAccessApplications",),
    ("conditions", "applications", "applicationFilter"): ("conditionalAccessFilter",),
    ("conditions", "clientApplications"): ("conditionalAccessClientApplications",),
    ("conditions", "clientApplications", "servicePrincipalFilter"): ("conditionalAccessFilter",),
    ("conditions", "platforms"): ("conditionalAccessPlatforms",),
    ("conditions", "locations"): ("conditionalAccessLocations",),
    ("conditions", "devices"): ("conditionalAccessDevices",),
    ("conditions", "devices", "deviceFilter"): ("conditionalAccessFilter",),
    ("conditions", "deviceStates"): ("conditionalAccessDeviceStates",),
    ("conditions", "authenticationFlows"): ("conditionalAccessAuthenticationFlows",),
    ("grantControls",): ("conditionalAccessGrantControls",),
    ("grantControls", "authenticationStrength"): ("authenticationStrengthPolicy",),
    ("sessionControls",): ("conditionalAccessSessionControls",),
    ("sessionControls", "applicationEnforcedRestrictions"): (
        "applicationEnforcedRestrictionsSessionControl",
    ),
    ("sessionControls", "cloudAppSecurity"): ("cloudAppSecuritySessionControl",),
    ("sessionControls", "signInFrequency"): ("signInFrequencySessionControl",),
    ("sessionControls", "persistentBrowser"): ("persistentBrowserSessionControl",),
    ("sessionControls", "continuousAccessEvaluation"): (
        "continuousAccessEvaluationSessionControl",
    ),
    ("sessionControls", "secureSignInSession"): ("secureSignInSessionControl",),
    ("sessionControls", "globalSecureAccessFilteringProfile"): (
        "globalSecureAccessFilteringProfileSessionControl",
    ),
}

#: The Graph enum (or, for Graph strings, None) behind each of caflow's closed value sets.
VALUE_ENUMS: dict[str, str | None] = {
    "state": "conditionalAccessPolicyState",
    "clientAppType": "conditionalAccessClientApp",
    "guestOrExternalUserType": "conditionalAccessGuestOrExternalUserTypes",
    "transferMethod": "conditionalAccessTransferMethods",
    "builtInControl": "conditionalAccessGrantControl",
    "platform": "conditionalAccessDevicePlatform",
    "riskLevel": "riskLevel",
    "insiderRiskLevel": "conditionalAccessInsiderRiskLevels",
    "filterMode": "filterMode",
    "membershipKind": "conditionalAccessExternalTenantsMembershipKind",
    "signInFrequencyType": "signinFrequencyType",
    "frequencyInterval": "signInFrequencyInterval",
    "authenticationType": "signInFrequencyAuthenticationType",
    "persistentBrowserMode": "persistentBrowserSessionMode",
    "cloudAppSecurityType": "cloudAppSecuritySessionControlType",
    "caeMode": "continuousAccessEvaluationMode",
    "countryLookupMethod": "countryLookupMethodType",
    # Graph types these as strings (Edm.String / Collection(Edm.String)); the values are the
    # documented ones (conditionalAccessGrantControls.operator, includeUserActions).
    "operator": None,
    "userAction": None,
}
#: The Graph property each string-typed set belongs to: (type, property).
STRING_FIELDS = {
    "operator": ("conditionalAccessGrantControls", "operator"),
    "userAction": ("conditionalAccessApplications", "includeUserActions"),
}


def _graph_keys(type_name: str) -> set[str]:
    entry = GRAPH["types"][type_name]
    return set(entry["v1.0"] or ()) | set(entry["beta"] or ())


def _section_graph_keys(at: Path_) -> set[str]:
    return set().union(*(_graph_keys(t) for t in SECTION_TYPES[at]))


def test_every_checked_object_has_its_graph_type() -> None:
    assert set(POLICY_KEYS) == set(SECTION_TYPES)


@pytest.mark.parametrize("at", sorted(SECTION_TYPES), ids=lambda at: "/" + "/".join(at))
def test_section_type_is_the_declared_type_of_its_property(at: Path_) -> None:
    """The mapping above is Graph's own: the parent type declares the property with this type
    (v1.0 CSDL, where the property exists there)."""
    if not at:
        return
    parent = SECTION_TYPES[at[:-1]]
    declared = {
        GRAPH["types"][t]["v1.0"].get(at[-1])
        for t in parent
        if GRAPH["types"][t]["v1.0"] is not None
    } - {None}
    if declared:  # beta-only properties have no v1.0 type
        assert declared <= set(SECTION_TYPES[at]), (at, declared)


@pytest.mark.parametrize("at", sorted(SECTION_TYPES), ids=lambda at: "/" + "/".join(at))
def test_every_graph_property_is_accepted(at: Path_) -> None:
    missing = _section_graph_keys(at) - POLICY_KEYS[at]
    assert not missing, f"Graph keys caflow would refuse at /{'/'.join(at)}: {sorted(missing)}"


@pytest.mark.parametrize("at", sorted(SECTION_TYPES), ids=lambda at: "/" + "/".join(at))
def test_every_accepted_key_is_graphs_or_declared_undeclared(at: Path_) -> None:
    extra = POLICY_KEYS[at] - _section_graph_keys(at)
    assert extra == set(UNDECLARED_KEYS.get(at, ())), at
    assert not (set(UNDECLARED_KEYS.get(at, ())) & _section_graph_keys(at)), (
        "an undeclared key Graph now declares: move it to the declared list"
    )


def _corpus_policies() -> Iterator[tuple[Path, dict[str, Any]]]:
    def walk(obj: Any) -> Iterator[dict[str, Any]]:
        if isinstance(obj, dict):
            if is_policy_like(obj):
                yield obj
            for v in obj.values():
                yield from walk(v)
        elif isinstance(obj, list):
            for v in obj:
                yield from walk(v)

    for root in (DATA / "policies", DATA / "signins"):
        for path in sorted(root.rglob("*.json")):
            text = decode_text(path.read_bytes(), str(path))
            try:
                doc = json.loads(text)
            except json.JSONDecodeError:
                continue  # docs' truncated samples: tests/test_corpora.py covers them
            for policy in walk(normalize_keys(doc, file=str(path))):
                yield path, policy


CORPUS = list(_corpus_policies())


def _at(obj: dict[str, Any], at: Path_) -> Any:
    for key in at:
        obj = obj.get(key) if isinstance(obj, dict) else None  # type: ignore[assignment]
    return obj


@pytest.mark.parametrize(
    ("at", "key"),
    sorted((at, key) for at, keys in UNDECLARED_KEYS.items() for key in keys),
)
def test_each_undeclared_key_is_seen_in_a_real_export(at: Path_, key: str) -> None:
    seen = [p for p, policy in CORPUS if key in (_at(policy, at) or {})]
    assert seen, f"/{'/'.join((*at, key))} appears in no corpus policy"


def test_corpus_is_not_empty() -> None:
    assert len(CORPUS) > 100


def test_no_real_export_is_refused_as_a_written_policy() -> None:
    """Every policy of the openly licensed exports, written as a proposed policy, passes the
    key check (exit 2 only for keys no export carries)."""
    refused = []
    for path, obj in CORPUS:
        policy = parse_policy(obj, str(path))
        try:
            check_written_policy(policy)
        except SchemaError as exc:
            if exc.code == "unknown-key":
                refused.append(f"{path.relative_to(DATA)}: {exc}")
    assert not refused, "\n".join(refused)


def _every_graph_key(at: Path_ = ()) -> dict[str, Any]:
    """An object holding every Graph key of the section at ``at`` (nested sections as objects,
    the rest null), so a written policy uses all of them at once."""
    out: dict[str, Any] = {}
    for key in sorted(_section_graph_keys(at)):
        out[key] = _every_graph_key((*at, key)) if (*at, key) in SECTION_TYPES else None
    return out


def test_a_written_policy_with_every_graph_key_is_not_exit_2() -> None:
    obj = _every_graph_key()
    obj["conditions"]["users"]["includeUsers"] = ["All"]
    obj["conditions"]["applications"]["includeApplications"] = ["All"]
    policy = parse_policy(obj, "proposed.json")
    check_written_policy(policy)  # raises SchemaError (exit 2) on a refused key
    # PowerShell's spelling of the same keys, with the SDK's empty AdditionalProperties bags
    pascal = normalize_keys(_powershell(obj), file="p.json")
    check_written_policy(parse_policy(pascal, "p.json"))


def _powershell(obj: Any) -> Any:
    """``Get-MgIdentityConditionalAccessPolicy | ConvertTo-Json``: PascalCase keys and an
    (empty) ``AdditionalProperties`` on every SDK object."""
    if not isinstance(obj, dict):
        return obj
    out = {k[:1].upper() + k[1:]: _powershell(v) for k, v in obj.items()}
    out["AdditionalProperties"] = {}
    return out


def test_a_typo_next_to_graph_keys_is_still_exit_2() -> None:
    obj = _every_graph_key()
    obj["sessionControls"]["signInFrequency"]["frequencyIntervall"] = "everyTime"
    with pytest.raises(SchemaError) as exc:
        check_written_policy(parse_policy(obj, "proposed.json"))
    assert exc.value.code == "unknown-key"
    assert "did you mean 'frequencyInterval'?" in str(exc.value)


def test_cross_tenant_access_keys_are_graphs() -> None:
    configs = _graph_keys("crossTenantAccessPolicyConfigurationDefault") | _graph_keys(
        "crossTenantAccessPolicyConfigurationPartner"
    )
    assert configs == CONFIG_FIELDS
    assert _graph_keys("crossTenantAccessPolicyInboundTrust") == TRUST_FIELDS
    assert _graph_keys("crossTenantAccessPolicy") == POLICY_FIELDS


def _graph_members(enum: str) -> set[str]:
    entry = GRAPH["enums"][enum]
    return set(entry["v1.0"] or ()) | set(entry["beta"] or ())


def test_every_closed_value_set_has_its_graph_enum() -> None:
    assert set(POLICY_VALUES) == set(VALUE_ENUMS)


@pytest.mark.parametrize("kind", sorted(k for k, e in VALUE_ENUMS.items() if e))
def test_every_graph_enum_member_is_accepted(kind: str) -> None:
    enum = VALUE_ENUMS[kind]
    assert enum is not None
    members = _graph_members(enum) - {"unknownFutureValue"}
    assert members <= set(POLICY_VALUES[kind]), sorted(members - set(POLICY_VALUES[kind]))


@pytest.mark.parametrize("kind", sorted(k for k, e in VALUE_ENUMS.items() if e))
def test_every_accepted_value_is_graphs_or_declared_undeclared(kind: str) -> None:
    enum = VALUE_ENUMS[kind]
    assert enum is not None
    extra = set(POLICY_VALUES[kind]) - _graph_members(enum)
    assert extra == set(UNDECLARED_VALUES.get(kind, ())), kind


@pytest.mark.parametrize("kind", sorted(STRING_FIELDS))
def test_string_typed_sets_are_strings_in_graph(kind: str) -> None:
    type_name, prop = STRING_FIELDS[kind]
    assert GRAPH["types"][type_name]["v1.0"][prop] in ("Edm.String", "Collection(Edm.String)")


def test_unknown_future_value_is_accepted_everywhere() -> None:
    """Graph's evolvable enums return ``unknownFutureValue`` to clients that did not opt in to
    newer members: an export can carry it, so it is never a user mistake."""
    obj = {
        "state": "enabled",
        "conditions": {
            "users": {"includeUsers": ["All"]},
            "applications": {"includeApplications": ["All"]},
            "clientAppTypes": ["unknownFutureValue"],
            "platforms": {"includePlatforms": ["unknownFutureValue"]},
            "signInRiskLevels": ["unknownFutureValue"],
        },
        "grantControls": {"operator": "OR", "builtInControls": ["unknownFutureValue"]},
    }
    policy = parse_policy(obj, "proposed.json")
    assert policy.unknown_values == ()
    check_written_policy(policy)


@pytest.mark.parametrize(
    ("section", "key", "value"),
    [
        ("applications", "includeProtectionLevels", ["p1"]),
        ("applications", "globalSecureAccess", {"includeTrafficProfiles": ["x"]}),
        ("clientApplications", "includeAgentIdServicePrincipals", ["All"]),
        ("clientApplications", "agentIdServicePrincipalFilter", {"mode": "include", "rule": "x"}),
        ("devices", "includeDeviceStates", ["Compliant"]),
        ("users", "includeAgentUsers", ["All"]),  # a key Graph may add later
    ],
)
def test_an_exported_key_caflow_does_not_read_makes_the_policy_undetermined(
    section: str, key: str, value: Any
) -> None:
    """Exported (not written) policies: a configured key of a condition caflow does not read may
    narrow or widen what the policy covers, so the policy is undetermined naming it."""
    obj: dict[str, Any] = {
        "state": "enabled",
        "conditions": {
            "users": {"includeUsers": ["All"]},
            "applications": {"includeApplications": ["All"]},
        },
        "grantControls": {"operator": "OR", "builtInControls": ["block"]},
    }
    obj["conditions"].setdefault(section, {})[key] = value
    policy = parse_policy(obj, "policies/p.json")
    assert (f"{section}.{key}", f"/conditions/{section}/{key}") in policy.conditions.unsupported
    # empty (not configured) it changes nothing
    obj["conditions"][section][key] = [] if isinstance(value, list) else {}
    assert parse_policy(obj, "policies/p.json").conditions.unsupported == ()


#: What If request objects (whatif --request) and the Graph types each may be.
REQUEST_TYPES: dict[tuple[str, ...], tuple[str, ...]] = {
    ("signInIdentity",): ("userSignIn", "servicePrincipalSignIn"),
    ("signInContext",): ("applicationContext", "userActionContext", "authContext"),
    ("signInConditions",): ("signInConditions",),
    ("signInConditions", "authenticationFlow"): ("authenticationFlow",),
    ("signInConditions", "deviceInfo"): ("deviceInfo",),
}


def test_request_keys_are_graphs() -> None:
    assert set(REQUEST_KEYS) == {(), *REQUEST_TYPES}
    assert REQUEST_KEYS[()] == set(GRAPH["actions"]["conditionalAccessRoot.evaluate"]["v1.0"])
    for at, types in REQUEST_TYPES.items():
        assert REQUEST_KEYS[at] == set().union(*(_graph_keys(t) for t in types)), at


def test_every_device_info_key_is_read() -> None:
    """deviceInfo in a request: every Graph property reaches the device filter (none dropped)."""
    info = {key: "x" for key in _graph_keys("deviceInfo")}
    assert len(device_from_graph(info)) == len(info)


#: The What If request value sets (model/signals.py) and their Graph enums; ``all`` is the
#: request's default for platform and client app (no concrete signal, read before the set).
SIGNAL_ENUMS = {
    "devicePlatform": ("conditionalAccessDevicePlatform", {"all"}),
    "clientAppType": ("conditionalAccessClientApp", {"all"}),
    "transferMethod": ("conditionalAccessTransferMethods", set()),
    "userAction": ("userAction", set()),
    "guestOrExternalUserType": ("conditionalAccessGuestOrExternalUserTypes", {"none"}),
    "riskLevel": ("riskLevel", set()),
    "insiderRiskLevel": ("insiderRiskLevel", set()),
    "authenticationMethod": ("authenticationMethodModes", set()),
}
#: Spellings the request accepts beyond Graph's members: ``unknown`` platform (§2.5, caflow's
#: own signal), the deprecated client app types (§1.2) and the policy's user-action spellings.
SIGNAL_EXTRAS = {
    "devicePlatform": {"unknown"},
    "clientAppType": {"easunsupported", "modern"},
    "userAction": {
        "urn:user:registersecurityinfo",
        "urn:user:registerdevice",
        "registersecurityinfo",
        "registerdevice",
    },
}


def test_every_request_value_set_has_its_graph_enum() -> None:
    assert set(SIGNALS) - {"authenticationContext"} == set(SIGNAL_ENUMS)


@pytest.mark.parametrize("kind", sorted(SIGNAL_ENUMS))
def test_request_values_are_graphs(kind: str) -> None:
    enum, read_before = SIGNAL_ENUMS[kind]
    members = {m.lower() for m in _graph_members(enum)} - {"unknownfuturevalue"} - read_before
    accepted = set(SIGNALS[kind])
    assert members <= accepted, sorted(members - accepted)
    assert accepted - members == SIGNAL_EXTRAS.get(kind, set())


def test_built_in_strength_combinations_use_graph_methods() -> None:
    """The built-in strengths' combinations (model/wellknown.py) name Graph methods only, so a
    sign-in's methods (a closed set now) can satisfy each of them."""
    modes = _graph_members("authenticationMethodModes")
    used = {m for _, combos in BUILTIN_STRENGTHS.values() for combo in combos for m in combo}
    assert used and used <= modes, sorted(used - modes)


def test_a_powershell_cross_tenant_export_with_every_graph_key_is_no_note() -> None:
    """Every Graph key, PascalCase and with the SDK's empty AdditionalProperties bags, is known:
    only typos are listed (the did-you-mean note)."""
    config = {key: None for key in CONFIG_FIELDS}
    config["inboundTrust"] = {key: True for key in TRUST_FIELDS}
    doc = {key: None for key in POLICY_FIELDS} | {
        "default": dict(config),
        "partners": [config | {"tenantId": "f0f0f0f0-0000-0000-0000-000000000002"}],
    }
    assert unknown_cross_tenant_keys(_powershell(doc), "crossTenantAccess.json") == []
    doc["default"]["inboundTrus"] = {}
    assert unknown_cross_tenant_keys(doc, "crossTenantAccess.json") == [
        "/default/inboundTrus (did you mean 'inboundTrust'?)"
    ]
