"""One key written in two spellings in one object (``State`` and ``state``; review of issue 8).

Graph camelCase and PowerShell PascalCase spellings of a key both load, so a careless or hostile
export could write ``"State": "disabled"`` next to ``"state": "enabled"``: before, the first
non-empty one was read silently. Now copies that mean two things are exit 2 (``duplicate``)
naming the file and the JSON pointers of both keys; copies that cannot mean two things (equal,
or all but one ``null``: docs/assumptions.md A-IN-DUP) are read as the one value."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from tests.examples_paths import CONTOSO
from typer.testing import CliRunner

from caflow.cli.main import app
from caflow.io.bundle import load_bundle

runner = CliRunner()
CA004 = "policies/CA004-Require-MFA-for-SharePoint-Online.json"
ALICE = "alice@contoso.com"


def _bundle(tmp_path: Path) -> Path:
    root = tmp_path / "bundle"
    shutil.copytree(CONTOSO, root)
    return root


def _edit_json(root: Path, rel: str, edit: object, *, yaml_file: bool = False) -> Path:
    """Apply ``edit`` (doc -> None) to a JSON file of the bundle; ``yaml_file``: write it back
    as YAML (``.yaml``) instead, so both parsers are covered."""
    path = root / rel
    doc = json.loads(path.read_text(encoding="utf-8"))
    edit(doc)  # type: ignore[operator]
    if yaml_file:
        path.unlink()
        path = path.with_suffix(".yaml")
        path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    else:
        path.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    return path


def _set(*keys: str, value: object) -> object:
    def edit(doc: dict[str, object]) -> None:
        node = doc
        for key in keys[:-1]:
            node = node[key]  # type: ignore[assignment]
        node[keys[-1]] = value

    return edit


def _connection_name(doc: dict[str, list[dict[str, object]]]) -> None:
    doc["value"][1]["Name"] = "bob-outlook"


# case -> (file, edit, JSON pointer of the second spelling, of the first)
BUNDLE = {
    "policy state": (CA004, _set("State", value="disabled"), "/State", "/state"),
    "nested grant operator": (
        CA004,
        _set("grantControls", "Operator", value="AND"),
        "/grantControls/Operator",
        "/grantControls/operator",
    ),
    "include users list": (
        CA004,
        _set("conditions", "users", "IncludeUsers", value=["All"]),
        "/conditions/users/IncludeUsers",
        "/conditions/users/includeUsers",
    ),
    "connection in a Graph list": (
        "powerplatform/connections.json",
        _connection_name,
        "/value/1/Name",
        "/value/1/name",
    ),
}


@pytest.mark.parametrize("as_yaml", [False, True], ids=["json", "yaml"])
@pytest.mark.parametrize("case", sorted(BUNDLE))
def test_two_spellings_with_two_values_in_a_bundle_are_exit_2(
    tmp_path: Path, case: str, as_yaml: bool
) -> None:
    rel, edit, second, first = BUNDLE[case]
    root = _bundle(tmp_path)
    path = _edit_json(root, rel, edit, yaml_file=as_yaml)
    key = second.rsplit("/", 1)[1]
    for args in (["advise", str(root)], ["whatif", str(root), "--user", ALICE]):
        res = runner.invoke(app, args)
        assert res.exit_code == 2, res.output
        err = res.stderr.strip()
        assert err.startswith(f"error: {path}: {second}: duplicate key '{key}'"), err
        assert f"at {first}," in err and err.endswith("[duplicate]"), err
        assert len(err.splitlines()) == 1, err


@pytest.mark.parametrize(
    ("text", "second", "first"),
    [
        ("settings:\n  rememberMfa: {enabled: false, days: 14}\n", "", ""),
        (
            "settings:\n  rememberMfa: {enabled: false, days: 14}\n"
            "  RememberMfa: {enabled: true, days: 14}\n",
            "/settings/RememberMfa",
            "/settings/rememberMfa",
        ),
        (
            "settings:\n  rememberMfa: {enabled: false, days: 14, Enabled: true}\n",
            "/settings/rememberMfa/Enabled",
            "/settings/rememberMfa/enabled",
        ),
        (
            "Settings: {legacyTokenLifetimes: true}\nsettings: {legacyTokenLifetimes: false}\n",
            "/settings",
            "/Settings",
        ),
    ],
    ids=["control", "settings object", "nested flag", "top level"],
)
def test_two_spellings_in_tenant_yaml_are_exit_2(
    tmp_path: Path, text: str, second: str, first: str
) -> None:
    root = _bundle(tmp_path)
    tenant = root / "tenant.yaml"
    head = tenant.read_text(encoding="utf-8").split("settings:\n", 1)[0]
    tenant.write_text(head + text, encoding="utf-8")
    res = runner.invoke(app, ["advise", str(root)])
    if not second:
        assert res.exit_code in (0, 1), res.output
        return
    assert res.exit_code == 2, res.output
    key = second.rsplit("/", 1)[1]
    assert res.stderr.startswith(f"error: {tenant}: {second}: duplicate key '{key}'"), res.stderr
    assert f"at {first}," in res.stderr


def test_two_spellings_in_directory_yaml_are_exit_2(tmp_path: Path) -> None:
    root = _bundle(tmp_path)
    directory = root / "directory.yaml"
    text = directory.read_text(encoding="utf-8")
    old = "    userPrincipalName: alice@contoso.com\n"
    directory.write_text(
        text.replace(old, old + "    UserPrincipalName: bob@contoso.com\n", 1), encoding="utf-8"
    )
    res = runner.invoke(app, ["advise", str(root)])
    assert res.exit_code == 2, res.output
    assert res.stderr.startswith(
        f"error: {directory}: /users/0/UserPrincipalName: duplicate key 'UserPrincipalName'"
    ), res.stderr
    assert "at /users/0/userPrincipalName," in res.stderr


SCENARIO = """tenant: {bundle}
start: 2026-01-05T09:00:00Z
end: 2026-01-10T00:00:00Z
events:
  - at: 2026-01-05T09:00:00Z
    signIn: {{user: alice@contoso.com, mfa: false}}
"""

# scenario text edits -> (JSON pointer of the second spelling, of the first)
SCENARIO_CASES = {
    "sign-in body": (
        ("mfa: false}", "mfa: false, Mfa: true}"),
        "/events/0/signIn/Mfa",
        "/events/0/signIn/mfa",
    ),
    "flow owner": (
        (
            "events:\n",
            "flows:\n  - {id: f1, owner: alice@contoso.com, Owner: bob@contoso.com,"
            " trigger: {schedule: P1D}}\nevents:\n",
        ),
        "/flows/0/Owner",
        "/flows/0/owner",
    ),
    "scenario end": (("end: 2026", "End: 2026-01-09T00:00:00Z\nend: 2026"), "/end", "/End"),
    "inline policy state": (
        (
            "events:\n",
            "events:\n  - at: 2026-01-05T09:00:00Z\n    addPolicy:\n      policy:\n"
            "        id: p-new\n        displayName: Block\n        state: enabled\n"
            "        State: disabled\n        conditions:\n"
            "          users: {includeUsers: [All]}\n"
            "          applications: {includeApplications: [All]}\n"
            "        grantControls: {operator: OR, builtInControls: [block]}\n",
        ),
        "/events/0/addPolicy/policy/State",
        "/events/0/addPolicy/policy/state",
    ),
    "updatePolicy set": (
        (
            "events:\n",
            "events:\n  - at: 2026-01-05T09:00:00Z\n    updatePolicy:\n"
            "      id: 66666666-0000-0000-0000-000000000004\n"
            "      set: {state: disabled, State: enabled}\n",
        ),
        "/events/0/updatePolicy/set/State",
        "/events/0/updatePolicy/set/state",
    ),
}


@pytest.mark.parametrize("as_json", [False, True], ids=["yaml", "json"])
@pytest.mark.parametrize("case", sorted(SCENARIO_CASES))
def test_two_spellings_in_a_scenario_are_exit_2(tmp_path: Path, case: str, as_json: bool) -> None:
    (old, new), second, first = SCENARIO_CASES[case]
    text = SCENARIO.format(bundle=CONTOSO)
    assert old in text
    text = text.replace(old, new, 1)
    scenario = tmp_path / "s.yaml"
    if as_json:
        # The same document as JSON (yaml keeps key order), so the JSON parser is covered too.
        scenario = tmp_path / "s.json"
        doc = yaml.load(text, Loader=yaml.BaseLoader)  # strings only: no date objects
        text = json.dumps(doc)
    scenario.write_text(text, encoding="utf-8")
    res = runner.invoke(app, ["simulate", str(scenario)])
    assert res.exit_code == 2, res.output
    key = second.rsplit("/", 1)[1]
    assert res.stderr.startswith(f"error: {scenario}: {second}: duplicate key '{key}'"), res.stderr
    assert f"at {first}," in res.stderr and res.stderr.strip().endswith("[duplicate]")


@pytest.mark.parametrize(
    "extra",
    [
        {"State": "enabled"},  # equal
        {"State": None},  # all but one null
        {"GrantControls": None, "Conditions": None},
    ],
    ids=["equal", "null", "null objects"],
)
def test_spellings_that_cannot_mean_two_things_load(
    tmp_path: Path, extra: dict[str, object]
) -> None:
    """docs/assumptions.md A-IN-DUP: equal copies, or all but one null, are the one value."""
    root = _bundle(tmp_path)

    def edit(doc: dict[str, object]) -> None:
        doc.update(extra)

    _edit_json(root, CA004, edit)
    res = runner.invoke(app, ["advise", str(root), "--format", "json"])
    assert res.exit_code in (0, 1), res.output
    policy = next(p for p in load_bundle(root).policies if p.id.endswith("0004"))
    assert policy.state == "enabled" and policy.grant is not None


def test_equal_copies_of_different_json_types_are_two_meanings(tmp_path: Path) -> None:
    """``1`` equals ``true`` in Python, not in JSON: such copies are two meanings."""
    root = _bundle(tmp_path)

    def edit(doc: dict[str, dict[str, object]]) -> None:
        doc["conditions"]["users"]["IncludeUsers"] = 1
        doc["conditions"]["users"]["includeUsers"] = True

    path = _edit_json(root, CA004, edit)
    res = runner.invoke(app, ["advise", str(root)])
    assert res.exit_code == 2, res.output
    assert res.stderr.startswith(f"error: {path}: /conditions/users/IncludeUsers: duplicate key")


def test_value_and_Value_lists_that_differ_are_exit_2(tmp_path: Path) -> None:
    root = _bundle(tmp_path)
    path = root / "powerplatform" / "connections.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["Value"] = doc["value"][:1]
    path.write_text(json.dumps(doc), encoding="utf-8")
    res = runner.invoke(app, ["advise", str(root)])
    assert res.exit_code == 2, res.output
    assert res.stderr.startswith(f"error: {path}: /Value: duplicate key 'Value'"), res.stderr
    assert "at /value," in res.stderr
    doc["Value"] = doc["value"]  # equal: one list
    path.write_text(json.dumps(doc), encoding="utf-8")
    assert runner.invoke(app, ["advise", str(root)]).exit_code in (0, 1)
