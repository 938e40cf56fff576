"""The connections the vectorised lifetime path covers, and their timeline (issue 10 item 2).

A scheduled flow whose connections nothing else touches (each used by this flow alone, its
owner, the flow and the connections named by no scenario action but tenant switches) runs
on a fixed grid; each of its connections refreshes on a fixed cadence and fails at the first
refresh that meets inactivity or a *failing window*: a piece of time in which ``refresh`` with
no idle time fails for the connection's refresh class (``caflow.tokens.refresh.refresh_class``).
Pieces are cut at every instant where that answer may change - tenant switches (policy
switches), remember-MFA expiry, Terms of Use acceptance and expiry - and ``refresh`` itself is
asked once per class and piece, so the rules are the event loop's own, not a copy.
``numpy`` (``simulate/vectorized.py``) then finds every connection's first failing refresh.

Coverage is decided per flow (all its connections together, as one run touches them all) and
explicitly: any flow that is not covered goes through the event loop unchanged. The covered
flows' final states are set here, and their events are pushed on the simulator's heap at the
same (time, priority, flow order) the loop's runs would have, so the event list is the same,
compacted by the same ``compact_events``. Each break is confirmed by calling ``refresh`` on the
token the loop would hold then (which also gives the exact failure); a break it does not
confirm sends the flow back to the event loop (counted in ``Simulator.coverage``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from caflow.automation import DATAVERSE_CONNECTORS, ConnectionState
from caflow.automation.state import admin_status
from caflow.model.directory import User
from caflow.model.powerplatform import Flow
from caflow.model.tenant import Tenant
from caflow.simulate.result import LISTED_FAILURES, Event
from caflow.simulate.scenario import Action, SignInSpec
from caflow.tokens import Failure, RefreshToken
from caflow.tokens.refresh import inactivity_window, refresh, refresh_class

if TYPE_CHECKING:
    from caflow.simulate.runner import Simulator

__all__ = ["VECTORIZE_FROM", "vectorize"]

#: ``vectorized=None`` (auto) uses the numpy path from this many covered connections with a
#: token on (bundle-sized tenants); below it the event loop alone is as fast (no numpy import).
VECTORIZE_FROM = 100
_US = timedelta(microseconds=1)


@dataclass
class _Flow:
    key: str
    flow: Flow
    conns: list[ConnectionState]
    first: int  # first run, microseconds after the start
    period: int


def _mentioned(actions: Sequence[Action]) -> tuple[set[str], set[str], set[str]]:
    """(users, flows, connection ids) that scenario actions other than tenant switches name:
    their connections can be touched or their owners' state changed by the event loop."""
    users: set[str] = set()
    flows: set[str] = set()
    conns: set[str] = set()
    for a in actions:
        if "tenant" in a.args:
            continue  # Simulator._apply: a tenant switch does nothing else
        for value in a.args.values():
            if isinstance(value, User):
                users.add(value.id.lower())
            elif isinstance(value, SignInSpec):
                users.add(value.user.id.lower())
            elif isinstance(value, Flow):
                flows.add(value.name.lower())
        if "id" in a.args:
            conns.add(str(a.args["id"]).lower())
    return users, flows, conns


def _candidates(sim: Simulator, actions: Sequence[Action]) -> list[_Flow]:
    users, flows, named = _mentioned(actions)
    dataverse = DATAVERSE_CONNECTORS if sim.options.dataverse_current_environment else ()
    out: list[_Flow] = []
    for key, f in sim.flow_defs.items():
        t = f.trigger
        if (
            sim.flows[key].state != "Started"
            or t.kind != "schedule"
            or not t.period
            or t.every is not None
            or key in flows
        ):
            continue
        conns: list[ConnectionState] = []
        for ref in f.connections:
            cid = ref.connection.lower()
            c = sim.connections.get(cid)
            if (
                c is None
                or sim._users_of.get(cid, 0) != 1
                or c.status != "Connected"
                or c.connector in dataverse  # A-SIM-1: runs see the owner, not the token
                or cid in named
                or (c.owner_id or "").lower() in users
                # A disabled account fails every refresh before the lifetime checks (tokens
                # docs/sources.md TS-3.2): the windows below rank after inactivity, so the loop dates it.
                or (c.token is not None and not c.token.claims.user.account_enabled)
            ):
                break
            conns.append(c)
        else:
            first = sim._first_run(f)
            assert first is not None
            out.append(_Flow(key, f, conns, (first - sim.start) // _US, t.period // _US))
    return out


def vectorize(
    sim: Simulator, actions: Sequence[Action], vectorized: bool | None
) -> tuple[set[str], int]:
    """Plan the covered flows of ``sim`` (before its loop starts): set their final state, push
    their events on its heap. Returns (covered flow keys, flows sent back to the loop)."""
    opts = sim.options
    if vectorized is False or not opts.sticky_errors:
        return set(), 0
    if not opts.tokens.defer_sif_for_confidential_clients:
        return set(), 0  # sign-in frequency at refresh: ages from auth_time (not a window cut)
    switches = sorted(
        ((a.at, a.args["tenant"]) for a in actions if "tenant" in a.args), key=lambda s: s[0]
    )
    tenants: list[Tenant] = [sim.tenant, *(t for _, t in switches)]
    lifetime = sim.tenant.settings.accessTokenLifetime
    if any(
        t.settings.legacyTokenLifetimes or t.settings.accessTokenLifetime != lifetime
        for t in tenants
    ):
        return set(), 0  # MaxInactiveTime / MaxAge* and a changing cadence: the loop
    if any(sim.doubt_policies(t) for t in tenants):
        # A policy undetermined for a refresh (A-TOU-1, issue 13): the loop records the doubt
        # at the refresh it concerns (Simulator._record_doubt); the grid knows only failures.
        return set(), 0
    cands = _candidates(sim, actions)
    with_token = sum(c.token is not None for fl in cands for c in fl.conns)
    if vectorized is None and with_token < VECTORIZE_FROM:
        return set(), 0
    import numpy as np

    from caflow.simulate.vectorized import first_failures, refresh_grid

    stop = (sim._stop - sim.start) // _US
    times = [(at - sim.start) // _US for at, _ in switches]

    def tenant_at(x: int) -> Tenant:
        current = sim.tenant
        for (_, t), when in zip(switches, times, strict=True):
            if when > x:
                break
            current = t
        return current

    def moment(x: int) -> datetime:
        return sim.start + timedelta(microseconds=x)

    # One row per connection with a token.
    rows: list[tuple[_Flow, ConnectionState, tuple[Any, ...]]] = []
    classes: dict[tuple[object, ...], list[int]] = {}
    for fl in cands:
        for c in fl.conns:
            if c.token is None:
                continue  # not an Entra connector: CA cannot break it (runner._touch)
            acc = tuple(sim._user_state(c.owner_id or "").acceptances)
            key = tuple(refresh_class(t, c.token, acc, sim._cache, opts.tokens) for t in tenants)
            classes.setdefault(key, []).append(len(rows))
            rows.append((fl, c, acc))
    n = len(rows)
    last_used = np.empty(n, np.int64)
    expires = np.empty(n, np.int64)
    first = np.empty(n, np.int64)
    period = np.empty(n, np.int64)
    for i, (fl, c, _) in enumerate(rows):
        assert c.token is not None
        last_used[i] = (c.token.last_used - sim.start) // _US
        expires[i] = (c.token.access_expires - sim.start) // _US
        first[i], period[i] = fl.first, fl.period
    r0, step = refresh_grid(expires, first, period, lifetime // _US)
    # Failing windows: refresh (no idle time) asked once per class and piece of time.
    w_of: list[int] = []
    w_lo: list[int] = []
    w_hi: list[int] = []
    for members in classes.values():
        _, c, acc = rows[members[0]]
        for lo, hi in _failing_pieces(sim, c, acc, tenants, times, stop, tenant_at, moment):
            w_of.extend(members)
            w_lo.extend([lo] * len(members))
            w_hi.extend([hi] * len(members))
    window = inactivity_window(sim.tenant, opts.tokens) // _US
    found = first_failures(
        last_used,
        r0,
        step,
        inactivity=window,
        end=stop,
        window_of=np.array(w_of, np.int64),
        window_lo=np.array(w_lo, np.int64),
        window_hi=np.array(w_hi, np.int64),
        window_code=np.full(len(w_of), 2, np.int64),
    )
    broken_at = found.broken_at.tolist()
    cause = found.cause.tolist()
    r0s, steps = r0.tolist(), step.tolist()
    row_of = {id(c): i for i, (_, c, _) in enumerate(rows)}
    covered: set[str] = set()
    fallback = 0
    for fl in cands:
        idx = [row_of.get(id(c)) for c in fl.conns]
        plan = _plan_flow(sim, fl, idx, rows, broken_at, cause, r0s, steps, stop, tenant_at)
        if plan is None:
            fallback += 1
            continue
        _commit(sim, fl, plan, moment)
        covered.add(fl.key)
    return covered, fallback


def _failing_pieces(
    sim: Simulator,
    conn: ConnectionState,
    acc: tuple[Any, ...],
    tenants: list[Tenant],
    times: list[int],
    stop: int,
    tenant_at: Any,
    moment: Any,
) -> list[tuple[int, int]]:
    """Closed microsecond intervals within [0, stop] in which a refresh of ``conn``'s class
    with no idle time fails. The answer can change only at the cuts (A-TOK-8 acceptance and
    expiry, remember-MFA age, tenant switches), so each cut is a piece of its own and the time
    between two cuts one piece, asked at its first instant."""
    tok = conn.token
    assert tok is not None
    claims = tok.claims
    cuts = set(times)
    for t in tenants:
        s = t.settings
        if s.rememberMfa.enabled and claims.mfa and claims.mfa_time is not None:
            cuts.add((claims.mfa_time + timedelta(days=s.rememberMfa.days) - sim.start) // _US)
        for a in acc:
            cuts.add((a.accepted_at - sim.start) // _US)
            agreement = t.agreements.get(a.agreement_id.lower())
            expires = agreement.acceptance_expires(a.accepted_at) if agreement else None
            if expires is not None:
                cuts.add((expires - sim.start) // _US)
    pieces: list[tuple[int, int]] = []
    lo = 0
    for cut in sorted(x for x in cuts if 0 <= x <= stop):
        if lo <= cut - 1:
            pieces.append((lo, cut - 1))
        pieces.append((cut, cut))
        lo = cut + 1
    if lo <= stop:
        pieces.append((lo, stop))
    failing: list[tuple[int, int]] = []
    for lo, hi in pieces:
        at = moment(lo)
        probe = RefreshToken(tok.app_id, tok.resource, claims, tok.issued_at, at, at)
        result = refresh(
            tenant_at(lo), probe, at, options=sim.options.tokens, cache=sim._cache, acceptances=acc
        )
        if isinstance(result, Failure):
            if failing and failing[-1][1] == lo - 1:
                failing[-1] = (failing[-1][0], hi)
            else:
                failing.append((lo, hi))
    return failing


@dataclass
class _Plan:
    runs: int
    first_failure: int | None
    turned_off: int | None
    #: per connection of the flow: (break or None, failure, token the loop holds at the end)
    conns: list[tuple[int | None, Failure | None, RefreshToken | None]]


def _plan_flow(
    sim: Simulator,
    fl: _Flow,
    idx: list[int | None],
    rows: list[tuple[_Flow, ConnectionState, tuple[Any, ...]]],
    broken_at: list[int],
    cause: list[int],
    r0: list[int],
    step: list[int],
    stop: int,
    tenant_at: Any,
) -> _Plan | None:
    """The flow's timeline from its connections' first failures; None when ``refresh`` does
    not confirm a break (the flow then goes through the event loop)."""
    p = fl.period
    breaks = [broken_at[i] if i is not None and broken_at[i] >= 0 else None for i in idx]
    dated = [b for b in breaks if b is not None]
    first_failure = min(dated) if dated else None
    turned_off = None
    last = stop
    if first_failure is not None:
        # The first run at least 14 days after the first failed run (A-SIM-5).
        from caflow.simulate.runner import TURN_OFF_AFTER

        off = first_failure + TURN_OFF_AFTER // _US
        off = first_failure + max(0, -(-(off - first_failure) // p)) * p
        if off <= stop:
            turned_off = last = off
    runs = (last - fl.first) // p + 1 if fl.first <= last else 0
    conns: list[tuple[int | None, Failure | None, RefreshToken | None]] = []
    for c, i, b in zip(fl.conns, idx, breaks, strict=True):
        tok = c.token
        if i is None or tok is None:
            conns.append((None, None, tok))
            continue
        if b is not None and b > last:
            b = None  # the flow was turned off before this refresh
        # The last successful refresh: one step before the break, else the last one by then.
        upto = b - 1 if b is not None else last
        held = tok
        if r0[i] <= upto:
            at = sim.start + timedelta(microseconds=r0[i] + (upto - r0[i]) // step[i] * step[i])
            held = RefreshToken(
                tok.app_id,
                tok.resource,
                tok.claims,
                tok.issued_at,
                at,
                at + sim.tenant.settings.accessTokenLifetime,
            )
        if b is None:
            conns.append((None, None, held))
            continue
        _, _, acc = rows[i]
        result = refresh(
            tenant_at(b),
            held,
            sim.start + timedelta(microseconds=b),
            options=sim.options.tokens,
            cache=sim._cache,
            acceptances=acc,
        )
        if not isinstance(result, Failure) or (result.cause == "inactivity") != (cause[i] == 1):
            return None
        conns.append((b, result, held))
    return _Plan(runs, first_failure, turned_off, conns)


def _commit(sim: Simulator, fl: _Flow, plan: _Plan, moment: Any) -> None:
    """Set the flow's and its connections' final state; push its events on the heap."""
    st = sim.flows[fl.key]
    st.runs += plan.runs
    for c, (b, failure, held) in zip(fl.conns, plan.conns, strict=True):
        c.token = held
        if b is not None:
            c.status, c.failure, c.broken_at = "Error", failure, moment(b)
    if plan.first_failure is None:
        return
    f, p = fl.flow, fl.period
    last = plan.turned_off if plan.turned_off is not None else (sim._stop - sim.start) // _US
    last = fl.first + (last - fl.first) // p * p  # the last run
    ff = plan.first_failure
    st.failed_runs += (last - ff) // p + 1
    st.first_failure_at = st.failing_since = moment(ff)
    groups: dict[int, tuple[datetime, list[Event]]] = {}  # run (us) -> its moment, events
    # connectionBroken: at its break, in the order the run touches the connections.
    for c, (b, failure, _) in zip(fl.conns, plan.conns, strict=True):
        if b is not None and failure is not None:
            message = admin_status(c, failure)["error"]["message"]
            groups.setdefault(b, (moment(b), []))[1].append(
                sim._event(
                    moment(b),
                    "connectionBroken",
                    failure=failure,
                    connection=c.id,
                    user=c.owner_id,
                    message=message,
                )
            )
    # runFailed: the run's first failing connection (the earliest in order broken by then);
    # identical runs in a row as compact_events leaves them: LISTED_FAILURES + 1 listed, the
    # rest as one counted event at the next run (merged into the last listed one there).
    starts: list[tuple[int, int]] = []  # (first run, connection index) of each streak
    for s in sorted({b for b, _, _ in plan.conns if b is not None}):
        i = min(k for k, (b, _, _) in enumerate(plan.conns) if b is not None and b <= s)
        if not starts or starts[-1][1] != i:
            starts.append((s, i))
    segments: list[tuple[int, int, ConnectionState, Failure]] = []
    for k, (s, i) in enumerate(starts):
        e = starts[k + 1][0] - p if k + 1 < len(starts) else last
        failure = plan.conns[i][1]
        assert failure is not None
        segments.append((s, e, fl.conns[i], failure))
    period = timedelta(microseconds=p)
    for s, e, c, failure in segments:
        count = (e - s) // p + 1
        listed = min(count, LISTED_FAILURES + 1)
        first = moment(s)
        # One event built, the identical runs of the streak are copies at their own moment.
        run = sim._event(
            first, "runFailed", failure=failure, connection=c.id, flow=f.name, user=c.owner_id
        )
        for r in range(listed):
            at = first + r * period
            groups.setdefault(s + r * p, (at, []))[1].append(run.moved(at))
        if count > listed:
            at = first + listed * period
            rest = run.moved(at, count=count - listed, last_at=moment(e))
            groups.setdefault(s + listed * p, (at, []))[1].append(rest)
    if plan.turned_off is not None:
        _, _, c, failure = segments[-1]
        off = plan.turned_off
        at = moment(off)
        groups.setdefault(off, (at, []))[1].append(sim._turn_off(at, f, c, failure))
    sim._push_events(fl.key, [groups[x] for x in sorted(groups)])
