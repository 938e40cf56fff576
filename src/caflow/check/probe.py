"""The next token refresh of every connection, under the baseline and the proposed policies.

The simulation only touches connections that a scheduled flow uses; a connection used by a
manual flow, by a flow whose schedule the export does not carry, or by no flow at all breaks
just the same at its next refresh (docs/sources.md PA-8.1: health changes only when a token is
issued). Each connection is therefore also redeemed once, at the change, with the claims that
satisfied the baseline (as ``simulate_tenant(claims_tenant=baseline)`` does), and what cannot
be evaluated is named: no owner in the bundle, a connector caflow does not map, a policy that
is undetermined for the owner.
"""

from __future__ import annotations

from collections.abc import Callable, Set
from datetime import datetime
from typing import Any

from caflow.automation.connectors import resource_for
from caflow.automation.verdicts import ConnectionVerdict, connection_undetermined
from caflow.engine.evaluate import Evaluation, PolicyResult
from caflow.model import Tenant
from caflow.model.powerplatform import Connection
from caflow.model.wellknown import APPS
from caflow.simulate.baseline import minimal_claims
from caflow.tokens import Failure, issue, refresh
from caflow.tokens.refresh import RecordingCache, may_fail_refresh

__all__ = ["ProbeCache", "probe_connections"]


class ProbeCache(RecordingCache):
    """Minimal claims and refresh evaluations shared by every redemption (and by check's two
    simulations, which fill it first); while :attr:`seen` is a list, the evaluations a
    redemption reads or makes are recorded there."""


def _redeem(
    tenant: Tenant, claims_tenant: Tenant, c: Connection, at: datetime, shared: ProbeCache | None
) -> tuple[Any, list[Evaluation]]:
    """The refresh at ``at`` of a token issued at ``at`` with ``claims_tenant``'s minimal claims,
    and the CA evaluations it made. ``shared``: claims by class and evaluations by claims class;
    None is the plain path (a fresh refresh cache per redemption, no claims cache)."""
    app = resource_for(c.connector)
    assert app is not None and c.owner_id
    owner = tenant.directory.user(c.owner_id)
    assert owner is not None
    claims = minimal_claims(tenant, claims_tenant, owner, app, at, shared)
    token = issue(app, APPS.get(app, app), claims, at, tenant)
    cache = shared if shared is not None else ProbeCache()
    seen: list[Evaluation] = []
    cache.seen = seen
    try:
        result = refresh(tenant, token, at, cache=cache)
    finally:
        cache.seen = None
    return result, seen


def probe_connections(
    baseline: Tenant,
    proposed: Tenant,
    at: datetime,
    changed: Set[str],
    *,
    cache: ProbeCache | None = None,
) -> list[ConnectionVerdict]:
    """A verdict per connection of ``proposed`` that is healthy today (``changed``: lower-cased
    ids of the policies the change creates or modifies). With ``cache``, minimal claims are
    worked out once per (signature, device, app) class and refresh evaluations made once per
    claims class, as in the simulator; without, every (owner, app) pair is redeemed from
    scratch (the reference path)."""
    out: list[ConnectionVerdict] = []
    # Same owner + same resource app = same claims, same refresh: redeem once per pair.
    memo: dict[tuple[str, str, str], Any] = {}

    def redeem(tenant: Tenant, c: Connection) -> Any:
        side = "p" if tenant is proposed else "b"
        key = (side, (c.owner_id or "").lower(), str(resource_for(c.connector)))
        if key not in memo:
            memo[key] = _redeem(tenant, baseline, c, at, cache)
        return memo[key]

    for c in proposed.connections:
        if c.status == "Error":
            continue  # already broken before the change
        why = connection_undetermined(c.connector, c.owner_id, proposed)
        if why:
            out.append(ConnectionVerdict(c.name, c.owner_id, "undetermined", reason=why))
            continue
        if resource_for(c.connector) is None:
            continue  # non-Entra: CA cannot break it
        after, evs = redeem(proposed, c)
        if isinstance(after, Failure):
            if baseline.directory.user(c.owner_id or "") is not None:
                before, base_evs = redeem(baseline, c)
                if isinstance(before, Failure):
                    continue  # failing already: not this change's doing
                # An enforced baseline policy undetermined for the owner may block it already:
                # that it *newly* breaks is not known (issue 13).
                base_doubts = _doubts(base_evs)
                if base_doubts:
                    out.append(
                        ConnectionVerdict(
                            c.name,
                            c.owner_id,
                            "undetermined",
                            reason="it may already fail before the change: " + base_doubts,
                            baseline_doubt=True,
                        )
                    )
                    continue
            out.append(ConnectionVerdict(c.name, c.owner_id, "breaks", failure=after))
            continue
        doubts = _doubts(evs, lambda ev, r: r.policy.id.lower() in changed)
        if doubts:
            out.append(ConnectionVerdict(c.name, c.owner_id, "undetermined", reason=doubts))
            continue
        # A policy the change leaves as it is, undetermined for the owner in both tenants: the
        # refresh is fine under the determined policies only, so "ok" is not known (review of
        # issue 13) - unless that policy cannot change the outcome (tokens.may_fail_refresh).
        held = _doubts(
            evs,
            lambda ev, r: r.policy.id.lower() not in changed and may_fail_refresh(proposed, ev, r),
        )
        if held:
            out.append(
                ConnectionVerdict(
                    c.name,
                    c.owner_id,
                    "undetermined",
                    reason="whether its refresh works is unknown before and after the change "
                    "(a policy the change does not modify): " + held,
                )
            )
        else:
            out.append(ConnectionVerdict(c.name, c.owner_id, "ok"))
    return out


def _doubts(
    evs: list[Evaluation], keep: Callable[[Evaluation, PolicyResult], bool] = lambda ev, r: True
) -> str:
    """The enforced policies undetermined for the owner in ``evs`` that ``keep`` selects, as one
    reason naming each ('' when none)."""
    doubts = [
        f"policy '{r.policy.display_name}' is undetermined for the owner ({r.undetermined_detail})"
        for ev in evs
        for r in ev.undetermined
        if keep(ev, r)
    ]
    return "; ".join(dict.fromkeys(doubts))
