"""An export that records no memberships for a user (review of issue 9, A-DIR-4).

A folder with users but no groups (``Get-MgUser`` alone), or EntraExporter run without
``-All`` (directory roles with members and dynamic groups, but no static groups and no group
memberships), says nothing about which groups or roles a user is in. A policy naming a group
(or a role) is then undetermined for that user - counted, named, with a note - never "the
policy does not apply"; a user whose ``memberOf`` was exported, or an export with group (role)
member lists, keeps certain answers.
"""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path

import pytest
from tests.graph_contoso import write_entraexporter_object, write_json
from tests.unexported_members import (
    ALICE,
    BOB,
    DYNAMIC,
    USER_TYPE,
    mfa_policy,
    policy_results,
    whatif_json,
)

from caflow.io.bundle import LoadReport, load_bundle
from caflow.model.tenant import Tenant

GLOBAL_ADMIN = "62e90394-69f5-4237-9190-012177145e10"
FINANCE = "22222222-0000-0000-0000-0000000000f1"
ROLE = {
    "@odata.type": "#microsoft.graph.directoryRole",
    "id": "44444444-0000-0000-0000-000000000001",
    "displayName": "Global Administrator",
    "roleTemplateId": GLOBAL_ADMIN,
}
GROUP_IN = mfa_policy("group-in", {"includeGroups": [FINANCE]})
GROUP_OUT = mfa_policy("group-out", {"includeUsers": ["All"], "excludeGroups": [FINANCE]})
ROLE_IN = mfa_policy("role-in", {"includeRoles": [GLOBAL_ADMIN]})
USERS_ONLY = mfa_policy("all-users", {"includeUsers": ["All"]})
POLICIES = [GROUP_IN, GROUP_OUT, ROLE_IN, USERS_ONLY]


def _verdicts(tenant: Tenant, upn: str) -> dict[str, tuple[str, str]]:
    out = {}
    for r in policy_results(tenant, upn):
        verdict = "undetermined" if r.undetermined else "applies" if r.applies else "no"
        out[r.policy.id] = (verdict, r.undetermined_detail)
    return out


def _users_only(root: Path) -> Path:
    """``Get-MgUser -All | ConvertTo-Json`` and the policies: no groups, no roles, no memberOf."""
    write_json(root / "users.json", [ALICE, BOB])
    write_json(root / "policies.json", POLICIES)
    return root


def test_users_without_groups_or_roles_are_undetermined_for_group_and_role_policies(
    tmp_path: Path,
) -> None:
    report = LoadReport()
    tenant = load_bundle(_users_only(tmp_path / "export"), report)
    alice = tenant.directory.user("alice@contoso.com")
    assert alice is not None and alice.groups_unknown and alice.roles_unknown
    got = _verdicts(tenant, "alice@contoso.com")
    # Included through a group or a role, or excluded through a group: nobody can tell.
    assert {k: v[0] for k, v in got.items()} == {
        "group-in": "undetermined",
        "group-out": "undetermined",
        "role-in": "undetermined",
        "all-users": "applies",  # no group or role named: certain
    }
    assert "group memberships" in got["group-in"][1] and FINANCE in got["group-in"][1]
    assert "directory roles" in got["role-in"][1]
    # Counted and named: a note per kind, a warning on each policy naming a group / role.
    notes = [n for n in report.caveats if "records no" in n]
    assert len(notes) == 2 and all("2 user(s)" in n and "alice@contoso.com" in n for n in notes)
    by_id = {p.id: p for p in tenant.policies}
    assert "members-unknown" in [w.code for w in by_id["group-in"].warnings]
    assert "members-unknown" in [w.code for w in by_id["role-in"].warnings]
    assert "members-unknown" not in [w.code for w in by_id["all-users"].warnings]


def test_a_user_whose_member_of_was_exported_stays_certain(tmp_path: Path) -> None:
    root = _users_only(tmp_path / "export")
    write_json(root / "users" / BOB["id"] / "transitiveMemberOf.json", {"value": []})
    tenant = load_bundle(root)
    bob = _verdicts(tenant, "bob@contoso.com")
    assert {k: v[0] for k, v in bob.items()} == {
        "group-in": "no",
        "group-out": "applies",
        "role-in": "no",
        "all-users": "applies",
    }
    assert _verdicts(tenant, "alice@contoso.com")["group-in"][0] == "undetermined"


def _entraexporter_config(root: Path, *, with_groups: bool = False) -> Path:
    """``Export-Entra -Path root`` without ``-All`` (the Config types): directory roles with
    their members, dynamic groups with only their Owners, policies; no users, no static groups,
    no group memberships (EntraExporter README; Get-EEDefaultSchema tags)."""

    one = partial(write_entraexporter_object, root)
    stub = {k: ALICE[k] for k in ("id", "userPrincipalName", "displayName")}
    stub["@odata.type"] = USER_TYPE  # a members collection types each directoryObject
    one("DirectoryRoles", ROLE)
    one(f"DirectoryRoles/{ROLE['id']}/Members", stub)
    one("Groups", DYNAMIC)
    one(
        f"Groups/{DYNAMIC['id']}/Owners",
        {**stub, **{"id": BOB["id"], "userPrincipalName": BOB["userPrincipalName"]}},
    )
    if with_groups:  # what -All adds: static groups with their Members
        one("Groups", {**DYNAMIC, "id": FINANCE, "displayName": "Finance", "groupTypes": []})
        one(
            f"Groups/{FINANCE}/Members",
            {**stub, "id": BOB["id"], "userPrincipalName": BOB["userPrincipalName"]},
        )
    for p in POLICIES:
        one("Identity/Conditional/AccessPolicies", p)
    return root


def test_entraexporter_without_all_knows_roles_but_not_groups(tmp_path: Path) -> None:
    report = LoadReport()
    tenant = load_bundle(_entraexporter_config(tmp_path / "export"), report)
    alice = _verdicts(tenant, "alice@contoso.com")
    assert alice["role-in"][0] == "applies"  # a role member list was exported
    assert alice["group-in"][0] == "undetermined" and alice["group-out"][0] == "undetermined"
    bob = _verdicts(tenant, "bob@contoso.com")  # known from the dynamic group's Owners file
    assert bob["role-in"][0] == "no"  # role members were exported: bob holds none
    assert bob["group-in"][0] == "undetermined"
    assert [n for n in report.caveats if "records no group memberships" in n]
    assert not [n for n in report.caveats if "records no role memberships" in n]


def test_entraexporter_with_all_is_certain(tmp_path: Path) -> None:
    tenant = load_bundle(_entraexporter_config(tmp_path / "export", with_groups=True))
    assert _verdicts(tenant, "alice@contoso.com")["group-in"][0] == "no"
    assert _verdicts(tenant, "bob@contoso.com")["group-in"][0] == "applies"
    assert _verdicts(tenant, "bob@contoso.com")["group-out"][0] == "no"


@pytest.mark.parametrize("owner", [False, True])
def test_entraexporter_dynamic_group_with_only_owners_is_undetermined_per_user(
    tmp_path: Path, owner: bool
) -> None:
    """EntraExporter exports a dynamic group with its Owners only (its schema reads members
    only for ``not(groupTypes/any(c:c eq 'DynamicMembership'))``): undetermined for every user,
    its owner included, and the reason says the dynamic membership was not exported."""
    root = _entraexporter_config(tmp_path / "export", with_groups=True)
    policy = mfa_policy("dynamic-in", {"includeGroups": [DYNAMIC["id"]]})
    write_json(root / "Identity/Conditional/AccessPolicies/dyn/dyn.json", policy)
    tenant = load_bundle(root)
    group = tenant.directory.group(DYNAMIC["id"])
    assert group is not None and group.members_unknown
    upn = "bob@contoso.com" if owner else "alice@contoso.com"
    verdict, reason = _verdicts(tenant, upn)["dynamic-in"]
    assert verdict == "undetermined"
    assert "dynamic" in reason and "membership was not exported" in reason


def test_whatif_counts_the_undetermined_policies(tmp_path: Path) -> None:
    root = _users_only(tmp_path / "export")
    res = whatif_json(root)
    assert res.exit_code in (0, 1), res.output
    doc = json.loads(res.stdout)
    assert doc["certain"] is False
    assert sorted(u["id"] for u in doc["undetermined"]) == ["group-in", "group-out", "role-in"]
    assert "records no group memberships for 2 user(s)" in " ".join(res.stderr.split())
