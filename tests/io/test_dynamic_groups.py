"""Dynamic groups whose members an export does not record (review of issue 9, A-DIR-3).

Entra computes a dynamic group's members from its ``membershipRule``; an EntraExporter folder
(no ``Members`` folder for it), a ``Get-MgGroup`` file or an ``az rest`` page holds only the
group. Not being a recorded member then proves nothing: a policy naming the group is
undetermined for that user (counted, with a note and a warning), never "not a member".
"""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path
from typing import Any

import yaml
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

from caflow.io.bundle import LoadReport, load_bundle, load_tenant_from_documents
from caflow.model.tenant import Tenant

STATIC = {**DYNAMIC, "id": "22222222-0000-0000-0000-0000000000e1", "displayName": "Finance"}
STATIC.pop("membershipRule")
STATIC["groupTypes"] = []
POLICY = mfa_policy(
    "33333333-0000-0000-0000-000000000001",
    {"includeGroups": [DYNAMIC["id"]]},
    "MFA for dynamic sales",
)


def _entraexporter(root: Path, *, dynamic_members: list[dict[str, Any]] | None = None) -> Path:
    one = partial(write_entraexporter_object, root)
    for u in (ALICE, BOB):
        one("Users", u)
    one("Groups", DYNAMIC)
    one("Groups", STATIC)
    one(f"Groups/{STATIC['id']}/Members", {"@odata.type": USER_TYPE, "id": BOB["id"]})
    for m in dynamic_members or []:  # EntraExporter writes no Members folder when there are none
        one(f"Groups/{DYNAMIC['id']}/Members", m)
    one("Identity/Conditional/AccessPolicies", POLICY)
    return root


def _verdict(tenant: Tenant, upn: str) -> str:
    (result,) = [r for r in policy_results(tenant, upn) if r.policy.id == POLICY["id"]]
    if result.undetermined:
        return "undetermined"
    return "applies" if result.applies else "does not apply"


def test_entraexporter_dynamic_group_without_members_is_undetermined(tmp_path: Path) -> None:
    report = LoadReport()
    tenant = load_bundle(_entraexporter(tmp_path / "export"), report)
    group = tenant.directory.group(DYNAMIC["id"])
    assert group is not None and group.members_unknown
    assert _verdict(tenant, "alice@contoso.com") == "undetermined"
    assert any("Sales (dynamic)" in n and "undetermined" in n for n in report.caveats)
    (policy,) = tenant.policies
    assert [w.code for w in policy.warnings] == ["members-unknown"]
    # A static group with a member list is unaffected.
    finance = tenant.directory.group(STATIC["id"])
    assert finance is not None and not finance.members_unknown


def test_recorded_members_of_a_dynamic_group_are_known(tmp_path: Path) -> None:
    member = {"@odata.type": USER_TYPE, "id": ALICE["id"]}
    tenant = load_bundle(_entraexporter(tmp_path / "export", dynamic_members=[member]))
    group = tenant.directory.group(DYNAMIC["id"])
    assert group is not None and not group.members_unknown
    assert _verdict(tenant, "alice@contoso.com") == "applies"
    assert _verdict(tenant, "bob@contoso.com") == "does not apply"


def test_graph_powershell_dynamic_group_is_undetermined(tmp_path: Path) -> None:
    """``Get-MgGroup -Property ...,groupTypes,membershipRule | ConvertTo-Json``: PascalCase."""
    pascal = {k[0].upper() + k[1:]: v for k, v in DYNAMIC.items()}
    write_json(tmp_path / "groups.json", [pascal])
    write_json(tmp_path / "users.json", [{k[0].upper() + k[1:]: v for k, v in ALICE.items()}])
    write_json(tmp_path / "policies.json", [POLICY])
    tenant = load_bundle(tmp_path)
    assert _verdict(tenant, "alice@contoso.com") == "undetermined"


def test_az_rest_every_user_transitive_member_of_makes_dynamic_groups_known(
    tmp_path: Path,
) -> None:
    """Graph's ``transitiveMemberOf`` lists computed dynamic memberships: when every exported
    user's list was read, a dynamic group no list names has no exported member."""
    page = {
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#groups",
        "value": [DYNAMIC],
    }
    write_json(tmp_path / "groups.json", page)
    write_json(tmp_path / "users.json", {"value": [ALICE, BOB]})
    dyn = {"@odata.type": "#microsoft.graph.group", "id": DYNAMIC["id"]}
    write_json(tmp_path / "users" / ALICE["id"] / "transitiveMemberOf.json", {"value": [dyn]})
    write_json(tmp_path / "users" / BOB["id"] / "transitiveMemberOf.json", {"value": []})
    write_json(tmp_path / "policies.json", {"value": [POLICY]})
    report = LoadReport()
    tenant = load_bundle(tmp_path, report)
    assert not report.caveats
    assert _verdict(tenant, "alice@contoso.com") == "applies"
    assert _verdict(tenant, "bob@contoso.com") == "does not apply"
    # Only one user's list read: bob's membership stays undetermined.
    (tmp_path / "users" / BOB["id"] / "transitiveMemberOf.json").unlink()
    tenant = load_bundle(tmp_path)
    assert _verdict(tenant, "alice@contoso.com") == "applies"
    assert _verdict(tenant, "bob@contoso.com") == "undetermined"


def test_directory_yaml_members_unknown_reaches_containing_groups() -> None:
    directory = {
        "users": [{"userPrincipalName": "alice@contoso.com"}],
        "groups": [
            {"displayName": "Sales (dynamic)", "membersUnknown": True},
            {"displayName": "All Staff", "members": ["Sales (dynamic)"]},
        ],
    }
    policy = {
        **POLICY,
        "conditions": {**POLICY["conditions"], "users": {"includeGroups": ["All Staff"]}},
    }
    tenant = load_tenant_from_documents(
        [
            ("tenant.yaml", lambda: b"id: 00000000-0000-0000-0000-0000000000aa\n"),
            ("directory.yaml", lambda: yaml.safe_dump(directory).encode()),
            ("policies/p.json", lambda: json.dumps(policy).encode()),
        ]
    )
    all_staff = tenant.directory.group("All Staff")
    assert all_staff is not None and all_staff.members_unknown
    assert _verdict(tenant, "alice@contoso.com") == "undetermined"


def test_whatif_counts_and_notes_the_dynamic_group(tmp_path: Path) -> None:
    root = _entraexporter(tmp_path / "export")
    res = whatif_json(root)
    assert res.exit_code in (0, 1), res.output
    assert "Sales (dynamic)" in res.stderr and "undetermined" in res.stderr
    doc = json.loads(res.stdout)
    assert doc["certain"] is False
    assert [u["id"] for u in doc["undetermined"]] == [POLICY["id"]]
    assert "Sales (dynamic)" in doc["undetermined"][0]["reason"]
