"""Portal and embedded surfaces that depend on the user's interactive sign-in (seed effects
4-7; docs/sources.md PA-4.4, PA-8.7). Each returns a Failure or None; the simulator emits events."""

from __future__ import annotations

from datetime import datetime

from caflow.engine.evaluate import evaluate
from caflow.engine.signin import UNREGISTERED
from caflow.model.tenant import Tenant
from caflow.model.wellknown import APPS, EXCHANGE, FLOW_SERVICE, POWERAPPS, SHAREPOINT, TEAMS
from caflow.tokens import Claims, Failure, aadsts_message
from caflow.tokens.failure import failure_from_evaluation

__all__ = ["HOSTS", "embedded_exchange", "list_sharing", "picker", "sharepoint_flow"]

#: Embedding host -> the app the user signed in to (Excel for the web is served by SharePoint).
HOSTS = {"sharepoint": SHAREPOINT, "teams": TEAMS, "excel": SHAREPOINT, "powerapps": POWERAPPS}


def _demanded(
    tenant: Tenant, claims: Claims, app: str, now: datetime
) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """What the policies demand of this user for ``app``, independent of what was satisfied:
    evaluated with bare claims (no MFA, no ToU) on the same device/network."""
    bare = claims.signin(tenant, app, now).evolve(
        mfa=False, auth_methods=frozenset(), accepted_terms=frozenset()
    )
    ev = evaluate(tenant, bare, now)
    return ev.decision, tuple(sorted(ev.requirements)), ev.responsible_policies


def embedded_exchange(tenant: Tenant, claims: Claims, host: str, now: datetime) -> Failure | None:
    """Seed effect 5: the token exchange between host and Microsoft Flow Service fails when
    their CA requirements for the signed-in user differ - either way round (KB "Cause")."""
    host_app = HOSTS[host]
    h = _demanded(tenant, claims, host_app, now)
    f = _demanded(tenant, claims, FLOW_SERVICE, now)
    if (h[0], h[1]) == (f[0], f[1]):
        # Same requirements: the host sign-in must still satisfy them (ordinary CA failure).
        ev = evaluate(tenant, claims.signin(tenant, FLOW_SERVICE, now), now)
        if ev.decision == "allow":
            return None
        return failure_from_evaluation(ev, APPS[FLOW_SERVICE])
    policies = tuple(sorted(set(h[2]) ^ set(f[2]))) or tuple(sorted(set(h[2]) | set(f[2])))
    return Failure(
        "AADSTS50076",
        "embeddedMismatch",
        policies,
        aadsts_message("AADSTS50076", resource=APPS[FLOW_SERVICE]),
    )


def picker(tenant: Tenant, claims: Claims, now: datetime) -> Failure | None:
    """Seed effect 4: Exchange/SharePoint policies not met by the Flow portal sign-in -> people
    and email pickers return no Office 365 groups."""
    for app in (EXCHANGE, SHAREPOINT):
        ev = evaluate(tenant, claims.signin(tenant, app, now), now)
        if ev.decision != "allow":
            return failure_from_evaluation(ev, APPS[app])
    return None


def _applying_sharepoint_policies(tenant: Tenant, claims: Claims, now: datetime) -> tuple[str, ...]:
    bare = claims.signin(tenant, SHAREPOINT, now)
    ev = evaluate(tenant, bare, now)
    return tuple(
        r.policy.id
        for r in ev.results
        if r.applies
        and r.policy.enforced
        and (r.grant.result != "notApplicable" or r.policy.session)
    )


def list_sharing(tenant: Tenant, claims: Claims, now: datetime) -> Failure | None:
    """Seed effect 6: with SharePoint under CA, Power Automate cannot pass the CA information
    to SharePoint: lists shown by id, flows not discoverable/runnable from SharePoint."""
    policies = _applying_sharepoint_policies(tenant, claims, now)
    if not policies:
        return None
    return Failure(
        None,
        "policyInfoNotPassed",
        policies,
        "Conditional Access policy information is not passed between Power Automate and SharePoint",
    )


def sharepoint_flow(
    tenant: Tenant, claims: Claims, connector_egress: tuple[str | None, str | None], now: datetime
) -> Failure | None:
    """Seed effect 7: Request sign-off / Page approval are created and run by the service, which
    reaches SharePoint from its own infrastructure (egress IP, no managed device): network
    location and unmanaged-device policies on SharePoint block them."""
    ip, country = connector_egress
    s = claims.signin(tenant, SHAREPOINT, now).evolve(
        device=UNREGISTERED, ip=ip, country=country, platform="unknown"
    )
    ev = evaluate(tenant, s, now)
    if ev.decision == "allow":
        return None
    return failure_from_evaluation(ev, APPS[SHAREPOINT])
