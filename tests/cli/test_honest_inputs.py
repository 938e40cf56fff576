"""Issue 13 "Done when", input side: an empty folder, a truncated PowerShell export, a typo'd
rule id, unknown --user/--member-of, a zero-policy bundle, rules with nothing to look at.

Each is run as a user runs it (the CLI) and must give the honest answer: exit 2 naming what is
wrong, or a counted, named "undetermined"/"not evaluated" - never a confident ALLOW or PASS.
"""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest
from tests.examples_paths import CONTOSO
from typer.testing import CliRunner

from caflow.advise import load_rules
from caflow.cli.main import app

FLOW = "Microsoft Flow Service"
runner = CliRunner()


def _run(*args: str):
    return runner.invoke(app, [str(a) for a in args])


def _bad(res, *needles: str) -> None:
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output
    for n in needles:
        assert n in res.stderr, res.stderr


# -- no tenant data at all -------------------------------------------------------------------
def _empty_inputs(tmp: Path) -> dict[str, Path]:
    empty = tmp / "empty"
    empty.mkdir()
    zipped = tmp / "empty.zip"
    with zipfile.ZipFile(zipped, "w"):
        pass
    junk = tmp / "junk"
    junk.mkdir()
    (junk / "notes.json").write_text(json.dumps({"hello": "world"}))
    (junk / "readme.txt").write_text("not data")
    return {"empty": empty, "zip": zipped, "junk": junk}


@pytest.mark.parametrize("kind", ["empty", "zip", "junk"])
def test_no_tenant_data_is_bad_input_for_every_verb(tmp_path: Path, kind: str) -> None:
    path = _empty_inputs(tmp_path)[kind]
    _bad(_run("whatif", path, "--user", "a@b.c", "--app", FLOW), str(path), "[no-tenant-data]")
    _bad(_run("advise", path), "[no-tenant-data]")
    _bad(_run("check", "--baseline", path, "--proposed", CONTOSO / "policies"), "[no-tenant-data]")


def test_bundle_with_zero_policies_loads_with_a_note(tmp_path: Path) -> None:
    b = tmp_path / "b"
    b.mkdir()
    (b / "tenant.yaml").write_text("id: 00000000-0000-0000-0000-0000000c0570\ndisplayName: Z\n")
    res = _run("whatif", b, "--user", "a@b.c", "--app", FLOW, "--json")
    assert res.exit_code == 0, res.output
    assert "holds no Conditional Access policy" in res.stderr
    out = json.loads(res.stdout)
    assert out["decision"] == "allow" and out["certain"] is True and out["value"] == []


@pytest.mark.parametrize("where", ["policies.json", "policies/policies.json"])
def test_graph_export_of_a_tenant_without_policies_is_valid(tmp_path: Path, where: str) -> None:
    """Graph answers {"@odata.context": ".../policies", "value": []} for a tenant with no
    policies: that is tenant data (zero policies, a note), not "no tenant data"."""
    f = tmp_path / "b" / where
    f.parent.mkdir(parents=True, exist_ok=True)
    f.write_text(
        json.dumps(
            {
                "@odata.context": "https://graph.microsoft.com/beta/$metadata"
                "#identity/conditionalAccess/policies",
                "value": [],
            }
        )
    )
    res = _run("whatif", tmp_path / "b", "--user", "a@b.c", "--app", FLOW, "--json")
    assert res.exit_code == 0, res.output
    assert "holds no Conditional Access policy" in res.stderr
    assert json.loads(res.stdout)["value"] == []


def test_an_empty_list_without_a_policy_context_is_still_no_tenant_data(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "x.json").write_text('{"value": []}')
    res = _run("whatif", tmp_path / "b", "--user", "a@b.c", "--app", FLOW)
    assert res.exit_code == 2 and "no-tenant-data" in res.output


# -- ConvertTo-Json without -Depth ----------------------------------------------------------------
TRUNCATED = [
    {
        "Id": "7a1b0b5e-0000-0000-0000-000000000001",
        "DisplayName": "Require MFA",
        "State": "enabled",
        "Conditions": "Microsoft.Graph.PowerShell.Models.MicrosoftGraphConditionalAccessConditionSet",
        "GrantControls": "Microsoft.Graph.PowerShell.Models.MicrosoftGraphConditionalAccessGrantControls",
    }
]
TRUNCATED_DEEPER = {
    "value": [
        {
            "id": "7a1b0b5e-0000-0000-0000-000000000002",
            "displayName": "Block",
            "state": "enabled",
            "conditions": {
                "users": {"includeUsers": ["All"]},
                "applications": "System.Collections.Hashtable",
            },
        }
    ]
}


@pytest.mark.parametrize(
    ("doc", "pointer"),
    [(TRUNCATED, "/0/Conditions"), (TRUNCATED_DEEPER, "/value/0/conditions/applications")],
)
def test_truncated_powershell_export_names_file_path_and_fix(
    tmp_path: Path, doc: object, pointer: str
) -> None:
    export = tmp_path / "export"
    export.mkdir()
    # PowerShell 5.1 writes UTF-16 LE with a BOM: the check runs on the decoded document.
    (export / "policies.json").write_bytes(json.dumps(doc).encode("utf-16"))
    res = _run("whatif", export, "--user", "a@b.c", "--app", FLOW)
    _bad(res, "policies.json", pointer, "-Depth 10", "[truncated-export]")
    _bad(_run("advise", export), "-Depth 10")


def _joined_enum_policy(client_app_types: str, platforms: str) -> list[dict[str, object]]:
    """``Get-MgBetaIdentityConditionalAccessPolicy | ConvertTo-Json`` (default -Depth 2): the
    lists three levels down are written as their values joined by spaces."""
    return [
        {
            "Id": "aaaaaaaa-0000-0000-0000-000000000001",
            "DisplayName": "Block legacy auth on mobile",
            "State": "enabled",
            "Conditions": {
                "ClientAppTypes": client_app_types,
                "Applications": {"IncludeApplications": "All", "ExcludeApplications": ""},
                "Users": {"IncludeUsers": "All", "ExcludeUsers": ""},
                "Platforms": {"IncludePlatforms": platforms, "ExcludePlatforms": ""},
            },
            "GrantControls": {"BuiltInControls": "block", "Operator": "OR"},
        }
    ]


@pytest.mark.parametrize(
    ("client_app_types", "platforms", "pointer", "got"),
    [
        (
            "exchangeActiveSync other",
            "android",
            "/0/Conditions/ClientAppTypes",
            "'exchangeActiveSync other'",
        ),
        ("other", "android iOS", "/0/Conditions/Platforms/IncludePlatforms", "'android iOS'"),
    ],
)
def test_enum_list_joined_by_convertto_json_is_a_truncated_export(
    tmp_path: Path, client_app_types: str, platforms: str, pointer: str, got: str
) -> None:
    """Review of issue 9 (L7): a joined list of enum values was read as one unknown value
    (undetermined, "a string of 11 characters") without the -Depth 10 fix id lists get."""
    export = tmp_path / "export"
    export.mkdir()
    doc = _joined_enum_policy(client_app_types, platforms)
    (export / "policies.json").write_bytes(json.dumps(doc).encode("utf-16"))
    res = _run("whatif", export, "--user", "a@b.c", "--app", FLOW)
    _bad(res, f"policies.json: {pointer}: PowerShell export truncated", f"got {got}")
    _bad(res, "-Depth 10", "[truncated-export]")


def test_one_unknown_enum_value_stays_undetermined(tmp_path: Path) -> None:
    """A value outside the closed set with a word that is no member either is a value Graph
    may add later: undetermined (never guessed), not a truncated export."""
    export = tmp_path / "export"
    export.mkdir()
    doc = _joined_enum_policy("other", "android quantumOS")
    (export / "policies.json").write_text(json.dumps(doc))
    res = _run("whatif", export, "--user", "a@b.c", "--app", FLOW, "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["certain"] is False and out["undetermined"][0]["id"] == doc[0]["Id"]


# -- advise: a typo'd rule id, rules with nothing to look at ------------------------------------
def test_unknown_select_rule_id_is_exit_2_listing_the_ids() -> None:
    res = _run("advise", CONTOSO, "--select", "remember_mfa_enabld")
    _bad(res, "--select", "did you mean 'remember_mfa_enabled'?", "[unknown-reference]")
    for rule in load_rules():
        assert rule.id in res.stderr


def test_select_accepts_ids_and_runs_only_them() -> None:
    res = _run("advise", CONTOSO, "--select", "remember_mfa_enabled", "-f", "json")
    assert res.exit_code == 0, res.output
    assert {f["ruleId"] for f in json.loads(res.stdout)["findings"]} == {"remember_mfa_enabled"}


def test_rule_with_nothing_to_look_at_is_not_evaluated_never_pass(tmp_path: Path) -> None:
    b = tmp_path / "b"
    shutil.copytree(CONTOSO, b)
    (b / "tenant.yaml").write_text("id: 00000000-0000-0000-0000-0000000c0570\ndisplayName: C\n")
    res = _run("advise", b, "-f", "json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    by_rule = {f["ruleId"]: f for f in data["findings"]}
    for rule, setting in (
        ("remember_mfa_enabled", "settings.rememberMfa"),
        ("token_lifetime_policy_not_default", "settings.tokenLifetimePolicy"),
    ):
        assert by_rule[rule]["status"] == "NOT_EVALUATED"
        assert setting in by_rule[rule]["reason"]
    assert data["summary"]["NOT_EVALUATED"] == 2
    assert "2 not evaluated" in data["summaryLine"]
    # --strict counts what was not evaluated like a failure.
    assert _run("advise", b, "--fail-on", "low", "--select", "remember_mfa_enabled").exit_code == 0
    strict = _run("advise", b, "--fail-on", "low", "--strict", "--select", "remember_mfa_enabled")
    assert strict.exit_code == 1, strict.output
    # --strict alone (review N9: it did nothing without --fail-on, whose default is never):
    # what was not evaluated fails at any severity, as check --strict; a FAIL alone does not.
    alone = _run("advise", b, "--strict", "--select", "remember_mfa_enabled")
    assert alone.exit_code == 1, alone.output
    assert _run("advise", b, "--select", "remember_mfa_enabled").exit_code == 0
    decided = _run("advise", CONTOSO, "--strict", "--select", "remember_mfa_enabled", "-f", "json")
    assert json.loads(decided.stdout)["summary"]["NOT_EVALUATED"] == 0
    assert decided.exit_code == 0, decided.output


def test_policy_rules_without_policies_are_not_evaluated(tmp_path: Path) -> None:
    b = tmp_path / "b"
    shutil.copytree(CONTOSO, b)
    shutil.rmtree(b / "policies")
    data = json.loads(_run("advise", b, "-f", "json").stdout)
    statuses = {f["ruleId"]: f["status"] for f in data["findings"]}
    assert statuses["connection_requirements_mismatch"] == "NOT_EVALUATED"
    assert "PASS" not in {statuses[r] for r in statuses if r.startswith("terms_of_use")}


def test_not_evaluated_in_sarif_is_not_applicable(tmp_path: Path) -> None:
    b = tmp_path / "b"
    shutil.copytree(CONTOSO, b)
    (b / "tenant.yaml").write_text("id: 00000000-0000-0000-0000-0000000c0570\ndisplayName: C\n")
    sarif = json.loads(_run("advise", b, "-f", "sarif", "--select", "remember_mfa_enabled").stdout)
    (result,) = sarif["runs"][0]["results"]
    assert result["kind"] == "notApplicable" and result["level"] == "none"


# -- whatif: undetermined policies and unknown names ------------------------------------------------
def test_whatif_says_when_undetermined_policies_could_change_the_verdict() -> None:
    res = _run("whatif", CONTOSO, "--user", "alice@contoso.com", "--app", FLOW, "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["decision"] == "allow"  # from the determined policies
    assert out["certain"] is False
    assert out["undetermined"] and all(u["reason"] for u in out["undetermined"])
    text = _run("whatif", CONTOSO, "--user", "alice@contoso.com", "--app", FLOW)
    n = len(out["undetermined"])
    assert f"ALLOW — {n} policies undetermined" in " ".join(text.stdout.split())


def test_whatif_fully_specified_sign_in_is_certain() -> None:
    res = _run(
        "whatif",
        CONTOSO,
        *("--user", "alice@contoso.com", "--app", FLOW, "--ip", "203.0.113.9"),
        *("--platform", "windows", "--client-app", "browser", "--device", "LAPTOP-ALICE"),
        "--json",
    )
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["undetermined"] == [] and out["certain"] is True


def test_unknown_user_is_a_warning_with_did_you_mean_and_exit_2_under_strict() -> None:
    args = ("whatif", CONTOSO, "--user", "alise@contoso.com", "--app", FLOW)
    res = _run(*args)
    assert res.exit_code == 0, res.output
    assert "warning: --user" in res.stderr and "did you mean 'alice@contoso.com'?" in res.stderr
    _bad(_run(*args, "--strict"), "--user", "alise@contoso.com", "did you mean")


def test_member_of_name_resolving_to_nothing_is_a_warning_exit_2_under_strict() -> None:
    args = ("whatif", CONTOSO, "--user", "new@contoso.com", "--member-of", "Finanse", "--app", FLOW)
    res = _run(*args)
    assert res.exit_code == 0, res.output
    assert "warning: --member-of" in res.stderr and "did you mean 'Finance'?" in res.stderr
    _bad(_run(*args, "--strict"), "--member-of", "Finanse")
    # A known group name is no warning about the group.
    ok = _run(
        "whatif", CONTOSO, "--user", "new@contoso.com", "--member-of", "Finance", "--app", FLOW
    )
    assert "--member-of" not in ok.stderr


# -- an export's unparsable filter rule vs. one the user wrote ---------------------------------------
BAD_FILTER_POLICY = {
    "id": "0f0f0f0f-0000-0000-0000-00000000f117",
    "displayName": "Filter caflow cannot parse",
    "state": "enabled",
    "conditions": {
        "users": {"includeUsers": ["All"]},
        "applications": {"includeApplications": ["All"]},
        "devices": {"deviceFilter": {"mode": "include", "rule": 'device.colour -eq "red"'}},
    },
    "grantControls": {"operator": "OR", "builtInControls": ["block"]},
}


def test_check_proposed_policy_file_with_bad_filter_stays_strict(tmp_path: Path) -> None:
    f = tmp_path / "mine.json"
    f.write_text(json.dumps(BAD_FILTER_POLICY))
    res = _run("check", "--baseline", CONTOSO, "--proposed", f, "--start", "2026-01-05T09:00:00Z")
    _bad(res, "mine.json", "/conditions/devices/deviceFilter/rule", "[invalid-device-filter]")


def test_exported_bundle_with_bad_filter_loads_that_policy_undetermined(tmp_path: Path) -> None:
    b = tmp_path / "b"
    shutil.copytree(CONTOSO, b)
    (b / "policies" / "odd.json").write_text(json.dumps(BAD_FILTER_POLICY))
    res = _run("advise", b, "-f", "json")
    assert res.exit_code == 0, res.output
    assert "odd.json: /conditions/devices/deviceFilter/rule" in res.stderr
    res = _run("check", "--baseline", CONTOSO, "--proposed", b, "--start", "2026-01-05T09:00:00Z")
    assert res.exit_code in (0, 1), res.output  # loaded, not bad input
    assert "[unparsable-rule]" in res.stderr
