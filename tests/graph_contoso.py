"""The example tenant (examples/contoso) as Microsoft Graph would return it.

Used to build export layouts (EntraExporter folders, ``Get-Mg*`` / ``az rest`` files) and the
recorded responses of ``caflow pull`` tests, so each can be compared with the hand-written
bundle: same tenant, two inputs, the same what-if answers. Object shapes follow the Graph
reference pages (``user``, ``group``, ``directoryRole``, ``device`` resources; list responses
carry ``@odata.context`` and no per-item ``@odata.type``; directoryObject collections such as
``members`` and ``transitiveMemberOf`` carry ``@odata.type`` per item).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.examples_paths import CONTOSO

from caflow.cli.whatif_cmd import build_signin
from caflow.engine.evaluate import evaluate
from caflow.io.bundle import load_bundle
from caflow.model.tenant import Tenant
from caflow.report.whatif import render_json

GRAPH = "https://graph.microsoft.com"

#: The parts of the hand-written bundle an Entra export also holds (no tenant.yaml settings,
#: no agreement acceptances, no Power Platform).
ENTRA_PARTS = ("policies", "namedLocations.json", "agreements.json", "directory.yaml")


def role_object_id(template_id: str) -> str:
    """Activated directoryRole objects have their own id, distinct from the template id."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "role:" + template_id))


def device_object_id(device_id: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "device:" + device_id))


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def items(path: Path) -> list[dict[str, Any]]:
    doc = read_json(path)
    return doc["value"] if isinstance(doc, dict) else doc


@dataclass
class GraphTenant:
    tenant: Tenant
    users: list[dict[str, Any]]
    groups: list[dict[str, Any]]
    roles: list[dict[str, Any]]
    devices: list[dict[str, Any]]
    #: object id -> direct members (directoryObject stubs with @odata.type)
    members: dict[str, list[dict[str, Any]]]
    #: user id -> transitive groups and directory roles (directoryObject with @odata.type)
    transitive_member_of: dict[str, list[dict[str, Any]]]
    #: user id -> registered devices
    registered_devices: dict[str, list[dict[str, Any]]]
    policies: list[dict[str, Any]]
    named_locations: list[dict[str, Any]]
    agreements: list[dict[str, Any]]
    acceptances: list[dict[str, Any]]
    connections: list[dict[str, Any]]
    flows: list[dict[str, Any]]


def contoso_graph() -> GraphTenant:
    tenant = load_bundle(CONTOSO)
    d = tenant.directory
    users = [
        {
            "id": u.id,
            "displayName": u.display_name,
            "userPrincipalName": u.user_principal_name,
            "userType": u.user_type,
            "accountEnabled": u.account_enabled,
            "mail": None,
        }
        for u in d.users
    ]
    groups = [
        {
            "id": g.id,
            "displayName": g.display_name,
            "securityEnabled": True,
            "mailEnabled": False,
            "groupTypes": [],
            "isAssignableToRole": None,
        }
        for g in d.groups
    ]
    role_ids = sorted({r for u in d.users for r in u.role_ids})
    from caflow.model.wellknown import role_name

    roles = [
        {
            "id": role_object_id(r),
            "displayName": role_name(r) or r,
            "description": "",
            "roleTemplateId": r,
        }
        for r in role_ids
    ]

    def stub(kind: str, obj_id: str) -> dict[str, Any]:
        out: dict[str, Any] = {"@odata.type": f"#microsoft.graph.{kind}", "id": obj_id}
        if kind == "user":
            u = d.user(obj_id)
            assert u is not None
            out |= {"displayName": u.display_name, "userPrincipalName": u.user_principal_name}
        elif kind == "group":
            g = d.group(obj_id)
            assert g is not None
            out["displayName"] = g.display_name
        return out

    members: dict[str, list[dict[str, Any]]] = {}
    user_ids = {u.id for u in d.users}
    for g in d.groups:
        members[g.id] = [
            stub("user" if m in user_ids else "group", m) for m in sorted(g.member_ids)
        ]
    for r in role_ids:
        members[role_object_id(r)] = [stub("user", u.id) for u in d.users if r in u.role_ids]
    transitive = {
        u.id: [stub("group", gid) for gid in sorted(u.group_ids)]
        + [
            {
                "@odata.type": "#microsoft.graph.directoryRole",
                "id": role_object_id(r),
                "roleTemplateId": r,
            }
            for r in sorted(u.role_ids)
        ]
        for u in d.users
    }
    devices = []
    for dev in d.devices:
        p = dict(dev.properties)
        ext = {
            f"extensionAttribute{i}": p.pop(f"extensionAttribute{i}", None) for i in range(1, 16)
        }
        devices.append(
            {
                "id": device_object_id(dev.id),
                **p,
                "extensionAttributes": ext,
                "accountEnabled": True,
            }
        )
    by_device = {dv["deviceId"]: dv for dv in devices}
    registered = {u.id: [by_device[x] for x in u.device_ids] for u in d.users}
    policies = [read_json(p) for p in sorted((CONTOSO / "policies").glob("*.json"))]
    return GraphTenant(
        tenant=tenant,
        users=users,
        groups=groups,
        roles=roles,
        devices=devices,
        members=members,
        transitive_member_of=transitive,
        registered_devices={
            k: [{"@odata.type": "#microsoft.graph.device", **v} for v in vs]
            for k, vs in registered.items()
        },
        policies=policies,
        named_locations=items(CONTOSO / "namedLocations.json"),
        agreements=items(CONTOSO / "agreements.json"),
        acceptances=items(CONTOSO / "agreementAcceptances.json"),
        connections=items(CONTOSO / "powerplatform" / "connections.json"),
        flows=items(CONTOSO / "powerplatform" / "flows.json"),
    )


def write_json(path: Path, doc: Any, encoding: str = "utf-8") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(doc, indent=4)
    if encoding == "utf-16":
        path.write_bytes(b"\xff\xfe" + text.encode("utf-16-le"))  # Windows PowerShell 5.1 Out-File
    else:
        path.write_text(text, encoding="utf-8")


def write_az_rest(
    g: GraphTenant, root: Path, *, paged: Collection[str] = (), member_of: bool = False
) -> None:
    """The files ``az rest --url https://graph.microsoft.com/v1.0/... > FILE`` writes: Graph
    list responses with ``@odata.context``, members below the owner's id
    (``members/<id>/members.json``); ``member_of``: also each user's
    ``users/<id>/transitiveMemberOf.json``. The files named in ``paged`` (paths below ``root``)
    are one page of several: they keep Graph's ``@odata.nextLink`` (az rest does not follow
    it)."""

    def page(rel: str, context: str, value: list[dict[str, Any]]) -> None:
        doc: dict[str, Any] = {"@odata.context": f"{GRAPH}/v1.0/$metadata#{context}"}
        if rel in paged:
            doc["@odata.nextLink"] = f"{GRAPH}/v1.0/{context}?$skiptoken=RFNwdAIAAQAAAD"
        write_json(root / rel, {**doc, "value": value})

    page("users.json", "users", g.users)
    page("groups.json", "groups", g.groups)
    page("directoryRoles.json", "directoryRoles", g.roles)
    for owner, members in g.members.items():
        page(f"members/{owner}/members.json", "directoryObjects", members)
    if member_of:
        for user, groups in g.transitive_member_of.items():
            page(f"users/{user}/transitiveMemberOf.json", "directoryObjects", groups)
    page("policies.json", "identity/conditionalAccess/policies", g.policies)
    page("namedLocations.json", "namedLocations", g.named_locations)
    page("agreements.json", "agreements", g.agreements)


def write_entraexporter_object(
    root: Path, folder: str, obj: dict[str, Any], encoding: str = "utf-8"
) -> None:
    """One object as EntraExporter writes it: ``<root>/<folder>/<id>/<id>.json``."""
    write_json(root / folder / obj["id"] / f"{obj['id']}.json", obj, encoding)


def write_entraexporter(g: GraphTenant, root: Path) -> None:
    """The folder ``Export-Entra -Path root -All`` writes (EntraExporter v2/v3:
    ``<Path>/<id>/<id>.json`` per object, children below the parent's folder; group and role
    members selected as ``id, userPrincipalName, displayName``)."""

    def one(folder: str, obj: dict[str, Any], encoding: str = "utf-8") -> None:
        write_entraexporter_object(root, folder, obj, encoding)

    for u in g.users:
        one("Users", u, "utf-16")
    for grp in g.groups:
        one("Groups", grp)
        for m in g.members.get(grp["id"], []):
            sel = {k: m.get(k) for k in ("@odata.type", "id", "userPrincipalName", "displayName")}
            one(f"Groups/{grp['id']}/Members", sel)
    for r in g.roles:
        one("DirectoryRoles", r)
        for m in g.members.get(r["id"], []):
            sel = {k: m.get(k) for k in ("@odata.type", "id", "userPrincipalName", "displayName")}
            one(f"DirectoryRoles/{r['id']}/Members", sel)
    for dv in g.devices:
        one("Devices", dv)
    for p in g.policies:
        one("Identity/Conditional/AccessPolicies", p)
    for loc in g.named_locations:
        one("Identity/Conditional/NamedLocations", loc)
    for a in g.agreements:
        one("IdentityGovernance/TermsOfUse/Agreements", a)
    # Files the loader must skip (reported, not read as tenant data).
    write_json(
        root / "Organization" / "Organization.json",
        [{"id": g.tenant.id, "displayName": "Contoso", "verifiedDomains": []}],
    )
    one(
        "Policies/AuthorizationPolicy",
        {"id": "authorizationPolicy", "allowInvitesFrom": "everyone"},
    )


NOW = datetime(2026, 2, 2, 9, 0, tzinfo=UTC)
APPS = ("Office 365 SharePoint Online", "Microsoft Flow Service", "Office 365 Exchange Online")
PLACES = (
    {"ip": "203.0.113.10", "platform": "windows", "client_app": "browser"},
    {"ip": "8.8.8.8", "platform": "iOS", "client_app": "mobileAppsAndDesktopClients"},
)


def answers(tenant: Tenant) -> dict[tuple[str, str, str], Any]:
    """What-if JSON for every user x app x place (the user-visible answer)."""
    out = {}
    for u in tenant.directory.users:
        for app in APPS:
            for place in PLACES:
                signin = build_signin(tenant, user=u.user_principal_name, app=app, **place)
                doc = json.loads(render_json(evaluate(tenant, signin, NOW)))
                for v in doc["value"]:
                    v.pop("warnings", None)
                out[(u.user_principal_name, app, place["ip"])] = doc
    return out


def memberships(tenant: Tenant) -> dict[str, tuple[frozenset[str], frozenset[str]]]:
    return {
        u.user_principal_name: (
            frozenset(g.lower() for g in u.group_ids),
            frozenset(r.lower() for r in u.role_ids),
        )
        for u in tenant.directory.users
    }
