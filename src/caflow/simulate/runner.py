"""The event-driven simulator: scenario actions and flow runs on one heap, ordered by time
(actions before runs at the same instant). Deterministic: ``now`` is always the event time.

Connection health changes only when a token is issued: interactive creation/repair, or a
background refresh when a run needs a new access token (power-automate §8.1).
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

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
from caflow.model.directory import User
from caflow.model.powerplatform import Flow
from caflow.model.tenant import Tenant
from caflow.model.wellknown import APPS
from caflow.simulate.baseline import minimal_claims
from caflow.simulate.result import Event, SimulationResult
from caflow.simulate.scenario import Action, SignInSpec
from caflow.tokens import (
    Acceptance,
    Claims,
    Failure,
    RefreshToken,
    Revocation,
    TokenOptions,
    issue,
    sign_in,
    use,
)
from caflow.tokens.refresh import _egress

__all__ = ["SimOptions", "Simulator"]

_TURN_OFF_AFTER = timedelta(days=14)  # power-automate §2.5: AlwaysFailingDetected


@dataclass(frozen=True, slots=True)
class SimOptions:
    tokens: TokenOptions = TokenOptions()  # noqa: RUF009 - frozen, immutable default
    #: A-SIM-1: Dataverse current-environment exception (power-automate §1.5): runs keep
    #: working on an expired connection while the user stays enabled; the status still shows Error.
    dataverse_current_environment: bool = True
    #: A-SIM-2: a failing polling trigger is retried (and reported) at this interval.
    failed_poll_retry: timedelta = timedelta(days=1)
    #: A-SIM-3: an Error status is sticky until repairConnection (the portal shows "Fix connection").
    sticky_errors: bool = True


@dataclass
class _UserState:
    session: Claims | None = None
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
    ) -> None:
        self.tenant = tenant
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
        self.connector_of: dict[str, str] = {}
        ct = claims_tenant or tenant
        for c in tenant.connections:
            st = ConnectionState(c.name, c.connector, c.owner_id)
            owner = tenant.directory.user(c.owner_id) if c.owner_id else None
            app = resource_for(c.connector)
            if app and owner is not None:
                claims = minimal_claims(tenant, ct, owner, app, start)
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
        self._heap: list[tuple[datetime, int, int, str, Any]] = []
        self._seq = 0
        self._cache: dict[Any, Any] = {}
        self._keep: list[Tenant] = [tenant]

    # -- plumbing -------------------------------------------------------------------------
    def _user_state(self, uid: str) -> _UserState:
        return self.users.setdefault(uid.lower(), _UserState())

    def _push(self, at: datetime, prio: int, kind: str, payload: Any) -> None:
        self._seq += 1
        heapq.heappush(self._heap, (at, prio, self._seq, kind, payload))

    def _label(self, uid: str | None) -> str | None:
        if not uid:
            return None
        u = self.tenant.directory.user(uid)
        return u.user_principal_name if u else uid

    def _emit(
        self,
        at: datetime,
        kind: str,
        *,
        failure: Failure | None = None,
        connection: str | None = None,
        flow: str | None = None,
        user: str | None = None,
        message: str | None = None,
    ) -> None:
        self.events.append(
            Event(
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
        )

    # -- main loop ------------------------------------------------------------------------
    def run(
        self, actions: Iterable[Action] = (), until: datetime | None = None
    ) -> SimulationResult:
        stop = min(self.end, until) if until else self.end
        for a in actions:
            self._push(a.at, 0, "action", a)
        for key, f in self.flow_defs.items():
            if self.flows[key].state == "Started":
                self._schedule_first(f)
        span = max((stop - self.start).total_seconds(), 1.0)
        while self._heap and self._heap[0][0] <= stop:
            at, _, _, kind, payload = heapq.heappop(self._heap)
            if kind == "action":
                self._apply(payload)
            elif kind == "run":
                self._scheduled_run(at, payload)
            if self.progress:
                self.progress((at - self.start).total_seconds() / span)
        return SimulationResult(
            self.start,
            stop,
            self.events,
            list(self.connections.values()),
            list(self.flows.values()),
        )

    # -- flows ----------------------------------------------------------------------------
    def _schedule_first(self, f: Flow) -> None:
        t = f.trigger
        if t.kind not in ("schedule", "sharePoint") or not t.period:
            return
        first = t.start or self.start
        if first < self.start:
            k = -(-(self.start - first) // t.period)
            first = first + k * t.period
        self._push(first, 1, "run", f.name.lower())

    def _next_grid(self, f: Flow, after: datetime) -> datetime:
        t = f.trigger
        assert t.period
        origin = t.start or self.start
        k = -(-(after - origin) // t.period)
        return origin + max(k, 0) * t.period

    def _scheduled_run(self, at: datetime, key: str) -> None:
        f = self.flow_defs[key]
        st = self.flows[key]
        if st.state != "Started":
            return
        ok = self._run(at, f, None)
        t = f.trigger
        assert t.period
        if t.kind == "sharePoint":
            # Polls between access-token refreshes change nothing (cached token): jump to the
            # first poll after the trigger connection's access token expires.
            nxt = at + (t.period if ok else self.options.failed_poll_retry)
            if ok:
                trig = self._conn(f.connections[0].connection) if f.connections else None
                if trig is not None and trig.token is not None:
                    nxt = max(nxt, trig.token.access_expires)
            nxt = self._next_grid(f, nxt)
        else:
            nxt = at + t.period
        self._push(nxt, 1, "run", key)

    def _conn(self, cid: str) -> ConnectionState | None:
        return self.connections.get(cid.lower())

    def _run(self, at: datetime, f: Flow, invoker: User | None) -> bool | None:
        """One run touching every connection the flow uses; None = not runnable yet."""
        st = self.flows[f.name.lower()]
        conns: list[ConnectionState] = []
        for ref in f.connections:
            conn = self._conn(ref.connection)
            if ref.source.lower() == "invoker" and invoker is not None:
                own = next(
                    (
                        c
                        for c in self.connections.values()
                        if c.owner_id == invoker.id
                        and c.connector == (conn.connector if conn else ref.connector)
                    ),
                    None,
                )
                conn = own or conn
            if conn is None:
                return None  # connection not created yet: the flow cannot be activated
            conns.append(conn)
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
        self._emit(
            at, "runFailed", failure=fail, connection=conn.id, flow=f.name, user=conn.owner_id
        )
        if at - st.failing_since >= _TURN_OFF_AFTER:
            st.state, st.suspension_reason, st.turned_off_at = (
                "Stopped",
                "AlwaysFailingDetected",
                at,
            )
            self._emit(
                at,
                "flowTurnedOff",
                failure=fail,
                connection=conn.id,
                flow=f.name,
                user=f.owner_id,
                message="Flow turned off after 14 days of continuous failures (AlwaysFailingDetected).",
            )
        return False

    def _touch(self, at: datetime, conn: ConnectionState) -> Failure | None:
        """Use a connection at ``at``: the run's view (Failure) after updating the connection."""
        dataverse = (
            self.options.dataverse_current_environment and conn.connector in DATAVERSE_CONNECTORS
        )
        if conn.status == "Error" and self.options.sticky_errors:
            return (
                None
                if dataverse and conn.failure and conn.failure.cause != "userDisabled"
                else conn.failure
            )
        if conn.token is None:
            return None  # non-Entra connector: CA cannot break it (power-automate §1.4)
        revs = tuple(self._user_state(conn.owner_id or "").revocations)
        result = use(
            self.tenant,
            conn.token,
            at,
            revocations=revs,
            options=self.options.tokens,
            cache=self._cache,
        )
        if isinstance(result, RefreshToken):
            conn.token = result
            return None
        conn.status, conn.failure, conn.broken_at = "Error", result, at
        from caflow.automation.state import admin_status

        self._emit(
            at,
            "connectionBroken",
            failure=result,
            connection=conn.id,
            user=conn.owner_id,
            message=admin_status(conn, result)["error"]["message"],
        )
        if dataverse and result.cause != "userDisabled":
            return None
        return result

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

    def _apply(self, a: Action) -> None:
        at, k, args = a.at, a.kind, a.args
        if "tenant" in args:
            self.tenant = args["tenant"]
            self._keep.append(self.tenant)  # keep alive: the evaluation cache keys on id()
            return
        if k == "signIn":
            spec: SignInSpec = args["signIn"]
            res = sign_in(
                self.tenant,
                self._claims(spec, at),
                spec.app_id,
                APPS.get(spec.app_id, spec.app_id),
                at,
                accept_terms=spec.accept_terms,
            )
            self._remember(res.claims)
            if res.failure is not None:
                self._emit(at, "signInFailed", failure=res.failure, user=spec.user.id)
            else:
                self._user_state(spec.user.id).session = res.claims
        elif k == "createConnection":
            self._create(a)
        elif k == "repairConnection":
            self._repair(a)
        elif k == "acceptAgreement":
            u: User = args["user"]
            dev = args.get("device")
            us = self._user_state(u.id)
            us.acceptances.append(
                Acceptance(args["agreement"], at, str(dev.get("deviceId")) if dev else None)
            )
            if us.session is not None:
                us.session = us.session.evolve(acceptances=tuple(us.acceptances))
        elif k == "runFlow":
            f: Flow = args["flow"]
            if self.flows[f.name.lower()].state == "Started":
                self._run(at, f, args.get("invoker"))
        elif k in ("resetPassword", "disableUser", "revokeSessions"):
            cause = {
                "resetPassword": "passwordChanged",
                "disableUser": "userDisabled",
                "revokeSessions": "sessionsRevoked",
            }[k]
            us = self._user_state(args["user"].id)
            us.revocations.append(Revocation(at, cause))
            us.session = None
        elif k == "openEmbedded":
            claims = self._session(args["user"])
            fail = embedded_exchange(self.tenant, claims, args["host"], at)
            if fail is not None:
                self._emit(
                    at, "embeddedFailed", failure=fail, flow=args["flow"].name, user=args["user"].id
                )
        elif k == "usePicker":
            fail = picker(self.tenant, self._session(args["user"]), at)
            if fail is not None:
                self._emit(
                    at,
                    "pickerDegraded",
                    failure=fail,
                    user=args["user"].id,
                    message=f"People/email picker ({args['kind']}): Office 365 groups are not returned. {fail.message}",
                )
        elif k == "shareFlowWithList":
            f = args["flow"]
            owner = self.tenant.directory.user(f.owner_id) if f.owner_id else None
            if owner is not None:
                claims = self._user_state(owner.id).session or minimal_claims(
                    self.tenant, self.tenant, owner, "", at
                )
                fail = list_sharing(self.tenant, claims, at)
                if fail is not None:
                    self._emit(
                        at,
                        "listShownAsId",
                        failure=fail,
                        flow=f.name,
                        user=owner.id,
                        message=f"List shown as its id {args['list']}, not its display name: {fail.message}.",
                    )
                    self._emit(
                        at,
                        "flowNotDiscoverable",
                        failure=fail,
                        flow=f.name,
                        user=owner.id,
                        message=f"Users may be unable to discover or run the flow from SharePoint: {fail.message}.",
                    )
        elif k == "createSharePointFlow":
            fail = sharepoint_flow(
                self.tenant, self._session(args["user"]), _egress(self.tenant), at
            )
            if fail is not None:
                self._emit(
                    at,
                    "sharePointFlowBlocked",
                    failure=fail,
                    user=args["user"].id,
                    message=f"SharePoint out-of-box flow '{args['template']}' blocked: {fail.message}",
                )

    def _session(self, user: User) -> Claims:
        us = self._user_state(user.id)
        if us.session is None:  # signed out by a revocation: treat as a bare single-factor sign-in
            return Claims(user=user, auth_time=self.start)
        return us.session

    def _create(self, a: Action) -> None:
        at, args = a.at, a.args
        user: User = args["user"]
        cid, connector = str(args["id"]), args["connector"]
        app = resource_for(connector)
        st = ConnectionState(cid, connector, user.id)
        if app is None:
            self.connections[cid.lower()] = st
            return
        spec = args.get("signIn")
        claims = self._claims(spec, at) if spec else self._user_state(user.id).session
        if claims is None:
            claims = Claims(user=user, auth_time=at)
        # Automatic/template creation reuses the portal token silently: nothing can be accepted.
        res = sign_in(
            self.tenant, claims, app, APPS.get(app, app), at, accept_terms=args["via"] != "template"
        )
        self._remember(res.claims)
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

    def _repair(self, a: Action) -> None:
        at, args = a.at, a.args
        conn = self._conn(str(args["id"]))
        if conn is None:
            return  # its creation failed: nothing to repair
        owner = self.tenant.directory.user(conn.owner_id or "")
        app = resource_for(conn.connector)
        if owner is None or app is None:
            return
        spec = args.get("signIn")
        claims = self._claims(spec, at) if spec else self._user_state(owner.id).session
        if claims is None:
            claims = Claims(user=owner, auth_time=at)
        elif spec is None:
            claims = claims.evolve(acceptances=tuple(self._user_state(owner.id).acceptances))
        res = sign_in(self.tenant, claims, app, APPS.get(app, app), at)
        self._remember(res.claims)
        if (
            res.failure is not None
            or not owner.account_enabled
            or any(r.cause == "userDisabled" for r in self._user_state(owner.id).revocations)
        ):
            fail = res.failure or Failure(
                "AADSTS50057", "userDisabled", (), "AADSTS50057: The user account is disabled."
            )
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
