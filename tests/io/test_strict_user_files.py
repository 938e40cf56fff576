"""Strict reading of the user-written bundle files (issue 8 part 3): ``tenant.yaml`` settings and
``directory.yaml`` are read through their pydantic models. Unknown keys, wrong scalar types,
unknown enum values and duplicates are exit 2 naming the file and the JSON path as written,
with a did-you-mean where one is close; YAML 1.1 number surprises stay strings."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from tests.examples_paths import CONTOSO
from typer.testing import CliRunner

from caflow.cli.main import app
from caflow.errors import SchemaError, did_you_mean
from caflow.io.bundle import load_bundle

runner = CliRunner()


def _bundle(tmp_path: Path, *, tenant: str | None = None, directory: str | None = None) -> Path:
    root = tmp_path / "bundle"
    shutil.copytree(CONTOSO, root)
    if tenant is not None:
        (root / "tenant.yaml").write_text(tenant, encoding="utf-8")
    if directory is not None:
        (root / "directory.yaml").write_text(directory, encoding="utf-8")
    return root


def _whatif(bundle: Path):
    return runner.invoke(
        app, ["whatif", str(bundle), "--user", "alice@contoso.com", "--app", "Office 365"]
    )


def _fails(res, file: str, pointer: str, code: str, *fragments: str) -> str:
    assert res.exit_code == 2, res.output
    err = res.stderr
    assert "Traceback" not in err and "internal error" not in err, err
    assert f"{file}: {pointer}" in err, err
    assert f"[{code}]" in err, err
    for fragment in fragments:
        assert fragment in err, err
    return err


TENANT_CASES = {
    # key misspelled by case only: the issue's own example
    "rememberMFA": (
        "settings:\n  rememberMFA: {enabled: true, days: 14}\n",
        "/settings/rememberMFA",
        "unknown-key",
        ["unknown key 'rememberMFA'", "did you mean 'rememberMfa'?"],
    ),
    "typo in a nested key": (
        "settings:\n  rememberMfa: {enabled: true, dayz: 14}\n",
        "/settings/rememberMfa/dayz",
        "unknown-key",
        ["did you mean 'days'?"],
    ),
    "typo at the top level": (
        "displayname: Contoso\n",
        "/displayname",
        "unknown-key",
        ["did you mean 'displayName'?"],
    ),
    "nothing close": (
        "settings:\n  zzz: 1\n",
        "/settings/zzz",
        "unknown-key",
        ["known keys: rememberMfa"],
    ),
    "quoted boolean": (
        'settings:\n  rememberMfa: {enabled: "true"}\n',
        "/settings/rememberMfa/enabled",
        "wrong-type",
        ["expected true or false, got a string"],
    ),
    "boolean as days": (
        "settings:\n  rememberMfa: {enabled: true, days: true}\n",
        "/settings/rememberMfa/days",
        "wrong-type",
        ["expected an integer, got true"],
    ),
    "quoted number": (
        'settings:\n  rememberMfa: {enabled: true, days: "14"}\n',
        "/settings/rememberMfa/days",
        "wrong-type",
        ["expected an integer"],
    ),
    "days out of range": (
        "settings:\n  rememberMfa: {enabled: true, days: 400}\n",
        "/settings/rememberMfa/days",
        "invalid-value",
        ["<= 365"],
    ),
    "invalid CIDR in mfaTrustedIps": (
        "settings:\n  mfaTrustedIps: [203.0.113.0/24, 10.0.0.0/33]\n",
        "/settings/mfaTrustedIps",
        "invalid-value",
        ["item 1: expected an IPv4 or IPv6 CIDR range, got a string of 11 characters"],
    ),
    "invalid CIDR in connector egress": (
        "settings:\n  connectorEgress: {ipRanges: [not-an-ip]}\n",
        "/settings/connectorEgress/ipRanges",
        "invalid-value",
        ["item 0: expected an IPv4 or IPv6 CIDR range, got a string of 9 characters"],
    ),
    "legacy flag quoted": (
        'settings:\n  legacyTokenLifetimes: "false"\n',
        "/settings/legacyTokenLifetimes",
        "wrong-type",
        [],
    ),
    "access token lifetime as a number": (
        "settings:\n  accessTokenLifetime: 75\n",
        "/settings/accessTokenLifetime",
        "wrong-type",
        [],
    ),
    "access token lifetime out of range": (
        "settings:\n  accessTokenLifetime: PT2M\n",
        "/settings/accessTokenLifetime",
        "invalid-value",
        ["PT10M .. P1D"],
    ),
    "settings is a list": (
        "settings: [rememberMfa]\n",
        "/settings",
        "wrong-type",
        ["expected an object, got a list"],
    ),
    "PascalCase typo keeps its spelling in the path": (
        "Settings:\n  RememberMfa: {Enabled: yes, Dayz: 3}\n",
        "/Settings/RememberMfa/Dayz",
        "unknown-key",
        ["did you mean 'days'?"],
    ),
    # Graph authenticationMethodModes: a misspelt method would fail every strength naming it
    "unknown default MFA method": (
        "settings:\n  defaultMfaMethods: [password, fido]\n",
        "/settings/defaultMfaMethods/1",
        "invalid-value",
        ["did you mean 'fido2'?"],
    ),
    "token lifetime key misspelled": (
        "settings:\n  tokenLifetimePolicy: {MaxInactivetime: 10.00:00:00}\n",
        "/settings/tokenLifetimePolicy/MaxInactivetime",
        "unknown-key",
        ["did you mean 'MaxInactiveTime'?"],
    ),
}


@pytest.mark.parametrize("case", sorted(TENANT_CASES))
def test_tenant_yaml_bad_input_is_exit_2(tmp_path: Path, case: str) -> None:
    text, pointer, code, fragments = TENANT_CASES[case]
    res = _whatif(_bundle(tmp_path, tenant=text))
    _fails(res, "tenant.yaml", pointer, code, *fragments)


def test_tenant_yaml_pascal_case_and_empty_file_load(tmp_path: Path) -> None:
    tenant = load_bundle(
        _bundle(
            tmp_path,
            tenant="Id: t1\nDisplayName: T\nSettings:\n  RememberMfa: {Enabled: true, Days: 7}\n",
        )
    )
    assert (tenant.id, tenant.display_name) == ("t1", "T")
    assert tenant.settings.rememberMfa.enabled and tenant.settings.rememberMfa.days == 7
    empty = load_bundle(_bundle(tmp_path / "e", tenant=""))
    assert empty.settings.rememberMfa.days == 14


DIRECTORY = (CONTOSO / "directory.yaml").read_text(encoding="utf-8")


def _directory(**changes) -> str:
    doc = yaml.safe_load(DIRECTORY)
    for key, change in changes.items():
        change(doc[key])
    return yaml.safe_dump(doc, sort_keys=False)


def _set(index: int, **fields):
    def apply(items: list) -> None:
        items[index].update(fields)

    return apply


def _append(**fields):
    return lambda items: items.append(fields)


DIRECTORY_CASES = {
    "misspelled user key": (
        _directory(users=_set(0, memberof=["Finance"])),
        "/users/0/memberof",
        "unknown-key",
        ["did you mean 'memberOf'?"],
    ),
    "misspelled device key": (
        _directory(devices=_set(1, isCompliantt=True)),
        "/devices/1/isCompliantt",
        "unknown-key",
        ["did you mean 'isCompliant'?"],
    ),
    "misspelled top-level key": (
        DIRECTORY + "\nservicePrincipal: []\n",
        "/servicePrincipal",
        "unknown-key",
        ["did you mean 'servicePrincipals'?"],
    ),
    "isCompliant yes as a string": (
        _directory(devices=_set(0, isCompliant="yes")),
        "/devices/0/isCompliant",
        "wrong-type",
        ["expected true or false, got a string"],
    ),
    "accountEnabled quoted": (
        _directory(users=_set(2, accountEnabled="false")),
        "/users/2/accountEnabled",
        "wrong-type",
        [],
    ),
    "unknown userType": (
        _directory(users=_set(1, userType="Gest")),
        "/users/1/userType",
        "invalid-value",
        ["did you mean 'Guest'?"],
    ),
    "unknown trustType": (
        _directory(devices=_set(0, trustType="AzureADJoined")),
        "/devices/0/trustType",
        "invalid-value",
        ["one of AzureAD, ServerAD, Workplace"],
    ),
    "unknown guest type": (
        _directory(users=_set(0, userType="Guest", guestOrExternalUserType="b2bGuest")),
        "/users/0/guestOrExternalUserType",
        "invalid-value",
        [],
    ),
    "duplicate UPN (other case)": (
        _directory(users=_append(userPrincipalName="ALICE@contoso.com")),
        "/users/",
        "duplicate",
        ["duplicate userPrincipalName 'ALICE@contoso.com' (also at /users/0/userPrincipalName)"],
    ),
    "duplicate user id": (
        _directory(users=_set(1, id="11111111-0000-0000-0000-000000000001")),
        "/users/1/id",
        "duplicate",
        ["also at /users/0/id"],
    ),
    "duplicate group name": (
        _directory(groups=_append(displayName="finance")),
        "/groups/",
        "duplicate",
        ["duplicate group name 'finance'"],
    ),
    "duplicate device name": (
        _directory(devices=_append(displayName="LAPTOP-ALICE", deviceId="x-1")),
        "/devices/",
        "duplicate",
        ["duplicate device name 'LAPTOP-ALICE'"],
    ),
    "user without UPN": (
        _directory(users=_append(displayName="Nobody")),
        "/users/",
        "missing-field",
        ["'userPrincipalName'"],
    ),
    "users is an object": (
        "users: {alice: alice@contoso.com}\n",
        "/users",
        "wrong-type",
        ["expected a list"],
    ),
}


@pytest.mark.parametrize("case", sorted(DIRECTORY_CASES))
def test_directory_yaml_bad_input_is_exit_2(tmp_path: Path, case: str) -> None:
    text, pointer, code, fragments = DIRECTORY_CASES[case]
    res = _whatif(_bundle(tmp_path, directory=text))
    _fails(res, "directory.yaml", pointer, code, *fragments)


def test_yaml_1_1_numbers_stay_strings(tmp_path: Path) -> None:
    """``id: 0755`` is not octal 493 and ``12:30:00`` is not 45000 where a string is expected."""
    text = (
        "users:\n"
        "  - {id: 0755, userPrincipalName: a@contoso.com, displayName: 12:30:00, memberOf: [0100]}\n"
        "groups:\n  - {id: 0100, displayName: Night shift}\n"
    )
    tenant = load_bundle(_bundle(tmp_path, directory=text))
    user = tenant.directory.user("a@contoso.com")
    assert user is not None
    assert (user.id, user.display_name) == ("0755", "12:30:00")
    assert user.group_ids == frozenset({"0100"})


def test_directory_pascal_case_and_lone_strings_load(tmp_path: Path) -> None:
    text = (
        "Users:\n  - {UserPrincipalName: b@contoso.com, MemberOf: Sales, UserType: guest}\n"
        "Groups:\n  - {DisplayName: Sales}\n"
    )
    user = load_bundle(_bundle(tmp_path, directory=text)).directory.user("b@contoso.com")
    assert user is not None and user.user_type == "Guest" and len(user.group_ids) == 1


def test_did_you_mean() -> None:
    assert did_you_mean("rememberMFA", ["rememberMfa", "legacyTokenLifetimes"]) == "rememberMfa"
    assert did_you_mean("memberof", ["memberOf", "members"]) == "memberOf"
    assert did_you_mean("zzz", ["rememberMfa"]) is None


def test_schema_error_names_path_as_written() -> None:
    from caflow.model.strict import read_model
    from caflow.model.tenant import TenantFile

    with pytest.raises(SchemaError) as exc:
        read_model(TenantFile, {"SETTINGS": {}}, file="tenant.yaml")
    assert exc.value.json_path == "/SETTINGS" and "did you mean 'settings'?" in str(exc.value)
