"""Who a policy reaches when Power Automate refreshes tokens in the background.

Power Automate "connections refresh tokens silently in the background" from Microsoft cloud
infrastructure (seed 000; docs/sources.md PA-4.1): the probe is a non-interactive sign-in from
the connector egress address, with MFA claims, no registered device and no ToU acceptance.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from caflow.advise.context import BACKGROUND, Context, Probe
from caflow.automation.connectors import resource_for
from caflow.model import Policy, User
from caflow.model.powerplatform import Connection
from caflow.model.wellknown import EXCHANGE, FLOW_SERVICE, SHAREPOINT, TEAMS

__all__ = ["DEFAULT_APPS", "Reach", "background_reach", "probed_apps"]

DEFAULT_APPS = (FLOW_SERVICE, SHAREPOINT, EXCHANGE, TEAMS)


@dataclass
class Reach:
    users: set[str] = field(default_factory=set)
    connections: set[str] = field(default_factory=set)
    flows: set[str] = field(default_factory=set)
    apps: set[str] = field(default_factory=set)
    undetermined: str = ""

    def __bool__(self) -> bool:
        return bool(self.users)


def probed_apps(ctx: Context, user: User) -> tuple[dict[str, list[Connection]], tuple[str, ...]]:
    """``user``'s connections by resource app, and the resource apps a rule evaluates for them.

    A directory user: the resources of their connections, or, owning none (or without Power
    Platform inventory), Flow Service and the services the seed names (:data:`DEFAULT_APPS`).
    A probe user (no directory users, docs/assumptions.md A-CLI-2) stands for a policy's scope
    and owns nothing known: it is evaluated for the seed's services *and* every resource the
    inventory's connections use (a policy on Dataverse alone still meets its connections), none
    of those connections attributed to it."""
    if ctx.synthetic_users:
        used = sorted({app for c in ctx.tenant.connections if (app := resource_for(c.connector))})
        return {}, tuple(dict.fromkeys((*DEFAULT_APPS, *used)))
    by_app = ctx.connection_resources(user) if ctx.tenant.connections else {}
    return by_app, (tuple(by_app) if by_app else DEFAULT_APPS)


def background_reach(
    ctx: Context, policy: Policy, users: tuple[User, ...] | None = None, probe: Probe = BACKGROUND
) -> Reach:
    """Users/connections/flows whose background refresh ``policy`` applies to (engine verdict).

    With Power Platform inventory: each user's connections' resources plus Flow Service;
    without: Flow Service and the services the seed names, for each representative user.
    """
    reach = Reach()
    variant = ctx.variants[0]  # report-only policies are evaluated (never enforced) here too
    candidates = users if users is not None else ctx.users
    for user in candidates:
        by_app, apps = probed_apps(ctx, user)
        for app in dict.fromkeys((FLOW_SERVICE, *apps)):
            ev = ctx.evaluate(variant, user, app, probe)
            r = next((x for x in ev.results if x.policy.id == policy.id), None)
            if r is None:
                continue
            if r.undetermined:
                reach.undetermined = reach.undetermined or r.undetermined_detail
                continue
            if not r.applies:
                continue
            reach.users.add(user.label())
            reach.apps.add(app)
            conns = by_app.get(app, [])
            reach.connections.update(c.name for c in conns)
            reach.flows.update(f.name for f in ctx.flows_using(c.name for c in conns))
    return reach
