"""A Terms of Use policy reaches flow users for some apps but not for the others they sign in to.

Seed 000 "Terms of Use ... Prevention": "If Terms of Use must apply to flow users, target All
cloud apps so that acceptance during any interactive sign-in (such as Outlook or Teams) also
covers Power Automate." Derived by the engine: for each flow user (connection or flow owner,
tagged service account; representative users without inventory) an interactive sign-in to
Microsoft Flow Service, Outlook (Exchange Online), Teams, SharePoint and Microsoft Office is
evaluated. A ToU policy that applies to Flow Service or to one of the user's connection
resources, but not to every one of those interactive apps, leaves acceptance to chance: a
policy missing Flow Service is not accepted by the seed's fix ("sign in interactively to the
Power Automate portal"), one missing Outlook or Teams is not accepted during everyday
sign-ins. Office 365 counts as covering them (Flow Service is in the group by A-APP-1).
"""

from __future__ import annotations

from collections.abc import Iterator

from caflow.advise.context import INTERACTIVE, Context, policy_evidence, policy_undetermined
from caflow.advise.hosts import OFFICE_APP, app_name
from caflow.advise.model import Finding, Severity
from caflow.advise.scope import Reach, probed_apps
from caflow.advise.terms_of_use import terms_finding, terms_policies
from caflow.model import Policy, Tenant, User
from caflow.model.wellknown import EXCHANGE, FLOW_SERVICE, SHAREPOINT, TEAMS

RULE_ID = "terms_of_use_not_all_cloud_apps"
#: Where flow users sign in interactively: the portal, "Outlook or Teams", and the hosts.
INTERACTIVE_APPS = (FLOW_SERVICE, EXCHANGE, TEAMS, SHAREPOINT, OFFICE_APP)


def flow_users(ctx: Context) -> tuple[User, ...]:
    """Owners of connections or flows and tagged service accounts; else representative users.
    Without directory users the owners are nobody the bundle describes: the probe users stand
    for every policy's scope (docs/assumptions.md A-CLI-2), never an empty set that would
    PASS having looked at no one."""
    if ctx.synthetic_users:
        return ctx.users
    owners = {(c.owner_id or "").lower() for c in ctx.tenant.connections}
    owners |= {(f.owner_id or "").lower() for f in ctx.tenant.flows}
    users = {u.id.lower(): u for u in ctx.flow_users()}
    users.update({u.id.lower(): u for u in ctx.users if u.id.lower() in owners})
    if not (ctx.tenant.connections or ctx.tenant.flows):
        return ctx.users
    return tuple(u for key, u in sorted(users.items()) if u.account_enabled and not u.unknown)


def _coverage(ctx: Context, p: Policy, users: tuple[User, ...]) -> tuple[Reach, set[str], str]:
    """Who the policy reaches through Power Automate, the interactive apps it misses, and why
    it could not be decided (empty when it could)."""
    reach, missing, undetermined = Reach(), set(), ""
    variant = ctx.variants[0]  # report-only policies are evaluated (never enforced) here too
    for user in users:
        by_app, apps = probed_apps(ctx, user)
        relevant = {FLOW_SERVICE, *apps}
        applies: dict[str, bool] = {}
        for app in dict.fromkeys((*INTERACTIVE_APPS, *sorted(relevant))):
            r = next(
                (
                    x
                    for x in ctx.evaluate(variant, user, app, INTERACTIVE).results
                    if x.policy.id == p.id
                ),
                None,
            )
            if r is not None and r.undetermined:
                undetermined = undetermined or r.undetermined_detail
                break
            applies[app] = r is not None and r.applies
        else:
            covered = {a for a, on in applies.items() if on}
            gaps = set(INTERACTIVE_APPS) - covered
            if not (covered & relevant) or not gaps:
                continue  # the ToU never reaches Power Automate, or every sign-in accepts it
            missing |= gaps
            reach.users.add(user.label())
            reach.apps |= covered & relevant
            conns = [c for app in covered for c in by_app.get(app, [])]
            reach.connections.update(c.name for c in conns)
            reach.flows.update(f.name for f in ctx.flows_using(c.name for c in conns))
    return reach, missing, undetermined


def check(tenant: Tenant, ctx: Context) -> Iterator[Finding]:
    policies = terms_policies(ctx)
    if not policies:
        return
    users = flow_users(ctx)
    for p in policies:
        reach, missing, undetermined = _coverage(ctx, p, users)
        if not reach:
            if undetermined:
                yield policy_undetermined(
                    RULE_ID,
                    p,
                    Severity.MEDIUM,
                    f"policy {p.label}: could not decide which apps its Terms of Use covers for "
                    "flow users.",
                    undetermined,
                )
            continue
        gaps = ", ".join(sorted(app_name(a) for a in missing))
        yield terms_finding(
            ctx,
            RULE_ID,
            p,
            Severity.MEDIUM,
            f"policy {p.label} requires Terms of Use for "
            f"{', '.join(sorted(app_name(a) for a in reach.apps))} but not for {gaps} "
            f"({ctx.user_count(reach.users, 'flow user(s)')}); acceptance during a sign-in to {gaps} does not "
            "cover Power Automate, so connections break until the owner signs in to a covered app.",
            reach,
            evidence=(
                policy_evidence(p, "conditions", "applications", note="target All cloud apps"),
                policy_evidence(p, "grantControls", "termsOfUse"),
            ),
        )
