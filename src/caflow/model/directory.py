"""Directory objects: users, groups (nested), role assignments, devices, service principals.

CA applies to nested group members (docs/sources.md CA-2.2), so membership is resolved transitively
once at load time; lookups are by id, UPN or display name.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

__all__ = [
    "UNREGISTERED",
    "Device",
    "Directory",
    "Group",
    "ServicePrincipal",
    "User",
    "memberships",
    "transitive_groups",
]


class _Unregistered:
    """Sentinel: the device is not registered in Entra ID (every property null, CA-3). Lives with
    the directory's devices so that io (request parsing) and engine (evaluation) share it."""

    def __repr__(self) -> str:
        return "UNREGISTERED"


UNREGISTERED: Any = _Unregistered()


@dataclass(frozen=True, slots=True)
class User:
    id: str
    user_principal_name: str
    display_name: str = ""
    user_type: str = "Member"  # Member | Guest
    guest_type: str | None = None  # guestOrExternalUserType flag for external users
    external_tenant_id: str | None = None
    account_enabled: bool = True
    group_ids: frozenset[str] = frozenset()  # transitive
    #: Active role template ids, including those held through role-assignable groups
    #: (docs/sources.md CA-2.2: roles count through group assignment).
    role_ids: frozenset[str] = frozenset()
    device_ids: tuple[str, ...] = ()
    tags: frozenset[str] = frozenset()
    #: True when the user is not in the bundle (memberships unknown -> notEnoughInformation).
    unknown: bool = False
    #: True when ``group_ids`` names groups the bundle does not list (``whatif --member-of`` an
    #: object id without a directory): their parent groups are unknown, so a policy group the
    #: user is not seen in might still hold them (docs/assumptions.md A-SIG-6).
    groups_incomplete: bool = False
    #: True when the export records none of this user's group memberships (no group member
    #: lists, no ``memberOf`` of the user: e.g. an EntraExporter run without ``-All``, a
    #: folder with users but no groups): not being seen in a group proves nothing, so a
    #: policy naming a group is undetermined for the user (docs/assumptions.md A-DIR-4).
    groups_unknown: bool = False
    #: The same for directory roles (no role member lists, role assignments or ``memberOf``).
    roles_unknown: bool = False

    @property
    def is_external(self) -> bool:
        return self.user_type.lower() == "guest" or self.guest_type not in (None, "", "none")

    def label(self) -> str:
        return self.user_principal_name or self.id


@dataclass(frozen=True, slots=True)
class Group:
    id: str
    display_name: str
    member_ids: frozenset[str] = frozenset()  # direct members (users and groups)
    #: ``isAssignableToRole``: only such groups can be assigned directory roles.
    is_assignable_to_role: bool = False
    #: Role template ids assigned to this (role-assignable) group; its members hold them.
    role_ids: frozenset[str] = frozenset()
    #: True when who is in the group is not known: a dynamic group (``membershipRule``) whose
    #: members the export did not record, or a group that contains one. Not being a recorded
    #: member then proves nothing, so membership is undetermined (docs/assumptions.md A-DIR-3).
    members_unknown: bool = False


@dataclass(frozen=True, slots=True)
class Device:
    """A directory device; ``properties`` uses the device-filter property names (CA-3)."""

    id: str  # deviceId
    display_name: str
    properties: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ServicePrincipal:
    app_id: str
    display_name: str
    id: str = ""
    custom_security_attributes: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Directory:
    users: tuple[User, ...] = ()
    groups: tuple[Group, ...] = ()
    devices: tuple[Device, ...] = ()
    service_principals: tuple[ServicePrincipal, ...] = ()
    #: Lower-case ids of the groups whose members are unknown (set in ``__post_init__``).
    unknown_member_groups: frozenset[str] = field(init=False, default=frozenset(), compare=False)
    #: How many users' group / role memberships are unknown (``User.groups_unknown`` /
    #: ``roles_unknown``), for the warning on every policy naming a group / role.
    groups_unknown_users: int = field(init=False, default=0, compare=False)
    roles_unknown_users: int = field(init=False, default=0, compare=False)
    #: Derived answers about this directory's users that the engine keeps between evaluations
    #: (``engine.conditions.check_users``: the users condition per policy and user object);
    #: a new directory (``replace``) starts empty. Not data: not compared, not shown.
    memo: dict[Any, Any] = field(init=False, default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        by_user: dict[str, User] = {}
        for u in self.users:
            by_user[u.id.lower()] = u
            by_user[u.user_principal_name.lower()] = u
            if u.display_name:
                by_user.setdefault(u.display_name.lower(), u)
        by_group: dict[str, Group] = {}
        for g in self.groups:
            by_group[g.id.lower()] = g
            by_group.setdefault(g.display_name.lower(), g)
        by_device: dict[str, Device] = {}
        for d in self.devices:
            by_device[d.id.lower()] = d
            by_device.setdefault(d.display_name.lower(), d)
        object.__setattr__(self, "_users", MappingProxyType(by_user))
        object.__setattr__(self, "_groups", MappingProxyType(by_group))
        object.__setattr__(
            self,
            "unknown_member_groups",
            frozenset(g.id.lower() for g in self.groups if g.members_unknown),
        )
        object.__setattr__(self, "groups_unknown_users", sum(u.groups_unknown for u in self.users))
        object.__setattr__(self, "roles_unknown_users", sum(u.roles_unknown for u in self.users))
        object.__setattr__(self, "_devices", MappingProxyType(by_device))
        by_sp: dict[str, ServicePrincipal] = {}
        for sp in self.service_principals:
            if sp.id:
                by_sp[sp.id.lower()] = sp  # object id: what policies list (CA-1.5)
        for sp in self.service_principals:
            by_sp[sp.app_id.lower()] = sp  # appId: what sign-ins name (What If CA-4.2)
        object.__setattr__(self, "_sps", MappingProxyType(by_sp))
        parents: dict[str, set[str]] = {}
        for g in self.groups:
            for m in g.member_ids:
                if m.lower() in by_group:
                    parents.setdefault(m, set()).add(g.id)
        object.__setattr__(self, "_parents", MappingProxyType(parents))
        roles = {g.id: g.role_ids for g in self.groups if g.role_ids}
        object.__setattr__(self, "_group_roles", MappingProxyType(roles))

    def user(self, ref: str) -> User | None:
        return self._users.get(ref.strip().lower())  # type: ignore[attr-defined]

    def user_names(self) -> Iterator[str]:
        """What a user reference may be, as written (userPrincipalName, display name, id): the
        candidates of a did-you-mean for a reference :meth:`user` does not find."""
        for u in self.users:
            yield u.user_principal_name
            if u.display_name:
                yield u.display_name
            yield u.id

    def device_names(self) -> Iterator[str]:
        """What a device reference may be (display name, deviceId), as :meth:`user_names`."""
        for d in self.devices:
            yield d.display_name
            yield d.id

    def group(self, ref: str) -> Group | None:
        return self._groups.get(ref.strip().lower())  # type: ignore[attr-defined]

    def memberships(self, direct: Iterable[str]) -> tuple[frozenset[str], frozenset[str]]:
        """Transitive groups and group-held roles of a member of the ``direct`` group ids,
        resolved exactly as for the directory's users (:func:`memberships`)."""
        return memberships(self._parents, self._group_roles, direct)  # type: ignore[attr-defined]

    def device(self, ref: str) -> Device | None:
        return self._devices.get(ref.strip().lower())  # type: ignore[attr-defined]

    def service_principal(self, ref: str) -> ServicePrincipal | None:
        """A service principal by appId or object id (policies list object ids, sign-ins and
        What If's ``servicePrincipalSignIn.servicePrincipalId`` name the appId)."""
        return self._sps.get(ref.strip().lower())  # type: ignore[attr-defined]


def memberships(
    parents: Mapping[str, Iterable[str]],
    group_roles: Mapping[str, Iterable[str]],
    direct: Iterable[str],
) -> tuple[frozenset[str], frozenset[str]]:
    """(transitive group ids, role template ids held through them) of a member of ``direct``.

    The one resolver for directory users and ``whatif --member-of`` alike: CA applies to nested
    group members (docs/sources.md CA-2.2) and roles count through role-assignable groups (CA-2.2; such a
    group has no group members, so its roles reach only its direct members, who are in the
    transitive set too)."""
    groups = transitive_groups(parents, direct)
    roles = frozenset(r for g in groups for r in group_roles.get(g, ()))
    return groups, roles


def transitive_groups(direct: Mapping[str, Iterable[str]], start: Iterable[str]) -> frozenset[str]:
    """Groups reachable from ``start`` through ``direct`` (group id -> parent group ids)."""
    seen: set[str] = set()
    stack = list(start)
    while stack:
        gid = stack.pop()
        if gid in seen:
            continue
        seen.add(gid)
        stack.extend(direct.get(gid, ()))
    return frozenset(seen)
