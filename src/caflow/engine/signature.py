"""What of a user the policies can observe: users with equal signatures get equal evaluations.

A tenant of 5,000 users typically falls into a few hundred *policy-relevant signatures*: the
groups, roles and user ids any policy lists, plus the guest/external fields. Callers that
evaluate many users (advise, check, simulate) evaluate one user per signature and reuse the
answer. This must cover every user field the engine reads (``conditions.check_users``,
``_guest_match``, the agent-subject check in ``evaluate``); recorded ToU acceptances are keyed
by user id, so a sign-in with ``use_recorded_acceptances`` also keys on the id.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from caflow.model.directory import User
from caflow.model.policy import Policy

__all__ = ["UserSignature"]

_SPECIAL = frozenset({"all", "none", "guestsorexternalusers"})


@dataclass(frozen=True, slots=True)
class UserSignature:
    users: frozenset[str]  # user ids / UPNs any policy lists (lower case)
    groups: frozenset[str]
    roles: frozenset[str]

    @classmethod
    def of(cls, policies: Iterable[Policy]) -> UserSignature:
        users: set[str] = set()
        groups: set[str] = set()
        roles: set[str] = set()
        for p in policies:
            u = p.conditions.users
            users.update(v.lower() for v in (*u.include_users, *u.exclude_users))
            groups.update(v.lower() for v in (*u.include_groups, *u.exclude_groups))
            roles.update(v.lower() for v in (*u.include_roles, *u.exclude_roles))
        return cls(frozenset(users - _SPECIAL), frozenset(groups), frozenset(roles))

    def __call__(self, user: User, *, recorded_acceptances: bool = False) -> tuple[object, ...]:
        uid, upn = user.id.lower(), user.user_principal_name.lower()
        return (
            uid if uid in self.users or recorded_acceptances else "",
            upn if upn in self.users else "",
            frozenset(g for g in (x.lower() for x in user.group_ids) if g in self.groups),
            frozenset(r for r in (x.lower() for x in user.role_ids) if r in self.roles),
            user.unknown,
            user.groups_unknown,
            user.roles_unknown,
            user.user_type,
            user.guest_type,
            user.external_tenant_id,
        )
