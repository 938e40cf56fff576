"""One page of a paged Graph list (``az rest`` and a single ``Invoke-MgGraphRequest`` save the
first page with its ``@odata.nextLink``) is read, and what is on the later pages is missing, not
absent (review of issue 9, M3): the warning names the file and the JSON path of the link, the
note never says the file was "not read", and every verdict that depends on the missing items
changes - ``whatif`` ``certain: false``, ``check`` / ``simulate`` count an undetermined item
(``check --strict`` exits 1), ``advise`` carries it in ``warnings[]``; directory pages make the
users or groups concerned ``groupsUnknown`` / ``rolesUnknown`` / ``membersUnknown``, as when
the export records no memberships at all (A-DIR-3, A-DIR-4)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from tests.examples_paths import CONTOSO
from tests.graph_contoso import GraphTenant, contoso_graph, write_az_rest
from tests.signin_args import sign_in_args
from typer.testing import CliRunner

from caflow.cli.main import app
from caflow.io.bundle import LoadReport, load_bundle

runner = CliRunner()
START = "2026-02-02T09:00:00Z"
LINK = "https://graph.microsoft.com/beta/identity/conditionalAccess/policies?$skiptoken=abc"
POLICIES_PAGE = (
    "page 1 of a paged list: the policies on later pages were not exported "
    "(follow @odata.nextLink / use --all)"
)
#: alice signing in to Power Automate from the internet on her own managed laptop.
ALICE = sign_in_args("alice@contoso.com", device="LAPTOP-ALICE")


@pytest.fixture(scope="module")
def graph() -> GraphTenant:
    return contoso_graph()


def _one_page(tmp_path: Path, *, next_link: bool = True) -> Path:
    """examples/contoso with policies/ replaced by the first page of ``az rest --url
    .../identity/conditionalAccess/policies`` (5 of 14 policies)."""
    root = tmp_path / "tenant"
    shutil.copytree(CONTOSO, root)
    shutil.rmtree(root / "policies")
    policies = [json.loads(f.read_text()) for f in sorted((CONTOSO / "policies").glob("*.json"))]
    doc: dict[str, Any] = {
        "@odata.context": "https://graph.microsoft.com/beta/$metadata#identity/conditionalAccess/policies"
    }
    if next_link:
        doc["@odata.nextLink"] = LINK
    (root / "policies").mkdir()
    (root / "policies" / "page1.json").write_text(json.dumps({**doc, "value": policies[:5]}))
    return root


def _whatif(bundle: Path, *extra: str) -> tuple[dict[str, Any], str]:
    res = runner.invoke(app, ["whatif", str(bundle), *extra, "--json"])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout), res.stderr


def test_a_policy_page_makes_every_decision_uncertain(tmp_path: Path) -> None:
    bundle = _one_page(tmp_path)
    doc, err = _whatif(bundle, *ALICE)
    assert doc["decision"] == "allow" and doc["certain"] is False
    page = f"{tmp_path}/tenant/policies/page1.json"
    assert doc["incomplete"] == [
        {"part": "policies", "file": page, "jsonPath": "/@odata.nextLink", "reason": POLICIES_PAGE}
    ]
    said = " ".join(err.split())
    assert f"{page}: /@odata.nextLink: {POLICIES_PAGE} [incomplete-page]" in said
    assert "not read" not in said  # the file was read: only its later pages are missing
    shown = runner.invoke(app, ["whatif", str(bundle), *ALICE]).stdout.replace("│", " ")
    text = " ".join(shown.split())
    assert "policies missing from the export (the decision could change)" in text

    # The same page without the link is the whole list: certain, nothing incomplete.
    whole, err = _whatif(_one_page(tmp_path / "whole", next_link=False), *ALICE)
    assert whole["certain"] is True and "incomplete" not in whole and "page" not in err


def test_a_determined_block_stays_certain(tmp_path: Path) -> None:
    """Block wins (docs/sources.md CA-2.9): a policy on a missing
    page can add requirements but never lift CA001's block of legacy authentication."""
    doc, _ = _whatif(
        _one_page(tmp_path),
        "--user",
        "alice@contoso.com",
        "--app",
        "Office 365 Exchange Online",
        "--client-app",
        "exchangeActiveSync",
    )
    assert doc["decision"] == "block" and doc["certain"] is True
    assert doc["incomplete"][0]["part"] == "policies"


def _check(bundle: Path, *extra: str) -> tuple[int, str]:
    res = runner.invoke(
        app,
        ["check", "--baseline", str(bundle), "--proposed", str(bundle), "--start", START, *extra],
    )
    return res.exit_code, res.stdout


def test_check_counts_the_policy_page_and_strict_fails(tmp_path: Path) -> None:
    bundle = _one_page(tmp_path)
    code, out = _check(bundle, "--format", "json")
    assert code == 0
    doc = json.loads(out)
    [item] = doc["undetermined"]
    assert item["kind"] == "policies" and item["id"] == f"{bundle}/policies/page1.json"
    assert item["reason"].startswith(f"{bundle}/policies/page1.json /@odata.nextLink: ")
    assert POLICIES_PAGE in item["reason"] and "every decision may change" in item["reason"]
    assert doc["summary"]["undetermined"] == 1 and "1 undetermined" in doc["impactLine"]
    assert any(POLICIES_PAGE in w for w in doc["warnings"])
    assert _check(bundle, "--strict")[0] == 1
    assert _check(_one_page(tmp_path / "whole", next_link=False), "--strict")[0] == 0


def test_simulate_counts_the_policy_page(tmp_path: Path) -> None:
    bundle = _one_page(tmp_path)
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(
        f"tenant: {json.dumps(str(bundle))}\nstart: {START}\nend: 2026-02-09T09:00:00Z\n"
    )
    res = runner.invoke(app, ["simulate", str(scenario), "--format", "json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert [(u["kind"], u["id"]) for u in doc["undetermined"]] == [
        ("policies", f"{bundle}/policies/page1.json")
    ]
    assert doc["summary"]["undetermined"] == 1


def test_advise_carries_the_page_in_warnings(tmp_path: Path) -> None:
    res = runner.invoke(app, ["advise", str(_one_page(tmp_path)), "--json"])
    assert res.exit_code in (0, 1), res.output
    warnings = json.loads(res.stdout)["warnings"]
    assert f"policies/page1.json: /@odata.nextLink: {POLICIES_PAGE} [incomplete-page]" in warnings


def test_the_note_no_longer_says_not_read(tmp_path: Path) -> None:
    report = LoadReport()
    tenant = load_bundle(_one_page(tmp_path), report)
    assert not report.skipped and len(tenant.policies) == 5
    [gap] = tenant.not_pulled
    assert (gap.part, gap.json_path, gap.status) == ("policies", "/@odata.nextLink", "paged")


@pytest.mark.parametrize("link", [5, True, {"href": LINK}])
def test_a_next_link_that_is_not_a_url_is_a_wrong_type(tmp_path: Path, link: object) -> None:
    """Review 9c F3: a number is neither a next page nor the end of the list: exit 2 naming the
    file and the JSON path, like every other wrong type."""
    bundle = _one_page(tmp_path)
    page = bundle / "policies" / "page1.json"
    page.write_text(json.dumps({**json.loads(page.read_text()), "@odata.nextLink": link}))
    res = runner.invoke(app, ["whatif", str(bundle), *ALICE])
    assert res.exit_code == 2, res.output
    said = " ".join(res.stderr.split())
    assert "policies/page1.json: /@odata.nextLink: wrong type: expected a URL string" in said


@pytest.mark.parametrize("link", [None, ""])
def test_a_null_or_empty_next_link_is_the_last_page(tmp_path: Path, link: object) -> None:
    bundle = _one_page(tmp_path)
    page = bundle / "policies" / "page1.json"
    page.write_text(json.dumps({**json.loads(page.read_text()), "@odata.nextLink": link}))
    tenant = load_bundle(bundle)
    assert len(tenant.policies) == 5 and tenant.not_pulled == ()


# -- directory pages of an export folder ---------------------------------------------------


def _az(tmp_path: Path, graph: GraphTenant, *paged: str, member_of: bool = False) -> Path:
    write_az_rest(graph, tmp_path, paged=paged, member_of=member_of)
    return tmp_path


def test_a_users_page_is_counted_like_users_missing(tmp_path: Path, graph: GraphTenant) -> None:
    bundle = _az(tmp_path, graph, "users.json")
    _, out = _check(bundle, "--format", "json")
    [item] = [u for u in json.loads(out)["undetermined"] if u["kind"] == "users"]
    assert item["id"] == f"{bundle}/users.json"
    assert "the users on later pages were not exported" in item["reason"]
    assert "who a change blocks, is not all in the bundle" in item["reason"]
    assert _check(bundle, "--strict")[0] == 1
    assert _check(_az(tmp_path / "whole", graph), "--strict")[0] == 0


def test_a_member_list_page_makes_the_group_membership_unknown(
    tmp_path: Path, graph: GraphTenant
) -> None:
    """A group's members.json of one page: its listed members are members, anyone else may be
    on a later page (undetermined, never "not a member")."""
    owner = next(g["id"] for g in graph.groups if graph.members.get(g["id"]))

    def unknown(bundle: Path) -> set[str]:
        return {g.id for g in load_bundle(bundle).directory.groups if g.members_unknown}

    assert unknown(_az(tmp_path / "whole", graph)) == set()
    paged = load_bundle(_az(tmp_path, graph, f"members/{owner}/members.json")).directory
    # The group, and the groups holding it as a member (a member of it is a member of them, reference
    # §2.2): who is in them is unknown; every other group is as exported.
    nesting = {g.id for g in paged.groups if owner in g.member_ids}
    assert unknown(tmp_path) == {owner} | nesting
    assert len(unknown(tmp_path)) < len(paged.groups)


def test_a_member_of_page_makes_the_users_memberships_unknown(
    tmp_path: Path, graph: GraphTenant
) -> None:
    user = graph.users[0]["id"]
    tenant = load_bundle(
        _az(tmp_path, graph, f"users/{user}/transitiveMemberOf.json", member_of=True)
    )
    u = tenant.directory.user(user)
    assert u is not None and u.groups_unknown and u.roles_unknown
    assert not any(v.groups_unknown or v.roles_unknown for v in tenant.directory.users if v != u)


def test_a_groups_page_leaves_users_without_their_own_list_unknown(
    tmp_path: Path, graph: GraphTenant
) -> None:
    """No memberOf of the users: group member lists tell who is in the groups listed, but a
    group on a later page (and its members) is missing."""
    tenant = load_bundle(_az(tmp_path, graph, "groups.json"))
    assert all(u.groups_unknown for u in tenant.directory.users)
    assert not any(u.roles_unknown for u in tenant.directory.users)
    # Each user's own transitiveMemberOf lists every group it is in, whatever page its groups
    # were on: nothing is unknown then.
    tenant = load_bundle(_az(tmp_path / "own", graph, "groups.json", member_of=True))
    assert not any(u.groups_unknown for u in tenant.directory.users)


def test_a_connections_page_is_a_power_platform_gap(tmp_path: Path) -> None:
    root = tmp_path / "tenant"
    shutil.copytree(CONTOSO, root)
    conns = root / "powerplatform" / "connections.json"
    doc = json.loads(conns.read_text())
    items = doc["value"] if isinstance(doc, dict) else doc
    conns.write_text(json.dumps({"value": items[:2], "@odata.nextLink": "https://x/?page=2"}))
    _, out = _check(root, "--format", "json")
    [item] = [u for u in json.loads(out)["undetermined"] if u["kind"] == "connections"]
    assert item["id"] == "every environment"
    assert item["reason"].startswith(
        f"powerplatform (connections, flows) not exported ({conns} /@odata.nextLink: page 1 of "
        "a paged list: the connections and flows on later pages were not exported"
    )
