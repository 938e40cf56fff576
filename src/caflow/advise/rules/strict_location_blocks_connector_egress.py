"""Strict location enforcement meets connector traffic from Microsoft egress addresses.

Seed: users "can access some or all cloud services from only their corporate network"; with CAE
strict location enforcement "access is blocked whenever the IP seen by the resource is not
allowed" (docs/sources.md TS-4.2), and connector calls come from Power Platform egress IPs
(docs/sources.md PA-4.3). The engine compares a background refresh from the connector egress
address with the owner's own sign-in from a trusted network. Without directory users the probe
users stand for each policy's scope: a block whose probe no strict-location policy reaches is
UNDETERMINED (whether real users are in both scopes is not in the bundle, docs/assumptions.md
A-CLI-2).
"""

from __future__ import annotations

from collections.abc import Iterator

from caflow.advise.context import (
    Context,
    Probe,
    applying,
    policy_evidence,
    policy_finding,
    policy_undetermined,
    setting_evidence,
)
from caflow.advise.hosts import app_name
from caflow.advise.model import Finding, Severity
from caflow.advise.scope import probed_apps
from caflow.model import Tenant
from caflow.model.policy import PolicyState

RULE_ID = "strict_location_blocks_connector_egress"
AT_OFFICE = Probe(where="trusted", mfa=True, managed=True, accept_terms=True)
FROM_EGRESS = Probe(where="egress", mfa=True, managed=True, accept_terms=True, interactive=False)


def _strict(session: dict[str, object]) -> bool:
    return str(session.get("continuousAccessEvaluation", "")).lower() == "strictlocation"


def check(tenant: Tenant, ctx: Context) -> Iterator[Finding]:
    if ctx.egress_trusted():
        return  # egress IPs are inside a trusted named location: nothing to block
    hits: dict[str, tuple[set[str], set[str], set[str]]] = {}
    #: Without directory users: policy id -> apps it blocks from the egress for a probe user
    #: that strict location enforcement does not reach (see below).
    unpaired: dict[str, set[str]] = {}
    strict_apps: set[str] = set()  # apps strict location enforcement reaches for some user
    strict_policies = [
        q
        for q in tenant.policies
        if q.state != PolicyState.DISABLED and q.session is not None and q.session.strict_location
    ]
    for variant in ctx.variants:
        for user in ctx.users:
            by_app, probed = probed_apps(ctx, user)
            for app in probed:
                office = ctx.evaluate(variant, user, app, AT_OFFICE)
                egress = ctx.evaluate(variant, user, app, FROM_EGRESS)
                strict = _strict(office.session_controls) or _strict(egress.session_controls)
                if strict:
                    strict_apps.add(app)
                for pid in applying(egress).keys() - applying(office).keys():
                    if variant.report_only and pid not in ctx.report_only_ids:
                        continue
                    if not strict:
                        if ctx.synthetic_users and strict_policies:
                            unpaired.setdefault(pid, set()).add(app)
                        continue
                    users, conns, apps = hits.setdefault(pid, (set(), set(), set()))
                    users.add(user.label())
                    conns.update(c.name for c in by_app.get(app, []))
                    apps.add(app)
    # A probe user stands for one policy's scope: whether real users are in the scope of this
    # location policy *and* of a strict-location policy the probe did not meet is not in a
    # bundle without directory users (docs/assumptions.md A-CLI-2): undetermined, not PASS.
    for pid, blocked in sorted(unpaired.items()):
        p = tenant.policy(pid)
        apps = blocked & strict_apps
        if p is None or pid in hits or not apps:
            continue
        names = ", ".join(f"'{q.display_name}'" for q in strict_policies)
        yield policy_undetermined(
            RULE_ID,
            p,
            Severity.CRITICAL,
            f"policy {p.label} blocks {', '.join(sorted(app_name(a) for a in apps))} from the "
            f"connector egress addresses; strict location enforcement (policy {names}) applies "
            "to other users in this bundle's probes.",
            "the bundle holds no enabled directory user (directory.yaml): whether users are in "
            f"the scope of both this policy and {names} is unknown",
            (policy_evidence(p, "conditions", "locations"),),
        )
    for pid, (users, conns, apps) in sorted(hits.items()):
        p = tenant.policy(pid)
        if p is None:
            continue
        flows = sorted(f.name for f in ctx.flows_using(conns))
        yield policy_finding(
            RULE_ID,
            p,
            Severity.CRITICAL,
            f"policy {p.label} blocks {', '.join(sorted(app_name(a) for a in apps))} from the "
            "connector egress addresses while strict location enforcement is on; connector calls fail "
            "even though the owner signs in from a trusted network.",
            evidence=(
                policy_evidence(p, "conditions", "locations"),
                setting_evidence(
                    tenant, "connectorEgress", "ipRanges", note="not in a trusted named location"
                ),
            ),
            flows=flows,
            connections=sorted(conns),
            users=ctx.user_labels(users)[:50],
            apps=sorted(apps),
            error_code="AADSTS53003",
        )
