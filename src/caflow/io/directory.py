"""``directory.yaml`` -> :class:`caflow.model.Directory` (DESIGN.md "Tenant bundle").

References inside ``directory.yaml`` may use ids, UPNs or display names. One that cannot be
resolved is the user's own typo: an :class:`~caflow.errors.UnknownReferenceError` (exit 2),
unlike a *policy's* dangling reference, which is only a warning.
"""

from __future__ import annotations

import difflib
import uuid
from typing import Any

from caflow.errors import UnknownReferenceError
from caflow.io.fields import Reader
from caflow.model.directory import (
    Device,
    Directory,
    Group,
    ServicePrincipal,
    User,
    transitive_groups,
)
from caflow.model.wellknown import ROLES, role_id_for

__all__ = ["device_from_graph", "parse_directory", "stable_id"]

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
    """Graph/``deviceInfo``/directory.yaml device -> device-filter property names (§3, §4.2)."""
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
    hint = _suggest(got, candidates)
    return UnknownReferenceError(
        "unknown reference",
        file=file,
        path=path,
        expected=expected,
        got=got,
        hint=f"did you mean '{hint}'?" if hint else None,
    )


def _suggest(ref: str, names: list[str]) -> str | None:
    close = difflib.get_close_matches(ref.lower(), [n.lower() for n in names], n=1)
    if not close:
        return None
    return next(n for n in names if n.lower() == close[0])


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
        # caflow names the common admin roles (reference §6.1); any other built-in role is
        # accepted by its role template id.
        err.hint = err.hint or "give other built-in roles by their role template id"
        raise err from None


def _group_roles(
    r: Reader,
    groups_raw: list[tuple[int, dict[str, Any], str, str]],
    parents: dict[str, set[str]],
) -> dict[str, frozenset[str]]:
    """Roles assigned to role-assignable groups (group id -> role template ids).

    Entra assigns roles only to groups created with ``isAssignableToRole: true``, and such a
    group cannot have groups as members, so only its direct members hold its roles
    (https://learn.microsoft.com/entra/identity/role-based-access-control/groups-concept).
    """
    out: dict[str, frozenset[str]] = {}
    for i, obj, gid, _ in groups_raw:
        raw = obj.get("roles")
        assignable = r.boolean(obj.get("isAssignableToRole"), ("groups", i, "isAssignableToRole"))
        if raw in (None, []):
            continue
        if not assignable:
            err = r.error(
                ("groups", i, "roles"),
                "invalid value",
                "roles only on a group with isAssignableToRole: true",
                raw,
            )
            err.hint = "add 'isAssignableToRole: true' to this group (Entra assigns roles only to such groups)"
            raise err
        nested = sorted(child for child, ps in parents.items() if gid in ps)
        if nested:
            raise r.error(
                ("groups", i, "members"),
                "invalid value",
                "users only: a role-assignable group cannot contain groups",
                nested[0],
            )
        out[gid] = frozenset(
            _role_id(r.file, role, ("groups", i, "roles", j))
            for j, role in enumerate(r.strings(raw, ("groups", i, "roles")))
        )
    return out


def parse_directory(doc: Any, file: str) -> Directory:
    r = Reader(file)
    root = r.obj(doc, ())
    raw_users = root.get("users") or []
    raw_groups = root.get("groups") or []
    raw_devices = root.get("devices") or []
    raw_sps = root.get("servicePrincipals") or []
    for key, value in (
        ("users", raw_users),
        ("groups", raw_groups),
        ("devices", raw_devices),
        ("servicePrincipals", raw_sps),
    ):
        if not isinstance(value, list):
            raise r.error((key,), "wrong type", "a list", value)

    devices: list[Device] = []
    for i, d in enumerate(raw_devices):
        obj = r.obj(d, ("devices", i), optional=False)
        name = r.string(obj.get("displayName"), ("devices", i, "displayName"))
        did = r.string(obj.get("deviceId") or obj.get("id"), ("devices", i, "deviceId"))
        if not name and not did:
            raise r.error(("devices", i), "missing field", "a deviceId or displayName", obj)
        did = did or stable_id("device", name or "")
        props = device_from_graph(obj)
        props["deviceId"] = did
        props.setdefault("displayName", name or did)
        devices.append(Device(id=did, display_name=name or did, properties=props))
    device_by = {d.id.lower(): d for d in devices} | {d.display_name.lower(): d for d in devices}

    # First pass: identities.
    groups_raw: list[tuple[int, dict[str, Any], str, str]] = []
    for i, g in enumerate(raw_groups):
        obj = r.obj(g, ("groups", i), optional=False)
        name = r.string(obj.get("displayName"), ("groups", i, "displayName"))
        gid = r.string(obj.get("id"), ("groups", i, "id"))
        if not name and not gid:
            raise r.error(("groups", i), "missing field", "an id or displayName", obj)
        groups_raw.append((i, obj, gid or stable_id("group", name or ""), name or gid or ""))
    group_by = {gid.lower(): gid for _, _, gid, _ in groups_raw} | {
        name.lower(): gid for _, _, gid, name in groups_raw
    }

    users_raw: list[tuple[int, dict[str, Any], str, str]] = []
    for i, u in enumerate(raw_users):
        obj = r.obj(u, ("users", i), optional=False)
        upn = r.string(obj.get("userPrincipalName"), ("users", i, "userPrincipalName"))
        if not upn:
            raise r.error(
                ("users", i, "userPrincipalName"), "missing field", "a userPrincipalName", None
            )
        uid = r.string(obj.get("id"), ("users", i, "id")) or stable_id("user", upn)
        users_raw.append((i, obj, uid, upn))
    user_by: dict[str, str] = {}
    for _, obj, uid, upn in users_raw:
        user_by[uid.lower()] = uid
        user_by[upn.lower()] = uid
        if obj.get("displayName"):
            user_by.setdefault(str(obj["displayName"]).lower(), uid)

    def resolve_group(ref: str, path: tuple[str | int, ...]) -> str:
        gid = group_by.get(ref.lower())
        if gid is None:
            names = [n for _, _, _, n in groups_raw]
            raise _unknown(file, path, "a group defined in directory.yaml", ref, names)
        return gid

    # Group -> parent groups (for transitive membership) and user -> direct groups.
    parents: dict[str, set[str]] = {}
    direct_user_groups: dict[str, set[str]] = {uid: set() for _, _, uid, _ in users_raw}
    for i, obj, gid, _ in groups_raw:
        for j, m in enumerate(r.strings(obj.get("members"), ("groups", i, "members"))):
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
        for j, parent in enumerate(r.strings(obj.get("memberOf"), ("groups", i, "memberOf"))):
            parents.setdefault(gid, set()).add(resolve_group(parent, ("groups", i, "memberOf", j)))
    for i, obj, uid, _ in users_raw:
        for j, g in enumerate(r.strings(obj.get("memberOf"), ("users", i, "memberOf"))):
            direct_user_groups[uid].add(resolve_group(g, ("users", i, "memberOf", j)))

    group_roles = _group_roles(r, groups_raw, parents)
    users: list[User] = []
    for i, obj, uid, upn in users_raw:
        roles: set[str] = set()
        for j, role in enumerate(r.strings(obj.get("roles"), ("users", i, "roles"))):
            roles.add(_role_id(file, role, ("users", i, "roles", j)))
        for gid in direct_user_groups[uid]:
            roles |= group_roles.get(gid, frozenset())  # held through a role-assignable group
        dev_ids: list[str] = []
        for j, dref in enumerate(r.strings(obj.get("devices"), ("users", i, "devices"))):
            dev = device_by.get(dref.lower())
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
        user_type = r.string(obj.get("userType"), ("users", i, "userType")) or "Member"
        guest_type = r.string(
            obj.get("guestOrExternalUserType"), ("users", i, "guestOrExternalUserType")
        )
        if user_type.lower() == "guest" and not guest_type:
            guest_type = "b2bCollaborationGuest"
        users.append(
            User(
                id=uid,
                user_principal_name=upn,
                display_name=r.string(obj.get("displayName"), ("users", i, "displayName")) or upn,
                user_type=user_type,
                guest_type=guest_type,
                external_tenant_id=r.string(
                    obj.get("externalTenantId"), ("users", i, "externalTenantId")
                ),
                account_enabled=r.boolean(
                    obj.get("accountEnabled"), ("users", i, "accountEnabled"), True
                ),
                group_ids=transitive_groups(parents, direct_user_groups[uid]),
                role_ids=frozenset(roles),
                device_ids=tuple(dev_ids),
                tags=frozenset(r.strings(obj.get("tags"), ("users", i, "tags"))),
            )
        )

    groups: list[Group] = []
    for i, obj, gid, name in groups_raw:
        member_ids = {uid for uid, gs in direct_user_groups.items() if gid in gs}
        member_ids |= {child for child, ps in parents.items() if gid in ps}
        groups.append(
            Group(
                id=gid,
                display_name=name,
                member_ids=frozenset(member_ids),
                is_assignable_to_role=r.boolean(
                    obj.get("isAssignableToRole"), ("groups", i, "isAssignableToRole")
                ),
                role_ids=group_roles.get(gid, frozenset()),
            )
        )

    sps = []
    for i, s in enumerate(raw_sps):
        obj = r.obj(s, ("servicePrincipals", i), optional=False)
        app_id = r.string(obj.get("appId"), ("servicePrincipals", i, "appId"), optional=False)
        sps.append(
            ServicePrincipal(
                app_id=app_id or "",
                display_name=r.string(
                    obj.get("displayName"), ("servicePrincipals", i, "displayName")
                )
                or "",
                id=r.string(obj.get("id"), ("servicePrincipals", i, "id")) or "",
                custom_security_attributes=r.obj(
                    obj.get("customSecurityAttributes"),
                    ("servicePrincipals", i, "customSecurityAttributes"),
                ),
            )
        )
    return Directory(
        users=tuple(users),
        groups=tuple(groups),
        devices=tuple(devices),
        service_principals=tuple(sps),
    )
