"""The event-driven simulator: scenario actions and flow runs on one heap, ordered by time
(actions before runs at the same instant). Deterministic: ``now`` is always the event time.

Connection health changes only when a token is issued: interactive creation/repair, or a
background refresh when a run needs a new access token (docs/sources.md PA-8.1).
"""

from __future__ import annotations

import heapq
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any, ClassVar

from caflow.automation import (
    DATAVERSE_CONNECTORS,
    ConnectionState,
    FlowState,
    embedded_exchange,
    list_sharing,
    picker,
    resource_for,
    service_name,
    sharepoint_flow,
)
from caflow.automation.state import admin_status, iso
from caflow.automation.verdicts import (
    ConnectionVerdict,
    connection_undetermined,
    connection_when,
    flow_impact,
    started_flows_by_connection,
    unpulled_impact,
    unread_impact,
)
from caflow.model.directory import User
from caflow.model.powerplatform import Flow
from caflow.model.pulled import unread_flows
from caflow.model.tenant import Tenant
from caflow.model.wellknown import APPS
from caflow.simulate.baseline import minimal_claims
from caflow.simulate.result import (
    Event,
    SimulationResult,
    compact_events,
)
from caflow.simulate.scenario import Action, SignInSpec
from caflow.tokens import (
    Acceptance,
    Claims,
    Failure,
    InteractiveResult,
    RefreshToken,
    Revocation,
    TokenOptions,
    aadsts_message,
    issue,
    sign_in,
    use,
)
from caflow.tokens.refresh import (
    PER_CLAIMS_OBJECT,
    RecordingCache,
    egress_address,
    inactivity_window,
    may_fail_refresh,
    refresh,
)

__all__ = ["SimOptions", "Simulator"]

_TICK = timedelta(microseconds=1)  # a run at an action's instant comes after it: not skippable
TURN_OFF_AFTER = timedelta(days=14)  # docs/sources.md PA-2.5: AlwaysFailingDetected
_TURN_OFF_REASON = "AlwaysFailingDetected"
#: A disabled account cannot get tokens (docs/sources.md TS-3.2 "User disabled - new token requests fail").
_USER_DISABLED = Failure("AADSTS50057", "userDisabled", (), aadsts_message("AADSTS50057"))
#: Message templates of the surface events (seed effects 4, 6, 7); ``{reason}`` = AADSTS text.
_SURFACE_MESSAGES = {
    "pickerDegraded": "People/email picker ({picker}): Office 365 groups are not returned. {reason}",
    "listShownAsId": "List shown as its id {list}, not its display name: {reason}.",
    "flowNotDiscoverable": "Users may be unable to discover or run the flow from SharePoint: {reason}.",
    "sharePointFlowBlocked": "SharePoint out-of-box flow '{template}' blocked: {reason}",
}
_TURN_OFF_MSG = "Flow turned off after 14 days of continuous failures (AlwaysFailingDetected)."


@dataclass(frozen=True, slots=True)
class SimOptions:
    tokens: TokenOptions = TokenOptions()  # noqa: RUF009 - frozen, immutable default
    #: A-SIM-1: Dataverse current-environment exception (docs/sources.md PA-1.5): runs keep
    #: working on an expired connection while the user stays enabled; the status still shows Error.
    dataverse_current_environment: bool = True
    #: A-SIM-2: a failing polling trigger is retried (and reported) at this interval.
    failed_poll_retry: timedelta = timedelta(days=1)
    #: A-SIM-3: an Error status is sticky until repairConnection (the portal shows "Fix connection").
    sticky_errors: bool = True


@dataclass
class _UserState:
    session: Claims | None = None
    #: The user's last portal sign-in failed: its claims and failure (no portal session).
    failed_sign_in: tuple[Claims, Failure] | None = None
    acceptances: list[Acceptance] = field(default_factory=list)
    revocations: list[Revocation] = field(default_factory=list)


class Simulator:
    def __init__(
        self,
        tenant: Tenant,
        start: datetime,
        end: datetime,
        *,
        flows: Iterable[Flow] = (),
        claims_tenant: Tenant | None = None,
        options: SimOptions = SimOptions(),
        progress: Callable[[float], None] | None = None,
        fast: bool = True,
        cache: dict[Any, Any] | None = None,
        vectorized: bool | None = None,
    ) -> None:
        self.tenant = tenant
        #: False = the reference path: every scheduled run goes through the loop.
        self.fast = fast
        #: The numpy lifetime path for the flows it covers (simulate/covered.py): None = from
        #: VECTORIZE_FROM covered connections on, True = always, False = never (the event loop
        #: alone, which the covered path is tested equal to). Only with ``fast``.
        self.vectorized = vectorized if fast else False
        #: Flows the numpy path planned / sent back to the event loop (set by ``run``).
        self.coverage: dict[str, int] = {"vectorized": 0, "fallback": 0}
        self.start, self.end = start, end
        self.options = options
        self.progress = progress
        self.events: list[Event] = []
        self.users: dict[str, _UserState] = {}
        for acc in tenant.acceptances:
            if acc.state.lower() == "accepted" and acc.recorded <= start:
                self._user_state(acc.user_id).acceptances.append(
                    Acceptance(acc.agreement_id, acc.recorded, acc.device_id)
                )
        self.connections: dict[str, ConnectionState] = {}
        ct = claims_tenant or tenant
        if not fast:
            cache = {PER_CLAIMS_OBJECT: True}
        elif cache is None:
            cache = {}
        # Minimal claims by class and refresh evaluations by claims class share one cache.
        classes: dict[Any, Any] | None = cache if fast else None
        for c in tenant.connections:
            st = ConnectionState(c.name, c.connector, c.owner_id)
            # An unmapped connector (A-AUTO-6) or an owner not in the bundle: not "never breaks"
            # (one the export shows broken already is broken, whoever owns it).
            if c.status != "Error":
                st.undetermined = connection_undetermined(c.connector, c.owner_id, tenant) or None
            owner = tenant.directory.user(c.owner_id) if c.owner_id else None
            app = resource_for(c.connector)
            if app and owner is not None:
                claims = minimal_claims(tenant, ct, owner, app, start, classes)
                st.token = issue(app, APPS.get(app, app), claims, start, tenant)
            if c.status == "Error":
                st.status, st.broken_at = "Error", start
                st.failure = Failure(None, "blocked", (), c.error_message or "")
            self.connections[c.name.lower()] = st
        self.flow_defs: dict[str, Flow] = {}
        self.flows: dict[str, FlowState] = {}
        for f in (*tenant.flows, *flows):
            self.flow_defs[f.name.lower()] = f
            self.flows[f.name.lower()] = FlowState(f.name, f.owner_id, state=f.state)
        self._order: dict[str, int] = {}
        self._users_of: Counter[str] = Counter()
        self._pending: dict[str, datetime] = {}  # flow key -> its queued run
        self._done: set[str] = set()  # flows whose remaining runs were counted at once
        self._component: dict[str, list[str]] = {}  # flow key -> flows sharing connections
        #: Groups shown not to settle (id of the list) -> how many of their flows were turned
        #: off by then: only that can change the answer once no action remains.
        self._unsettled: dict[int, int] = {}
        self._turned_off: Counter[int] = Counter()
        #: Connection ids scenario actions create (a failed creation is an event, not a gap).
        self._declared: set[str] = set()
        self._heap: list[tuple[datetime, int, int, str, Any]] = []
        self._seq = 0
        self._action_times: list[datetime] = []
        self._stop = end
        self._cache: dict[Any, Any] = cache
        #: ``doubt_policies`` of the tenant it was computed for (hot path: every refresh).
        self._doubt_for: tuple[Tenant | None, set[str]] = (None, set())
        self._keep: list[Tenant] = [tenant]

    # -- plumbing -------------------------------------------------------------------------
    def _user_state(self, uid: str) -> _UserState:
        return self.users.setdefault(uid.lower(), _UserState())

    def _push(self, at: datetime, prio: int, kind: str, payload: Any) -> None:
        self._seq += 1
        heapq.heappush(self._heap, (at, prio, self._seq, kind, payload))

    def _push_run(self, at: datetime, key: str) -> None:
        self._pending[key] = at
        heapq.heappush(self._heap, (at, 1, self._order[key], "run", key))

    def _label(self, uid: str | None) -> str | None:
        if not uid:
            return None
        u = self.tenant.directory.user(uid)
        return u.user_principal_name if u else uid

    def _emit(self, at: datetime, kind: str, **fields: Any) -> None:
        """Record an event now; ``fields`` are :meth:`_event`'s keyword arguments."""
        self.events.append(self._event(at, kind, **fields))

    def _event(
        self,
        at: datetime,
        kind: str,
        *,
        failure: Failure | None = None,
        connection: str | None = None,
        flow: str | None = None,
        user: str | None = None,
        message: str | None = None,
    ) -> Event:
        return Event(
            at,
            kind,
            connection,
            flow,
            self._label(user),
            failure.code if failure else None,
            failure.policies if failure else (),
            failure.cause if failure else None,
            message if message is not None else (failure.message if failure else ""),
        )

    def _push_events(self, key: str, runs: list[tuple[datetime, list[Event]]]) -> None:
        """Events of flow ``key``'s runs worked out ahead (simulate/covered.py), in time order:
        each run's are emitted where the loop would have run it (same time, priority and flow
        order); one heap entry per flow at a time (the next is pushed when it is emitted)."""
        if runs:
            heapq.heappush(self._heap, (runs[0][0], 1, self._order[key], "emit", (key, runs, 0)))

    # -- main loop ------------------------------------------------------------------------
    def run(
        self, actions: Iterable[Action] = (), until: datetime | None = None
    ) -> SimulationResult:
        actions = list(actions)  # read twice: queued below, and by the numpy path's planning
        stop = min(self.end, until) if until else self.end
        self._stop = stop
        # (Computed here: callers may add flows after construction.)
        #: Runs due at the same instant go in flow order (history-independent; A-SIM-15).
        self._order = {key: i for i, key in enumerate(self.flow_defs)}
        #: How many flow references each connection has (the fast path needs exclusive ones).
        self._users_of = Counter(
            r.connection.lower() for f in self.flow_defs.values() for r in f.connections
        )
        self._component = _components(self.flow_defs)
        for a in actions:
            self._push(a.at, 0, "action", a)
            self._action_times.append(a.at)
            if a.kind == "createConnection":
                self._declared.add(str(a.args["id"]).lower())
        self._action_times.sort()
        covered: set[str] = set()
        if self.vectorized is not False:
            from caflow.simulate.covered import vectorize

            covered, fallback = vectorize(self, actions, self.vectorized)
            self.coverage = {"vectorized": len(covered), "fallback": fallback}
        for key, f in self.flow_defs.items():
            if self.flows[key].state == "Started" and key not in covered:
                self._schedule_first(f)
        span = max((stop - self.start).total_seconds(), 1.0)
        report_at = self.start
        while self._heap and self._heap[0][0] <= stop:
            at, _, _, kind, payload = heapq.heappop(self._heap)
            if kind == "action":
                self._apply(payload)
            elif kind == "run":
                self._scheduled_run(at, payload)
            elif kind == "emit":
                key, runs, i = payload
                self.events.extend(runs[i][1])
                if i + 1 < len(runs):
                    entry = (runs[i + 1][0], 1, self._order[key], "emit", (key, runs, i + 1))
                    heapq.heappush(self._heap, entry)
            if self.progress and at >= report_at:  # at most ~100 updates
                self.progress((at - self.start).total_seconds() / span)
                report_at = at + (stop - self.start) / 100
        return SimulationResult(
            self.start,
            stop,
            compact_events(self.events),
            list(self.connections.values()),
            list(self.flows.values()),
            policy_names={p.id: p.display_name for t in self._keep for p in t.policies},
            undetermined=self._undated(stop),
        )

    # -- what the timeline cannot date ------------------------------------------------------
    def _undated(self, stop: datetime) -> list[dict[str, Any]]:
        """Mark the breaks the timeline cannot date and return what cannot be evaluated.

        A connection no scheduled flow of known period uses is never touched by the timeline,
        yet it breaks just the same at its next use (docs/sources.md PA-8.1): its next use after
        ``stop`` is tried (without changing it). Flows whose runs the timeline cannot date
        (manual, admin-API list shape without frequency) fail at their next run when a
        connection they use breaks - the same verdicts ``check`` reports
        (automation.verdicts)."""
        flows = list(self.flow_defs.values())
        timed = {
            r.connection.lower()
            for f in flows
            if f.trigger.kind in ("schedule", "sharePoint") and f.trigger.period
            for r in f.connections
        }
        verdicts: dict[str, ConnectionVerdict] = {}
        undetermined: list[dict[str, Any]] = []
        users_of = started_flows_by_connection(flows)
        unparsed = self.doubt_policies(self.tenant)
        for key, conn in sorted(self.connections.items()):
            if unparsed and not conn.undetermined and conn.status != "Error" and conn.token:
                conn.undetermined = self._unparsed_doubt(conn, stop, unparsed) or None
            if conn.undetermined:
                verdicts[key] = ConnectionVerdict(conn.id, conn.owner_id, "undetermined")
                undetermined.append(
                    {"kind": "connection", "id": conn.id, "reason": conn.undetermined}
                )
            elif conn.status == "Error":
                verdicts[key] = ConnectionVerdict(conn.id, conn.owner_id, "breaks", conn.failure)
            elif conn.token is not None and key not in timed:
                fail = self._next_use(conn, stop)
                if fail is None:
                    verdicts[key] = ConnectionVerdict(conn.id, conn.owner_id, "ok")
                    continue
                verdicts[key] = ConnectionVerdict(conn.id, conn.owner_id, "breaks", fail)
                conn.next_use = {
                    "when": connection_when(conn.id, users_of),
                    "errorCode": fail.code,
                    "cause": fail.cause,
                    "policies": list(fail.policies),
                }
            else:
                verdicts[key] = ConnectionVerdict(conn.id, conn.owner_id, "ok")
        dated = {f.id for f in self.flows.values() if f.failed_runs or f.turned_off_at is not None}
        failing, doubtful = flow_impact(
            [f for f in flows if self.flows[f.name.lower()].state == "Started"],
            verdicts,
            dated,
            set(self.connections) | self._declared,
            unread_flows(self.tenant.not_pulled),
        )
        for item in failing:
            self.flows[item["id"].lower()].next_run = {
                "when": item["when"],
                "connection": item["connection"],
                "errorCode": item["errorCode"],
            }
        breaking = {k for k, v in verdicts.items() if v.status == "breaks"}
        unpulled = unpulled_impact(self.tenant.not_pulled, self.tenant.connections, breaking)
        return undetermined + doubtful + unpulled + unread_impact(self.tenant)

    @staticmethod
    def doubt_policies(tenant: Tenant) -> set[str]:
        """Policies of ``tenant`` that may be undetermined for an owner's refresh: those whose
        filter rule caflow cannot parse, and those requiring Terms of Use whose acceptances the
        bundle does not record (docs/assumptions.md A-TOU-1, A-PULL-7)."""
        blind = tenant.acceptances_unrecorded
        return {
            p.id.lower()
            for p in tenant.policies
            if p.enforced
            and (
                any(w.code == "unparsable-rule" for w in p.warnings)
                or (p.grant is not None and any(a.lower() in blind for a in p.grant.terms_of_use))
            )
        }

    def _record_doubt(self, at: datetime, conn: ConnectionState) -> None:
        """After a timeline refresh of ``conn`` at ``at`` that did not fail: if a policy was
        undetermined for it (A-TOU-1, issue 13), its outcome is unknown, so the connection is
        undetermined from then on, with the reason and the time. Recorded when the refresh
        happens: a later acceptance or policy removal resolves the doubt only for later
        refreshes, not for this one (review 9c F1)."""
        if conn.undetermined:
            return
        if self._doubt_for[0] is not self.tenant:  # the tenant changes only by actions
            self._doubt_for = (self.tenant, self.doubt_policies(self.tenant))
        unparsed = self._doubt_for[1]
        if not unparsed:
            return
        doubt = self._unparsed_doubt(conn, at, unparsed)
        if doubt:
            conn.undetermined = f"{doubt}, at the refresh of {iso(at)}"

    def _unparsed_doubt(self, conn: ConnectionState, at: datetime, unparsed: set[str]) -> str:
        """Why ``conn`` is undetermined when an exported policy whose filter rule caflow cannot
        parse (quarantined at load, issue 13), or that requires Terms of Use whose acceptances
        the bundle does not record (A-TOU-1), is undetermined for its owner's refresh at ``at``
        ('' when none is): it might block the connection, so "healthy" is not known. Only run
        when the tenant has such a policy (one fresh evaluation per connection)."""
        assert conn.token is not None
        us = self._user_state(conn.owner_id or "")
        rec = RecordingCache()
        rec.seen = []
        refresh(
            self.tenant,
            conn.token,
            at,
            revocations=tuple(us.revocations),
            options=self.options.tokens,
            cache=rec,
            acceptances=tuple(us.acceptances),
        )
        doubts = [
            f"policy '{r.policy.display_name}' is undetermined for the owner "
            f"({r.undetermined_detail})"
            for ev in rec.seen
            for r in ev.undetermined
            # as check does: only a policy that could fail the refresh if it applied
            if r.policy.id.lower() in unparsed and may_fail_refresh(self.tenant, ev, r)
        ]
        return "; ".join(dict.fromkeys(doubts))

    def _next_use(self, conn: ConnectionState, at: datetime) -> Failure | None:
        """What the next use of ``conn`` at ``at`` would meet, without using it."""
        assert conn.token is not None
        result = self._use(conn.token, conn.owner_id, at)
        return result if isinstance(result, Failure) else None

    def _use(
        self, token: RefreshToken, owner_id: str | None, at: datetime
    ) -> RefreshToken | Failure:
        """``token`` used at ``at`` with its owner's revocations and ToU state (A-TOK-8)."""
        us = self._user_state(owner_id or "")
        return use(
            self.tenant,
            token,
            at,
            revocations=tuple(us.revocations),
            options=self.options.tokens,
            cache=self._cache,
            acceptances=tuple(us.acceptances),
        )

    # -- flows ----------------------------------------------------------------------------
    def _schedule_first(self, f: Flow) -> None:
        first = self._first_run(f)
        if first is not None:
            self._push_run(first, f.name.lower())

    def _first_run(self, f: Flow) -> datetime | None:
        """The first run of a scheduled / polling flow of known period (None: not dated)."""
        t = f.trigger
        if t.kind not in ("schedule", "sharePoint") or not t.period:
            return None
        first = t.start or self.start
        if first < self.start:
            _, first = t.grid().first_at_or_after(first, self.start)  # arithmetic, not stepping
        return first

    def _next_grid(self, f: Flow, after: datetime) -> datetime:
        t = f.trigger
        assert t.period
        origin = t.start or self.start
        return t.grid().first_at_or_after(origin, after)[1]

    def _scheduled_run(self, at: datetime, key: str) -> None:
        f = self.flow_defs[key]
        st = self.flows[key]
        if st.state != "Started" or key in self._done:
            return
        ok = self._run(at, f, None)
        t = f.trigger
        assert t.period
        if ok and self.fast and t.kind == "schedule" and t.every is None and self._settle(at, key):
            return
        if t.kind == "sharePoint":
            # Polls between access-token refreshes change nothing (cached token): jump to the
            # first poll after the trigger connection's access token expires.
            nxt = at + (t.period if ok else self.options.failed_poll_retry)
            if ok:
                trig = self._conn(f.connections[0].connection) if f.connections else None
                if trig is not None and trig.token is not None:
                    nxt = max(nxt, trig.token.access_expires)
            nxt = self._next_grid(f, nxt)
            if ok and self.fast:
                nxt = self._skip_polls(at, f, st, nxt)
        elif t.every is not None:
            nxt = t.every.first_after(t.start or self.start, at)  # calendar months (P3M)
        elif ok and self.fast:
            nxt = self._skip_ahead(at, f, st)
        else:
            nxt = at + t.period
        self._push_run(nxt, key)

    # -- fast path: runs that cannot change anything are counted, not executed -------------
    def _skip_ahead(self, at: datetime, f: Flow, st: FlowState) -> datetime:
        """The next run of a scheduled flow that succeeded at ``at`` that has to be executed.

        Until the next scenario action nothing but this flow's own runs touches a connection
        only this flow uses. Such a run with a valid cached access token changes nothing but
        the run count (``use``: no evaluation). A background refresh repeats the success of
        the one at ``at`` (same claims, tenant and idle gap) until a time-dependent check
        could change its answer: remember-MFA age, legacy MaxAge, sign-in frequency, ToU
        expiry, inactivity longer than the refresh period. Skipped refreshes leave the token
        as ``refresh`` would (last used at the refresh, access token renewed). Tested equal to
        the plain loop (``fast=False``) on every example scenario (tests/simulate).
        """
        period = f.trigger.period
        assert period
        nxt = at + period
        conns = self._run_connections(f, None)
        if conns is None or any(
            c.status != "Connected" or self._users_of.get(c.id.lower(), 0) != 1 for c in conns
        ):
            return nxt
        i = bisect_right(self._action_times, at)
        bound = self._action_times[i] if i < len(self._action_times) else None
        limit = self._stop if bound is None else min(self._stop, bound - _TICK)
        tokens = [c for c in conns if c.token is not None]
        skipped = 0
        if tokens:
            lifetime = self.tenant.settings.accessTokenLifetime
            m = -(-lifetime // period)  # runs per access token
            step = m * period
            if all(
                c.token is not None and c.token.last_used == at and c.token.issued_at < at
                for c in tokens
            ):  # every token was just refreshed (and succeeded) by this run
                until = self._refresh_repeats_until(tokens, step, limit, at)
                k = (until - at) // step if until > at else 0
                if k > 0:
                    at = at + k * step
                    skipped += k * m
                    for c in tokens:
                        tok = c.token
                        assert tok is not None
                        c.token = RefreshToken(
                            tok.app_id, tok.resource, tok.claims, tok.issued_at, at, at + lifetime
                        )
            expires = min(c.token.access_expires for c in tokens if c.token is not None)
            target = at + max(1, -(-(expires - at) // period)) * period
        else:
            target = None  # no Entra connection: every run succeeds
        last = at + ((limit - at) // period) * period if limit >= at else at  # last skippable
        if target is None or target > last:
            target = last + period
        skipped += (target - at) // period - 1
        st.runs += skipped
        return target

    def _skip_polls(self, at: datetime, f: Flow, st: FlowState, nxt: datetime) -> datetime:
        """The next SharePoint poll to execute after the poll at ``at`` refreshed the flow's
        tokens. Polls between refreshes are skipped already; the refreshes themselves repeat
        the one at ``at`` (same claims, tenant, step) until the next scenario action or a
        time-dependent check could change them (:meth:`_refresh_repeats_until`): they are
        counted by arithmetic, as :meth:`_skip_ahead` does for schedules - a ten-year horizon
        is not ~90,000 refreshes per flow."""
        step = nxt - at
        conns = self._run_connections(f, None)
        if (
            step <= timedelta(0)
            or conns is None
            or any(
                c.status != "Connected" or self._users_of.get(c.id.lower(), 0) != 1 for c in conns
            )
        ):
            return nxt
        tokens = [c for c in conns if c.token is not None]
        lifetime = self.tenant.settings.accessTokenLifetime
        if not tokens or not all(
            c.token is not None
            and c.token.last_used == at
            and c.token.issued_at < at
            and c.token.access_expires == at + lifetime
            for c in tokens
        ):
            return nxt
        i = bisect_right(self._action_times, at)
        bound = self._action_times[i] if i < len(self._action_times) else None
        limit = self._stop if bound is None else min(self._stop, bound - _TICK)
        until = self._refresh_repeats_until(tokens, step, limit, at)
        k = (until - at) // step if until > at else 0
        if k <= 0:
            return nxt
        at = at + k * step
        for c in tokens:
            tok = c.token
            assert tok is not None
            c.token = RefreshToken(
                tok.app_id, tok.resource, tok.claims, tok.issued_at, at, at + lifetime
            )
        st.runs += k
        return at + step

    def _settle(self, at: datetime, key: str) -> bool:
        """After the last scenario action, a group of scheduled flows sharing connections
        (``_components``) whose connections are all healthy and would refresh successfully
        every time until the end changes nothing any more but run counts: count every remaining
        run of each of them now. False (and nothing done) when that cannot be shown."""
        group = self._component[key]
        if self._unsettled.get(id(group)) == self._turned_off[id(group)]:
            return False
        if bisect_right(self._action_times, at) < len(self._action_times):
            return False  # an action may still change the tenant or a user
        self._unsettled[id(group)] = self._turned_off[id(group)]
        flows: list[tuple[str, timedelta, datetime]] = []  # (key, period, next run)
        touch: dict[str, list[tuple[timedelta, datetime]]] = {}
        for g in group:
            f, st = self.flow_defs[g], self.flows[g]
            if st.state != "Started" or g in self._done:
                continue
            if f.trigger.kind == "sharePoint" or st.failing_since is not None:
                return False
            if f.trigger.every is not None:
                return False  # calendar months: runs are not a fixed period apart
            if f.trigger.kind != "schedule" or not f.trigger.period:
                continue  # manual / connector triggers never run without an action
            period = f.trigger.period
            nxt = at + period if g == key else self._pending.get(g)
            conns = self._run_connections(f, None)
            if nxt is None or conns is None:
                return False
            flows.append((g, period, nxt))
            for c in conns:
                if c.status != "Connected":
                    return False
                if c.token is not None:
                    touch.setdefault(c.id.lower(), []).append((period, nxt))
        for cid, touches in touch.items():
            if not self._refreshes_forever(self.connections[cid], touches, at):
                return False
        for g, period, nxt in flows:
            if nxt <= self._stop:
                self.flows[g].runs += (self._stop - nxt) // period + 1
            self._done.add(g)
        del self._unsettled[id(group)]
        return True

    def _refreshes_forever(
        self, conn: ConnectionState, touches: list[tuple[timedelta, datetime]], at: datetime
    ) -> bool:
        """Would every background refresh of ``conn`` until the end succeed, ``touches`` being
        the (period, next run) of the flows that use it? Checked with ``refresh`` itself at
        the next expiry, after ruling out everything that could change its answer later."""
        tok = conn.token
        assert tok is not None
        s = self.tenant.settings
        opts = self.options.tokens
        claims = tok.claims
        if s.legacyTokenLifetimes or not opts.defer_sif_for_confidential_clients:
            return False
        if claims.acceptances:
            return False  # ToU acceptances may expire
        change = self._terms_change([conn], at)
        if change is not None and change <= self._stop:
            return False  # the owner's acceptances (read by refresh, A-TOK-8) change
        remembered = s.rememberMfa.enabled and claims.mfa and claims.mfa_time is not None
        if remembered and self._stop - claims.mfa_time > timedelta(days=s.rememberMfa.days):  # type: ignore[operator]
            return False
        window = inactivity_window(self.tenant, opts)
        lifetime = s.accessTokenLifetime
        # Refreshes come at most one period of some user flow after each expiry: no idle gap
        # longer than the inactivity window, from the last refresh on.
        if not any(
            lifetime + p <= window and max(nxt, tok.access_expires) + p - tok.last_used <= window
            for p, nxt in touches
        ):
            return False
        probe = max(tok.access_expires, at)
        us = self._user_state(conn.owner_id or "")
        result = refresh(
            self.tenant,
            tok,
            probe,
            revocations=tuple(us.revocations),
            options=opts,
            cache=self._cache,
            acceptances=tuple(us.acceptances),  # what the real refresh reads (A-TOK-8)
        )
        return isinstance(result, RefreshToken)

    def _terms_change(self, conns: list[ConnectionState], at: datetime) -> datetime | None:
        """The first moment after ``at`` at which one of the Terms of Use acceptances of the
        owners of ``conns`` starts or stops counting (acceptance time, re-acceptance
        frequency, ``termsExpiration``): a background refresh reads the owner's acceptances,
        not the token's (A-TOK-8), so its answer may change there; None when none does."""
        first: datetime | None = None
        for c in conns:
            for a in self._user_state(c.owner_id or "").acceptances:
                agreement = self.tenant.agreements.get(a.agreement_id.lower())
                expires = agreement.acceptance_expires(a.accepted_at) if agreement else None
                for moment in (a.accepted_at, expires):
                    if moment is not None and moment > at and (first is None or moment < first):
                        first = moment
        return first

    def _refresh_repeats_until(
        self, conns: list[ConnectionState], step: timedelta, limit: datetime, at: datetime
    ) -> datetime:
        """Latest moment (<= ``limit``) up to which a refresh every ``step`` after the one at
        ``at`` keeps succeeding like it; ``self.start`` when that cannot be shown."""
        s = self.tenant.settings
        tokens_opts = self.options.tokens
        if (
            s.legacyTokenLifetimes
            or not tokens_opts.defer_sif_for_confidential_clients
            or step > inactivity_window(self.tenant, tokens_opts)
        ):
            return self.start
        until = limit
        for c in conns:
            assert c.token is not None
            claims = c.token.claims
            if claims.acceptances:
                return self.start  # ToU acceptances may expire: refresh for real
            if s.rememberMfa.enabled and claims.mfa and claims.mfa_time is not None:
                until = min(until, claims.mfa_time + timedelta(days=s.rememberMfa.days))
        change = self._terms_change(conns, at)
        return until if change is None else min(until, change - _TICK)

    def _conn(self, cid: str) -> ConnectionState | None:
        return self.connections.get(cid.lower())

    def _run_connections(self, f: Flow, invoker: User | None) -> list[ConnectionState] | None:
        """The connections one run of ``f`` uses; None while one is not created yet.

        Embedded references always use the named (owner's) connection. An Invoker reference
        ("Provided by run-only user") acts as the runner (docs/sources.md PA-2.4, PA-7, PA-8.4;
        A-SIM-6): the named connection if the runner owns it, else the runner's most recently
        created connection for that connector, else the named one."""
        conns: list[ConnectionState] = []
        for ref in f.connections:
            conn = self._conn(ref.connection)
            if ref.source.lower() == "invoker" and invoker is not None:
                conn = self._invoker_connection(invoker, conn, ref.connector)
            if conn is None:
                return None  # connection not created yet: the flow cannot be activated
            conns.append(conn)
        return conns

    def _invoker_connection(
        self, invoker: User, named: ConnectionState | None, connector: str
    ) -> ConnectionState | None:
        if named is not None and named.owner_id == invoker.id:
            return named
        wanted = named.connector if named is not None else connector
        own = [
            c
            for c in self.connections.values()
            if c.owner_id == invoker.id and c.connector == wanted
        ]
        return own[-1] if own else named

    def _run(self, at: datetime, f: Flow, invoker: User | None) -> bool | None:
        """One run touching every connection the flow uses; None = not runnable yet."""
        conns = self._run_connections(f, invoker)
        if conns is None:
            return None
        st = self.flows[f.name.lower()]
        st.runs += 1
        failure: tuple[ConnectionState, Failure] | None = None
        for conn in conns:
            fail = self._touch(at, conn)
            if fail is not None and failure is None:
                failure = (conn, fail)
        if failure is None:
            st.failing_since = None
            return True
        conn, fail = failure
        st.failed_runs += 1
        st.first_failure_at = st.first_failure_at or at
        st.failing_since = st.failing_since or at
        self._connection_event(at, "runFailed", conn, fail, flow=f.name)
        if at - st.failing_since >= TURN_OFF_AFTER:
            self.events.append(self._turn_off(at, f, conn, fail))
        return False

    def _turn_off(self, at: datetime, f: Flow, conn: ConnectionState, fail: Failure) -> Event:
        """docs/sources.md PA-2.5: failing continuously for 14 days -> turned off (A-SIM-5); the
        flowTurnedOff event (about the run's failure)."""
        st = self.flows[f.name.lower()]
        st.state, st.suspension_reason, st.turned_off_at = "Stopped", _TURN_OFF_REASON, at
        if f.name.lower() in self._component:
            self._turned_off[id(self._component[f.name.lower()])] += 1
        return self._event(
            at,
            "flowTurnedOff",
            failure=fail,
            connection=conn.id,
            flow=f.name,
            user=f.owner_id if f.owner_id is not None else conn.owner_id,
            message=_TURN_OFF_MSG,
        )

    def _connection_event(
        self,
        at: datetime,
        kind: str,
        conn: ConnectionState,
        fail: Failure,
        *,
        flow: str | None = None,
        user: str | None = None,
        message: str | None = None,
    ) -> None:
        """An event about ``conn`` failing with ``fail`` (user: the connection owner by default)."""
        owner = user if user is not None else conn.owner_id
        self._emit(
            at, kind, failure=fail, connection=conn.id, flow=flow, user=owner, message=message
        )

    def _run_sees(
        self, at: datetime, conn: ConnectionState, fail: Failure | None
    ) -> Failure | None:
        """What a run sees of a connection failure. A-SIM-1 (docs/sources.md PA-1.5): Dataverse
        actions in the current environment "keep running even if the connection expires, as
        long as the user is still enabled" - so a disabled owner fails them (AADSTS50057)."""
        if (
            fail is None
            or not self.options.dataverse_current_environment
            or conn.connector not in DATAVERSE_CONNECTORS
        ):
            return fail
        if fail.cause == "userDisabled":
            return fail
        return _USER_DISABLED if self._owner_disabled(conn, at) else None

    def _owner_disabled(self, conn: ConnectionState, at: datetime) -> bool:
        owner = self.tenant.directory.user(conn.owner_id) if conn.owner_id else None
        if owner is not None and not owner.account_enabled:
            return True
        revs = self._user_state(conn.owner_id or "").revocations
        return any(r.cause == "userDisabled" and r.at <= at for r in revs)

    def _touch(self, at: datetime, conn: ConnectionState) -> Failure | None:
        """Use a connection at ``at``: the run's view (Failure) after updating the connection."""
        if conn.status == "Error" and self.options.sticky_errors:
            return self._run_sees(at, conn, conn.failure)
        if conn.token is None:
            return None  # non-Entra connector: CA cannot break it (docs/sources.md PA-1.4)
        result = self._use(conn.token, conn.owner_id, at)
        if isinstance(result, RefreshToken):
            self._record_doubt(at, conn)
            conn.token = result
            return None
        conn.status, conn.failure, conn.broken_at = "Error", result, at
        message = admin_status(conn, result)["error"]["message"]
        self._connection_event(at, "connectionBroken", conn, result, message=message)
        return self._run_sees(at, conn, result)

    # -- actions --------------------------------------------------------------------------
    def _claims(self, spec: SignInSpec, at: datetime) -> Claims:
        us = self._user_state(spec.user.id)
        return Claims(
            user=spec.user,
            auth_time=at,
            mfa=spec.mfa,
            mfa_time=at if spec.mfa else None,
            auth_methods=spec.auth_methods,
            device=spec.device,
            ip=spec.ip,
            country=spec.country,
            platform=spec.platform,
            client_app=spec.client_app,
            acceptances=tuple(us.acceptances),
        )

    def _remember(self, claims: Claims) -> None:
        us = self._user_state(claims.user.id)
        us.acceptances = list(claims.acceptances)

    def _interactive(
        self,
        user: User,
        spec: SignInSpec | None,
        app: str,
        at: datetime,
        *,
        accept_terms: bool = True,
    ) -> InteractiveResult:
        """An interactive token request of ``user`` for ``app`` at ``at`` (creation, repair):
        the event's inline sign-in, else the user's current portal session, else a bare
        single-factor sign-in. The user's recorded ToU acceptances always count: they are
        directory facts, not session state (docs/sources.md TS-5.2)."""
        failed_portal: Failure | None = None
        if spec is not None:
            claims = self._claims(spec, at)
        else:
            us = self._user_state(user.id)
            session = us.session
            if session is None and us.failed_sign_in is not None:
                # The portal sign-in did not meet the policies: there is no session to create
                # the connection from (seed effect 3, "can't create a connection directly").
                claims, failed_portal = us.failed_sign_in
                claims = claims.evolve(acceptances=tuple(us.acceptances))
            else:
                claims = (
                    Claims(user=user, auth_time=at)
                    if session is None
                    else session.evolve(acceptances=tuple(us.acceptances))
                )
        res = sign_in(
            self.tenant,
            claims,
            app,
            APPS.get(app, app),
            at,
            accept_terms=accept_terms,
            revocations=tuple(self._user_state(user.id).revocations),
        )
        self._remember(res.claims)
        if res.failure is None and failed_portal is not None:
            # The service's own policies would allow it, but the user never got into the portal.
            return InteractiveResult(res.claims, res.evaluation, failed_portal)
        return res

    def _report(
        self,
        at: datetime,
        kind: str,
        fail: Failure | None,
        *,
        user: str | None,
        flow: str | None = None,
        **fields: str,
    ) -> None:
        """Emit a surface event ``kind`` when ``fail`` is set; its message is the kind's
        template (``_SURFACE_MESSAGES``) filled with ``fields`` and the failure's AADSTS text."""
        if fail is None:
            return
        template = _SURFACE_MESSAGES.get(kind)
        message = template.format(reason=fail.message, **fields) if template else None
        self._emit(at, kind, failure=fail, flow=flow, user=user, message=message)

    def _apply(self, a: Action) -> None:
        if "tenant" in a.args:
            self.tenant = a.args["tenant"]
            self._keep.append(self.tenant)  # keep alive: the evaluation cache keys on id()
            return
        handler = self._HANDLERS.get(a.kind)
        if handler is not None:  # "idle" (and actions that only change the tenant) do nothing
            handler(self, a.at, a.args)

    # One handler per scenario action (docs/scenario-format.md); each gets (at, args).
    def _on_sign_in(self, at: datetime, args: Mapping[str, Any]) -> None:
        spec: SignInSpec = args["signIn"]
        res = sign_in(
            self.tenant,
            self._claims(spec, at),
            spec.app_id,
            APPS.get(spec.app_id, spec.app_id),
            at,
            accept_terms=spec.accept_terms,
            revocations=tuple(self._user_state(spec.user.id).revocations),
        )
        self._remember(res.claims)
        us = self._user_state(spec.user.id)
        if res.failure is not None:
            self._emit(at, "signInFailed", failure=res.failure, user=spec.user.id)
            us.session, us.failed_sign_in = None, (res.claims, res.failure)
        else:
            us.session, us.failed_sign_in = res.claims, None

    def _on_accept_agreement(self, at: datetime, args: Mapping[str, Any]) -> None:
        dev = args.get("device")
        us = self._user_state(args["user"].id)
        us.acceptances.append(
            Acceptance(args["agreement"], at, str(dev.get("deviceId")) if dev else None)
        )
        if us.session is not None:
            us.session = us.session.evolve(acceptances=tuple(us.acceptances))

    def _on_run_flow(self, at: datetime, args: Mapping[str, Any]) -> None:
        f: Flow = args["flow"]
        if self.flows[f.name.lower()].state == "Started":
            self._run(at, f, args.get("invoker"))

    def _on_revocation(self, at: datetime, args: Mapping[str, Any], cause: str) -> None:
        """Password reset / disable / revoke sessions (docs/sources.md TS-3.1 to TS-3.2): the user's portal
        session ends; connections fail at their next refresh (50173 / 50057)."""
        us = self._user_state(args["user"].id)
        us.revocations.append(Revocation(at, cause))
        us.session = None

    def _on_open_embedded(self, at: datetime, args: Mapping[str, Any]) -> None:
        fail = embedded_exchange(self.tenant, self._session(args["user"]), args["host"], at)
        self._report(at, "embeddedFailed", fail, flow=args["flow"].name, user=args["user"].id)

    def _on_use_picker(self, at: datetime, args: Mapping[str, Any]) -> None:
        fail = picker(self.tenant, self._session(args["user"]), at)
        self._report(at, "pickerDegraded", fail, user=args["user"].id, picker=args["kind"])

    def _on_share_flow_with_list(self, at: datetime, args: Mapping[str, Any]) -> None:
        f: Flow = args["flow"]
        owner = self.tenant.directory.user(f.owner_id) if f.owner_id else None
        if owner is None:
            return
        claims = self._user_state(owner.id).session or minimal_claims(
            self.tenant, self.tenant, owner, "", at
        )
        fail = list_sharing(self.tenant, claims, at)
        # Seed effect 6: both symptoms come from the same cause.
        for kind in ("listShownAsId", "flowNotDiscoverable"):
            self._report(at, kind, fail, flow=f.name, user=owner.id, list=str(args["list"]))

    def _on_create_sharepoint_flow(self, at: datetime, args: Mapping[str, Any]) -> None:
        fail = sharepoint_flow(
            self.tenant, self._session(args["user"]), egress_address(self.tenant), at
        )
        self._report(
            at, "sharePointFlowBlocked", fail, user=args["user"].id, template=args["template"]
        )

    def _session(self, user: User) -> Claims:
        us = self._user_state(user.id)
        if us.session is None:  # signed out by a revocation: treat as a bare single-factor sign-in
            return Claims(user=user, auth_time=self.start)
        return us.session

    def _on_create_connection(self, at: datetime, args: Mapping[str, Any]) -> None:
        user: User = args["user"]
        cid, connector = str(args["id"]), args["connector"]
        app = resource_for(connector)
        st = ConnectionState(cid, connector, user.id)
        if app is None:
            self.connections[cid.lower()] = st
            return
        # Automatic/template creation reuses the portal token silently: nothing can be accepted.
        res = self._interactive(
            user, args.get("signIn"), app, at, accept_terms=args["via"] != "template"
        )
        if res.failure is not None:
            how = {
                "template": "Automatic connection creation (1-click template)",
                "portal": "Connection creation",
                "powerapps": "Connection creation in Power Apps",
                "flow": "Connection creation in the flow designer",
            }
            self._emit(
                at,
                "connectionCreateFailed",
                failure=res.failure,
                connection=cid,
                user=user.id,
                message=f"{how[args['via']]} failed for {service_name(connector)}: {res.failure.message}",
            )
            return
        st.token = issue(app, APPS.get(app, app), res.claims, at, self.tenant)
        self.connections[cid.lower()] = st

    def _on_repair_connection(self, at: datetime, args: Mapping[str, Any]) -> None:
        conn = self._conn(str(args["id"]))
        if conn is None:
            return  # its creation failed: nothing to repair
        owner = self.tenant.directory.user(conn.owner_id or "")
        app = resource_for(conn.connector)
        if owner is None or app is None:
            return
        res = self._interactive(owner, args.get("signIn"), app, at)
        if res.failure is not None or self._owner_disabled(conn, at):
            fail = res.failure or _USER_DISABLED
            self._emit(
                at,
                "signInFailed",
                failure=fail,
                connection=conn.id,
                user=owner.id,
                message=f"Repair of {conn.id} failed: {fail.message}",
            )
            return
        conn.token = issue(app, APPS.get(app, app), res.claims, at, self.tenant)
        was_error = conn.status == "Error"
        conn.status, conn.failure, conn.broken_at = "Connected", None, None
        self._emit(
            at,
            "connectionRepaired",
            connection=conn.id,
            user=owner.id,
            message="Connection repaired after an interactive sign-in meeting the policies."
            if was_error
            else "Connection re-authorized.",
        )

    _HANDLERS: ClassVar[Mapping[str, Callable[[Simulator, datetime, Mapping[str, Any]], None]]] = {
        "signIn": _on_sign_in,
        "createConnection": _on_create_connection,
        "repairConnection": _on_repair_connection,
        "acceptAgreement": _on_accept_agreement,
        "runFlow": _on_run_flow,
        # Revocation causes (docs/sources.md TS-3.1, cause names of docs/output.md).
        "resetPassword": partial(_on_revocation, cause="passwordChanged"),
        "disableUser": partial(_on_revocation, cause="userDisabled"),
        "revokeSessions": partial(_on_revocation, cause="sessionsRevoked"),
        "openEmbedded": _on_open_embedded,
        "usePicker": _on_use_picker,
        "shareFlowWithList": _on_share_flow_with_list,
        "createSharePointFlow": _on_create_sharepoint_flow,
    }


def _components(flow_defs: Mapping[str, Flow]) -> dict[str, list[str]]:
    """Flow key -> the flows connected to it through shared connections (one list object per
    group, shared by its members)."""
    parent = {k: k for k in flow_defs}

    def root(k: str) -> str:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    owner: dict[str, str] = {}
    for k, f in flow_defs.items():
        for r in f.connections:
            other = owner.setdefault(r.connection.lower(), k)
            parent[root(k)] = root(other)
    groups: dict[str, list[str]] = {}
    for k in flow_defs:
        groups.setdefault(root(k), []).append(k)
    return {k: groups[root(k)] for k in flow_defs}
