"""Every export layout loads, memberships included (issue 9 part 2).

The example tenant is written out as each export tool lays it out (EntraExporter's
``Export-Entra -All`` folder, ``Get-Mg* | ConvertTo-Json -Depth 10`` files in PascalCase,
``az rest`` Graph list responses) and must give the same directory and the same what-if
answers as the hand-written bundle.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from tests.graph_contoso import (
    CONTOSO,
    ENTRA_PARTS,
    GraphTenant,
    answers,
    contoso_graph,
    memberships,
    write_az_rest,
    write_entraexporter,
    write_json,
)

from caflow.io.bundle import LoadReport, load_bundle
from caflow.io.directory_export import membership_context
from caflow.model.tenant import Tenant


@pytest.fixture(scope="module")
def graph() -> GraphTenant:
    return contoso_graph()


@pytest.fixture(scope="module")
def hand_written(tmp_path_factory: pytest.TempPathFactory) -> Tenant:
    """The hand-written bundle reduced to what an Entra export holds."""
    root = tmp_path_factory.mktemp("hand")
    for part in ENTRA_PARTS:
        src = CONTOSO / part
        if src.is_dir():
            shutil.copytree(src, root / part)
        else:
            shutil.copy(src, root / part)
    return load_bundle(root)


def test_membership_paths() -> None:
    assert membership_context("Groups/g1/Members/u1/u1.json") == ("g1", "members")
    assert membership_context("DirectoryRoles/r1/Members/u1/u1.json") == ("r1", "members")
    assert membership_context("groups/g1/members.json") == ("g1", "members")
    assert membership_context("users/u1/transitiveMemberOf.json") == ("u1", "memberOf")
    assert membership_context("Groups/g1/g1.json") is None
    assert membership_context("Groups/g1/Owners/u1/u1.json") is None


def test_entraexporter_folder_builds_the_directory(
    tmp_path: Path, graph: GraphTenant, hand_written: Tenant
) -> None:
    root = tmp_path / "export"
    write_entraexporter(graph, root)
    report = LoadReport()
    exported = load_bundle(root, report)
    assert report.kinds["user"] == len(graph.users)
    assert report.kinds["group"] == len(graph.groups)
    assert report.kinds["directoryRole"] == len(graph.roles)
    assert report.kinds["device"] == len(graph.devices)
    assert report.kinds["policy"] == len(graph.policies)
    assert any("Organization.json" in s for s in report.skipped)
    assert memberships(exported) == memberships(hand_written)
    # Nested groups: All Staff holds the department groups, so alice is in it transitively.
    alice = exported.directory.user("alice@contoso.com")
    all_staff = exported.directory.group("All Staff")
    assert alice is not None and all_staff is not None and all_staff.id in alice.group_ids
    assert answers(exported) == answers(hand_written)


def test_group_members_are_what_makes_the_difference(tmp_path: Path, graph: GraphTenant) -> None:
    """Without the Members folders nobody is in a group: the export would answer differently
    (a check that the test above can fail)."""
    root = tmp_path / "export"
    write_entraexporter(graph, root)
    for members in root.glob("Groups/*/Members"):
        shutil.rmtree(members)
    exported = load_bundle(root)
    alice = exported.directory.user("alice@contoso.com")
    assert alice is not None and alice.group_ids == frozenset()


def test_graph_powershell_files_load(
    tmp_path: Path, graph: GraphTenant, hand_written: Tenant
) -> None:
    """``Get-MgUser -All -ExpandProperty transitiveMemberOf | ConvertTo-Json -Depth 10``:
    PascalCase keys, memberships inline, UTF-16 from Windows PowerShell."""

    def pascal(obj: Any) -> Any:
        if isinstance(obj, dict):
            return {(k if "@" in k else k[0].upper() + k[1:]): pascal(v) for k, v in obj.items()}
        if isinstance(obj, list):
            return [pascal(v) for v in obj]
        return obj

    users = [{**u, "transitiveMemberOf": graph.transitive_member_of[u["id"]]} for u in graph.users]
    write_json(tmp_path / "users.json", pascal(users), "utf-16")
    write_json(tmp_path / "groups.json", pascal(graph.groups))
    write_json(tmp_path / "devices.json", pascal(graph.devices))
    write_json(tmp_path / "policies.json", pascal(graph.policies))
    write_json(tmp_path / "namedLocations.json", pascal(graph.named_locations))
    write_json(tmp_path / "agreements.json", pascal(graph.agreements))
    exported = load_bundle(tmp_path)
    assert memberships(exported) == memberships(hand_written)
    assert answers(exported) == answers(hand_written)


def test_az_rest_files_load(tmp_path: Path, graph: GraphTenant, hand_written: Tenant) -> None:
    """``az rest --url .../groups/{id}/members > groups/{id}/members.json``: Graph list
    responses with ``@odata.context``; members in a file below the group's id."""

    write_az_rest(graph, tmp_path)
    exported = load_bundle(tmp_path)
    assert memberships(exported) == memberships(hand_written)
    assert answers(exported) == answers(hand_written)


def test_members_outside_the_export_are_counted(tmp_path: Path, graph: GraphTenant) -> None:
    g = graph.groups[0]
    write_json(tmp_path / "groups.json", [g])
    write_json(tmp_path / "users.json", graph.users[:1])
    stray = {"@odata.type": "#microsoft.graph.device", "id": "99999999-0000-0000-0000-000000000001"}
    # A user known only by id ($select=id), not exported itself: noted, never a crash.
    ghost = {"@odata.type": "#microsoft.graph.user", "id": "99999999-0000-0000-0000-000000000002"}
    write_json(tmp_path / "groups" / g["id"] / "members.json", {"value": [stray, ghost]})
    write_json(tmp_path / "policies.json", graph.policies[:1])
    report = LoadReport()
    load_bundle(tmp_path, report)
    assert any("99999999-0000-0000-0000-000000000001" in s for s in report.skipped)
    assert any("99999999-0000-0000-0000-000000000002" in s for s in report.skipped)


def test_role_held_through_a_role_assignable_group(tmp_path: Path, graph: GraphTenant) -> None:
    """A directory role's member may be a role-assignable group: its members hold the role."""
    user = graph.users[0]
    group = {
        "id": "22222222-9999-0000-0000-000000000001",
        "displayName": "Helpdesk admins",
        "securityEnabled": True,
        "isAssignableToRole": True,
    }
    helpdesk = "729827e3-9c14-49f7-bb1b-9608f156bbb8"
    role = {
        "id": "77777777-9999-0000-0000-000000000001",
        "displayName": "Helpdesk Administrator",
        "roleTemplateId": helpdesk,
    }
    write_json(tmp_path / "users.json", {"value": [user]})
    write_json(tmp_path / "groups.json", {"value": [group]})
    write_json(tmp_path / "directoryRoles.json", {"value": [role]})
    member = {"@odata.type": "#microsoft.graph.group", "id": group["id"]}
    write_json(tmp_path / "roles" / role["id"] / "members.json", {"value": [member]})
    write_json(tmp_path / "groups" / group["id"] / "members.json", {"value": [{"id": user["id"]}]})
    write_json(tmp_path / "policies.json", graph.policies[:1])
    loaded = load_bundle(tmp_path).directory.user(user["id"])
    assert loaded is not None and helpdesk in loaded.role_ids


@pytest.mark.parametrize(
    "no_groups",
    [b"", b"\xff\xfe", b"\xef\xbb\xbf\r\n", b"  \n"],
    ids=["0-bytes", "utf16-bom", "utf8-bom-crlf", "blank"],
)
def test_graph_powershell_per_user_membership_files(
    tmp_path: Path, graph: GraphTenant, hand_written: Tenant, no_groups: bytes
) -> None:
    """The docs/export.md script: ``Get-MgUserTransitiveMemberOf -UserId $id -All`` saved as
    ``users/<id>/transitiveMemberOf.json``. The SDK writes directoryObjects as ``Id``,
    ``DeletedDateTime`` and ``AdditionalProperties`` (which holds ``@odata.type``). For a user
    in no group (the guests here) the pipeline is empty: ``ConvertTo-Json`` prints nothing and
    ``Out-File`` leaves 0 bytes (PowerShell 7) or a byte order mark (5.1), which docs/export.md
    says is read as an empty list - no memberships, not memberships unknown (review of issue 9,
    M2: the guests' group- and role-scoped policies were undetermined)."""

    def sdk_object(obj: dict[str, Any]) -> dict[str, Any]:
        extra = {k: v for k, v in obj.items() if k != "id"}
        return {"Id": obj["id"], "DeletedDateTime": None, "AdditionalProperties": extra}

    def sdk_entity(obj: dict[str, Any]) -> dict[str, Any]:
        out = {k[0].upper() + k[1:]: v for k, v in obj.items()}
        return {**out, "AdditionalProperties": {}}

    write_json(tmp_path / "users.json", [sdk_entity(u) for u in graph.users], "utf-16")
    empty = []
    for u in graph.users:
        member_of = [sdk_object(m) for m in graph.transitive_member_of[u["id"]]]
        file = tmp_path / "users" / u["id"] / "transitiveMemberOf.json"
        write_json(file, member_of)
        if not member_of:
            file.write_bytes(no_groups)
            empty.append(u["userPrincipalName"])
    assert len(empty) == 2  # mallory and oscar, the two guests
    write_json(tmp_path / "groups.json", [sdk_entity(g) for g in graph.groups])
    write_json(tmp_path / "directoryRoles.json", [sdk_entity(r) for r in graph.roles])
    write_json(tmp_path / "policies.json", graph.policies)
    write_json(tmp_path / "namedLocations.json", graph.named_locations)
    write_json(tmp_path / "agreements.json", graph.agreements)
    report = LoadReport()
    exported = load_bundle(tmp_path, report)
    assert exported.directory.groups_unknown_users == 0
    assert exported.directory.roles_unknown_users == 0
    assert memberships(exported) == memberships(hand_written)
    assert answers(exported) == answers(hand_written)
    assert len(report.empty) == 2  # still named in the note


def test_tenant_wide_role_assignments_count(tmp_path: Path, graph: GraphTenant) -> None:
    """EntraExporter's RoleManagement/Directory/RoleAssignments: only directoryScopeId "/"."""
    user, other = graph.users[0], graph.users[1]
    sec_admin = "194ae4cb-b126-40b2-bd5b-6091b380977d"
    assignments = [
        {
            "id": "a1",
            "principalId": user["id"],
            "roleDefinitionId": sec_admin,
            "directoryScopeId": "/",
        },
        {
            "id": "a2",
            "principalId": other["id"],
            "roleDefinitionId": sec_admin,
            "directoryScopeId": "/administrativeUnits/5d107bba-d8e2-4e13-b6ae-884be90e5d1a",
        },
    ]
    for a in assignments:
        write_json(
            tmp_path / "RoleManagement/Directory/RoleAssignments" / a["id"] / f"{a['id']}.json", a
        )
    for u in (user, other):
        write_json(tmp_path / "Users" / u["id"] / f"{u['id']}.json", u)
    write_json(tmp_path / "policies.json", graph.policies[:1])
    d = load_bundle(tmp_path).directory
    got, not_got = d.user(user["id"]), d.user(other["id"])
    assert got is not None and sec_admin in got.role_ids
    assert not_got is not None and sec_admin not in not_got.role_ids


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\xef\xbb\xbf",
        b"\xff\xfe",
        b"\xff\xfe" + "null\r\n".encode("utf-16-le"),
        b"null\n",
        b"  \r\n",
    ],
    ids=["0-bytes", "utf8-bom", "utf16-bom", "utf16-null", "null", "blank"],
)
def test_empty_export_files_are_empty_lists(tmp_path: Path, graph: GraphTenant, raw: bytes) -> None:
    """``Get-MgIdentityGovernanceTermsOfUseAgreement -All | ConvertTo-Json | Out-File`` with no
    agreement writes 0 bytes (or a BOM, or ``null``): an empty list, named in a note."""
    write_json(tmp_path / "policies.json", graph.policies)
    (tmp_path / "agreements.json").write_bytes(raw)
    (tmp_path / "devices.json").write_bytes(raw)
    report = LoadReport()
    tenant = load_bundle(tmp_path, report)
    assert len(tenant.policies) == len(graph.policies)
    assert sorted(Path(f).name for f in report.empty) == ["agreements.json", "devices.json"]
    assert not tenant.agreements


def test_empty_files_are_named_on_stderr(tmp_path: Path, graph: GraphTenant) -> None:
    from typer.testing import CliRunner

    from caflow.cli.main import app

    write_json(tmp_path / "policies.json", graph.policies)
    (tmp_path / "agreements.json").write_bytes(b"\xff\xfe")
    res = CliRunner().invoke(app, ["advise", str(tmp_path), "--format", "json"])
    assert res.exit_code in (0, 1), res.output
    assert "1 empty file(s) read as empty lists" in res.stderr
    assert "agreements.json" in res.stderr


def test_a_folder_of_only_empty_files_is_exit_2(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from caflow.cli.main import app

    (tmp_path / "policies.json").write_bytes(b"")
    (tmp_path / "users.json").write_bytes(b"null")
    res = CliRunner().invoke(app, ["advise", str(tmp_path), "--format", "json"])
    assert res.exit_code == 2, res.output
    assert "no tenant data found" in res.stderr and "2 empty" in res.stderr


def test_other_empty_files_keep_their_documented_outcome(
    tmp_path: Path, graph: GraphTenant
) -> None:
    """Review of issue 9 (M2): only the membership files changed. An empty file of a bundle
    (which caflow writes, or the user by hand) is still parse-error, exit 2 (docs/errors.md);
    an export folder of nothing but empty files, membership files included, is still
    no-tenant-data."""
    from caflow.errors import InputError, ParseError

    bundle = tmp_path / "bundle"
    (bundle / "policies").mkdir(parents=True)
    (bundle / "tenant.yaml").write_text("displayName: Contoso\n")
    (bundle / "policies" / "p.json").write_bytes(b"\xff\xfe")
    with pytest.raises(ParseError, match="file is empty"):
        load_bundle(bundle)
    export = tmp_path / "export"
    user = graph.users[0]["id"]
    (export / "users" / user).mkdir(parents=True)
    (export / "users" / user / "transitiveMemberOf.json").write_bytes(b"")
    (export / "policies.json").write_bytes(b"null")
    with pytest.raises(InputError, match="no tenant data found") as exc:
        load_bundle(export)
    assert exc.value.code == "no-tenant-data"
