"""Graph directory objects found in export folders -> the ``directory.yaml`` mapping.

Exports hold users, groups, directory roles, service principals and devices as Graph objects
(``Export-Entra -All``, ``Get-Mg* | ConvertTo-Json -Depth 10``, ``az rest``), and memberships
either inline (``members`` / ``memberOf`` / ``transitiveMemberOf`` lists, as ``$expand`` or
``Get-MgUser -ExpandProperty`` write them) or as files below the owner's id
(EntraExporter: ``Groups/<gid>/Members/<mid>/<mid>.json``; ``az rest`` saved as
``groups/<gid>/members.json``). :class:`DirectoryObjects` collects them and renders one
``directory.yaml`` mapping, so :func:`caflow.io.directory.parse_directory` resolves nesting and
transitive membership for every layout alike (one code path, no second resolver).

A member that is neither a user nor a group of the export (devices, contacts, users outside
the export) is counted in the load report, never guessed. A dynamic group (``groupTypes``
holding ``DynamicMembership``) whose members the export does not record - EntraExporter writes
no ``Members`` folder for it - is written ``membersUnknown: true`` with a note: membership in it
is undetermined, never "not a member" (docs/assumptions.md A-DIR-3).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from caflow.io.directory import device_from_graph
from caflow.io.normalize import as_list, normalize_keys

__all__ = ["MEMBERSHIP_FOLDERS", "DirectoryObjects", "directory_kind", "membership_context"]

#: Path segment (folder or file stem, lower case) -> direction of the membership it lists.
#: "members": the items are members of the owner; "memberOf": the owner is a member of the items;
#: "devices": the items are devices of the owner (a user); "owners": the owner (a device) belongs
#: to the items (users).
MEMBERSHIP_FOLDERS: dict[str, str] = {
    "members": "members",
    "transitivemembers": "members",
    "memberof": "memberOf",
    "transitivememberof": "memberOf",
    "registereddevices": "devices",
    "owneddevices": "devices",
    "registeredowners": "owners",
    "registeredusers": "owners",
}

_KINDS = ("user", "group", "directoryRole", "servicePrincipal", "device", "roleAssignment")


def directory_kind(obj: Any) -> str | None:
    """The directory object kind of a Graph (or PascalCase-normalised) object, by shape."""
    if not isinstance(obj, dict):
        return None
    t = str(obj.get("@odata.type", "")).lower().rsplit(".", 1)[-1]
    by_type = {
        "user": "user",
        "group": "group",
        "directoryrole": "directoryRole",
        "serviceprincipal": "servicePrincipal",
        "device": "device",
        "unifiedroleassignment": "roleAssignment",
    }
    if t in by_type:
        return by_type[t]
    if "id" not in obj and "principalId" not in obj:
        return None
    if "userPrincipalName" in obj and "agreementId" not in obj:
        return "user"
    if "roleTemplateId" in obj:
        return "directoryRole"
    if "appId" in obj and ("servicePrincipalType" in obj or "servicePrincipalNames" in obj):
        return "servicePrincipal"
    if "deviceId" in obj and ("operatingSystem" in obj or "trustType" in obj):
        return "device"
    if "principalId" in obj and "roleDefinitionId" in obj:
        return "roleAssignment"
    if "securityEnabled" in obj and "displayName" in obj:
        return "group"
    return None


def membership_context(rel: str) -> tuple[str, str] | None:
    """``Groups/<gid>/Members/<mid>/<mid>.json`` -> ``(gid, "members")``: the owner id and the
    direction of a membership file, from the last membership segment of its path."""
    parts = rel.split("/")  # plain string work: called once per file of a 20k-file export
    stem, dot, _suffix = parts[-1].rpartition(".")
    parts[-1] = stem if dot else parts[-1]
    for i in range(len(parts) - 1, 0, -1):
        direction = MEMBERSHIP_FOLDERS.get(parts[i].lower())
        if direction:
            return parts[i - 1], direction
    return None


@dataclass
class DirectoryObjects:
    """Directory objects and membership edges of one export, merged by object id."""

    objects: dict[str, dict[str, dict[str, Any]]] = field(
        default_factory=lambda: {k: {} for k in _KINDS}
    )
    #: (member id, container id): user/group -> group or directory role.
    edges: set[tuple[str, str]] = field(default_factory=set)
    #: (user id, device id)
    user_devices: set[tuple[str, str]] = field(default_factory=set)
    skipped: list[str] = field(default_factory=list)
    #: Read, but with a caveat the user should know (dynamic groups without members).
    notes: list[str] = field(default_factory=list)
    #: Groups whose member list was read (a members file or inline ``members``, even empty).
    listed_groups: set[str] = field(default_factory=set)
    #: Users whose group list was read (a ``memberOf`` / ``transitiveMemberOf`` file or inline).
    listed_users: set[str] = field(default_factory=set)
    #: "groups" / "roles" when the producer read those memberships completely (caflow pull's
    #: ``--all-users``: every group's and activated role's member list, even for a tenant
    #: without any), so no user's memberships of that kind are unknown.
    complete: set[str] = field(default_factory=set)
    #: (owner id, direction) of membership lists read as one page of several (a leftover
    #: ``@odata.nextLink``): the owner's memberships in that direction are incomplete.
    paged_owners: set[tuple[str, str]] = field(default_factory=set)
    #: "groups" / "directoryRoles" when the export's list of them is one page of several: a
    #: user whose own memberOf was not read may be in a group or role on a missing page.
    paged_lists: set[str] = field(default_factory=set)

    def __bool__(self) -> bool:
        return any(self.objects.values())

    # -- collection -----------------------------------------------------------------------
    def add_document(self, rel: str, doc: Any, *, file: str = "") -> bool:
        """Take every directory object of ``doc`` (one export file); False when there is none,
        so the caller classifies the document itself. ``file``: how errors name it (``rel``)."""
        context = membership_context(rel)
        file = file or rel
        items = [normalize_keys(item, file=file, path=at) for item, at in as_list(doc, file=file)]
        if context is None and not (items and all(directory_kind(o) for o in items)):
            return False
        if context is not None and not all(isinstance(o, dict) and o.get("id") for o in items):
            return False
        if context is not None:
            self._listed(*context)
        for obj in items:
            kind = directory_kind(obj)
            if kind is not None:
                self._merge(kind, obj)
            if context is not None:
                self._relate(context, obj, kind, rel)
        return True

    def paged(self, owner: str, direction: str) -> None:
        """``owner``'s membership list in ``direction`` is one page of several (its later pages
        were not exported): what it lists holds, what it does not is unknown, never "no"."""
        self.paged_owners.add((owner.lower(), direction))

    def _listed(self, owner: str, direction: str) -> None:
        """Record that ``owner``'s memberships in ``direction`` were read (even as none)."""
        if direction == "members":
            self.listed_groups.add(owner.lower())
        elif direction == "memberOf":
            self.listed_users.add(owner.lower())

    def _merge(self, kind: str, obj: dict[str, Any]) -> None:
        key = _key(obj, kind)
        if not key:
            return
        known = self.objects[kind].setdefault(key, {})
        for k, v in obj.items():  # a full object and a member stub of it: the fuller value wins
            if known.get(k) in (None, [], {}, ""):
                known[k] = v
        owner = str(obj.get("id") or "")
        for k in ("members", "transitiveMembers"):
            if isinstance(obj.get(k), list):
                self._listed(owner, "members")
            for m in _list(obj.get(k)):
                self._relate((owner, "members"), m, directory_kind(m), f"{kind} {owner}/{k}")
        for k in ("memberOf", "transitiveMemberOf"):
            if isinstance(obj.get(k), list):
                self._listed(owner, "memberOf")
            for m in _list(obj.get(k)):
                self._relate((owner, "memberOf"), m, directory_kind(m), f"{kind} {owner}/{k}")
        for k in ("registeredDevices", "ownedDevices"):
            for m in _list(obj.get(k)):
                self._relate((owner, "devices"), m, directory_kind(m), f"{kind} {owner}/{k}")
        for k in ("registeredOwners", "registeredUsers"):  # a device's $expand
            for m in _list(obj.get(k)):
                self._relate((owner, "owners"), m, directory_kind(m), f"{kind} {owner}/{k}")

    def _relate(self, context: tuple[str, str], item: Any, kind: str | None, where: str) -> None:
        owner, direction = context
        if isinstance(item, str):
            item_id = item
        elif isinstance(item, dict) and item.get("id"):
            item_id = str(item["id"])
            if kind is not None:
                self._merge(kind, item)
        else:
            return
        if direction == "members":
            self.edges.add((item_id.lower(), owner.lower()))
        elif direction == "memberOf":
            self.edges.add((owner.lower(), item_id.lower()))
        elif direction == "devices":
            self.user_devices.add((owner.lower(), item_id.lower()))
        else:
            self.user_devices.add((item_id.lower(), owner.lower()))

    # -- rendering ------------------------------------------------------------------------
    def to_directory_doc(self) -> dict[str, Any]:
        """The ``directory.yaml`` mapping (docs/bundle-format.md) of the collected objects."""
        users = {}
        for k, u in self.objects["user"].items():
            if u.get("userPrincipalName"):
                users[k] = u
            else:  # a member stub ($select=id) of a user the export does not hold
                self.skipped.append(f"user '{u.get('id')}' appears only by id: not in the export")
        groups = self.objects["group"]
        roles = {k: _role_template(o) for k, o in self.objects["directoryRole"].items()}
        devices = self.objects["device"]
        device_by_object = {str(d.get("id", "")).lower(): k for k, d in devices.items()}
        user_groups: dict[str, list[str]] = {k: [] for k in users}
        user_roles: dict[str, set[str]] = {k: set() for k in users}
        group_members: dict[str, list[str]] = {k: [] for k in groups}
        group_roles: dict[str, set[str]] = {k: set() for k in groups}
        for member, container in sorted(self.edges):
            if container in groups and member in users:
                user_groups[member].append(groups[container]["id"])
            elif container in groups and member in groups:
                group_members[container].append(groups[member]["id"])
            elif container in roles and member in users:
                user_roles[member].add(roles[container])
            elif container in roles and member in groups:
                group_roles[member].add(roles[container])
            elif container in groups or container in roles:
                self.skipped.append(
                    f"membership of '{member}' in '{container}': not a user or group of the export"
                )
        for a in self.objects["roleAssignment"].values():
            if str(a.get("directoryScopeId") or "/") != "/":
                continue  # scoped (administrative unit) assignments do not count for CA roles
            principal = str(a.get("principalId", "")).lower()
            role = str(a.get("roleDefinitionId", ""))
            if principal in users:
                user_roles[principal].add(role)
            elif principal in groups:
                group_roles[principal].add(role)
        user_devices: dict[str, list[str]] = {k: [] for k in users}
        for user, device in sorted(self.user_devices):
            dev = devices.get(device) or devices.get(device_by_object.get(device, ""))
            if user in users and dev is not None:
                user_devices[user].append(str(dev["deviceId"]))
        groups_known, roles_known = self._membership_sources(groups, roles)
        out_users = []
        blind: dict[str, list[str]] = {"group": [], "role": []}
        paged: list[str] = []
        for k, u in users.items():
            item = _pick(u, ("id", "userPrincipalName", "displayName", "userType"))
            if u.get("accountEnabled") is not None:
                item["accountEnabled"] = u["accountEnabled"]
            _put(item, "memberOf", user_groups[k])
            _put(item, "roles", sorted(user_roles[k]))
            _put(item, "devices", user_devices[k])
            if (k, "memberOf") in self.paged_owners:
                # The user's own memberOf is one page of several: a group or role on a later
                # page is as unknown as with no list at all (A-DIR-4).
                item["groupsUnknown"] = item["rolesUnknown"] = True
                paged.append(str(u.get("userPrincipalName")))
            elif k not in self.listed_users:
                # Nothing in the export says which groups / roles this user is in (A-DIR-4):
                # "not seen in a group" must not read as "not a member". A group or role list
                # of one page of several: the user may be in one on a later page.
                if not groups_known:
                    item["groupsUnknown"] = True
                    blind["group"].append(str(u.get("userPrincipalName")))
                elif "groups" in self.paged_lists:
                    item["groupsUnknown"] = True
                    paged.append(str(u.get("userPrincipalName")))
                if not roles_known:
                    item["rolesUnknown"] = True
                    blind["role"].append(str(u.get("userPrincipalName")))
                elif "directoryRoles" in self.paged_lists:
                    item["rolesUnknown"] = True
                    paged.append(str(u.get("userPrincipalName")))
            out_users.append(item)
        for what, upns in blind.items():
            if upns:
                self.notes.append(
                    f"the export records no {what} memberships for {len(upns)} user(s) (e.g. "
                    f"{upns[0]}): no {what} member lists"
                    + (" or role assignments" if what == "role" else "")
                    + " and no memberOf/transitiveMemberOf for them; a policy naming a "
                    f"{what} is undetermined for them (export with EntraExporter's -All, or "
                    "use caflow pull)"
                )
        if paged:
            paged = list(dict.fromkeys(paged))
            self.notes.append(
                f"the group or role memberships of {len(paged)} user(s) (e.g. {paged[0]}) are "
                "on pages the export does not hold (a list saved with its @odata.nextLink): a "
                "policy naming a group or role is undetermined for them"
            )
        out_groups = []
        every_user_listed = bool(users) and self.listed_users.issuperset(users)
        for k, g in groups.items():
            item = _pick(g, ("id", "displayName"))
            if g.get("isAssignableToRole") or group_roles[k]:
                item["isAssignableToRole"] = True  # Entra assigns roles only to such groups
            _put(item, "members", group_members[k])
            _put(item, "roles", sorted(group_roles[k]))
            if (k, "members") in self.paged_owners and not every_user_listed:
                # A member list of one page of several: someone on a later page is a member,
                # so "not listed" proves nothing (as for a dynamic group, A-DIR-3).
                item["membersUnknown"] = True
                self.notes.append(
                    f"group '{g.get('displayName') or g.get('id')}': its member list is one "
                    "page of several (@odata.nextLink left): membership in it is undetermined "
                    "for whoever it does not list"
                )
            elif _is_dynamic(g) and k not in self.listed_groups and not every_user_listed:
                # Entra computes a dynamic group's members from its rule; without its member
                # list (or every user's group list) caflow cannot tell who else is in it
                # (A-DIR-3): recorded members match, anyone else is undetermined, not "no".
                item["membersUnknown"] = True
                self.notes.append(
                    f"group '{g.get('displayName') or g.get('id')}' is dynamic "
                    f"(membershipRule: {g.get('membershipRule') or '?'}) and its membership was "
                    "not exported (EntraExporter writes only a dynamic group's owners): "
                    "membership in it is undetermined"
                )
            out_groups.append(item)
        doc: dict[str, Any] = {"users": out_users, "groups": out_groups}
        # Only the device-filter properties: directory.yaml is read strictly (unknown keys are
        # refused), and a Graph device carries many more (registrationDateTime, alternativeSecurityIds ...).
        doc["devices"] = [device_from_graph(d) for d in devices.values() if d.get("deviceId")]
        doc["servicePrincipals"] = [
            _pick(s, ("id", "appId", "displayName", "customSecurityAttributes"))
            for s in self.objects["servicePrincipal"].values()
            if s.get("appId")
        ]
        return doc

    def _membership_sources(
        self, groups: dict[str, dict[str, Any]], roles: dict[str, str]
    ) -> tuple[bool, bool]:
        """(group memberships exported, role memberships exported) for the users whose own
        ``memberOf`` was not read: any group's member list (EntraExporter ``-All`` writes one
        for every static group with members), any activated role's member list or a role
        assignment, or the producer's word (:attr:`complete`)."""
        listed = {k.lower() for k in self.listed_groups}
        groups_known = "groups" in self.complete or not listed.isdisjoint(groups)
        roles_known = (
            "roles" in self.complete
            or not listed.isdisjoint(roles)
            or bool(self.objects["roleAssignment"])
        )
        return groups_known, roles_known


def _key(obj: dict[str, Any], kind: str) -> str:
    if kind == "roleAssignment":
        parts = (obj.get("principalId"), obj.get("roleDefinitionId"), obj.get("directoryScopeId"))
        return "|".join(str(p or "") for p in parts).lower()
    return str(obj.get("id") or "").lower()


def _is_dynamic(group: dict[str, Any]) -> bool:
    """``groupTypes`` holds ``DynamicMembership`` (Graph group resource)."""
    types = group.get("groupTypes")
    return isinstance(types, list) and any(str(t).lower() == "dynamicmembership" for t in types)


def _role_template(role: dict[str, Any]) -> str:
    """A directoryRole object's template id: what policies' includeRoles list (docs/sources.md CA-2.2)."""
    return str(role.get("roleTemplateId") or role.get("id"))


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _pick(obj: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    return {k: obj[k] for k in keys if obj.get(k) not in (None, "")}


def _put(item: dict[str, Any], key: str, values: list[str]) -> None:
    if values:
        item[key] = values
