"""A policy reaches Microsoft Flow Service but not its host apps, or the reverse.

Seed 000 "Solution": "If you must target individual apps, verify that Microsoft Flow Service
(Application ID: 7df0a125-...) is included together with the host applications (SharePoint,
Teams, Excel)." Decided per policy by the engine: does the policy apply to a Flow Service
sign-in and to a host sign-in of the same in-scope user?
"""

from __future__ import annotations

from collections.abc import Iterator

from caflow.advise.context import INTERACTIVE, Context, policy_evidence, policy_finding
from caflow.advise.hosts import EMBEDDING_HOSTS, app_name
from caflow.advise.model import Finding, Severity
from caflow.engine.evaluate import Evaluation
from caflow.model import Tenant
from caflow.model.wellknown import FLOW_SERVICE

RULE_ID = "flow_service_targeted_without_hosts"


def check(tenant: Tenant, ctx: Context) -> Iterator[Finding]:
    variant = ctx.variants[0]
    gaps: dict[tuple[str, bool], set[str]] = {}
    users: dict[tuple[str, bool], set[str]] = {}
    apps = (FLOW_SERVICE, *EMBEDDING_HOSTS)
    # Users of one signature share evaluations: their gaps are worked out once per set.
    memo: dict[tuple[int, ...], list[tuple[tuple[str, bool], set[str]]]] = {}
    for user in ctx.users:
        verdicts = {app: ctx.evaluate(variant, user, app, INTERACTIVE) for app in apps}
        mk = tuple(id(v) for v in verdicts.values())
        found = memo.get(mk)
        if found is None:
            found = memo[mk] = _gaps(verdicts)
        for key, missing in found:
            gaps.setdefault(key, set()).update(missing)
            users.setdefault(key, set()).add(user.label())
    for (pid, on_flow), apps_ in sorted(gaps.items()):
        policy = tenant.policy(pid)
        if policy is None:
            continue
        p = policy
        names = ", ".join(sorted(app_name(a) for a in apps_))
        text = (
            f"applies to Microsoft Flow Service but not to {names}"
            if on_flow
            else f"applies to {names} but not to Microsoft Flow Service"
        )
        yield policy_finding(
            RULE_ID,
            p,
            Severity.MEDIUM,
            f"policy {p.label} {text} for the same user; target Office 365 or include "
            "Flow Service together with its hosts.",
            evidence=(policy_evidence(p, "conditions", "applications", "includeApplications"),),
            users=ctx.user_labels(users[(pid, on_flow)])[:50],
            apps=(FLOW_SERVICE, *sorted(apps_)),
        )


def _gaps(verdicts: dict[str, Evaluation]) -> list[tuple[tuple[str, bool], set[str]]]:
    """(policy id, applies to Flow Service) -> host apps on the other side, for one user."""
    out = []
    hosts_by_policy = {
        app: {r.policy.id: r for r in verdicts[app].results} for app in EMBEDDING_HOSTS
    }
    for r_flow in verdicts[FLOW_SERVICE].results:
        p = r_flow.policy
        hosts = {app: hosts_by_policy[app][p.id] for app in EMBEDDING_HOSTS}
        if r_flow.undetermined or any(r.undetermined for r in hosts.values()):
            continue
        on_hosts = {a for a, r in hosts.items() if r.applies}
        if r_flow.applies and on_hosts != set(EMBEDDING_HOSTS):
            out.append(((p.id, True), set(EMBEDDING_HOSTS) - on_hosts))
        elif not r_flow.applies and on_hosts:
            out.append(((p.id, False), on_hosts))
    return out
