"""`caflow whatif` and `caflow demo` as a user runs them: exit codes, JSON contract, bad input."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

from tests.corpora_paths import POLICY_DATA
from tests.examples_paths import CONTOSO
from tests.signin_args import sign_in_args
from typer.testing import CliRunner

from caflow.cli.main import app

ROOT = Path(__file__).resolve().parents[2]
SPO = "Office 365 SharePoint Online"
runner = CliRunner()

HOME = sign_in_args(app=None, device="LAPTOP-ALICE")


def whatif(*args: str, bundle: Path = CONTOSO):
    return runner.invoke(app, ["whatif", str(bundle), *args])


def test_json_contract_for_sharepoint_mfa_mismatch() -> None:
    """KB 4467879: CA004 requires MFA for SharePoint only -> a non-interactive request gets 50076."""
    res = whatif(
        "--user", "alice@contoso.com", "--app", SPO, *HOME, "--at", "2026-02-02T09:00:00Z", "--json"
    )
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["schemaVersion"] == 1
    assert out["decision"] == "requires"
    assert out["requirements"] == ["mfa"]
    assert out["errorCode"] == "AADSTS50076"
    assert out["policies"] == ["66666666-0000-0000-0000-000000000004"]
    by_id = {v["id"]: v for v in out["value"]}
    ca004 = by_id["66666666-0000-0000-0000-000000000004"]
    assert (ca004["policyApplies"], ca004["analysisReasons"], ca004["grantResult"]) == (
        True,
        "notSet",
        "notSatisfied",
    )
    # Report-only CA007 (Finance ToU on Office 365) is reported, never enforced (§2.10).
    ca007 = by_id["66666666-0000-0000-0000-000000000007"]
    assert ca007["reportOnly"] is True and ca007["reportOnlyResult"] == "reportOnlyInterrupted"
    assert not any(t.startswith("termsOfUse") for t in out["requirements"])
    # Disabled CA014 is ignored (not in the What If result list, §2.1).
    assert "66666666-0000-0000-0000-000000000014" not in by_id
    # Each value carries the policy fields, like Graph's whatIfAnalysisResult.
    assert "conditions" in ca004 and "grantControls" in ca004


def test_flow_service_allowed_with_same_signin() -> None:
    res = whatif("--user", "alice@contoso.com", "--app", "Microsoft Flow Service", *HOME, "--json")
    assert res.exit_code == 0
    assert json.loads(res.stdout)["decision"] == "allow"


def test_missing_signals_are_undetermined_not_dropped() -> None:
    """§4.5: a policy whose condition needs a missing signal is notEnoughInformation."""
    res = whatif("--user", "alice@contoso.com", "--app", SPO, "--json")
    out = json.loads(res.stdout)
    undetermined = {u["id"] for u in out["undetermined"]}
    assert "66666666-0000-0000-0000-000000000003" in undetermined  # location condition, no IP
    assert "66666666-0000-0000-0000-000000000001" in undetermined  # client app condition
    ca003 = next(v for v in out["value"] if v["id"] == "66666666-0000-0000-0000-000000000003")
    assert ca003["analysisReasons"] == "notEnoughInformation" and ca003["policyApplies"] is False


def test_legacy_client_is_blocked_with_53003() -> None:
    res = whatif(
        "--user",
        "bob@contoso.com",
        "--app",
        "Office 365 Exchange Online",
        "--ip",
        "203.0.113.10",
        "--platform",
        "windows",
        "--client-app",
        "other",
        "--device",
        "unregistered",
        "--json",
    )
    out = json.loads(res.stdout)
    assert (out["decision"], out["errorCode"]) == ("block", "AADSTS53003")


def test_table_output_and_explain() -> None:
    res = whatif("--user", "alice@contoso.com", "--app", SPO, *HOME, "--explain", "fails")
    assert res.exit_code == 0
    assert "Decision: REQUIRES" in res.stdout
    assert "AADSTS50076" in res.stdout
    assert "/conditions/users" in res.stdout  # explain rows name the policy field


def test_request_file_in_graph_evaluate_shape(tmp_path: Path) -> None:
    req = {
        "signInIdentity": {
            "@odata.type": "#microsoft.graph.userSignIn",
            "userId": "11111111-0000-0000-0000-000000000001",
        },
        "signInContext": {
            "@odata.type": "#microsoft.graph.applicationContext",
            "includeApplications": ["00000003-0000-0ff1-ce00-000000000000"],
        },
        "signInConditions": {
            "ipAddress": "8.8.8.8",
            "devicePlatform": "windows",
            "clientAppType": "browser",
            "deviceInfo": {
                "isCompliant": True,
                "trustType": "AzureAD",
                "deviceId": "33333333-0000-0000-0000-000000000001",
            },
        },
    }
    path = tmp_path / "req.json"
    path.write_text(json.dumps(req))
    res = whatif("--request", str(path), "--json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["errorCode"] == "AADSTS50076"


def test_output_file_written(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    res = whatif("--user", "alice@contoso.com", "--app", SPO, *HOME, "--output", str(out))
    assert res.exit_code == 0
    assert json.loads(out.read_text())["decision"] == "requires"


def test_zip_bundle_gives_same_answer(tmp_path: Path) -> None:
    archive = tmp_path / "contoso.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for p in CONTOSO.rglob("*"):
            if p.is_file():
                zf.write(p, Path("contoso") / p.relative_to(CONTOSO))
    a = json.loads(
        whatif(
            "--user", "alice@contoso.com", "--app", SPO, *HOME, "--json", "--at", "2026-02-02"
        ).stdout
    )
    b = json.loads(
        whatif(
            "--user",
            "alice@contoso.com",
            "--app",
            SPO,
            *HOME,
            "--json",
            "--at",
            "2026-02-02",
            bundle=archive,
        ).stdout
    )
    assert a["decision"] == b["decision"] and a["requirements"] == b["requirements"]


# -- bad input: exit 2, one line naming the file and the JSON path, no traceback ------------


def _copy_bundle(tmp_path: Path) -> Path:
    dst = tmp_path / "bundle"
    shutil.copytree(CONTOSO, dst)
    return dst


def _assert_bad(res, *needles: str) -> None:
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output
    for n in needles:
        assert n in res.output, res.output


def test_malformed_policy_json(tmp_path: Path) -> None:
    b = _copy_bundle(tmp_path)
    (b / "policies" / "broken.json").write_text('{"displayName": "x", "conditions": {')
    _assert_bad(
        whatif("--user", "alice@contoso.com", "--app", SPO, bundle=b),
        "broken.json",
        "malformed JSON",
        "line 1",
    )


def test_wrong_type_names_json_path(tmp_path: Path) -> None:
    b = _copy_bundle(tmp_path)
    p = b / "policies" / "bad.json"
    p.write_text(
        json.dumps(
            {
                "id": "bad",
                "displayName": "bad",
                "state": "enabled",
                "conditions": {
                    "users": {"includeUsers": 5},
                    "applications": {"includeApplications": ["All"]},
                },
            }
        )
    )
    _assert_bad(
        whatif("--user", "alice@contoso.com", "--app", SPO, bundle=b),
        "bad.json",
        "/conditions/users/includeUsers",
        "[wrong-type]",
    )


def test_invalid_device_filter(tmp_path: Path) -> None:
    b = _copy_bundle(tmp_path)
    p = b / "policies" / "filter.json"
    p.write_text(
        json.dumps(
            {
                "id": "f",
                "displayName": "f",
                "state": "enabled",
                "conditions": {
                    "users": {"includeUsers": ["All"]},
                    "applications": {"includeApplications": ["All"]},
                    "devices": {
                        "deviceFilter": {"mode": "include", "rule": 'device.colour -eq "red"'}
                    },
                },
                "grantControls": {"operator": "OR", "builtInControls": ["block"]},
            }
        )
    )
    # Issue 13: an exported policy was validated by Entra, so a rule caflow cannot parse makes
    # that policy undetermined (warning with file + JSON path), not the whole bundle bad input.
    res = whatif("--user", "alice@contoso.com", "--app", SPO, "--json", bundle=b)
    assert res.exit_code == 0, res.output
    assert "filter.json: /conditions/devices/deviceFilter/rule" in res.stderr
    assert "[unparsable-rule]" in res.stderr
    out = json.loads(res.stdout)
    assert out["certain"] is False
    assert "f" in [u["id"] for u in out["undetermined"]]
    assert "block" not in out["decision"]  # the unparsed block policy is not guessed to apply


def test_dangling_reference_in_directory(tmp_path: Path) -> None:
    b = _copy_bundle(tmp_path)
    d = b / "directory.yaml"
    d.write_text(
        d.read_text().replace(
            "memberOf: [Finance, Flow Makers]", "memberOf: [Finanse, Flow Makers]", 1
        )
    )
    assert "Finanse" in d.read_text(), "the test must plant the typo"
    _assert_bad(
        whatif("--user", "alice@contoso.com", "--app", SPO, bundle=b),
        "directory.yaml",
        "memberOf",
        "Finance",
        "[unknown-reference]",
    )


def test_policy_reference_to_undefined_group_is_only_a_warning(tmp_path: Path) -> None:
    b = _copy_bundle(tmp_path)
    p = b / "policies" / "dangling.json"
    p.write_text(
        json.dumps(
            {
                "id": "dangling",
                "displayName": "dangling",
                "state": "enabled",
                "conditions": {
                    "users": {"includeGroups": ["<ExclusionTempGroup>"]},
                    "applications": {"includeApplications": ["All"]},
                },
                "grantControls": {"operator": "OR", "builtInControls": ["block"]},
            }
        )
    )
    res = whatif("--user", "alice@contoso.com", "--app", SPO, *HOME, "--json", bundle=b)
    assert res.exit_code == 0, res.output
    value = next(v for v in json.loads(res.stdout)["value"] if v["id"] == "dangling")
    assert value["policyApplies"] is False and value["analysisReasons"] == "users"
    assert any("<ExclusionTempGroup>" in w for w in value["warnings"])


def test_bad_flags() -> None:
    _assert_bad(
        whatif("--user", "alice@contoso.com", "--app", "No Such App"), "--app", "unknown-reference"
    )
    _assert_bad(whatif("--user", "alice@contoso.com", "--app", SPO, "--ip", "999.1.1.1"), "--ip")
    _assert_bad(whatif("--user", "alice@contoso.com", "--app", SPO, "--device", "NOPE"), "--device")
    _assert_bad(whatif("--user", "alice@contoso.com", "--app", SPO, "--at", "yesterday"), "--at")
    _assert_bad(
        runner.invoke(app, ["whatif", "/no/such/folder", "--user", "a", "--app", SPO]),
        "no such file",
    )


def test_demo_runs() -> None:
    res = runner.invoke(app, ["demo"])
    assert res.exit_code == 0, res.output
    assert "AADSTS50076" in res.stdout and "AADSTS53003" in res.stdout
    assert "caflow simulate" in res.stdout and "caflow advise" in res.stdout


def test_help_teaches() -> None:
    res = runner.invoke(app, ["whatif", "--help"])
    assert res.exit_code == 0
    assert "Examples" in res.stdout and "notEnoughInformation" in res.stdout


J0EYV = POLICY_DATA / "j0eyv-ConditionalAccessBaseline"


def test_member_of_makes_a_corpus_evaluable() -> None:
    """j0eyv's CA001 blocks outside its ALLOWED COUNTRIES location (BE, LU, NL, unknown countries
    excluded); its internal-user policies target group APP_Microsoft365_E5 (read from the JSON).
    With the membership given, the verdict is no longer undetermined."""
    base = ["--user", "someone@contoso.com", "--member-of", "APP_Microsoft365_E5"]
    sign_in = ["--app", SPO, "--platform", "windows", "--client-app", "browser"]
    us = json.loads(
        whatif(
            *base, *sign_in, "--ip", "8.8.8.8", "--device", "unregistered", "--json", bundle=J0EYV
        ).stdout
    )
    assert (us["decision"], us["errorCode"], us["cause"]) == (
        "block",
        "AADSTS53003",
        "locationBlocked",
    )
    nl = json.loads(
        whatif(
            *base,
            *sign_in,
            "--ip",
            "145.100.0.1",
            "--device",
            "unregistered",
            "--json",
            bundle=J0EYV,
        ).stdout
    )
    assert nl["decision"] == "requires" and nl["errorCode"] == "AADSTS50076"
    assert "mfa" in nl["requirements"]
    # Without the membership, the group-scoped policies are undetermined, never silently skipped.
    unknown = json.loads(
        whatif(
            "--user",
            "someone@contoso.com",
            *sign_in,
            "--ip",
            "145.100.0.1",
            "--device",
            "unregistered",
            "--json",
            bundle=J0EYV,
        ).stdout
    )
    assert unknown["undetermined"]


def test_member_of_rejected_for_directory_users() -> None:
    _assert_bad(
        whatif("--user", "alice@contoso.com", "--member-of", "Sales", "--app", SPO), "--member-of"
    )


def test_mistyped_signals_are_bad_input_not_silently_unmatched() -> None:
    """§4.2 closed value sets: --platform Windows10 must not make a Windows-only policy skip."""
    base = ["--user", "alice@contoso.com", "--app", SPO]
    _assert_bad(whatif(*base, "--platform", "Windows10"), "--platform", "windows")
    _assert_bad(whatif(*base, "--client-app", "imap"), "--client-app", "exchangeActiveSync")
    _assert_bad(whatif(*base, "--auth-flow", "devicecode"), "--auth-flow", "deviceCodeFlow")
    _assert_bad(whatif(*base, "--sign-in-risk", "hgh"), "--sign-in-risk")
    _assert_bad(whatif(*base, "--country", "USA"), "--country")
    _assert_bad(whatif("--user", "alice@contoso.com", "--auth-context", "c100"), "c1 .. c99")
    _assert_bad(whatif("--user", "alice@contoso.com", "--user-action", "foo"), "--user-action")
    # Case and deprecated spellings are accepted (enum values are case-insensitive).
    res = whatif(*base, "--platform", "Windows", "--client-app", "easSupported", "--json")
    assert res.exit_code == 0, res.output


def test_exactly_one_target_resource() -> None:
    res = whatif(
        "--user", "alice@contoso.com", "--app", SPO, "--user-action", "registerSecurityInformation"
    )
    _assert_bad(res, "exactly one of --app, --user-action, --auth-context")


def test_request_with_unknown_platform_names_the_json_path(tmp_path: Path) -> None:
    req = {
        "signInIdentity": {
            "@odata.type": "#microsoft.graph.userSignIn",
            "userId": "alice@contoso.com",
        },
        "signInContext": {
            "@odata.type": "#microsoft.graph.applicationContext",
            "includeApplications": ["00000003-0000-0ff1-ce00-000000000000"],
        },
        "signInConditions": {"devicePlatform": "Windows 10"},
    }
    path = tmp_path / "r.json"
    path.write_text(json.dumps(req))
    _assert_bad(
        whatif("--request", str(path)),
        "r.json",
        "/signInConditions/devicePlatform",
        "[invalid-value]",
    )


def test_method_password_alone_is_not_mfa() -> None:
    """§5.3: password alone satisfies no built-in strength; --method lists methods, it does not
    assert MFA (regression: any --method used to count as MFA)."""
    out = json.loads(
        whatif(
            "--user", "alice@contoso.com", "--app", SPO, *HOME, "--method", "password", "--json"
        ).stdout
    )
    assert (out["decision"], out["errorCode"]) == ("requires", "AADSTS50076")
    ok = json.loads(
        whatif(
            "--user", "alice@contoso.com", "--app", SPO, *HOME, "--method", "fido2", "--json"
        ).stdout
    )
    assert ok["decision"] == "allow"


def test_unknown_method_is_exit_2_with_a_did_you_mean() -> None:
    """--method takes Graph's authenticationMethodModes: ``fido`` is a typo, never a method that
    silently satisfies no strength (any case of a real name is accepted)."""
    _assert_bad(
        whatif("--user", "alice@contoso.com", "--app", SPO, *HOME, "--method", "fido"),
        "--method",
        "did you mean 'fido2'?",
    )
    ok = json.loads(
        whatif(
            "--user", "alice@contoso.com", "--app", SPO, *HOME, "--method", "FIDO2", "--json"
        ).stdout
    )
    assert ok["decision"] == "allow"


def test_undecidable_report_only_and_agent_policies_are_undetermined() -> None:
    """Report-only results must not claim 'not applied' when a signal is missing (§2.10), and
    agent-identity policies are unknown for a workload identity caflow cannot classify (§1.5)."""
    out = json.loads(
        whatif(
            "--service-principal",
            "11111111-2222-3333-4444-555555555555",
            "--app",
            "Office 365 Exchange Online",
            "--ip",
            "8.8.8.8",
            "--json",
            bundle=J0EYV,
        ).stdout
    )
    agent = [v for v in out["value"] if v["displayName"].startswith("CA50")]
    assert agent and all(v["analysisReasons"] == "notEnoughInformation" for v in agent)
    report_only = {r["displayName"][:5]: r for r in out["reportOnly"]}
    assert report_only["CA502"]["result"] == "undetermined" and report_only["CA502"]["reason"]


def test_determined_block_stays_certain_with_undetermined_policies(tmp_path: Path) -> None:
    """Issue 13 review (D3): block wins over any grant (reference conditional-access "block
    wins"), so an undetermined policy cannot lift a determined block: ``certain`` stays true
    and the headline does not say the decision could change."""
    b = _copy_bundle(tmp_path)
    unparsed = {
        "id": "f",
        "displayName": "f",
        "state": "enabled",
        "conditions": {
            "users": {"includeUsers": ["All"]},
            "applications": {"includeApplications": ["All"]},
            "devices": {"deviceFilter": {"mode": "include", "rule": 'device.colour -eq "red"'}},
        },
        "grantControls": {"operator": "OR", "builtInControls": ["mfa"]},
    }
    (b / "policies" / "filter.json").write_text(json.dumps(unparsed))
    blocked = {**unparsed, "id": "blk", "displayName": "block all"}
    blocked["conditions"] = {
        "users": {"includeUsers": ["All"]},
        "applications": {"includeApplications": ["All"]},
    }
    blocked["grantControls"] = {"operator": "OR", "builtInControls": ["block"]}
    args = ("--user", "alice@contoso.com", "--app", SPO)
    (b / "policies" / "block.json").write_text(json.dumps(blocked))
    out = json.loads(whatif(*args, "--json", bundle=b).stdout)
    assert out["decision"] == "block" and out["certain"] is True
    assert "f" in [u["id"] for u in out["undetermined"]]
    text = whatif(*args, bundle=b).stdout
    assert "(they cannot lift the block)" in text and "could change" not in text
    # without the block policy the same undetermined policy leaves the decision open
    (b / "policies" / "block.json").unlink()
    out = json.loads(whatif(*args, "--json", bundle=b).stdout)
    assert out["decision"] != "block" and out["certain"] is False
    assert "(the decision could change)" in whatif(*args, bundle=b).stdout


def test_request_user_not_in_directory_warns_like_user_flag(tmp_path: Path) -> None:
    """Issue 13 review (D2): a --request userId the directory does not hold is the same warning
    as --user (did-you-mean, file + JSON path) and exit 2 under --strict."""
    request = tmp_path / "req.json"
    request.write_text(
        json.dumps(
            {
                "signInIdentity": {"userId": "alice@contoso.co"},
                "signInContext": {"includeApplications": ["00000003-0000-0ff1-ce00-000000000000"]},
            }
        )
    )
    res = whatif("--request", str(request))
    assert res.exit_code == 0, res.output
    warning = f"warning: {request}: /signInIdentity/userId: user is not in the bundle's directory"
    assert warning in res.stderr and "did you mean 'alice@contoso.com'?" in res.stderr
    flag = whatif("--user", "alice@contoso.co", "--app", SPO)
    assert "did you mean 'alice@contoso.com'?" in flag.stderr
    strict = whatif("--request", str(request), "--strict")
    assert strict.exit_code == 2 and "/signInIdentity/userId" in strict.output
    known = tmp_path / "known.json"
    known.write_text(request.read_text().replace("contoso.co", "contoso.com"))
    res = whatif("--request", str(known), "--strict")
    assert res.exit_code == 0 and "warning" not in res.stderr, res.output
