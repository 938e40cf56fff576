"""Check impact grouped by policy and by owner: counts plus the first items, for writers that
must stay short (a PR comment, workflow annotations) however many connections break.

Works on ``CheckResult.to_json()`` so every writer groups the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from caflow.check.plan import distinct_blocked_users, impact_line

__all__ = [
    "ImpactGroup",
    "PolicyNames",
    "blocked_pairs",
    "blocked_users",
    "by_owner",
    "by_policy",
    "check_impact_line",
    "policy_names",
]

#: Key for impact no policy is named for (e.g. a flow, or a connection whose cause names none).
UNATTRIBUTED = "(no policy named)"
UNKNOWN_OWNER = "(owner unknown)"


@dataclass
class ImpactGroup:
    """One policy's (or owner's) share of the impact; lists keep the result's order."""

    key: str
    label: str
    connections: list[str] = field(default_factory=list)
    #: "user → app" pairs that lose access (``usersBlocked[]``, see blocked_pairs).
    users: list[str] = field(default_factory=list)
    codes: dict[str, int] = field(default_factory=dict)
    first_at: str | None = None
    #: Distinct blocked users: what "N users blocked" counts (not the user x app pairs).
    user_ids: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.connections) + len(self.users)

    def _add_code(self, code: str | None) -> None:
        if code:
            self.codes[code] = self.codes.get(code, 0) + 1

    def _seen_at(self, at: str | None) -> None:
        if at and (self.first_at is None or at < self.first_at):
            self.first_at = at


class PolicyNames(dict[str, str]):
    """Policy id -> display name, keyed by the lowercased id: Graph object ids are GUIDs, which
    exports write in either case. ``get`` of an unknown id is the id itself (or ``default``)."""

    def name(self, pid: str, default: str | None = None) -> str:
        return super().get(pid.lower(), pid if default is None else default)

    def add(self, pid: str, name: str | None) -> None:
        self[pid.lower()] = name or pid


def policy_names(data: dict[str, Any]) -> PolicyNames:
    """Display names of the policy ids in a result: its ``policies`` (simulate, advise and
    check write ``[{id, displayName}]``, matrix ``{id: displayName}``; results written before
    caflow added the list have none) and check's policy diff."""
    names = PolicyNames()
    listed = data.get("policies")
    if isinstance(listed, dict):
        for pid, name in listed.items():
            names.add(str(pid), str(name))
    elif isinstance(listed, list):
        for p in listed:
            if isinstance(p, dict) and "id" in p:
                names.add(str(p["id"]), p.get("displayName"))
    for change in data.get("policyChanges", []):
        names.add(change["id"], change.get("displayName"))
    return names


def _interim(data: dict[str, Any]) -> bool:
    """A result of the one build whose ``usersBlocked[]`` held distinct users and whose pairs
    were only in ``userAppsBlocked[]`` (docs/output.md "Changes")."""
    return "userAppsBlocked" in data and "blockedUsers" not in data


def blocked_pairs(data: dict[str, Any]) -> list[dict[str, Any]]:
    """check's user x app pairs ``{user, app, appName, errorCode, policies}`` of any stored
    result: ``usersBlocked[]`` (the v1 contract), or ``userAppsBlocked[]`` of the interim build."""
    return list(data.get("userAppsBlocked" if _interim(data) else "usersBlocked") or [])


def blocked_users(data: dict[str, Any]) -> list[dict[str, Any]]:
    """check's distinct blocked users ``{user, apps, errorCodes, policies}``: ``blockedUsers[]``,
    the interim build's ``usersBlocked[]``, or (results written before either) made from the
    pairs the same way check makes them."""
    if "blockedUsers" in data:
        return list(data["blockedUsers"])
    if _interim(data):
        return list(data.get("usersBlocked") or [])
    return distinct_blocked_users(blocked_pairs(data))


def check_impact_line(data: dict[str, Any]) -> str:
    """The impact line of a stored check result, counting distinct users whatever build wrote
    it (the build before the interim one wrote "84 users blocked" for 14 users x 6 apps)."""
    s = data["summary"]
    return impact_line(
        s["connectionsBreak"], s["flowsFail"], len(blocked_users(data)), s["undetermined"]
    )


def _sorted(groups: Iterable[ImpactGroup]) -> list[ImpactGroup]:
    return sorted(groups, key=lambda g: (-g.total, g.label))


def by_policy(data: dict[str, Any]) -> list[ImpactGroup]:
    """Broken connections and blocked users per responsible policy (an item several policies
    cause counts under each), biggest first."""
    names = policy_names(data)
    groups: dict[str, ImpactGroup] = {}

    def group(pid: str) -> ImpactGroup:
        if pid not in groups:
            groups[pid] = ImpactGroup(pid, names.name(pid))
        return groups[pid]

    for c in data.get("connectionsBreaking", []):
        for pid in c.get("policies") or [UNATTRIBUTED]:
            g = group(pid)
            g.connections.append(c["id"])
            g._add_code(c.get("errorCode"))
            g._seen_at(c.get("at"))
    for u in blocked_pairs(data):
        for pid in u.get("policies") or [UNATTRIBUTED]:
            g = group(pid)
            g.users.append(f"{u['user']} → {u['appName']}")
            if u["user"] not in g.user_ids:
                g.user_ids.append(u["user"])
            g._add_code(u.get("errorCode"))
    return _sorted(groups.values())


def by_owner(data: dict[str, Any]) -> list[ImpactGroup]:
    """Broken connections per owning user (who has to repair them), biggest first."""
    groups: dict[str, ImpactGroup] = {}
    for c in data.get("connectionsBreaking", []):
        owner = c.get("user") or UNKNOWN_OWNER
        g = groups.setdefault(owner, ImpactGroup(owner, owner))
        g.connections.append(c["id"])
        g._add_code(c.get("errorCode"))
        g._seen_at(c.get("at"))
    return _sorted(groups.values())
