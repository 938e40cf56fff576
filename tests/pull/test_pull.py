"""``caflow pull`` against a recorded tenant (tests/pull/recorded.py): paging, 429/503 with
Retry-After, 401/403 naming the permission, partial failures, atomic output, and the round
trip recorded tenant -> pull -> bundle -> load -> what-if == the hand-written bundle."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote

import httpx
import pytest
from tests.graph_contoso import CONTOSO, answers, memberships
from tests.pull.recorded import ENV as PP_ENV
from tests.pull.recorded import RecordedTenant, facts, graph_error
from typer.testing import CliRunner

from caflow.cli.main import app
from caflow.io.bundle import load_bundle
from caflow.model.tenant import Tenant
from caflow.pull.auth import AuthMethod, token_source
from caflow.pull.errors import PullError
from caflow.pull.http import Api
from caflow.pull.tenant import PullOptions, pull_tenant
from caflow.pull.write import manifest, write_bundle

SECRET = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.test-token-value.sig"
ENV = {
    "CAFLOW_ACCESS_TOKEN": SECRET,
    "CAFLOW_POWERAPPS_TOKEN": SECRET + "-pa",
    "CAFLOW_FLOW_TOKEN": SECRET + "-flow",
}
runner = CliRunner()


@pytest.fixture(scope="module")
def hand_written(tmp_path_factory: pytest.TempPathFactory) -> Tenant:
    """examples/contoso without tenant.yaml (settings no API exposes: pull.json notAvailable)."""
    root = tmp_path_factory.mktemp("hand") / "contoso"
    shutil.copytree(CONTOSO, root)
    (root / "tenant.yaml").unlink()
    return load_bundle(root)


def _api(sleeps: list[float] | None = None) -> Api:
    record = sleeps if sleeps is not None else []
    return Api(token_source(AuthMethod.environment, env=ENV), sleep=record.append)


def _pull(tmp_path: Path, options: PullOptions = PullOptions(), api: Api | None = None) -> Path:
    api = api or _api()
    pulled = pull_tenant(api, options)
    out = tmp_path / "bundle"
    write_bundle(pulled, out, manifest(pulled, **facts(api.requests)), force=False)
    return out


# -- round trip --------------------------------------------------------------------------------


def test_round_trip_all_users_gives_the_hand_written_answers(
    tmp_path: Path, recorded: RecordedTenant, hand_written: Tenant
) -> None:
    out = _pull(tmp_path, PullOptions(all_users=True))
    pulled = load_bundle(out)
    # Whole collections + one member list per group/role, not one request per user.
    paths = [unquote(r.url.path) for r in recorded.seen]
    assert not any(p.endswith(("/transitiveMemberOf", "/registeredDevices")) for p in paths)
    assert sum(p.endswith("/members") for p in paths) == len(recorded.g.groups) + len(
        recorded.g.roles
    )
    assert len(pulled.policies) == len(hand_written.policies) == 14  # 3 pages of 5
    assert memberships(pulled) == memberships(hand_written)
    assert {u.user_principal_name: u.device_ids for u in pulled.directory.users} == {
        u.user_principal_name: u.device_ids for u in hand_written.directory.users
    }
    assert {d.display_name: dict(d.properties) for d in pulled.directory.devices} == {
        d.display_name: dict(d.properties) for d in hand_written.directory.devices
    }
    assert answers(pulled) == answers(hand_written)
    # Power Platform: flows come with their definitions (triggers, connection references).
    assert {f.name: f.trigger for f in pulled.flows} == {
        f.name: f.trigger for f in hand_written.flows
    }
    assert {c.name: c.status for c in pulled.connections} == {
        c.name: c.status for c in hand_written.connections
    }
    assert len(pulled.acceptances) == len(hand_written.acceptances)
    cta = pulled.cross_tenant_access
    assert cta.present and list(cta.partners) == ["9c5d8b5f-0000-4e2b-9d7b-000000000abc"]
    doc = json.loads((out / "pull.json").read_text())
    assert doc["unreadable"] == [] and doc["notes"] == []
    assert doc["counts"]["policies"] == 14
    assert {p["name"]: p["apiVersion"] for p in doc["parts"]}["policies"] == "beta"


def test_default_pull_reads_only_referenced_users(
    tmp_path: Path, recorded: RecordedTenant, hand_written: Tenant
) -> None:
    """Without --all-users: users of the groups/roles the policies name, users they name, and
    connection owners; their what-if answers equal the hand-written ones."""
    out = _pull(tmp_path)
    pulled = load_bundle(out)
    groups, roles, users = set(), set(), set()
    for p in hand_written.policies:
        u = p.conditions.users
        groups |= {g.lower() for g in (*u.include_groups, *u.exclude_groups)}
        roles |= {r.lower() for r in (*u.include_roles, *u.exclude_roles)}
        users |= {x.lower() for x in (*u.include_users, *u.exclude_users)}
    owners = {c.owner_id.lower() for c in hand_written.connections if c.owner_id}
    expected = {
        u.user_principal_name
        for u in hand_written.directory.users
        if {g.lower() for g in u.group_ids} & groups
        or {r.lower() for r in u.role_ids} & roles
        or u.id.lower() in users | owners
    }
    got = {u.user_principal_name for u in pulled.directory.users}
    assert got == expected
    assert got < {u.user_principal_name for u in hand_written.directory.users}
    full, part = answers(hand_written), answers(pulled)
    assert part and all(full[k] == v for k, v in part.items())
    # Contoso has All-users policies: the manifest says the bundle does not hold everyone.
    [note] = json.loads((out / "pull.json").read_text())["notes"]
    assert "--all-users" in note


@pytest.mark.parametrize("all_users", [False, True])
def test_dynamic_groups_members_are_read(
    tmp_path: Path, recorded: RecordedTenant, hand_written: Tenant, all_users: bool
) -> None:
    """Every group dynamic: Graph's transitiveMembers / members / transitiveMemberOf return the
    members Entra computed, so pull records them and no group is "members unknown" (A-DIR-3)."""
    recorded.g.groups = [
        {**g, "groupTypes": ["DynamicMembership"], "membershipRule": 'user.department -eq "X"'}
        for g in recorded.g.groups
    ]
    out = _pull(tmp_path, PullOptions(all_users=all_users))
    directory = (out / "directory.yaml").read_text()
    assert "membersUnknown" not in directory
    pulled = load_bundle(out)
    assert pulled.directory.unknown_member_groups == frozenset()
    full, part = answers(hand_written), answers(pulled)
    assert part and all(full[k] == v for k, v in part.items())


def test_paging_follows_next_links(tmp_path: Path, recorded: RecordedTenant) -> None:
    _pull(tmp_path)
    policy_calls = [r for r in recorded.seen if r.url.path.endswith("/conditionalAccess/policies")]
    assert len(policy_calls) == 3
    assert [r.url.params.get("$skiptoken") for r in policy_calls] == [None, "5", "10"]
    casts = [r for r in recorded.seen if "microsoft.graph.user" in r.url.path]
    assert casts and all(r.headers["ConsistencyLevel"] == "eventual" for r in casts)


# -- throttling --------------------------------------------------------------------------------


def test_429_honours_retry_after(tmp_path: Path, recorded: RecordedTenant) -> None:
    recorded.faults[r"/namedLocations$"] = [
        (429, {"Retry-After": "7"}, graph_error(429, "TooManyRequests", "Too many requests"))
    ]
    recorded.faults[r"/organization$"] = [
        (503, {}, graph_error(503, "ServiceUnavailable", "x"))
    ] * 2
    sleeps: list[float] = []
    out = _pull(tmp_path, api=_api(sleeps))
    assert sleeps == [7.0, 2.0, 4.0]  # Retry-After, then exponential backoff
    assert len(load_bundle(out).named_locations) == 4


def test_throttling_beyond_the_budget_fails_and_writes_nothing(
    tmp_path: Path, recorded: RecordedTenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorded.always[r"/conditionalAccess/policies$"] = (
        429,
        {"Retry-After": "1"},
        graph_error(429, "TooManyRequests", "Too many requests"),
    )
    monkeypatch.setattr("time.sleep", lambda s: None)
    out = tmp_path / "bundle"
    res = runner.invoke(app, ["pull", "--out", str(out)], env=ENV)
    assert res.exit_code == 2
    assert "conditionalAccess/policies" in res.output and "pull-throttled" in res.output
    # Throttling is not a permission problem: only a 401/403 names one (review of issue 9).
    assert "(HTTP 429: throttled)" in res.output and "Policy.Read.All" not in res.output
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_transient_transport_errors_are_retried_with_the_same_backoff(
    tmp_path: Path, recorded: RecordedTenant
) -> None:
    """The server closing the connection (RemoteProtocolError), a reset and a timeout are
    retried like a 503: same backoff, same budget, and the pull completes."""
    recorded.broken[r"/namedLocations$"] = [
        httpx.RemoteProtocolError("Server disconnected without sending a response."),
        httpx.ReadError("[Errno 104] Connection reset by peer"),
        httpx.ReadTimeout("The read operation timed out"),
    ]
    sleeps: list[float] = []
    api = _api(sleeps)
    out = _pull(tmp_path, api=api)
    assert sleeps == [2.0, 4.0, 8.0]
    assert api.retries == 3
    assert len(load_bundle(out).named_locations) == 4


def test_transport_errors_beyond_the_budget_are_pull_failed_naming_the_url(
    tmp_path: Path, recorded: RecordedTenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorded.broken[r"/conditionalAccess/policies$"] = [
        httpx.RemoteProtocolError("Server disconnected without sending a response.")
    ] * 7  # the first attempt and 6 retries
    slept: list[float] = []
    monkeypatch.setattr("time.sleep", slept.append)
    out = tmp_path / "bundle"
    res = runner.invoke(app, ["pull", "--out", str(out)], env=ENV)
    assert res.exit_code == 2, res.output
    assert "[pull-failed]" in res.output and "pull-throttled" not in res.output
    assert "https://graph.microsoft.com/beta/identity/conditionalAccess/policies" in res.output
    assert "RemoteProtocolError" in res.output and "closed the connection" in res.output
    assert slept == [2.0, 4.0, 8.0, 16.0, 32.0, 64.0]
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_a_local_request_error_is_not_retried(recorded: RecordedTenant) -> None:
    recorded.broken[r"/conditionalAccess/policies$"] = [httpx.UnsupportedProtocol("bad scheme")]
    sleeps: list[float] = []
    with pytest.raises(PullError) as info:
        pull_tenant(_api(sleeps), PullOptions())
    assert info.value.code == "pull-failed" and sleeps == []
    assert "UnsupportedProtocol" in str(info.value)


# -- permissions and credentials ---------------------------------------------------------------


def test_403_on_a_required_part_names_endpoint_and_permission(
    tmp_path: Path, recorded: RecordedTenant
) -> None:
    recorded.always[r"/conditionalAccess/policies$"] = (
        403,
        {},
        graph_error(
            403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation."
        ),
    )
    with pytest.raises(PullError) as info:
        pull_tenant(_api(), PullOptions())
    text = str(info.value)
    assert "https://graph.microsoft.com/beta/identity/conditionalAccess/policies" in text
    assert "Policy.Read.All" in text and "Insufficient privileges" in text
    out = tmp_path / "bundle"
    res = runner.invoke(app, ["pull", "--out", str(out)], env=ENV)
    assert res.exit_code == 2 and "[pull-denied]" in res.output and not out.exists()


def test_expired_token_is_a_clear_error(tmp_path: Path, recorded: RecordedTenant) -> None:
    recorded.always[r"/conditionalAccess/policies$"] = (
        401,
        {},
        graph_error(
            401, "InvalidAuthenticationToken", "Lifetime validation failed, the token is expired."
        ),
    )
    out = tmp_path / "bundle"
    res = runner.invoke(app, ["pull", "--out", str(out)], env=ENV)
    assert res.exit_code == 2
    assert "access token was rejected" in res.output and "token is expired" in res.output
    assert SECRET not in res.output and not out.exists()


def test_optional_part_unreadable_is_listed_and_exit_1(
    tmp_path: Path, recorded: RecordedTenant
) -> None:
    """Partial pull: agreements denied -> bundle written without them, pull.json says why."""
    recorded.always[r"/termsOfUse/agreements$"] = (
        403,
        {},
        graph_error(
            403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation."
        ),
    )
    out = tmp_path / "bundle"
    res = runner.invoke(app, ["pull", "--out", str(out)], env=ENV)
    assert res.exit_code == 1, res.output
    assert "agreements not read" in res.output and "Agreement.Read.All" in res.output
    doc = json.loads((out / "pull.json").read_text())
    [bad] = doc["unreadable"]
    assert bad["name"] == "agreements" and bad["httpStatus"] == 403
    assert bad["permission"].startswith("Agreement.Read.All (delegated only")
    parts = {p["name"]: p["status"] for p in doc["parts"]}
    assert parts["agreementAcceptances"] == "skipped" and parts["policies"] == "read"
    tenant = load_bundle(out)
    # The policy requiring terms of use now carries a dangling-reference warning: not silent.
    assert any("terms of use agreement" in str(w) for w in tenant.warnings)


@pytest.mark.parametrize(
    ("status", "headers", "said"),
    [
        (500, {}, "HTTP 500: the service failed: InternalServerError: boom"),
        (
            503,
            {"Retry-After": "0"},
            "gave up after 6 retries (HTTP 503: the service is unavailable)",
        ),
        (429, {"Retry-After": "0"}, "gave up after 6 retries (HTTP 429: throttled)"),
    ],
)
def test_a_server_failure_on_an_optional_part_blames_the_service_not_a_permission(
    tmp_path: Path, recorded: RecordedTenant, status: int, headers: dict[str, str], said: str
) -> None:
    """Only a 401/403 names a permission (review of issue 9, L4): a 5xx - at once, or still
    after every retry - says the service failed, with the status; throttling says so."""
    recorded.always[r"/organization$"] = (
        status,
        headers,
        graph_error(status, "InternalServerError", "boom"),
    )
    out = tmp_path / "bundle"
    res = runner.invoke(app, ["pull", "--out", str(out)], env=ENV)
    assert res.exit_code == 1, res.output
    assert f"organization not read: https://graph.microsoft.com/v1.0/organization: {said}" in (
        res.output
    )
    assert "(not a permission problem: try again later)" in res.output
    assert "Organization.Read.All" not in res.output
    [bad] = json.loads((out / "pull.json").read_text())["unreadable"]
    assert bad["httpStatus"] == status and bad["permission"].startswith("Organization.Read.All")


def test_missing_power_platform_token_is_an_unreadable_part(
    tmp_path: Path, recorded: RecordedTenant
) -> None:
    out = tmp_path / "bundle"
    res = runner.invoke(app, ["pull", "--out", str(out)], env={"CAFLOW_ACCESS_TOKEN": SECRET})
    assert res.exit_code == 1
    doc = json.loads((out / "pull.json").read_text())
    assert [p["name"] for p in doc["unreadable"]] == ["powerplatform"]
    assert (
        "CAFLOW_POWERAPPS_TOKEN"
        in doc["unreadable"][0]["reason"] + doc["unreadable"][0]["permission"]
        or "no access token" in doc["unreadable"][0]["reason"]
    )


def test_one_flow_unreadable_keeps_the_rest(tmp_path: Path, recorded: RecordedTenant) -> None:
    """A flow deleted between list and get (404) and one not readable (403): both recorded in
    pull.json notReadable (endpoint, status, why), every other flow keeps its definition, and
    the two stay in the bundle without connections, so check counts them undetermined."""
    started = [f["name"] for f in recorded.g.flows if f["properties"].get("state") == "Started"]
    gone, hidden = started[0], started[1]
    recorded.always[rf"api.flow.microsoft.com.*/flows/{gone}$"] = (
        404,
        {},
        {"error": {"code": "FlowNotFound", "message": f"The flow '{gone}' could not be found."}},
    )
    recorded.always[rf"api.flow.microsoft.com.*/flows/{hidden}$"] = (
        403,
        {},
        {"error": {"code": "AuthorizationFailed", "message": "The caller has no access."}},
    )
    out = tmp_path / "bundle"
    res = runner.invoke(app, ["pull", "--out", str(out)], env=ENV)
    assert res.exit_code == 1, res.output
    doc = json.loads((out / "pull.json").read_text())
    assert doc["unreadable"] == []
    by_item = {x["item"]: x for x in doc["notReadable"]}
    assert set(by_item) == {f"flow {gone}", f"flow {hidden}"}
    assert by_item[f"flow {gone}"]["status"] == 404 and "deleted" in by_item[f"flow {gone}"]["why"]
    assert by_item[f"flow {hidden}"]["status"] == 403
    assert by_item[f"flow {hidden}"]["endpoint"].endswith(f"/flows/{hidden}")
    assert any("notReadable" in n for n in doc["notes"])
    pulled = load_bundle(out)
    assert len(pulled.flows) == len(recorded.g.flows)
    known = {f.name: f.connections_known for f in pulled.flows}
    assert not known[gone] and not known[hidden]
    assert all(v for k, v in known.items() if k not in (gone, hidden))
    res = runner.invoke(
        app,
        [
            "check",
            "--baseline",
            str(out),
            "--enable",
            "CA014 - Require MFA for Microsoft Flow Service",
            "--start",
            "2026-02-02T09:00:00Z",
            "--format",
            "json",
        ],
    )
    assert res.exit_code in (0, 1), res.output
    undetermined = {u["id"]: u["reason"] for u in json.loads(res.stdout)["undetermined"]}
    assert {gone, hidden} <= set(undetermined)
    assert (
        "caflow pull could not read the flow (pull.json /notReadable/0: not found"
        in undetermined[gone]
    )


def test_no_environment_readable_makes_the_part_unreadable(
    tmp_path: Path, recorded: RecordedTenant
) -> None:
    for pattern in (r"api.powerapps.com.*/connections$", r"api.flow.microsoft.com.*/v2/flows$"):
        recorded.always[pattern] = (403, {}, {"error": {"code": "Forbidden", "message": "no"}})
    out = _pull(tmp_path)
    doc = json.loads((out / "pull.json").read_text())
    assert [p["name"] for p in doc["unreadable"]] == ["powerplatform"]
    assert [x["item"] for x in doc["notReadable"]] == [
        f"connections of environment {PP_ENV}",
        f"flows of environment {PP_ENV}",
    ]


def test_connections_refused_keeps_the_flows(tmp_path: Path, recorded: RecordedTenant) -> None:
    recorded.always[r"api.powerapps.com.*/connections$"] = (
        403,
        {},
        {"error": {"code": "Forbidden", "message": "no access"}},
    )
    out = _pull(tmp_path)
    doc = json.loads((out / "pull.json").read_text())
    assert doc["unreadable"] == []
    [item] = doc["notReadable"]
    assert item["item"] == f"connections of environment {PP_ENV}" and item["status"] == 403
    assert len(load_bundle(out).flows) == len(recorded.g.flows)


def test_missing_flow_token_keeps_environments_and_connections(
    tmp_path: Path, recorded: RecordedTenant
) -> None:
    """Graph and Power Apps tokens but no $CAFLOW_FLOW_TOKEN: environments and connections are
    kept, the flows are one notReadable item naming the variable, no flows.json claims "no
    flows", nothing is asked of the Flow API, exit 1."""
    env = {k: v for k, v in ENV.items() if k != "CAFLOW_FLOW_TOKEN"}
    out = tmp_path / "bundle"
    res = runner.invoke(app, ["pull", "--out", str(out)], env=env)
    assert res.exit_code == 1, res.output
    assert not any(r.url.host == "api.flow.microsoft.com" for r in recorded.seen)
    doc = json.loads((out / "pull.json").read_text())
    assert doc["unreadable"] == []
    assert {p["name"]: p["status"] for p in doc["parts"]}["powerplatform"] == "read"
    [item] = doc["notReadable"]
    assert item["item"] == "flows of every environment (1)"
    assert item["status"] is None and item["endpoint"] == "https://service.flow.microsoft.com"
    assert "CAFLOW_FLOW_TOKEN" in item["why"] and item["why"].startswith("no token")
    text = " ".join(res.output.split())
    assert "warning: flows of every environment (1) not read" in text and "HTTP None" not in text
    assert "CAFLOW_FLOW_TOKEN" in text
    assert any("flows.json not written" in n for n in doc["notes"])
    assert not (out / "powerplatform" / "flows.json").exists()
    envs = json.loads((out / ".pull" / "environments.json").read_text())["value"]
    assert [e["name"] for e in envs] == [PP_ENV]
    pulled = load_bundle(out)
    assert {c.name for c in pulled.connections} == {c["name"] for c in recorded.g.connections}
    assert pulled.connections and pulled.flows == ()
    # The bundle itself says what pull could not read: every verb's warnings name it, so a
    # later check never reads "no flows.json" as "no flows" (never guess silently).
    [gap] = [w for w in pulled.warnings if w.code == "not-pulled"]
    assert gap.json_path == "/notReadable/0" and gap.file.endswith("pull.json")
    assert "flows of every environment (1)" in gap.message
    assert "missing from this bundle, not empty" in gap.message
    checked = runner.invoke(app, ["advise", str(out), "--format", "json"])
    assert "[not-pulled]" in checked.stderr
    assert any("flows of every environment" in w for w in json.loads(checked.stdout)["warnings"])


def test_a_complete_pull_carries_no_gap_warning(tmp_path: Path, recorded: RecordedTenant) -> None:
    out = tmp_path / "bundle"
    assert runner.invoke(app, ["pull", "--out", str(out)], env=ENV).exit_code == 0
    assert not [w for w in load_bundle(out).warnings if w.code == "not-pulled"]


def test_secrets_are_never_written(tmp_path: Path, recorded: RecordedTenant) -> None:
    out = tmp_path / "bundle"
    res = runner.invoke(app, ["pull", "--out", str(out), "--json"], env=ENV)
    assert res.exit_code == 0, res.output
    assert SECRET not in res.output
    assert json.loads(res.stdout) == json.loads((out / "pull.json").read_text())
    for f in out.rglob("*"):
        if f.is_file():
            assert SECRET not in f.read_text(encoding="utf-8"), f
    doc = json.loads((out / "pull.json").read_text())
    assert doc["auth"] == "environment" and doc["requests"] > 0


# -- usage -------------------------------------------------------------------------------------


@pytest.mark.parametrize("umask", [0o022, 0o027])
def test_the_bundle_has_the_users_umask_not_0700(
    tmp_path: Path, recorded: RecordedTenant, umask: int
) -> None:
    """The atomic rename moves the temporary folder into place: it must have been created
    like any folder of the user's (review of issue 9, L5), not 0700 as mkdtemp makes it."""
    import os
    import stat

    out = tmp_path / "bundle"
    old = os.umask(umask)
    try:
        res = runner.invoke(app, ["pull", "--out", str(out), "--since", "2026-01-01"], env=ENV)
    finally:
        os.umask(old)
    assert res.exit_code == 0, res.output
    folders = [out, *(p for p in out.rglob("*") if p.is_dir())]
    files = [p for p in out.rglob("*") if p.is_file()]
    assert len(folders) >= 3 and len(files) >= 10
    assert {stat.S_IMODE(p.stat().st_mode) for p in folders} == {0o777 & ~umask}
    assert {stat.S_IMODE(p.stat().st_mode) for p in files} == {0o666 & ~umask}


def test_progress_is_a_bar_over_the_parts_read_with_item_counts(
    tmp_path: Path, recorded: RecordedTenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One step per part to read (review of issue 9, L9: a bar, not a spinner), labelled with
    the part and its items read so far; the shared bar of caflow.cli.progress."""
    import contextlib
    from collections.abc import Iterator

    from caflow.cli import progress
    from caflow.pull.tenant import wanted_parts

    made: list[tuple[str, int | None]] = []
    fed: list[tuple[float, str | None]] = []

    @contextlib.contextmanager
    def recorder(label: str, steps: int | None = None) -> Iterator[object]:
        made.append((label, steps))
        yield lambda done, label=None: fed.append((done, label))

    monkeypatch.setattr(progress, "progress_bar", recorder)
    out = tmp_path / "bundle"
    res = runner.invoke(
        app, ["pull", "--out", str(out), "--since", "2026-01-01", "--skip", "devices"], env=ENV
    )
    assert res.exit_code == 0, res.output
    steps = len(
        wanted_parts(
            PullOptions(since=datetime(2026, 1, 1, tzinfo=UTC), skip=frozenset({"devices"}))
        )
    )
    assert made == [("reading the tenant", steps)] and steps == 12
    done = [d for d, _ in fed]
    assert done == sorted(done) and done[0] == 0 and fed[-1] == (steps, "read")
    labels = {label for _, label in fed}
    assert "reading policies: 14 items" in labels and "reading namedLocations: 4 items" in labels
    assert "reading signIns: 0 items" in labels  # a step even when it finds nothing
    assert not any("devices" in str(label) for label in labels)
    started = {str(label).split(":")[0].removeprefix("reading ") for label in labels} - {"read"}
    assert len(started) == steps


def test_existing_out_folder_needs_force(tmp_path: Path, recorded: RecordedTenant) -> None:
    out = tmp_path / "bundle"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    res = runner.invoke(app, ["pull", "--out", str(out)], env=ENV)
    assert res.exit_code == 2 and "--force" in res.output
    assert recorded.seen == []  # refused before any request
    res = runner.invoke(app, ["pull", "--out", str(out), "--force"], env=ENV)
    assert res.exit_code == 0 and (out / "pull.json").exists() and not (out / "keep.txt").exists()


@pytest.mark.parametrize("case", ["parent-is-a-file", "out-is-a-file", "name-too-long"])
def test_unusable_out_is_refused_before_any_request(
    tmp_path: Path, recorded: RecordedTenant, case: str
) -> None:
    """A pull may take an hour: an --out it cannot write is exit 2 before the first request,
    naming the path and why."""
    (tmp_path / "file.txt").write_text("x")
    out = {
        "parent-is-a-file": tmp_path / "file.txt" / "sub" / "bundle",
        "out-is-a-file": tmp_path / "file.txt",
        "name-too-long": tmp_path / ("b" * 250),  # + ".pull-XXXX" temp prefix > 255 bytes
    }[case]
    res = runner.invoke(app, ["pull", "--out", str(out)], env=ENV)
    assert res.exit_code == 2, res.output
    assert "cannot write the output folder" in res.output
    assert {
        "parent-is-a-file": "file.txt is a file",
        "out-is-a-file": "an existing file",
        "name-too-long": "File name too long",
    }[case] in res.output.replace("\n", "")
    assert recorded.seen == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file.txt"]


def test_unwritable_out_parent_is_refused_before_any_request(
    tmp_path: Path, recorded: RecordedTenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A read-only folder (simulated: the tests may run as root, who may write anywhere)."""

    def refuse(out: Path) -> Path:
        raise PermissionError(13, "Permission denied", str(out.parent))

    monkeypatch.setattr("caflow.pull.write._make_tmp", refuse)
    out = tmp_path / "ro" / "bundle"
    res = runner.invoke(app, ["pull", "--out", str(out)], env=ENV)
    assert res.exit_code == 2, res.output
    text = res.output.replace("\n", "")
    assert "Permission denied" in text and str(tmp_path / "ro") in text
    assert recorded.seen == []
    assert list(tmp_path.iterdir()) == []  # the parent made for the probe is gone again


def test_the_write_probe_leaves_nothing_when_the_pull_fails(
    tmp_path: Path, recorded: RecordedTenant
) -> None:
    recorded.always[r"/conditionalAccess/policies$"] = (
        403,
        {},
        graph_error(403, "Authorization_RequestDenied", "Insufficient privileges."),
    )
    res = runner.invoke(app, ["pull", "--out", str(tmp_path / "a" / "b" / "bundle")], env=ENV)
    assert res.exit_code == 2 and "[pull-denied]" in res.output
    assert list(tmp_path.iterdir()) == []


def test_skip_typo_gets_a_suggestion(tmp_path: Path) -> None:
    res = runner.invoke(
        app, ["pull", "--out", str(tmp_path / "b"), "--skip", "powerplatfrom"], env=ENV
    )
    assert res.exit_code == 2 and "did you mean 'powerplatform'" in res.output


def test_skipped_parts_are_recorded(tmp_path: Path, recorded: RecordedTenant) -> None:
    out = tmp_path / "bundle"
    res = runner.invoke(app, ["pull", "--out", str(out), "--skip", "powerplatform"], env=ENV)
    assert res.exit_code == 0
    doc = json.loads((out / "pull.json").read_text())
    assert {p["name"]: p["status"] for p in doc["parts"]}["powerplatform"] == "skipped"
    assert not any("api.flow" in str(r.url) for r in recorded.seen)


def test_sign_ins_since_are_written_as_json_lines(tmp_path: Path, recorded: RecordedTenant) -> None:
    recorded.sign_ins = [
        {
            "id": f"s{i}",
            "createdDateTime": "2026-02-01T10:00:00Z",
            "userPrincipalName": "alice@contoso.com",
            "appId": "00000003-0000-0ff1-ce00-000000000000",
            "ipAddress": "203.0.113.10",
            "status": {"errorCode": 0},
        }
        for i in range(7)
    ]
    out = _pull(tmp_path, PullOptions(since=datetime(2026, 2, 1, tzinfo=UTC)))
    lines = (out / "signIns.jsonl").read_text().splitlines()
    assert [json.loads(x)["id"] for x in lines] == [f"s{i}" for i in range(7)]
    calls = [r for r in recorded.seen if r.url.path.endswith("/auditLogs/signIns")]
    assert calls[0].url.params["$filter"] == "createdDateTime ge 2026-02-01T00:00:00Z"
    # The replay loaders read the file as Graph JSON Lines.
    from caflow.io.signins import LoadStats, read_signins

    stats = LoadStats()
    rows = sum(b.num_rows for b in read_signins([out / "signIns.jsonl"], stats))
    assert rows == 7


def test_no_sign_ins_since_writes_an_empty_log_that_replays_as_zero(
    tmp_path: Path, recorded: RecordedTenant
) -> None:
    """--since with no sign-in in the window (review of issue 9, L3): signIns.jsonl is written
    empty and counted 0 in pull.json, and ``caflow replay --logs`` on it says 0 sign-ins."""
    out = tmp_path / "bundle"
    res = runner.invoke(app, ["pull", "--out", str(out), "--since", "2026-11-01"], env=ENV)
    assert res.exit_code == 0, res.output
    assert (out / "signIns.jsonl").read_bytes() == b""
    doc = json.loads((out / "pull.json").read_text())
    assert doc["counts"]["signIns"] == 0
    assert {"name": "signIns", "status": "read", "count": 0}.items() <= next(
        p for p in doc["parts"] if p["name"] == "signIns"
    ).items()
    args = ["replay", "--bundle", str(out), "--logs", str(out / "signIns.jsonl"), "--no-store"]
    replay = runner.invoke(app, args)
    assert replay.exit_code == 0, replay.output
    assert "0 sign-ins evaluated" in replay.output and "(0 records read, 0 not usable)" in (
        replay.output
    )
    as_json = runner.invoke(app, [*args, "--json"])
    summary = json.loads(as_json.stdout)
    assert summary["evaluated"] == 0 and summary["input"]["files"] == {
        str(out / "signIns.jsonl"): "jsonl"
    }


def test_an_empty_file_is_an_empty_log_only_when_it_is_json_lines(tmp_path: Path) -> None:
    from caflow.errors import ParseError
    from caflow.io.signins import LoadStats, read_signins

    for name in ("a.jsonl", "b.ndjson"):
        (tmp_path / name).write_text("\n\n")
        stats = LoadStats()
        assert sum(b.num_rows for b in read_signins([tmp_path / name], stats)) == 0
        assert stats.files == {str(tmp_path / name): "jsonl"}
    (tmp_path / "c.json").write_text("")
    with pytest.raises(ParseError, match="file is empty"):
        list(read_signins([tmp_path / "c.json"], LoadStats()))


def test_non_interactive_and_service_principal_sign_ins_from_beta(
    tmp_path: Path, recorded: RecordedTenant
) -> None:
    """Beta sign-in records (signInEventTypes per row): v1.0 gives the interactive ones, the
    beta endpoint filtered on signInEventTypes the others; one file, each event once."""

    def row(i: int, kind: str, **extra: object) -> dict[str, object]:
        return {
            "id": f"{kind}-{i}",
            "createdDateTime": "2026-02-01T10:00:00Z",
            "userPrincipalName": "alice@contoso.com",
            "appId": "7df0a125-d3be-4c96-aa54-591f83ff541c",
            "appDisplayName": "Microsoft Flow Service",
            "resourceId": "00000003-0000-0ff1-ce00-000000000000",
            "ipAddress": "203.0.113.10",
            "isInteractive": kind == "interactiveUser",
            "signInEventTypes": [kind],
            "status": {"errorCode": 0},
            **extra,
        }

    recorded.sign_ins = [
        *(row(i, "interactiveUser") for i in range(3)),
        *(row(i, "nonInteractiveUser") for i in range(6)),  # two pages of 5
        row(0, "servicePrincipal", userPrincipalName=None, servicePrincipalName="svc-app"),
    ]
    out = tmp_path / "bundle"
    res = runner.invoke(
        app,
        [
            "pull",
            "--out",
            str(out),
            "--since",
            "2026-02-01",
            "--sign-in-type",
            "interactiveUser",
            "--sign-in-type",
            "nonInteractiveUser",
            "--sign-in-type",
            "servicePrincipal",
            "--skip",
            "powerplatform",
        ],
        env=ENV,
    )
    assert res.exit_code == 0, res.output
    ids = [json.loads(x)["id"] for x in (out / "signIns.jsonl").read_text().splitlines()]
    assert sorted(ids) == sorted(str(r["id"]) for r in recorded.sign_ins)
    calls = [r for r in recorded.seen if r.url.path.endswith("/auditLogs/signIns")]
    filters = {(r.url.path.split("/")[1], r.url.params["$filter"]) for r in calls}
    assert ("v1.0", "createdDateTime ge 2026-02-01T00:00:00Z") in filters
    assert (
        "beta",
        "createdDateTime ge 2026-02-01T00:00:00Z and "
        "signInEventTypes/any(t: t eq 'nonInteractiveUser')",
    ) in filters
    assert len(calls) == 1 + 2 + 1  # v1.0, two beta pages, one beta page
    doc = json.loads((out / "pull.json").read_text())
    assert doc["options"]["signInTypes"] == [
        "interactiveUser",
        "nonInteractiveUser",
        "servicePrincipal",
    ]
    # the replay loaders read every row (beta fields included)
    from caflow.io.signins import LoadStats, read_signins

    stats = LoadStats()
    assert sum(b.num_rows for b in read_signins([out / "signIns.jsonl"], stats)) == 10
    # a typo is exit 2 with the closest value; the option needs --since
    res = runner.invoke(
        app, ["pull", "--out", str(tmp_path / "x"), "--sign-in-type", "nonInteractive"], env=ENV
    )
    assert res.exit_code == 2 and "nonInteractiveUser" in res.output
    res = runner.invoke(
        app, ["pull", "--out", str(tmp_path / "y"), "--sign-in-type", "servicePrincipal"], env=ENV
    )
    assert res.exit_code == 2 and "--since" in res.output


def test_optional_part_names_match_the_parts() -> None:
    from caflow.pull.names import OptionalPart
    from caflow.pull.tenant import PARTS

    assert {n for n, p in PARTS.items() if not p.required} == {p.value for p in OptionalPart}


def test_help_documents_every_option() -> None:
    import typer.main

    pull = typer.main.get_command(app).commands["pull"]  # type: ignore[attr-defined]
    options = [p for p in pull.params if p.param_type_name == "option" and p.name != "help"]
    assert len(options) >= 9
    for param in options:
        assert param.help, f"--{param.name} has no help text"
    res = runner.invoke(app, ["pull", "--help"])
    assert res.exit_code == 0 and "docs/export.md" in res.output


def test_odd_policy_ids_cannot_hide_or_overwrite_files(
    tmp_path: Path, recorded: RecordedTenant
) -> None:
    """Ids become file names: a leading dot (hidden, not read back), a path separator or two
    ids that sanitise alike must still give one readable file per policy."""
    first = recorded.g.policies[0]
    recorded.g.policies = [
        {**first, "id": "../../escape"},
        {**first, "id": "..hidden"},
        {**first, "id": "a/b"},
        {**first, "id": "a_b"},
    ]
    out = _pull(tmp_path)
    names = sorted(p.name for p in (out / "policies").iterdir())
    assert len(names) == 4 and not any(n.startswith(".") for n in names)
    assert not (tmp_path / "escape.json").exists()
    assert len(load_bundle(out).policies) == 4


def _valid_manifest(doc: object) -> None:
    """pull.json against its published schema (docs/schema/pull.schema.json)."""
    import jsonschema

    from caflow.report.schemas import schema

    jsonschema.Draft202012Validator(schema("pull")).validate(doc)


def test_pull_json_validates_against_its_schema(tmp_path: Path, recorded: RecordedTenant) -> None:
    """A complete pull (stdout and file), then a partial one: an optional part denied
    (``unreadable``) and one flow gone (``notReadable``), with sign-ins asked for."""
    out = tmp_path / "bundle"
    res = runner.invoke(app, ["pull", "--out", str(out), "--format", "json"], env=ENV)
    assert res.exit_code == 0, res.output
    _valid_manifest(json.loads(res.stdout))
    recorded.always[r"/termsOfUse/agreements$"] = (
        403,
        {},
        graph_error(403, "Authorization_RequestDenied", "Insufficient privileges."),
    )
    gone = next(f["name"] for f in recorded.g.flows if f["properties"].get("state") == "Started")
    recorded.always[rf"api.flow.microsoft.com.*/flows/{gone}$"] = (
        404,
        {},
        {"error": {"code": "FlowNotFound", "message": "The flow could not be found."}},
    )
    res = runner.invoke(app, ["pull", "--out", str(out), "--force", "--all-users"], env=ENV)
    assert res.exit_code == 1, res.output
    doc = json.loads((out / "pull.json").read_text())
    assert doc["unreadable"] and doc["notReadable"] and doc["options"]["allUsers"] is True
    _valid_manifest(doc)
