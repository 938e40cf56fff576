"""Issue 13 second review: verdicts that were confident without the data (each reproduced as a
user meets it, through the CLI)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from tests.examples_paths import CONTOSO
from tests.proposals import policy_for_all
from typer.testing import CliRunner

from caflow.cli.main import app

runner = CliRunner()
SPO = "Office 365 SharePoint Online"
CA002 = "66666666-0000-0000-0000-000000000002"
CA004 = "66666666-0000-0000-0000-000000000004"
FINANCE = "22222222-0000-0000-0000-000000000001"
ALL_STAFF = "22222222-0000-0000-0000-000000000009"


def _run(*args: object):
    return runner.invoke(app, [str(a) for a in args])


def _bad(res, *needles: str) -> None:
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output
    for n in needles:
        assert n in res.stderr, res.stderr


def _whatif_json(bundle: Path, *args: str) -> dict:
    res = _run(
        "whatif", bundle, *args, "--client-app", "browser", "--ip", "203.0.113.5",
        "--platform", "windows", "--device", "unregistered", "--json",
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


@pytest.fixture
def nodir(tmp_path: Path) -> Path:
    b = tmp_path / "nodir"
    shutil.copytree(CONTOSO, b)
    (b / "directory.yaml").unlink()
    return b


# -- 1. --member-of expands nesting and group roles like directory users -----------------------
@pytest.mark.parametrize(
    ("group", "app_name", "policy"),
    [
        ("Finance", SPO, CA004),  # Finance is nested in All Staff, which CA004 targets
        ("Tier-0 Admins", SPO, CA002),  # role-assignable, carries Global Administrator
    ],
)
def test_member_of_is_expanded_like_a_directory_user(
    group: str, app_name: str, policy: str
) -> None:
    described = _whatif_json(
        CONTOSO, "--user", "newbie@contoso.com", "--member-of", group, "--app", app_name
    )
    assert described["decision"] == "requires" and policy in described["policies"]
    # The same answer as a directory user who is a direct member of that group.
    member = {"Finance": "alice@contoso.com", "Tier-0 Admins": "dave@contoso.com"}[group]
    directory_user = _whatif_json(CONTOSO, "--user", member, "--app", app_name)
    assert policy in directory_user["policies"]


def test_member_of_group_id_without_directory_is_not_certain(nodir: Path) -> None:
    """Finance's id without a directory: whether it is nested in CA004's group is unknowable."""
    out = _whatif_json(nodir, "--user", "n@contoso.com", "--member-of", FINANCE, "--app", SPO)
    assert out["certain"] is False and CA004 not in out["policies"]
    reasons = {u["id"]: u["reason"] for u in out["undetermined"]}
    assert CA004 in reasons and "parent groups" in reasons[CA004]


def test_member_of_unlisted_id_with_directory_is_not_certain() -> None:
    """A group id the directory does not list has unknown parents even with a directory."""
    unlisted = "99999999-0000-0000-0000-000000000001"
    out = _whatif_json(CONTOSO, "--user", "n@contoso.com", "--member-of", unlisted, "--app", SPO)
    assert out["certain"] is False and CA004 in {u["id"] for u in out["undetermined"]}


def test_member_of_policy_group_without_directory_still_unsure_of_exclusions(nodir: Path) -> None:
    """Listed in CA004's included group, but CA004 excludes groups this one might be nested in:
    undetermined, not "requires mfa" for sure (an exclusion wins, reference §2.2)."""
    out = _whatif_json(nodir, "--user", "n@contoso.com", "--member-of", ALL_STAFF, "--app", SPO)
    assert out["certain"] is False and CA004 in {u["id"] for u in out["undetermined"]}
    # With the directory, the same group is resolved: CA004 applies for sure.
    full = _whatif_json(
        CONTOSO, "--user", "n@contoso.com", "--member-of", "All Staff", "--app", SPO
    )
    assert CA004 in full["policies"] and CA004 not in {u["id"] for u in full["undetermined"]}


# -- 2. a disabled user's sign-in fails with AADSTS50057 whatever CA decides -------------------
@pytest.mark.parametrize(
    ("app_name", "extra"),
    [
        ("Microsoft Flow Service", ()),  # CA alone: requires a compliant device
        ("Microsoft Flow Service", ("--compliant",)),  # CA alone: allow
        (SPO, ("--mfa",)),
    ],
)
def test_disabled_user_whatif_is_block_50057_with_the_ca_evaluation_kept(
    app_name: str, extra: tuple[str, ...]
) -> None:
    out = _whatif_json(CONTOSO, "--user", "peggy@contoso.com", "--app", app_name, *extra)
    assert out["decision"] == "block" and out["certain"] is True
    assert out["accountDisabled"] is True
    assert (out["errorCode"], out["cause"]) == ("AADSTS50057", "userDisabled")
    assert out["caDecision"] in ("allow", "requires", "block") and out["value"]
    # An enabled user in the same situation gets the CA decision, without the account fields.
    enabled = _whatif_json(CONTOSO, "--user", "alice@contoso.com", "--app", app_name, *extra)
    assert "accountDisabled" not in enabled and enabled["errorCode"] != "AADSTS50057"


def test_disabled_user_whatif_headline_says_account_disabled() -> None:
    res = _run(
        "whatif", CONTOSO, "--user", "peggy@contoso.com", "--app", "Microsoft Flow Service",
        "--client-app", "browser", "--ip", "203.0.113.5", "--compliant", "--platform", "windows",
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    text = " ".join(res.stdout.split())
    assert "Decision: BLOCK — the user account is disabled" in text
    assert "fails with AADSTS50057" in text and "Decision: ALLOW" not in text
    assert "AADSTS53000" not in text


# -- 3. simulate: an export's unparsable filter makes that policy undetermined, not exit 2 -----
BROKEN_RULE = 'device.extensionAttribute1 -eq "Kiosk" -and (device.model -startsWith "Surface"'
SCENARIO = """tenant: {tenant}
start: 2026-01-05T09:00:00Z
end: 2026-01-20T00:00:00Z
events:
  - at: 2026-01-06T09:00:00Z
    signIn: {{user: bob@contoso.com, app: Microsoft Flow Service, mfa: true, ip: 8.8.8.8}}
"""


def _break_ca008(tmp_path: Path, *, all_platforms: bool) -> Path:
    b = tmp_path / "bundle"
    shutil.copytree(CONTOSO, b)
    f = next((b / "policies").glob("CA008*"))
    policy = json.loads(f.read_text())
    policy["conditions"]["devices"]["deviceFilter"]["rule"] = BROKEN_RULE
    if all_platforms:  # applies to background refreshes too (their platform is unknown)
        policy["conditions"]["platforms"] = None
    f.write_text(json.dumps(policy))
    return f


@pytest.mark.parametrize("all_platforms", [True, False])
def test_simulate_export_with_unparsable_filter_is_not_exit_2(
    tmp_path: Path, all_platforms: bool
) -> None:
    f = _break_ca008(tmp_path, all_platforms=all_platforms)
    s = tmp_path / "s.yaml"
    s.write_text(SCENARIO.format(tenant=f.parent.parent))
    res = _run("simulate", s, "--json")
    assert res.exit_code == 0, res.output
    assert "[unparsable-rule]" in res.stderr and f.name in res.stderr
    assert "/conditions/devices/deviceFilter/rule" in res.stderr
    out = json.loads(res.stdout)
    doubted = {u["id"] for u in out["undetermined"] if u["kind"] == "connection"}
    assert out["summary"]["undetermined"] == len(out["undetermined"])
    if all_platforms:
        # CA008 (Office 365, All users but the exclusion groups) might block every refresh
        # of a user connection: undetermined and counted, naming the policy.
        assert {"alice-spo", "alice-outlook", "judy-onedrive"} <= doubted
        assert "svc-spo" not in doubted  # svc is excluded from CA008 for sure
        reasons = [u["reason"] for u in out["undetermined"] if u["id"] == "alice-outlook"]
        assert "CA008" in reasons[0]
    else:
        # Windows only: a background refresh (platform unknown) is out of its scope for sure.
        assert not doubted


# -- 4. a filter rule written in a scenario is bad input at load, naming file and JSON path ----
def _bad_filter_policy(pid: str = "0f0f0f0f-0000-0000-0000-00000000f118") -> dict:
    return {
        "id": pid,
        "displayName": "Mine",
        "state": "enabled",
        "conditions": {
            "users": {"includeUsers": ["All"]},
            "applications": {"includeApplications": ["All"]},
            "clientAppTypes": ["all"],
            "devices": {"deviceFilter": {"mode": "include", "rule": BROKEN_RULE}},
        },
        "grantControls": {"operator": "OR", "builtInControls": ["block"]},
    }


def _scenario_with(tmp_path: Path, event: str) -> Path:
    s = tmp_path / "mine.yaml"
    s.write_text(
        f"tenant: {CONTOSO}\nstart: 2026-01-05T09:00:00Z\nend: 2026-01-20T00:00:00Z\n"
        f"events:\n  - at: 2026-01-06T09:00:00Z\n{event}"
    )
    return s


@pytest.mark.parametrize("under_policy", [True, False])
def test_scenario_inline_policy_with_bad_filter_is_exit_2_with_path(
    tmp_path: Path, under_policy: bool
) -> None:
    body = json.dumps(_bad_filter_policy())
    event = f"    addPolicy: {{policy: {body}}}\n" if under_policy else f"    addPolicy: {body}\n"
    s = _scenario_with(tmp_path, event)
    prefix = "/events/0/addPolicy/policy" if under_policy else "/events/0/addPolicy"
    for verb in (("simulate", s), ("simulate", s, "--json")):
        _bad(
            _run(*verb),
            "mine.yaml",
            f"{prefix}/conditions/devices/deviceFilter/rule",
            "[invalid-device-filter]",
        )
    assert "<input>" not in _run("simulate", s).stderr


def test_scenario_policy_file_with_bad_filter_is_exit_2_naming_that_file(tmp_path: Path) -> None:
    (tmp_path / "p.json").write_text(json.dumps(_bad_filter_policy()))
    s = _scenario_with(tmp_path, "    addPolicy: {file: p.json}\n")
    _bad(_run("simulate", s), "p.json", "/conditions/devices/deviceFilter/rule", "[invalid")


def test_scenario_update_policy_writing_a_bad_filter_is_exit_2(tmp_path: Path) -> None:
    rule = json.dumps(
        {"conditions": {"devices": {"deviceFilter": {"mode": "include", "rule": BROKEN_RULE}}}}
    )
    s = _scenario_with(tmp_path, f"    updatePolicy: {{id: {CA004}, set: {rule}}}\n")
    _bad(
        _run("simulate", s),
        "mine.yaml",
        "/events/0/updatePolicy/set/conditions/devices/deviceFilter/rule",
    )


def test_scenario_update_leaving_an_exported_bad_filter_alone_is_undetermined(
    tmp_path: Path,
) -> None:
    """The export's own unparsable rule is not the user's mistake, even under updatePolicy."""
    f = _break_ca008(tmp_path, all_platforms=True)
    policy_id = json.loads(f.read_text())["id"]
    s = tmp_path / "s.yaml"
    s.write_text(
        f"tenant: {f.parent.parent}\nstart: 2026-01-05T09:00:00Z\nend: 2026-01-20T00:00:00Z\n"
        f"events:\n  - at: 2026-01-06T09:00:00Z\n"
        f"    updatePolicy: {{id: {policy_id}, set: {{displayName: renamed}}}}\n"
    )
    res = _run("simulate", s, "--json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["summary"]["undetermined"] > 0


# -- 5. an unknown --service-principal is a warning with a did-you-mean (exit 2 under --strict) --
ROBOT_ID, ROBOT_APP = "88888888-0000-0000-0000-0000000000a1", "5a5a5a5a-0000-4000-8000-0000000000a1"


@pytest.fixture
def workload_bundle(tmp_path: Path) -> Path:
    b = tmp_path / "wl"
    shutil.copytree(CONTOSO, b)
    (b / "policies" / "WL1.json").write_text(
        json.dumps(
            {
                "id": "0f0f0f0f-0000-0000-0000-0000000000b1",
                "displayName": "WL1 - Block the invoice robot off network",
                "state": "enabled",
                "conditions": {
                    "users": {"includeUsers": ["None"]},
                    "applications": {"includeApplications": ["All"]},
                    "clientApplications": {"includeServicePrincipals": [ROBOT_ID]},
                    "clientAppTypes": ["all"],
                },
                "grantControls": {"operator": "OR", "builtInControls": ["block"]},
            }
        )
    )
    return b


@pytest.mark.parametrize(
    ("given", "suggested"),
    [
        ("Contoso Invoice Robt", "Contoso Invoice Robot"),  # a typo'd name
        ("5a5a5a5a-0000-4000-8000-0000000000a2", ROBOT_APP),  # a one-character appId typo
    ],
)
def test_unknown_service_principal_warns_with_did_you_mean(
    workload_bundle: Path, given: str, suggested: str
) -> None:
    args = ("whatif", workload_bundle, "--service-principal", given, "--app", SPO, "--json")
    res = _run(*args)
    assert res.exit_code == 0, res.output
    assert "warning: --service-principal" in res.stderr
    assert f"did you mean '{suggested}'?" in res.stderr
    _bad(_run(*args, "--strict"), "--service-principal", given, "did you mean")


@pytest.mark.parametrize("given", ["Contoso Invoice Robot", ROBOT_APP, ROBOT_ID])
def test_known_service_principal_by_name_appid_or_object_id_is_blocked(
    workload_bundle: Path, given: str
) -> None:
    res = _run("whatif", workload_bundle, "--service-principal", given, "--app", SPO, "--json")
    assert res.exit_code == 0 and "--service-principal" not in res.stderr, res.output
    out = json.loads(res.stdout)
    assert out["decision"] == "block" and out["certain"] is True


def test_service_principal_without_directory_entries_is_no_warning(nodir: Path) -> None:
    """Without service principals in the bundle nothing can be checked (a corpus of exports)."""
    res = _run("whatif", nodir, "--service-principal", ROBOT_APP, "--app", SPO, "--strict")
    assert res.exit_code == 0 and "warning" not in res.stderr, res.output


# -- 6. check: an undetermined baseline policy makes "newly breaks" undetermined; warnings in
#       every format ------------------------------------------------------------------------
def _policy_file(tmp_path: Path, name: str, grant: str) -> Path:
    f = tmp_path / f"{name}.json"
    pid = f"aaaaaaaa-0000-0000-0000-00000000000{1 if grant == 'mfa' else 2}"
    f.write_text(json.dumps(policy_for_all(pid, name, ["All"], [grant])))
    return f


@pytest.fixture
def blocking_unparsable(tmp_path: Path) -> Path:
    """contoso whose CA008 blocks Office 365 on every platform, with a rule caflow cannot parse."""
    f = _break_ca008(tmp_path, all_platforms=True)
    policy = json.loads(f.read_text())
    policy["grantControls"]["builtInControls"] = ["block"]
    f.write_text(json.dumps(policy))
    return f.parent.parent


def _check(baseline: Path, proposed: Path, *fmt: str):
    return _run(
        "check", "--baseline", baseline, "--proposed", proposed,
        "--start", "2026-01-05T09:00:00Z", *fmt,
    )  # fmt: skip


@pytest.mark.parametrize("grant", ["mfa", "block"])
def test_check_undetermined_baseline_policy_makes_breaks_undetermined(
    tmp_path: Path, blocking_unparsable: Path, grant: str
) -> None:
    proposed = _policy_file(tmp_path, f"all-{grant}", grant)
    certain = json.loads(_check(CONTOSO, proposed, "--format", "json").stdout)
    res = _check(blocking_unparsable, proposed, "--format", "json")
    assert res.exit_code in (0, 1), res.output
    out = json.loads(res.stdout)
    breaking = {c["id"] for c in out["connectionsBreaking"]}
    doubted = {u["id"]: u["reason"] for u in out["undetermined"]}
    # CA008 covers alice's Office 365 connections: they may fail already, not known to break.
    assert "alice-outlook" in {c["id"] for c in certain["connectionsBreaking"]}
    assert "alice-outlook" not in breaking and "CA008" in doubted["alice-outlook"]
    assert "may already fail before the change" in doubted["alice-outlook"]
    # svc-flow is excluded from CA008 for sure: its connections still break for certain.
    assert {"svc-spo", "svc-outlook"} <= breaking
    assert out["summary"]["undetermined"] == len(out["undetermined"]) > 0
    assert any("[unparsable-rule]" in w and "CA008" in w for w in out["warnings"])
    if grant == "block":  # users CA008 might already block are not counted as blocked
        assert "alice@contoso.com" not in {u["user"] for u in out["usersBlocked"]}
        assert "CA008" in doubted["alice@contoso.com"]
        assert "svc-flow@contoso.com" in {u["user"] for u in out["usersBlocked"]}
    # --strict: something is undetermined -> exit 1
    assert _check(blocking_unparsable, proposed, "--format", "json", "--strict").exit_code == 1


@pytest.mark.parametrize(
    ("fmt", "marker"),
    [
        ("json", '"warnings": ['),
        ("markdown", "### Load warnings"),
        ("sarif", '"toolExecutionNotifications"'),
        ("junit", "<system-err>"),
        ("junit", '<property name="warning"'),
        ("github", "::warning title=caflow check%3A load warning::"),
    ],
)
def test_check_load_warnings_are_in_every_format(
    tmp_path: Path, blocking_unparsable: Path, fmt: str, marker: str
) -> None:
    res = _check(blocking_unparsable, _policy_file(tmp_path, "all-mfa", "mfa"), "--format", fmt)
    assert res.exit_code in (0, 1), res.output
    assert marker in res.stdout
    at = res.stdout.index(marker)
    assert "unparsable-rule" in res.stdout[at : at + 2000] and "CA008" in res.stdout


def test_check_sarif_notifications_are_valid_sarif(
    tmp_path: Path, blocking_unparsable: Path
) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(
        (Path(__file__).parents[1] / "report" / "sarif-2.1.0-rtm.5.schema.json").read_text()
    )
    res = _check(blocking_unparsable, _policy_file(tmp_path, "all-mfa", "mfa"), "--format", "sarif")
    doc = json.loads(res.stdout)
    jsonschema.validate(doc, schema)
    notes = doc["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert notes and notes[0]["level"] == "warning"


# -- 10. a policy the change leaves alone, undetermined for the owner: the connection is not "ok" --
def _harmless(tmp_path: Path) -> Path:
    """A proposal that changes nothing a connection meets: one new, disabled policy."""
    f = tmp_path / "harmless.json"
    policy = json.loads(_policy_file(tmp_path, "harmless", "mfa").read_text())
    f.write_text(json.dumps({**policy, "state": "disabled"}))
    return f


def test_check_unchanged_undetermined_policy_makes_the_connection_undetermined(
    tmp_path: Path, blocking_unparsable: Path
) -> None:
    """CA008 (block, a filter caflow cannot parse) is undetermined for alice in the baseline and
    the proposal alike; her refresh is fine under the determined policies only."""
    harmless = _harmless(tmp_path)
    certain = json.loads(_check(CONTOSO, harmless, "--format", "json").stdout)
    assert certain["summary"]["undetermined"] == 0  # the proposal itself changes nothing
    res = _check(blocking_unparsable, harmless, "--format", "json")
    assert res.exit_code == 0, res.output  # nothing known to break...
    out = json.loads(res.stdout)
    doubted = {u["id"]: u["reason"] for u in out["undetermined"] if u["kind"] == "connection"}
    assert {"alice-outlook", "alice-spo", "judy-onedrive"} <= set(doubted)  # ...but not "ok"
    assert "CA008" in doubted["alice-outlook"]
    assert "unknown before and after the change" in doubted["alice-outlook"]
    assert not {"svc-spo", "svc-outlook"} & set(doubted)  # svc is excluded from CA008
    assert out["summary"]["undetermined"] == len(out["undetermined"]) >= len(doubted)
    assert _check(blocking_unparsable, harmless, "--strict").exit_code == 1


def test_check_undetermined_policy_that_cannot_change_the_refresh_is_no_doubt(
    tmp_path: Path,
) -> None:
    """The same CA008 requiring only MFA: alice's SharePoint token carries MFA (CA004 requires
    it), so whether CA008 applies cannot change that refresh; her Teams token has no MFA."""
    f = _break_ca008(tmp_path, all_platforms=True)
    policy = json.loads(f.read_text())
    policy["grantControls"]["builtInControls"] = ["mfa"]
    f.write_text(json.dumps(policy))
    out = json.loads(_check(f.parent.parent, _harmless(tmp_path), "--format", "json").stdout)
    doubted = {u["id"] for u in out["undetermined"] if u["kind"] == "connection"}
    assert "alice-teams" in doubted
    assert "alice-spo" not in doubted
    # simulate gives the same verdicts (tokens.refresh.may_fail_refresh, shared)
    scenario = tmp_path / "s.yaml"
    scenario.write_text(SCENARIO.format(tenant=f.parent.parent))
    sim = json.loads(_run("simulate", scenario, "--json").stdout)
    assert {u["id"] for u in sim["undetermined"] if u["kind"] == "connection"} == doubted


# -- 9. usersBlocked[] keeps its v1 user x app pairs; blockedUsers[] lists distinct users ---------
#: The v1 shape of one usersBlocked[] entry (docs/output.md, check table): a contract.
V1_PAIR_KEYS = {"user", "app", "appName", "errorCode", "policies"}


def test_check_users_blocked_keeps_the_v1_pair_shape(tmp_path: Path) -> None:
    res = _check(CONTOSO, _policy_file(tmp_path, "all-block", "block"), "--format", "json")
    out = json.loads(res.stdout)
    pairs = out["usersBlocked"]
    assert pairs and all(set(u) == V1_PAIR_KEYS for u in pairs)
    assert all(isinstance(u["app"], str) and isinstance(u["policies"], list) for u in pairs)
    users = list(dict.fromkeys(u["user"] for u in pairs))
    assert len(pairs) > len(users) > 1  # several apps per user
    # summary.usersBlocked counts pairs (its v1 meaning); userAppsBlocked is the same list
    assert out["summary"]["usersBlocked"] == len(pairs)
    assert out["userAppsBlocked"] == pairs and out["summary"]["userAppsBlocked"] == len(pairs)


def test_check_counts_distinct_blocked_users(tmp_path: Path) -> None:
    res = _check(CONTOSO, _policy_file(tmp_path, "all-block", "block"), "--format", "json")
    out = json.loads(res.stdout)
    users = list(dict.fromkeys(u["user"] for u in out["usersBlocked"]))
    assert [u["user"] for u in out["blockedUsers"]] == users
    assert out["summary"]["blockedUsers"] == len(users)
    assert f"{len(users)} users blocked" in out["impactLine"]
    alice = next(u for u in out["blockedUsers"] if u["user"] == "alice@contoso.com")
    apps = [u["appName"] for u in out["usersBlocked"] if u["user"] == "alice@contoso.com"]
    assert alice["apps"] == apps and alice["errorCodes"] == ["AADSTS53003"]
    assert alice["policies"] == ["aaaaaaaa-0000-0000-0000-000000000002"]
    md = _check(CONTOSO, _policy_file(tmp_path, "all-block", "block"), "--format", "markdown")
    assert f"| users blocked | {len(users)} |" in md.stdout
    assert f"| user × app pairs blocked | {len(out['usersBlocked'])} |" in md.stdout
    table = _check(CONTOSO, _policy_file(tmp_path, "all-block", "block"))
    assert f"{len(users)} users blocked" in table.stdout


# -- 8. a failed interactive sign-in records no Terms of Use acceptance ---------------------------
TOU_SCENARIO = """tenant: {tenant}
start: 2026-01-05T09:00:00Z
end: 2026-01-10T00:00:00Z
flows:
  - id: alice-mail
    owner: alice@contoso.com
    connections: [alice-outlook-new]
    trigger: {{schedule: P1D, startTime: 2026-01-05T13:00:00Z}}
events:
  - at: 2026-01-05T09:00:00Z
    signIn: {{user: alice@contoso.com, app: Microsoft Flow Service, mfa: true, ip: 8.8.8.8, device: LAPTOP-ALICE}}
  - at: 2026-01-05T09:05:00Z
    createConnection: {{id: alice-outlook-new, user: alice@contoso.com, connector: office365, via: portal}}
  - at: 2026-01-06T00:00:00Z
    addAgreement: {{id: 55555555-0000-0000-0000-000000000301, displayName: Mail Terms}}
  - at: 2026-01-06T00:00:00Z
    addPolicy:
      policy:
        id: 66666666-0000-0000-0000-000000000301
        displayName: T1 - Teams needs the terms and MFA
        state: enabled
        conditions:
          clientAppTypes: [all]
          users: {{includeUsers: [All]}}
          applications: {{includeApplications: [cc15fd57-2c6c-4117-a88c-83b1d56b4bbe]}}
        grantControls: {{operator: AND, builtInControls: [mfa], termsOfUse: [55555555-0000-0000-0000-000000000301]}}
  - at: 2026-01-07T09:00:00Z
    signIn: {{user: alice@contoso.com, app: Microsoft Teams Services, mfa: {mfa}, ip: 8.8.8.8, device: LAPTOP-ALICE}}
  - at: 2026-01-08T00:00:00Z
    addPolicy:
      policy:
        id: 66666666-0000-0000-0000-000000000302
        displayName: T2 - Exchange needs the terms
        state: enabled
        conditions:
          clientAppTypes: [all]
          users: {{includeUsers: [All]}}
          applications: {{includeApplications: [00000002-0000-0ff1-ce00-000000000000]}}
        grantControls: {{operator: OR, termsOfUse: [55555555-0000-0000-0000-000000000301]}}
"""


@pytest.mark.parametrize("mfa", [False, True])
def test_failed_interactive_sign_in_records_no_terms_acceptance(tmp_path: Path, mfa: bool) -> None:
    s = tmp_path / "tou.yaml"
    s.write_text(TOU_SCENARIO.format(tenant=CONTOSO, mfa=str(mfa).lower()))
    res = _run("simulate", s, "--json")
    assert res.exit_code in (0, 1), res.output
    events = json.loads(res.stdout)["events"]
    failed = [e for e in events if e["kind"] == "signInFailed"]
    broken = [
        e
        for e in events
        if e["kind"] == "connectionBroken"
        and e["connection"] in ("alice-outlook", "alice-outlook-new")
    ]
    if mfa:
        # The Teams sign-in succeeded: the terms accepted there cover the Exchange refresh
        # (A-TOK-8, acceptance is the user's state) - nothing breaks.
        assert not failed and not broken
    else:
        # AADSTS50076 (MFA not done): the user never got past the sign-in, so the terms were
        # not accepted and the Exchange connection breaks at its next refresh on the terms.
        assert [e["errorCode"] for e in failed] == ["AADSTS50076"]
        new = next(e for e in broken if e["connection"] == "alice-outlook-new")
        assert new["at"] == "2026-01-08T13:00:00Z" and "termsOfUse" in new["cause"]


# -- 10. an array of ids joined by spaces (ConvertTo-Json past -Depth) is a truncated export ------
JOINED = "22222222-0000-0000-0000-000000000008 22222222-0000-0000-0000-000000000007"


def _joined_policy(pascal: bool) -> dict:
    users = {"includeUsers": ["All"], "excludeGroups": JOINED}
    policy = {
        "id": "aaaaaaaa-0000-0000-0000-000000000009",
        "displayName": "joined",
        "state": "enabled",
        "conditions": {
            "users": users,
            "applications": {"includeApplications": ["All"]},
            "clientAppTypes": ["all"],
        },
        "grantControls": {"operator": "OR", "builtInControls": ["mfa"]},
    }
    if pascal:  # what Get-MgIdentityConditionalAccessPolicy | ConvertTo-Json writes
        policy = {
            "Id": policy["id"],
            "DisplayName": "joined",
            "State": "enabled",
            "Conditions": {
                "Users": {"IncludeUsers": "All", "ExcludeGroups": JOINED},
                "Applications": {"IncludeApplications": "All"},
                "ClientAppTypes": "all",
            },
            "GrantControls": {"Operator": "OR", "BuiltInControls": "mfa"},
        }
    return policy


@pytest.mark.parametrize("pascal", [False, True])
@pytest.mark.parametrize("shape", ["object", "graph-list"])
def test_space_joined_id_array_is_truncated_export(
    tmp_path: Path, pascal: bool, shape: str
) -> None:
    policy = _joined_policy(pascal)
    doc = policy if shape == "object" else {"value": [policy]}
    where = "/conditions/users/excludeGroups" if shape == "object" else "/value/0/conditions"
    # --proposed
    f = tmp_path / "prop.json"
    f.write_text(json.dumps(doc))
    res = _check(CONTOSO, f, "--format", "json")
    _bad(res, "prop.json", "[truncated-export]", "-Depth 10", "joined by spaces")
    assert where.lower() in res.stderr.lower()  # the path as the file spells its keys
    assert "dangling" not in res.stderr
    # inside an exported bundle
    b = tmp_path / "b"
    shutil.copytree(CONTOSO, b)
    (b / "policies" / "joined.json").write_text(json.dumps(doc))
    for verb in (("whatif", b, "--user", "alice@contoso.com", "--app", SPO), ("advise", b)):
        out = _run(*verb)
        _bad(out, "joined.json", "[truncated-export]", "-Depth 10")
        assert where.lower() in out.stderr.lower()


def test_one_id_string_is_still_a_one_element_list(tmp_path: Path) -> None:
    """PowerShell unrolls one-element arrays: a lone id stays one id, not a truncation."""
    policy = _joined_policy(False)
    policy["conditions"]["users"]["excludeGroups"] = JOINED.split()[0]
    f = tmp_path / "prop.json"
    f.write_text(json.dumps(policy))
    res = _check(CONTOSO, f, "--format", "json")
    assert res.exit_code in (0, 1) and "truncated" not in res.stderr, res.output


# -- 11. a key typo in crossTenantAccess.json is listed once in a note, not silently ignored ------
@pytest.mark.parametrize(
    ("doc", "pointer", "suggested"),
    [
        (
            {"default": {"inboundTrus": {"isMfaAccepted": True}}},
            "/default/inboundTrus",
            "inboundTrust",
        ),
        (
            {"default": {"inboundTrust": {"isMfaAcepted": True}}},
            "/default/inboundTrust/isMfaAcepted",
            "isMfaAccepted",
        ),
        (
            {"partners": [{"tenantId": "f0f0f0f0-0000-0000-0000-000000000002", "inboundTrus": {}}]},
            "/partners/0/inboundTrus",
            "inboundTrust",
        ),
        (
            {"Default": {"InboundTrus": {"IsMfaAccepted": True}}},
            "/Default/InboundTrus",
            "inboundTrust",
        ),
    ],
)
def test_cross_tenant_key_typo_is_a_note_with_did_you_mean(
    tmp_path: Path, doc: dict, pointer: str, suggested: str
) -> None:
    b = tmp_path / "b"
    shutil.copytree(CONTOSO, b)
    (b / "crossTenantAccess.json").write_text(json.dumps(doc))
    res = _run("whatif", b, "--user", "alice@contoso.com", "--app", SPO, "--json")
    assert res.exit_code == 0, res.output
    notes = [line for line in res.stderr.splitlines() if "crossTenantAccess.json" in line]
    assert len(notes) == 1 and notes[0].startswith("note: "), res.stderr
    assert pointer.lower() in notes[0].lower() and f"did you mean '{suggested}'?" in notes[0]
    # Graph properties caflow does not read are no note (they are real, just not evaluated).
    (b / "crossTenantAccess.json").write_text(
        json.dumps({"default": {"isServiceDefault": True, "b2bDirectConnectInbound": {}}})
    )
    clean = _run("whatif", b, "--user", "alice@contoso.com", "--app", SPO, "--json")
    assert "crossTenantAccess.json" not in clean.stderr
