"""``directory.yaml`` -> :class:`caflow.model.Directory` (docs/bundle-format.md).

References inside ``directory.yaml`` may use ids, UPNs or display names. One that cannot be
resolved is the user's own typo: an :class:`~caflow.errors.UnknownReferenceError` (exit 2),
unlike a *policy's* dangling reference, which is only a warning.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from pydantic import Field

from caflow.errors import SchemaError, UnknownReferenceError, did_you_mean_hint, json_pointer
from caflow.model.directory import (
    Device,
    Directory,
    Group,
    ServicePrincipal,
    User,
    memberships,
    transitive_groups,
)
from caflow.model.signals import SIGNALS
from caflow.model.strict import Flag, FormatModel, Items, Text, TextList, choice, read_model
from caflow.model.wellknown import ROLES, role_id_for

__all__ = [
    "DirectoryFile",
    "device_from_graph",
    "parse_directory",
    "stable_id",
]

_NAMESPACE = uuid.UUID("6f1d5b8e-3c1a-4f0e-9d2b-1a7c0c0ca710")

_DEVICE_KEYS = {
    "deviceid": "deviceId",
    "displayname": "displayName",
    "deviceownership": "deviceOwnership",
    "ownership": "deviceOwnership",
    "enrollmentprofilename": "enrollmentProfileName",
    "iscompliant": "isCompliant",
    "manufacturer": "manufacturer",
    "model": "model",
    "mdmappid": "mdmAppId",
    "operatingsystem": "operatingSystem",
    "operatingsystemversion": "operatingSystemVersion",
    "physicalids": "physicalIds",
    "profiletype": "profileType",
    "systemlabels": "systemLabels",
    "trusttype": "trustType",
    **{f"extensionattribute{i}": f"extensionAttribute{i}" for i in range(1, 16)},
}


def stable_id(kind: str, key: str) -> str:
    """Deterministic object id for objects written without one (same UPN -> same id)."""
    return str(uuid.uuid5(_NAMESPACE, f"{kind}:{key.lower()}"))


def device_from_graph(obj: dict[str, Any]) -> dict[str, Any]:
    """Graph/``deviceInfo``/directory.yaml device -> device-filter property names (CA-3, CA-4.2)."""
    props: dict[str, Any] = {}
    ext = obj.get("extensionAttributes")
    merged = dict(obj)
    if isinstance(ext, dict):
        merged.update(ext)
    for key, value in merged.items():
        canon = _DEVICE_KEYS.get(str(key).lower())
        if canon is None:
            continue
        if canon == "trustType" and isinstance(value, str) and value.lower() == "entraid":
            value = "AzureAD"  # What If examples write "EntraID" for joined devices
        props[canon] = value
    return props


def _unknown(
    file: str, path: tuple[str | int, ...], expected: str, got: str, candidates: list[str]
) -> UnknownReferenceError:
    """A reference inside directory.yaml that resolves to nothing: the user's typo (exit 2)."""
    return UnknownReferenceError(
        "unknown reference",
        file=file,
        path=path,
        expected=expected,
        got=got,
        hint=did_you_mean_hint(got, candidates),
    )


_GUEST_TYPES = tuple(SIGNALS["guestOrExternalUserType"].values())


class UserEntry(FormatModel):
    """A user of ``directory.yaml``."""

    id: Text | None = None
    userPrincipalName: Text
    displayName: Text | None = None
    userType: choice("Member", "Guest") = "Member"  # type: ignore[valid-type]
    guestOrExternalUserType: choice(*_GUEST_TYPES) | None = None  # type: ignore[valid-type]
    externalTenantId: Text | None = None
    accountEnabled: Flag = True
    memberOf: TextList = ()
    roles: TextList = ()
    devices: TextList = ()
    tags: TextList = ()
    #: The export records none of this user's group (role) memberships: a policy naming a
    #: group (role) the user is not listed in is undetermined for them (A-DIR-4).
    groupsUnknown: Flag = False
    rolesUnknown: Flag = False


class GroupEntry(FormatModel):
    """A group of ``directory.yaml``: members are users or groups (nested)."""

    id: Text | None = None
    displayName: Text | None = None
    members: TextList = ()
    memberOf: TextList = ()
    #: Only role-assignable groups can be assigned directory roles; their members hold them.
    isAssignableToRole: Flag = False
    roles: TextList = ()
    #: Who is in the group is not known (a dynamic group whose members were not exported):
    #: membership in it, or in a group containing it, is undetermined (A-DIR-3).
    membersUnknown: Flag = False


class DeviceEntry(FormatModel):
    """A device of ``directory.yaml``: the device-filter properties (docs/sources.md CA-3)."""

    deviceId: Text | None = None
    id: Text | None = None
    displayName: Text | None = None
    operatingSystem: Text | None = None
    operatingSystemVersion: Text | None = None
    trustType: choice("AzureAD", "ServerAD", "Workplace", "EntraID") | None = None  # type: ignore[valid-type]
    isCompliant: Flag | None = None
    deviceOwnership: choice("Company", "Personal", "Unknown") | None = None  # type: ignore[valid-type]
    enrollmentProfileName: Text | None = None
    manufacturer: Text | None = None
    model: Text | None = None
    mdmAppId: Text | None = None
    physicalIds: TextList | None = None
    profileType: Text | None = None
    systemLabels: TextList | None = None
    extensionAttribute1: Text | None = None
    extensionAttribute2: Text | None = None
    extensionAttribute3: Text | None = None
    extensionAttribute4: Text | None = None
    extensionAttribute5: Text | None = None
    extensionAttribute6: Text | None = None
    extensionAttribute7: Text | None = None
    extensionAttribute8: Text | None = None
    extensionAttribute9: Text | None = None
    extensionAttribute10: Text | None = None
    extensionAttribute11: Text | None = None
    extensionAttribute12: Text | None = None
    extensionAttribute13: Text | None = None
    extensionAttribute14: Text | None = None
    extensionAttribute15: Text | None = None


class ServicePrincipalEntry(FormatModel):
    """A service principal: policies list object ids, sign-ins name app ids."""

    appId: Text
    id: Text | None = None
    displayName: Text | None = None
    customSecurityAttributes: dict[str, Any] = Field(default_factory=dict)


class DirectoryFile(FormatModel):
    """``directory.yaml``: users, groups, devices and service principals."""

    users: Items[UserEntry] = ()
    groups: Items[GroupEntry] = ()
    devices: Items[DeviceEntry] = ()
    servicePrincipals: Items[ServicePrincipalEntry] = ()


def _no_check(
    file: str, what: str, entries: Sequence[tuple[str | None, tuple[str | int, ...]]]
) -> None:
    return None


def _check_unique(
    file: str, what: str, entries: Sequence[tuple[str | None, tuple[str | int, ...]]]
) -> None:
    """Two objects with one id / name: the user's copy-paste slip (exit 2 naming both places)."""
    seen: dict[str, tuple[str | int, ...]] = {}
    for key, path in entries:
        if not key:
            continue
        first = seen.setdefault(key.lower(), path)
        if first != path:
            raise SchemaError(
                f"duplicate {what} '{key}' (also at {json_pointer(first)})",
                file=file,
                path=path,
                code="duplicate",
            )


def _role_id(file: str, role: str, path: tuple[str | int, ...]) -> str:
    """A role name or template id -> role template id; anything else is a typo (exit 2)."""
    rid = role_id_for(role)
    if rid is not None:
        return rid
    try:
        return str(uuid.UUID(role))  # a role template id we do not list by name
    except ValueError:
        err = _unknown(
            file, path, "a built-in directory role name or role template id", role, list(ROLES)
        )
        # caflow names the common admin roles (docs/sources.md CA-6.1); any other built-in role is
        # accepted by its role template id.
        err.hint = err.hint or "give other built-in roles by their role template id"
        raise err from None


def _group_roles(
    file: str,
    groups_raw: list[tuple[int, GroupEntry, str, str]],
    parents: dict[str, set[str]],
) -> dict[str, frozenset[str]]:
    """Roles assigned to role-assignable groups (group id -> role template ids).

    Entra assigns roles only to groups created with ``isAssignableToRole: true``, and such a
    group cannot have groups as members, so only its direct members hold its roles
    (https://learn.microsoft.com/entra/identity/role-based-access-control/groups-concept).
    """
    out: dict[str, frozenset[str]] = {}
    for i, g, gid, _ in groups_raw:
        if not g.roles:
            continue
        if not g.isAssignableToRole:
            raise SchemaError(
                "invalid value",
                file=file,
                path=("groups", i, "roles"),
                expected="roles only on a group with isAssignableToRole: true",
                got=list(g.roles),
                hint="add 'isAssignableToRole: true' to this group (Entra assigns roles only to such groups)",
                code="invalid-value",
            )
        nested = sorted(child for child, ps in parents.items() if gid in ps)
        if nested:
            raise SchemaError(
                "invalid value",
                file=file,
                path=("groups", i, "members"),
                expected="users only: a role-assignable group cannot contain groups",
                got=nested[0],
                code="invalid-value",
            )
        out[gid] = frozenset(
            _role_id(file, role, ("groups", i, "roles", j)) for j, role in enumerate(g.roles)
        )
    return out


def parse_directory(doc: Any, file: str, *, written: bool = True) -> Directory:
    """``written``: a directory.yaml someone wrote, where two objects with one id or name are a
    slip (exit 2); directory objects gathered from exports (``written=False``) are kept as
    exported (sample exports reuse UPNs)."""
    data = read_model(DirectoryFile, {} if doc is None else doc, file=file)
    _unique = _check_unique if written else _no_check

    devices: list[Device] = []
    for i, d in enumerate(data.devices):
        name = d.displayName
        did = d.deviceId or d.id
        if not name and not did:
            raise SchemaError(
                "missing field",
                file=file,
                path=("devices", i),
                expected="a deviceId or displayName",
                code="missing-field",
            )
        did = did or stable_id("device", name or "")
        props = device_from_graph(d.model_dump(exclude_none=True))
        props["deviceId"] = did
        props.setdefault("displayName", name or did)
        devices.append(Device(id=did, display_name=name or did, properties=props))
    _unique(file, "device id", [(d.id, ("devices", i, "deviceId")) for i, d in enumerate(devices)])
    _unique(
        file,
        "device name",
        [(d.displayName, ("devices", i, "displayName")) for i, d in enumerate(data.devices)],
    )
    device_by = {d.id.lower(): d for d in devices} | {d.display_name.lower(): d for d in devices}

    # First pass: identities.
    groups_raw: list[tuple[int, GroupEntry, str, str]] = []
    for i, g in enumerate(data.groups):
        if not g.displayName and not g.id:
            raise SchemaError(
                "missing field",
                file=file,
                path=("groups", i),
                expected="an id or displayName",
                code="missing-field",
            )
        gid = g.id or stable_id("group", g.displayName or "")
        groups_raw.append((i, g, gid, g.displayName or gid))
    _unique(file, "group id", [(g.id, ("groups", i, "id")) for i, g, _, _ in groups_raw])
    _unique(
        file,
        "group name",
        [(g.displayName, ("groups", i, "displayName")) for i, g, _, _ in groups_raw],
    )
    group_by = {gid.lower(): gid for _, _, gid, _ in groups_raw} | {
        name.lower(): gid for _, _, gid, name in groups_raw
    }

    users_raw: list[tuple[int, UserEntry, str, str]] = []
    for i, u in enumerate(data.users):
        users_raw.append(
            (i, u, u.id or stable_id("user", u.userPrincipalName), u.userPrincipalName)
        )
    _unique(file, "user id", [(u.id, ("users", i, "id")) for i, u, _, _ in users_raw])
    _unique(
        file,
        "userPrincipalName",
        [(upn, ("users", i, "userPrincipalName")) for i, _, _, upn in users_raw],
    )
    user_by: dict[str, str] = {}
    for _, obj, uid, upn in users_raw:
        user_by[uid.lower()] = uid
        user_by[upn.lower()] = uid
        if obj.displayName:
            user_by.setdefault(obj.displayName.lower(), uid)

    def resolve_group(ref: str, path: tuple[str | int, ...]) -> str:
        gid = group_by.get(ref.lower())
        if gid is None:
            names = [n for _, _, _, n in groups_raw]
            raise _unknown(file, path, "a group defined in directory.yaml", ref, names)
        return gid

    # Group -> parent groups (for transitive membership) and user -> direct groups.
    parents: dict[str, set[str]] = {}
    direct_user_groups: dict[str, set[str]] = {uid: set() for _, _, uid, _ in users_raw}
    for i, g, gid, _ in groups_raw:
        for j, m in enumerate(g.members):
            m = m.strip()
            if m.lower() in group_by:
                parents.setdefault(group_by[m.lower()], set()).add(gid)
            elif m.lower() in user_by:
                direct_user_groups[user_by[m.lower()]].add(gid)
            else:
                names = [n for _, _, _, n in groups_raw] + [upn for _, _, _, upn in users_raw]
                raise _unknown(
                    file,
                    ("groups", i, "members", j),
                    "a user or group defined in directory.yaml",
                    m,
                    names,
                )
        for j, parent in enumerate(g.memberOf):
            parents.setdefault(gid, set()).add(
                resolve_group(parent.strip(), ("groups", i, "memberOf", j))
            )
    for i, u, uid, _ in users_raw:
        for j, ref in enumerate(u.memberOf):
            direct_user_groups[uid].add(resolve_group(ref.strip(), ("users", i, "memberOf", j)))

    group_roles = _group_roles(file, groups_raw, parents)
    users: list[User] = []
    for i, u, uid, upn in users_raw:
        roles: set[str] = set()
        for j, role in enumerate(u.roles):
            roles.add(_role_id(file, role, ("users", i, "roles", j)))
        group_ids, group_held = memberships(parents, group_roles, direct_user_groups[uid])
        roles |= group_held  # held through a role-assignable group
        dev_ids: list[str] = []
        for j, dref in enumerate(u.devices):
            dev = device_by.get(dref.strip().lower())
            if dev is None:
                names = [d.display_name for d in devices]
                raise _unknown(
                    file,
                    ("users", i, "devices", j),
                    "a device defined in directory.yaml",
                    dref,
                    names,
                )
            dev_ids.append(dev.id)
        guest_type = u.guestOrExternalUserType
        if u.userType == "Guest" and not guest_type:
            guest_type = "b2bCollaborationGuest"
        users.append(
            User(
                id=uid,
                user_principal_name=upn,
                display_name=u.displayName or upn,
                user_type=u.userType,
                guest_type=guest_type,
                external_tenant_id=u.externalTenantId,
                account_enabled=u.accountEnabled,
                group_ids=group_ids,
                role_ids=frozenset(roles),
                device_ids=tuple(dev_ids),
                tags=frozenset(t.strip() for t in u.tags if t.strip()),
                groups_unknown=u.groupsUnknown,
                roles_unknown=u.rolesUnknown,
            )
        )

    # A group nested in one whose members are unknown has unknown members too (A-DIR-3).
    unknown = transitive_groups(parents, (gid for _, g, gid, _ in groups_raw if g.membersUnknown))
    groups: list[Group] = []
    for _, g, gid, name in groups_raw:
        member_ids = {uid for uid, gs in direct_user_groups.items() if gid in gs}
        member_ids |= {child for child, ps in parents.items() if gid in ps}
        groups.append(
            Group(
                id=gid,
                display_name=name,
                member_ids=frozenset(member_ids),
                is_assignable_to_role=g.isAssignableToRole,
                role_ids=group_roles.get(gid, frozenset()),
                members_unknown=gid in unknown,
            )
        )

    _unique(
        file,
        "service principal appId",
        [
            (s.appId, ("servicePrincipals", i, "appId"))
            for i, s in enumerate(data.servicePrincipals)
        ],
    )
    _unique(
        file,
        "service principal id",
        [(s.id, ("servicePrincipals", i, "id")) for i, s in enumerate(data.servicePrincipals)],
    )
    # Object ids are unique across every kind of directory object (Entra: one id space): a group
    # whose id is a user's id would make a policy's reference mean either.
    _unique(
        file,
        "directory object id",
        [(u.id, ("users", i, "id")) for i, u, _, _ in users_raw]
        + [(g.id, ("groups", i, "id")) for i, g, _, _ in groups_raw]
        + [(d.id, ("devices", i, "id")) for i, d in enumerate(data.devices)]
        + [(s.id, ("servicePrincipals", i, "id")) for i, s in enumerate(data.servicePrincipals)],
    )
    sps = tuple(
        ServicePrincipal(
            app_id=s.appId,
            display_name=s.displayName or "",
            id=s.id or "",
            custom_security_attributes=s.customSecurityAttributes,
        )
        for s in data.servicePrincipals
    )
    return Directory(
        users=tuple(users),
        groups=tuple(groups),
        devices=tuple(devices),
        service_principals=sps,
    )
