"""Tests for caflow.engine.device_filter.

"§3" below is /work/shared/reference/conditional-access.md section 3 "Device filter rule syntax"
(from Microsoft's concept-condition-filters-for-devices.md and groups-dynamic-membership.md);
"pitfall #N" is section 7 of the same file.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Mapping
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.corpora_paths import POLICY_DATA

from caflow.engine.device_filter import (
    MAX_RULE_LENGTH,
    DeviceFilterError,
    FilterRule,
    compile_application_filter,
    compile_device_filter,
)
from caflow.errors import SchemaError

# §3 table "Properties and operators allowed in CA device filters".
ALL_OPS = (
    "eq",
    "ne",
    "startsWith",
    "notStartsWith",
    "endsWith",
    "notEndsWith",
    "contains",
    "notContains",
    "in",
    "notIn",
)
EQ_NE = ("eq", "ne")
EQ_NE_IN = ("eq", "ne", "in", "notIn")
CONTAINS = ("contains", "notContains")
TABLE: dict[str, tuple[str, ...]] = {
    "deviceId": EQ_NE_IN,
    "displayName": ALL_OPS,
    "deviceOwnership": EQ_NE,
    "enrollmentProfileName": ALL_OPS,
    "isCompliant": EQ_NE,
    "manufacturer": ALL_OPS,
    "model": ALL_OPS,
    "mdmAppId": EQ_NE_IN,
    "operatingSystem": ALL_OPS,
    "operatingSystemVersion": ALL_OPS,
    "physicalIds": CONTAINS,
    "profileType": EQ_NE,
    # §3 footnote: -eq/-ne tolerated on systemLabels (token protection examples)
    "systemLabels": (*CONTAINS, *EQ_NE),
    "trustType": EQ_NE,
    **{f"extensionAttribute{i}": ALL_OPS for i in range(1, 16)},
}
COLLECTIONS = {"physicalIds", "systemLabels"}
NEGATIVE = {"ne", "notStartsWith", "notEndsWith", "notContains", "notIn"}
POSITIVE_OF = {
    "ne": "eq",
    "notStartsWith": "startsWith",
    "notEndsWith": "endsWith",
    "notContains": "contains",
    "notIn": "in",
}

# A device that is Intune managed so extensionAttributes are visible (§3 table).
MANAGED = {"mdmAppId": "0000000a-0000-0000-c000-000000000000"}


def m(rule: str, device: Mapping[str, object] | None) -> bool:
    return compile_device_filter(rule).matches(device)


def value_for(prop: str, op: str) -> str:
    if op in ("in", "notIn"):
        return '["x", "y"]'
    if prop == "isCompliant":
        return "true"
    return '"x"'


# --------------------------------------------------------------------------------------------
# Property / operator table
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("prop", sorted(TABLE))
@pytest.mark.parametrize("op", [*ALL_OPS, "match", "notMatch"])
def test_operator_table(prop: str, op: str) -> None:
    """§3 table: each property accepts exactly its listed operators (plus the tolerated
    systemLabels -eq/-ne); anything else is rejected naming the operator and its column."""
    rule = f"device.{prop} -{op} {value_for(prop, op)}"
    if op in TABLE[prop]:
        assert compile_device_filter(rule).properties == {prop}
    else:
        with pytest.raises(DeviceFilterError) as info:
            compile_device_filter(rule)
        column = len(f"device.{prop} ") + 1
        assert f"column {column}" in str(info.value)
        assert info.value.column == column
        if op.lower().endswith("match"):
            assert "not supported in Conditional Access device filters" in str(info.value)
        else:
            assert f"not allowed for property '{prop}'" in str(info.value)


def test_error_is_schema_error_with_code() -> None:
    with pytest.raises(SchemaError) as info:
        compile_device_filter('device.isCompliant -startsWith "T"')
    assert info.value.code == "invalid-device-filter"
    assert "-startsWith" in str(info.value) and "column 20" in str(info.value)


# --------------------------------------------------------------------------------------------
# String operators (§3: string comparisons are case-insensitive)
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ('device.model -eq "surface laptop 5"', True),
        ('device.model -eq "Surface"', False),
        ('device.model -ne "Surface Laptop 5"', False),
        ('device.model -ne "Surface"', True),
        ('device.model -startsWith "SURFACE"', True),
        ('device.model -startsWith "Laptop"', False),
        ('device.model -notStartsWith "Laptop"', True),
        ('device.model -notStartsWith "surf"', False),
        ('device.model -endsWith "LAPTOP 5"', True),
        ('device.model -endsWith "Surface"', False),
        ('device.model -notEndsWith "5"', False),
        ('device.model -notEndsWith "6"', True),
        # §3: "-contains: substring test on string properties"
        ('device.model -contains "ACE LAP"', True),
        ('device.model -contains "Book"', False),
        ('device.model -notContains "Book"', True),
        ('device.model -notContains "laptop"', False),
        ('device.model -in ["Surface Pro", "SURFACE LAPTOP 5"]', True),
        ('device.model -in ["Surface Pro"]', False),
        ('device.model -notIn ["Surface Pro"]', True),
        ('device.model -notIn ["surface laptop 5"]', False),
        ("device.model -in []", False),
        ("device.model -notIn []", True),
    ],
)
def test_string_operators(rule: str, expected: bool) -> None:
    assert m(rule, {"model": "Surface Laptop 5"}) is expected


@pytest.mark.parametrize(
    "prop",
    [p for p, ops in TABLE.items() if "startsWith" in ops],
)
def test_every_all_string_ops_property_evaluates(prop: str) -> None:
    """§3 footnote 1: "all string ops" properties support every string operator."""
    device = {**MANAGED, prop: "Contoso-PC-01"}
    assert m(f'device.{prop} -startsWith "contoso"', device)
    assert m(f'device.{prop} -endsWith "-01"', device)
    assert m(f'device.{prop} -contains "pc"', device)
    assert m(f'device.{prop} -in ["contoso-pc-01"]', device)
    assert not m(f'device.{prop} -notContains "PC"', device)


@pytest.mark.parametrize(
    ("prop", "value"),
    [
        ("deviceId", "5d6fd4ee-3b4a-4b3c-bf0c-2b71e1c6ac1e"),
        ("deviceOwnership", "Company"),
        ("mdmAppId", "0000000a-0000-0000-c000-000000000000"),
        ("profileType", "SecureVM"),
        ("trustType", "ServerAD"),
    ],
)
def test_equality_only_properties(prop: str, value: str) -> None:
    """§3 table: deviceId/mdmAppId (Equals, NotEquals, In, NotIn), deviceOwnership, profileType,
    trustType (Equals, NotEquals) compare case-insensitively."""
    device = {prop: value}
    assert m(f'device.{prop} -eq "{value.upper()}"', device)
    assert not m(f'device.{prop} -ne "{value.lower()}"', device)
    assert m(f'device.{prop} -ne "other"', device)
    if "in" in TABLE[prop]:
        assert m(f'device.{prop} -in ["a", "{value}"]', device)
        assert m(f'device.{prop} -notIn ["a", "b"]', device)


@pytest.mark.parametrize(
    ("rule", "value", "expected"),
    [
        ("device.isCompliant -eq True", True, True),
        ("device.isCompliant -eq true", False, False),
        ("device.isCompliant -eq FALSE", False, True),
        ("device.isCompliant -ne True", False, True),
        ("device.isCompliant -ne false", False, False),
        # quoted "True"/"False" compare case-insensitively to the boolean
        ('device.isCompliant -eq "True"', True, True),
        ('device.isCompliant -eq "false"', True, False),
        ("device.isCompliant -eq 'FALSE'", False, True),
        # device value given as text also works
        ("device.isCompliant -eq true", "True", True),
    ],
)
def test_is_compliant_boolean(rule: str, value: object, expected: bool) -> None:
    """§3 table: isCompliant — Equals, NotEquals — True / False."""
    assert m(rule, {"isCompliant": value}) is expected


def test_is_compliant_rejects_non_boolean_value() -> None:
    with pytest.raises(DeviceFilterError, match=r"true or false.*column 24"):
        compile_device_filter('device.isCompliant -eq "yes"')


# --------------------------------------------------------------------------------------------
# Collections (§3: whole-element match on physicalIds, systemLabels)
# --------------------------------------------------------------------------------------------


def test_physical_ids_contains_is_whole_element() -> None:
    """§3: "-contains ... whole-element match on collections (physicalIds, systemLabels)"."""
    device = {"physicalIds": ["[ZTDId]:abc123", "[USER-GID]:x"]}
    assert m('device.physicalIds -contains "[ztdid]:ABC123"', device)
    assert not m('device.physicalIds -contains "[ZTDId]"', device)  # not a substring test
    assert m('device.physicalIds -notContains "[ZTDId]"', device)
    assert not m('device.physicalIds -notContains "[USER-GID]:x"', device)


def test_system_labels_contains_and_tolerated_eq() -> None:
    """§3 footnote: the token protection page uses `systemLabels -eq "CloudPC"`; -eq/-ne on the
    collection mean contains/notContains."""
    device = {"systemLabels": ["CloudPC", "M365Managed"], "trustType": "AzureAD"}
    assert m('device.systemLabels -contains "cloudpc"', device)
    assert m('device.systemLabels -eq "CloudPC"', device)
    assert m('device.systemLabels -eq "M365MANAGED"', device)
    assert not m('device.systemLabels -ne "CloudPC"', device)
    assert m('device.systemLabels -ne "AzureVirtualDesktop"', device)
    assert not m('device.systemLabels -contains "Cloud"', device)
    # a single label given as a plain string is a one-element collection
    assert m('device.systemLabels -eq "CloudPC"', {"systemLabels": "CloudPC"})


def test_token_protection_example() -> None:
    """Token protection page exclusion example (bare property names, §3 footnote)."""
    rule = compile_device_filter('systemLabels -eq "CloudPC" -and trustType -eq "AzureAD"')
    assert rule.properties == {"systemLabels", "trustType"}
    assert rule.matches({"systemLabels": ["CloudPC"], "trustType": "AzureAD"})
    assert not rule.matches({"systemLabels": ["CloudPC"], "trustType": "ServerAD"})
    assert not rule.matches({"systemLabels": [], "trustType": "AzureAD"})
    assert not rule.matches(None)
    # the same page writes the logical operator without a hyphen
    assert m(
        'systemLabels -eq "CloudPC" and trustType -eq "AzureAD"',
        {
            "systemLabels": ["CloudPC"],
            "trustType": "AzureAD",
        },
    )


def test_power_automate_hosted_machine_example() -> None:
    """§3 systemLabels values include MicrosoftPowerAutomate (hosted machines)."""
    rule = compile_device_filter(
        'device.systemLabels -eq "MicrosoftPowerAutomate" -and device.trustType -eq "AzureAD"'
    )
    hosted = {"systemLabels": ["MicrosoftPowerAutomate"], "trustType": "AzureAD"}
    assert rule.matches(hosted)
    assert not rule.matches({**hosted, "systemLabels": ["CloudPC"]})
    assert not rule.matches(None)


# --------------------------------------------------------------------------------------------
# Unregistered devices and null (§3 "Unregistered devices and positive/negative operators")
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("prop", sorted(TABLE))
def test_unregistered_device_table(prop: str) -> None:
    """§3 outcome table: for an unregistered device every property is null; positive operators
    (Equals, StartsWith, EndsWith, Contains, In) -> filter not applied; negative operators
    (NotEquals, NotStartsWith, NotEndsWith, NotContains, NotIn) -> applied. The same holds for a
    registered device whose property is missing or None."""
    for op in TABLE[prop]:
        rule = compile_device_filter(f"device.{prop} -{op} {value_for(prop, op)}")
        negative = op in NEGATIVE or (prop == "systemLabels" and op == "ne")
        assert rule.matches(None) is negative, (prop, op)
        assert rule.matches({}) is negative, (prop, op)
        assert rule.matches({prop: None}) is negative, (prop, op)


def test_null_checks() -> None:
    """§3: `null` unquoted for null checks, only with -eq/-ne."""
    assert m("device.extensionAttribute1 -eq null", None)
    assert not m("device.extensionAttribute1 -ne null", None)
    assert m("device.model -eq NULL", {"model": None})
    assert not m("device.model -eq null", {"model": "x"})
    assert m("device.model -ne Null", {"model": "x"})
    assert m("device.systemLabels -eq null", {})
    assert m("device.isCompliant -ne null", {"isCompliant": False})
    for op in ("startsWith", "contains", "in"):
        with pytest.raises(DeviceFilterError, match="null can only be compared with -eq or -ne"):
            compile_device_filter(f"device.model -{op} null")


def test_quoted_null_is_a_string() -> None:
    assert not m('device.model -eq "null"', None)
    assert m('device.model -eq "null"', {"model": "NULL"})


def test_exclude_mode_saw_pitfall_15() -> None:
    """Pitfall #15 / §3 Inference: exclude-mode `device.extensionAttribute1 -eq "SAW"` (a positive
    operator) never exempts an unregistered device, so "block all but SAW" still blocks it; a
    negative-operator rule would exempt it."""
    saw = compile_device_filter('device.extensionAttribute1 -eq "SAW"')
    assert not saw.matches(None)  # not excluded -> policy applies
    assert saw.matches({**MANAGED, "extensionAttribute1": "saw"})
    negative = compile_device_filter('device.extensionAttribute1 -ne "SAW"')
    assert negative.matches(None)


def test_ne_or_ne_pitfall_16() -> None:
    """Pitfall #16: `-ne A -or -ne B` is true for every device."""
    rule = compile_device_filter(
        'device.trustType -ne "AzureAD" -or device.trustType -ne "ServerAD"'
    )
    for trust in ("AzureAD", "ServerAD", "Workplace", None):
        assert rule.matches({"trustType": trust})
    assert rule.matches(None)


# --------------------------------------------------------------------------------------------
# extensionAttribute availability (§3: only if Intune managed, compliant or hybrid joined)
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("device", "visible"),
    [
        ({"mdmAppId": "0000000a-0000-0000-c000-000000000000"}, True),  # Intune managed
        ({"isCompliant": True}, True),  # compliant
        ({"isCompliant": "true"}, True),
        ({"trustType": "ServerAD"}, True),  # hybrid joined
        ({"trustType": "serverad"}, True),
        ({"trustType": "AzureAD"}, False),  # joined, not managed/compliant
        ({"trustType": "Workplace", "isCompliant": False}, False),
        ({"mdmAppId": ""}, False),
        ({"mdmAppId": None, "isCompliant": None}, False),
        ({}, False),
    ],
)
def test_extension_attribute_availability(device: dict[str, object], visible: bool) -> None:
    """§3 table rows "with extensionAttribute1-15": registered + Intune managed -> criteria
    evaluated; not managed -> only when compliant or hybrid joined; otherwise the attribute is
    null (pitfall #17: extensionAttribute exclude filters seemingly ignored)."""
    device = {**device, "extensionAttribute7": "SAW"}
    assert m('device.extensionAttribute7 -eq "SAW"', device) is visible
    # null -> negative operators apply
    assert m('device.extensionAttribute7 -ne "SAW"', device) is not visible
    assert m("device.extensionAttribute7 -eq null", device) is not visible
    # other properties are unaffected by the availability rule
    assert m('device.extensionAttribute7 -eq "SAW" -or device.model -eq null', device)


# --------------------------------------------------------------------------------------------
# Grammar: precedence, case-insensitivity, escapes, arrays
# --------------------------------------------------------------------------------------------

A = 'device.model -eq "a"'
B = 'device.manufacturer -eq "b"'
C = 'device.operatingSystem -eq "c"'


@pytest.mark.parametrize(
    ("a", "b", "c"),
    [(x, y, z) for x in (0, 1) for y in (0, 1) for z in (0, 1)],
)
def test_precedence(a: int, b: int, c: int) -> None:
    """§3: precedence high->low: comparison; -not; -and; -or."""
    device = {
        "model": "a" if a else "z",
        "manufacturer": "b" if b else "z",
        "operatingSystem": "c" if c else "z",
    }
    A_, B_, C_ = bool(a), bool(b), bool(c)
    assert m(f"{A} -or {B} -and {C}", device) is (A_ or (B_ and C_))
    assert m(f"{A} -and {B} -or {C}", device) is ((A_ and B_) or C_)
    assert m(f"({A} -or {B}) -and {C}", device) is ((A_ or B_) and C_)
    assert m(f"-not {A} -and {B}", device) is ((not A_) and B_)
    assert m(f"-not ({A} -and {B})", device) is (not (A_ and B_))
    assert m(f"-not {A} -or {B} -and -not {C}", device) is ((not A_) or (B_ and not C_))
    assert m(f"-not -not {A}", device) is A_
    assert m(f"((({A})))", device) is A_


def test_case_insensitive_names_and_keywords() -> None:
    """§3: property names treated case-insensitively (Inference from CA examples using
    device.deviceid and device.deviceId), operators/keywords case-insensitive, hyphen optional."""
    device = {"deviceId": "ABC", "trustType": "AzureAD"}
    for rule in (
        'device.deviceid -eq "abc"',
        'DEVICE.DEVICEID -EQ "abc"',
        'Device.DeviceId eq "abc"',
        'device.deviceId -EQ "abc" -AND device.TRUSTTYPE -Eq "azuread"',
        'device.deviceId eq "abc" and not device.trustType ne "azuread"',
        'device.deviceId -In ["ABC"] -OR device.MDMAPPID -NOTIN ["x"]',
    ):
        assert m(rule, device), rule
    assert compile_device_filter("device.deviceid -eq 'x'").properties == {"deviceId"}


def test_device_mapping_keys_case_insensitive() -> None:
    assert m('device.trustType -eq "AzureAD"', {"TrustType": "azuread"})
    assert m('device.extensionAttribute2 -eq "x"', {"ExtensionAttribute2": "X", "MDMAPPID": "y"})


def test_string_escapes() -> None:
    """§3: double-quoted strings escape an embedded `"` with a backtick; single-quoted strings
    double the single quote."""
    assert m('device.displayName -eq "Sales`"Team"', {"displayName": 'Sales"Team'})
    assert m("device.displayName -eq 'Bob''s PC'", {"displayName": "Bob's PC"})
    assert m('device.displayName -eq "a``b"', {"displayName": "a`b"})
    assert m('device.displayName -eq "it\'s"', {"displayName": "it's"})
    assert m("device.displayName -eq 'say \"hi\"'", {"displayName": 'say "hi"'})
    assert m('device.displayName -eq ""', {"displayName": ""})


def test_arrays() -> None:
    """§3: arrays for -in/-notIn as ["a","b"]; other operators take one value."""
    rule = compile_device_filter('device.deviceId -in ["a", \'B\' ,"c"]')
    assert rule.matches({"deviceId": "b"})
    assert not rule.matches({"deviceId": "d"})
    with pytest.raises(DeviceFilterError, match=r"-in needs an array value.*column 21"):
        compile_device_filter('device.deviceId -in "a"')
    with pytest.raises(DeviceFilterError, match=r"-eq needs a single value.*column 21"):
        compile_device_filter('device.deviceId -eq ["a"]')
    with pytest.raises(DeviceFilterError, match=r"unexpected .*column 26"):
        compile_device_filter('device.deviceId -in ["a" "b"]')


def test_whitespace_and_newlines() -> None:
    rule = "device.model\t-eq   \"x\"\n-and\n device.trustType -eq 'AzureAD'"
    assert m(rule, {"model": "X", "trustType": "azuread"})


def test_documented_examples() -> None:
    """Examples in the CA filter-for-devices guidance (§3: combine user-modifiable properties with
    non-modifiable ones via -and)."""
    surface = compile_device_filter(
        'device.model -startsWith "Surface" -and device.trustType -eq "AzureAD"'
    )
    assert surface.properties == {"model", "trustType"}
    assert surface.matches({"model": "Surface Pro 9", "trustType": "AzureAD"})
    assert not surface.matches({"model": "Surface Pro 9", "trustType": "Workplace"})
    assert not surface.matches(None)
    ids = compile_device_filter(
        'device.deviceId -in ["11111111-1111-1111-1111-111111111111",'
        ' "22222222-2222-2222-2222-222222222222"]'
    )
    assert ids.matches({"deviceId": "22222222-2222-2222-2222-222222222222"})
    legacy = compile_device_filter(
        'device.trustType -ne "ServerAD" -or device.isCompliant -ne True'
    )
    assert legacy.matches(None)
    assert not legacy.matches({"trustType": "ServerAD", "isCompliant": True})


def test_properties_are_canonical() -> None:
    rule = compile_device_filter(
        'device.ISCOMPLIANT -eq true -or device.EXTENSIONATTRIBUTE1 -eq "x" -or model -eq "y"'
    )
    assert rule.properties == {"isCompliant", "extensionAttribute1", "model"}
    assert isinstance(rule, FilterRule) and rule.text.startswith("device.ISCOMPLIANT")


def test_compile_is_cached() -> None:
    assert compile_device_filter(A) is compile_device_filter(A)


def test_non_string_device_values_do_not_crash() -> None:
    rule = compile_device_filter('device.model -contains "1" -or device.systemLabels -eq "2"')
    assert rule.matches({"model": 123})
    assert rule.matches({"systemLabels": [2, None]})
    assert not rule.matches({"model": ["a", "b"], "systemLabels": ()})


# --------------------------------------------------------------------------------------------
# Errors: say what and where
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "fragments"),
    [
        ('device.colour -eq "red"', ["unknown property 'device.colour'", "column 1"]),
        (
            'device.model -eq "x" -and user.dept -eq "y"',
            ["unknown property 'user.dept'", "column 27"],
        ),
        ('device.isCompliant -startsWith "T"', ["-startsWith", "isCompliant", "column 20"]),
        (
            'device.model -match "^Surface"',
            ["'-match'", "not supported in Conditional Access device filters", "column 14"],
        ),
        ('device.model -notMatch "x"', ["'-notMatch'", "not supported"]),
        ('device.model -eq "Surface', ["unterminated string", "column 18"]),
        ("device.model -eq 'Surface", ["unterminated string", "column 18"]),
        ('device.model -eq "a`"', ["unterminated string", "column 18"]),
        ('device.model -le "x"', ["unknown operator '-le'", "column 14"]),
        ("device.model -eq", ["unexpected end of rule", "column 17"]),
        ("device.model -eq Surface", ["unexpected 'Surface'", "column 18"]),
        ('device.model -eq "a" -xor device.model -eq "b"', ["'-xor'", "column 22"]),
        ('(device.model -eq "a"', ["end of rule", "')'"]),
        ('device.model -eq "a")', ["unexpected ')'", "column 21"]),
        ('device.model -eq "a"\n-and device.x -eq "b"', ["device.x", "line 2, column 6"]),
        ("device.model -eq 5", ["unexpected '5'", "column 18"]),
        ("-and", ["'-and'", "column 1"]),
    ],
)
def test_error_messages(rule: str, fragments: list[str]) -> None:
    with pytest.raises(DeviceFilterError) as info:
        compile_device_filter(rule)
    text = str(info.value)
    for fragment in fragments:
        assert fragment in text, text


@pytest.mark.parametrize("rule", ["", "   ", "\n\t"])
def test_empty_rule(rule: str) -> None:
    with pytest.raises(DeviceFilterError, match="empty"):
        compile_device_filter(rule)


def test_max_length() -> None:
    """§3: "Max rule length 3072 characters"."""
    clause = 'device.model -eq "x" -or '
    body = clause * ((MAX_RULE_LENGTH - 40) // len(clause))
    rule = body + 'device.model -eq "y"'
    rule += " " * (MAX_RULE_LENGTH - len(rule))
    assert len(rule) == MAX_RULE_LENGTH
    assert m(rule, {"model": "y"})
    with pytest.raises(DeviceFilterError, match=r"3073 characters.*maximum is 3072"):
        compile_device_filter(rule + " ")


def test_deep_nesting_within_limit() -> None:
    rule = "-not " * 600 + A
    assert m(rule, {"model": "a"})
    nested = "(" * 1000 + A + ")" * 1000
    assert m(nested, {"model": "a"})


def test_non_string_rule() -> None:
    with pytest.raises(DeviceFilterError):
        compile_device_filter(None)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------
# Application filters (custom security attributes)
# --------------------------------------------------------------------------------------------


def test_application_filter() -> None:
    rule = compile_application_filter(
        'CustomSecurityAttribute.Engineering_Project -eq "Baker" '
        '-or customsecurityattribute.Engineering_Project -startsWith "Cascade"'
    )
    assert rule.properties == {"Engineering_Project"}
    assert rule.matches({"Engineering_Project": "baker"})
    assert rule.matches({"engineering_project": "Cascade 2"})
    assert not rule.matches({"Engineering_Project": "Alpine"})
    assert not rule.matches(None)
    multi = compile_application_filter('CustomSecurityAttribute.Sec_Tags -contains "PII"')
    assert multi.matches({"Sec_Tags": ["pii", "hr"]})
    assert not multi.matches({"Sec_Tags": ["piii"]})  # whole element on multi-valued
    assert multi.matches({"Sec_Tags": "has pii inside"})  # substring on single-valued
    assert compile_application_filter("CustomSecurityAttribute.Sec_Flag -eq true").matches(
        {"Sec_Flag": True}
    )
    assert compile_application_filter("CustomSecurityAttribute.Sec_Flag -ne null").matches(
        {"Sec_Flag": False}
    )


@pytest.mark.parametrize(
    "rule",
    [
        'device.model -eq "x"',
        'CustomSecurityAttribute.NoUnderscore -eq "x"',
        'CustomSecurityAttribute._x -eq "x"',
        'Engineering_Project -eq "x"',
    ],
)
def test_application_filter_unknown_property(rule: str) -> None:
    with pytest.raises(DeviceFilterError, match=r"unknown property .* at column 1"):
        compile_application_filter(rule)


def test_application_filter_rejects_match() -> None:
    with pytest.raises(DeviceFilterError, match="not supported in Conditional Access application"):
        compile_application_filter('CustomSecurityAttribute.A_b -match "x"')


def test_device_properties_rejected_in_application_filter_and_vice_versa() -> None:
    with pytest.raises(DeviceFilterError):
        compile_device_filter('CustomSecurityAttribute.Eng_Project -eq "x"')


# --------------------------------------------------------------------------------------------
# Real corpora
# --------------------------------------------------------------------------------------------

_RULE_RE = re.compile(r'"rule"\s*:\s*("(?:[^"\\]|\\.)*")', re.IGNORECASE)
# Placeholders from Microsoft Graph resource-schema examples (`"rule": "String"`): a type name,
# not a rule.
_PLACEHOLDERS = {"String"}


def _corpus_rules() -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for path in sorted(POLICY_DATA.rglob("*")):
        if not path.is_file():
            continue
        raw = path.read_bytes()
        try:
            text = (
                raw.decode("utf-16")
                if raw[:2] in (b"\xff\xfe", b"\xfe\xff")
                else raw.decode("utf-8-sig")
            )
        except UnicodeDecodeError:
            continue
        for match in _RULE_RE.finditer(text):
            value = json.loads(match.group(1))
            if isinstance(value, str):
                found.append((str(path.relative_to(POLICY_DATA)), value))
    return found


def test_corpus_rules_compile() -> None:
    rules = _corpus_rules()
    assert rules, "expected device filter rules in the corpora"
    failures = []
    for where, rule in rules:
        if rule in _PLACEHOLDERS:
            with pytest.raises(DeviceFilterError):
                compile_device_filter(rule)
            continue
        try:
            compiled = compile_device_filter(rule)
        except DeviceFilterError as exc:
            failures.append(f"{where}: {exc}")
            continue
        compiled.matches(None)
        compiled.matches({"trustType": "ServerAD", "isCompliant": True})
    assert not failures, "\n".join(failures)


def test_corpus_rule_semantics() -> None:
    """The ScubaGear "unmanaged device" filter (single-quoted strings) selects unregistered
    devices (negative operators on null, §3) and excludes every join type."""
    rule = compile_device_filter(
        "device.trustType -ne 'AzureAD' -and device.trustType -ne 'ServerAD' "
        "-and device.trustType -ne 'Workplace'"
    )
    assert rule.matches(None)
    for trust in ("AzureAD", "ServerAD", "Workplace"):
        assert not rule.matches({"trustType": trust})
    j0eyv = compile_device_filter('device.isCompliant -eq True -or device.trustType -eq "ServerAD"')
    assert j0eyv.matches({"isCompliant": True})
    assert j0eyv.matches({"trustType": "ServerAD", "isCompliant": False})
    assert not j0eyv.matches(None)


# --------------------------------------------------------------------------------------------
# Hypothesis: arbitrary text never raises anything but DeviceFilterError
# --------------------------------------------------------------------------------------------

FRAGMENTS = [
    "device.",
    "device.model",
    "device.isCompliant",
    "systemLabels",
    "CustomSecurityAttribute.A_b",
    "-eq",
    "eq",
    "-ne",
    "-in",
    "-notIn",
    "-contains",
    "-startsWith",
    "-match",
    "-and",
    "and",
    "-or",
    "-not",
    "not",
    "(",
    ")",
    "[",
    "]",
    ",",
    '"x"',
    '"',
    "'",
    "'a''b'",
    '"a`"b"',
    "`",
    "true",
    "False",
    "null",
    "\n",
    "-",
    ".",
    "\u212a",
    "\u0130n",
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        st.text(max_size=120),
        st.lists(st.sampled_from(FRAGMENTS), max_size=16).map(" ".join),
        st.lists(st.sampled_from(FRAGMENTS), max_size=16).map("".join),
    )
)
def test_fuzz_only_device_filter_error(text: str) -> None:
    for compile_ in (compile_device_filter, compile_application_filter):
        try:
            rule = compile_(text)
        except DeviceFilterError as exc:
            assert str(exc)
            continue
        assert isinstance(rule, FilterRule)
        rule.matches(None)
        rule.matches({})
        rule.matches({"model": "x", "A_b": ["x"], "isCompliant": True})


# --------------------------------------------------------------------------------------------
# Hypothesis: differential test against an independent reference evaluator over an AST
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cmp:
    prop: str
    op: str
    value: object  # str | bool | None (null literal) | tuple[str, ...] for -in/-notIn


@dataclass(frozen=True)
class Not:
    child: object


@dataclass(frozen=True)
class And:
    children: tuple[object, ...]


@dataclass(frozen=True)
class Or:
    children: tuple[object, ...]


WORDS = ["Surface", "surface laptop", "SAW", "AzureAD", "CloudPC", "a", "A", "ab", ""]
WORDS += ['q"t', "it's", "x`y"]
# Small per-property pools so generated rules actually hit generated devices.
POOLS: dict[str, list[str]] = {
    "model": ["Surface", "surface laptop", "a", "ab", "", 'q"t', "it's", "x`y"],
    "displayName": ["SAW-01", "saw", "a", "A", "ab"],
    "deviceId": ["id-1", "ID-1", "id-2"],
    "mdmAppId": ["", "0000000a-0000-0000-c000-000000000000"],
    "trustType": ["AzureAD", "ServerAD", "Workplace", "serverad"],
    "systemLabels": ["CloudPC", "cloudpc", "MicrosoftPowerAutomate", "a"],
    "physicalIds": ["[ZTDId]:1", "[ztdid]:1", "a"],
    "extensionAttribute1": ["SAW", "saw", "a", ""],
    "extensionAttribute15": ["SAW", "x`y", "a"],
}
PROPS = [*POOLS, "isCompliant"]
# extensionAttributes weigh double: their availability rule is the subtle part.
LEAF_PROPS = [*PROPS, "extensionAttribute1", "extensionAttribute15"]


def _pool(prop: str) -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(POOLS[prop]), st.sampled_from(WORDS))


@st.composite
def comparisons(draw: st.DrawFn) -> Cmp:
    prop = draw(st.sampled_from(LEAF_PROPS))
    op = draw(st.sampled_from(TABLE[prop]))
    if op in ("in", "notIn"):
        value: object = tuple(draw(st.lists(_pool(prop), max_size=3)))
    elif prop == "isCompliant":
        value = draw(st.sampled_from([True, False, "True", "false", "FALSE", None]))
    elif op in ("eq", "ne"):
        value = draw(st.one_of(st.none(), _pool(prop), _pool(prop)))
    else:
        value = draw(_pool(prop))
    return Cmp(prop, op, value)


asts = st.recursive(
    comparisons(),
    lambda children: st.one_of(
        children.map(Not),
        st.lists(children, min_size=2, max_size=3).map(lambda xs: And(tuple(xs))),
        st.lists(children, min_size=2, max_size=3).map(lambda xs: Or(tuple(xs))),
    ),
    max_leaves=8,
)


@st.composite
def devices(draw: st.DrawFn) -> dict[str, object] | None:
    if draw(st.sampled_from(["registered"] * 5 + ["unregistered"])) == "unregistered":
        return None
    device: dict[str, object] = {}
    for prop in PROPS:
        if prop in COLLECTIONS:
            options: list[object] = [[], *([v] for v in POOLS[prop]), POOLS[prop][:2]]
        elif prop == "isCompliant":
            options = [True, False, "True"]
        else:
            options = list(POOLS[prop])
        # sampled_from draws near-uniformly, so most devices carry most properties; None
        # (and a missing key) both mean null.
        value = draw(st.sampled_from([*options, None, "<missing>"]))
        if value != "<missing>":
            device[prop.lower() if draw(st.booleans()) else prop] = value
    return device


def _spell(word: str, rnd: random.Random) -> str:
    choice = rnd.randrange(3)
    return word if choice == 0 else word.lower() if choice == 1 else word.upper()


def _render_value(value: object, rnd: random.Random) -> str:
    if value is None:
        return _spell("null", rnd)
    if isinstance(value, bool):
        return _spell("true" if value else "false", rnd)
    if isinstance(value, tuple):
        return "[" + ", ".join(_render_value(v, rnd) for v in value) + "]"
    assert isinstance(value, str)
    if rnd.random() < 0.5:
        return '"' + value.replace("`", "``").replace('"', '`"') + '"'
    return "'" + value.replace("'", "''") + "'"


_PREC = {Or: 1, And: 2, Not: 3, Cmp: 4}


def render(node: object, rnd: random.Random, min_prec: int = 0) -> str:
    ws = rnd.choice([" ", "  ", "\t", "\n "])
    if isinstance(node, Cmp):
        prefix = rnd.choice(["device.", "DEVICE.", "Device.", ""])
        op = rnd.choice(["-", ""]) + _spell(node.op, rnd)
        text = f"{prefix}{_spell(node.prop, rnd)}{ws}{op}{ws}{_render_value(node.value, rnd)}"
    elif isinstance(node, Not):
        keyword = rnd.choice(["-", ""]) + _spell("not", rnd)
        text = f"{keyword}{ws}{render(node.child, rnd, 3)}"
    else:
        assert isinstance(node, (And, Or))
        keyword = "and" if isinstance(node, And) else "or"
        own = _PREC[type(node)]
        sep = f"{ws}{rnd.choice(['-', ''])}{_spell(keyword, rnd)}{ws}"
        text = sep.join(render(child, rnd, own + 1) for child in node.children)
    if _PREC[type(node)] < min_prec or rnd.random() < 0.15:
        text = f"({rnd.choice(['', ' '])}{text}{rnd.choice(['', ' '])})"
    return text


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).lower()


def _reference_get(device: dict[str, object] | None, prop: str) -> object:
    """Independent reading of §3: unregistered -> null; extensionAttributes visible only when
    Intune managed (mdmAppId), compliant or hybrid joined (ServerAD)."""
    if device is None:
        return None
    folded = {k.lower(): v for k, v in device.items()}
    if prop.startswith("extensionAttribute"):
        managed = folded.get("mdmappid") not in (None, "")
        compliant = _text(folded.get("iscompliant")) == "true"
        hybrid = _text(folded.get("trusttype")) == "serverad"
        if not (managed or compliant or hybrid):
            return None
    return folded.get(prop.lower())


def reference(node: object, device: dict[str, object] | None) -> bool:
    if isinstance(node, Not):
        return not reference(node.child, device)
    if isinstance(node, And):
        return all(reference(c, device) for c in node.children)
    if isinstance(node, Or):
        return any(reference(c, device) for c in node.children)
    assert isinstance(node, Cmp)
    actual = _reference_get(device, node.prop)
    if node.value is None:
        return (actual is None) == (node.op == "eq")
    negative = node.op in NEGATIVE
    if actual is None:
        return negative
    op = POSITIVE_OF.get(node.op, node.op)
    if node.prop in COLLECTIONS:
        elements = [_text(e) for e in actual] if isinstance(actual, list) else [_text(actual)]
        result = _text(node.value) in elements  # contains / tolerated eq: whole element
    else:
        have = _text(actual)
        if op == "in":
            assert isinstance(node.value, tuple)
            result = have in [_text(v) for v in node.value]
        else:
            want = _text(node.value)
            result = {
                "eq": have == want,
                "startsWith": have.startswith(want),
                "endsWith": have.endswith(want),
                "contains": want in have,
            }[op]
    return result != negative


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(asts, st.lists(devices(), min_size=2, max_size=6), st.randoms(use_true_random=False))
def test_differential_against_reference(
    ast: object, device_list: list[dict[str, object] | None], rnd: random.Random
) -> None:
    text = render(ast, rnd)
    rule = compile_device_filter(text)
    for device in [None, *device_list]:
        assert rule.matches(device) is reference(ast, device), (text, device)
