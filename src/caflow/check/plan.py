"""``check``: the impact difference between a baseline and a proposed tenant, as a plan.

Both tenants are simulated over the same horizon; the proposed run replays each connection with
the claims that satisfied the *baseline* (``claims_tenant=baseline``), so a policy that demands
more breaks it (seed: "If you enable a Conditional Access policy after you create flows and
connections, the flows fail on future runs"). Text is rendered from ``to_json()``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Set
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from caflow.advise import AdviseResult, Finding, Status, run_advise
from caflow.advise.context import Context, Probe
from caflow.advise.hosts import EMBEDDING_HOSTS, app_name
from caflow.automation.verdicts import (
    connection_when,
    flow_impact,
    started_flows_by_connection,
    unpulled_impact,
    unread_impact,
    when_phrase,
)
from caflow.check.policydiff import PolicyChange, diff_policies
from caflow.check.probe import ProbeCache, probe_connections
from caflow.errors import enum_token
from caflow.io.bundle import load_warnings
from caflow.model import Tenant
from caflow.model.policy import PolicyState
from caflow.model.pulled import unread_flows
from caflow.model.wellknown import EXCHANGE, FLOW_SERVICE

__all__ = [
    "CheckResult",
    "SimulateFn",
    "distinct_blocked_users",
    "impact_line",
    "run_check",
]

SCHEMA_VERSION = 1
SimulateFn = Callable[..., Any]  # simulate_tenant(tenant, start, end, *, claims_tenant=None)
#: A user who does everything right: MFA, managed device, terms accepted, from a normal network.
WELL_BEHAVED = Probe(where="untrusted", mfa=True, managed=True, accept_terms=True)
ACCESS_APPS = (FLOW_SERVICE, *EMBEDDING_HOSTS, EXCHANGE)
_LEGEND = {
    "+": "create",
    "-": "destroy",
    "~": "update in-place",
    "!": "breaks",
    "?": "undetermined",
    "✓": "resolved",
}


def _iso(d: datetime) -> str:
    return d.isoformat().replace("+00:00", "Z")


@dataclass
class CheckResult:
    start: datetime
    end: datetime
    policy_changes: tuple[PolicyChange, ...]
    broken_connections: list[dict[str, Any]] = field(default_factory=list)
    repaired_connections: list[dict[str, Any]] = field(default_factory=list)
    failing_flows: list[dict[str, Any]] = field(default_factory=list)
    blocked_users: list[dict[str, Any]] = field(default_factory=list)
    new_findings: list[Finding] = field(default_factory=list)
    resolved_findings: list[Finding] = field(default_factory=list)
    proposed_advice: AdviseResult | None = None
    #: Connections and flows that could not be evaluated: ``{kind, id, reason}``.
    undetermined_items: list[dict[str, Any]] = field(default_factory=list)
    #: Policy id -> display name in the baseline and the proposal (the proposal's name wins):
    #: the JSON's ``policies[]``, so a report can name policies the change leaves as they are.
    policy_names: dict[str, str] = field(default_factory=dict)
    #: Load warnings of both bundles (caflow.io.bundle.load_warnings): what loading made
    #: undetermined, in every output format (issue 13).
    warnings: list[str] = field(default_factory=list)

    def undetermined_list(self) -> list[dict[str, Any]]:
        """Every undetermined item: connections, flows, then new UNDETERMINED findings."""
        return [
            *self.undetermined_items,
            *(
                {"kind": "finding", "id": f.rule_id, "reason": f.reason}
                for f in self.new_findings
                if f.status == Status.UNDETERMINED
            ),
        ]

    @property
    def undetermined(self) -> int:
        return len(self.undetermined_list())

    def distinct_users(self) -> list[dict[str, Any]]:
        """The JSON's ``blockedUsers[]``: one entry per distinct blocked user."""
        return distinct_blocked_users(self.blocked_users)

    @property
    def breaks(self) -> bool:
        return bool(self.broken_connections or self.failing_flows or self.blocked_users)

    def impact_line(self) -> str:
        return impact_line(
            len(self.broken_connections),
            len(self.failing_flows),
            len(self.distinct_users()),
            self.undetermined,
        )

    def advise_result(self) -> AdviseResult:
        """The proposed tenant's new findings (SARIF output of ``check``)."""
        assert self.proposed_advice is not None
        a = self.proposed_advice
        return AdviseResult(a.tenant_id, a.tenant_name, a.now, a.rules, tuple(self.new_findings))

    def to_json(self, *, lazy: bool = False) -> dict[str, Any]:
        """``lazy``: findings as iterators, each made when written (report.json.chunks)."""
        new: Iterable[Any] = (f.to_json() for f in self.new_findings)
        resolved: Iterable[Any] = (f.to_json() for f in self.resolved_findings)
        users = self.distinct_users()
        return {
            "schemaVersion": SCHEMA_VERSION,
            "tool": "caflow check",
            "start": _iso(self.start),
            "end": _iso(self.end),
            "breaks": self.breaks,
            "policyChanges": [c.to_json() for c in self.policy_changes],
            "connectionsBreaking": self.broken_connections,
            "connectionsResolved": self.repaired_connections,
            "flowsFailing": self.failing_flows,
            # v1 contract: one entry per user x app pair (docs/output.md). userAppsBlocked is
            # the same list under the name one interim build used; blockedUsers the distinct users.
            "usersBlocked": self.blocked_users,
            "userAppsBlocked": self.blocked_users,
            "blockedUsers": users,
            "newFindings": new if lazy else list(new),
            "resolvedFindings": resolved if lazy else list(resolved),
            "undetermined": self.undetermined_list(),
            "warnings": list(self.warnings),
            "summary": {
                "connectionsBreak": len(self.broken_connections),
                "flowsFail": len(self.failing_flows),
                "usersBlocked": len(self.blocked_users),
                "userAppsBlocked": len(self.blocked_users),
                "blockedUsers": len(users),
                "undetermined": self.undetermined,
            },
            "impactLine": self.impact_line(),
            "policies": [{"id": k, "displayName": v} for k, v in self.policy_names.items()],
        }

    def plan_text(self) -> str:
        data = self.to_json()
        body: list[str] = []
        used: set[str] = set()
        for c in self.policy_changes:
            used.add(c.symbol)
            body.append(c.headline)
            if c.action == "destroy":
                body.append(f'  - policy "{c.display_name}"')
            for f in c.fields:
                sym = "+" if c.action == "create" else "~"
                used.add(sym)
                if c.action == "create":
                    body.append(f"  + {f.path} = {_fmt(f.new)}")
                else:
                    body.append(f"  ~ {f.path} = {_fmt(f.old)} -> {_fmt(f.new)}")
            body.append("")
        impact: list[str] = []
        for c in data["connectionsBreaking"]:
            used.add("!")
            impact.append(
                f"! connection {c['id']} breaks "
                f"{c['at'] or when_phrase(c.get('when') or '(date unknown)')} "
                f"({c['errorCode'] or 'no code'}, {c['cause'] or 'unknown cause'})"
            )
        for f in data["flowsFailing"]:
            used.add("!")
            if f["firstFailureAt"] or not f.get("when"):
                when = f["firstFailureAt"] or "(date unknown)"
                impact.append(f"! flow {f['id']} fails from {when} ({f['failedRuns']} failed runs)")
            else:
                impact.append(
                    f"! flow {f['id']} fails {when_phrase(f['when'])} "
                    f"(connection {f['connection']}, {f['errorCode'] or 'no code'})"
                )
        for u in data["usersBlocked"]:
            used.add("!")
            impact.append(f"! user {u['user']} loses access to {u['appName']} ({u['errorCode']})")
        for c in data["connectionsResolved"]:
            used.add("✓")
            impact.append(f"✓ connection {c['id']} no longer breaks")
        for nf in self.new_findings:
            sym = "?" if nf.status == Status.UNDETERMINED else "!"
            used.add(sym)
            extra = f" (undetermined: {nf.reason})" if nf.status == Status.UNDETERMINED else ""
            impact.append(f"{sym} new finding [{nf.severity}] {nf.rule_id}: {nf.message}{extra}")
        for rf in self.resolved_findings:
            used.add("✓")
            impact.append(f"✓ resolved finding {rf.rule_id}: {rf.message}")
        for u in self.undetermined_items:
            used.add("?")
            impact.append(f"? {u['kind']} {u['id']} undetermined: {u['reason']}")
        if not body and not impact:
            return (
                "No impact.\nThe proposed policies break no connection, flow or user sign-in over "
                f"{_iso(self.start)} .. {_iso(self.end)} and add no advisor finding.\n"
                + self.impact_line()
            )
        legend = [
            "caflow check compares baseline and proposed over "
            f"{_iso(self.start)} .. {_iso(self.end)}.",
            "Symbols:",
        ]
        legend += [f"  {s} {_LEGEND[s]}" for s in _LEGEND if s in used]
        out = [*legend, "", *body]
        if impact:
            out += ["Impact:", *[f"  {line}" for line in impact], ""]
        out.append(self.impact_line())
        return "\n".join(out)


def impact_line(connections: int, flows: int, users: int, undetermined: int) -> str:
    """check's one-line verdict; ``users`` counts distinct users, never user x app pairs.
    Shared with the report, which re-states it for results written by earlier builds."""
    return (
        f"Impact: {connections} connections break, {flows} flows fail, {users} users blocked, "
        f"{undetermined} undetermined."
    )


def distinct_blocked_users(pairs: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """``{user, apps, errorCodes, policies}`` per distinct user of user x app pairs
    ``{user, appName, errorCode, policies}`` (``usersBlocked[]``), in first-seen order: what
    "N users blocked" counts, so 14 users locked out of 6 apps read 14, not 84. Shared with
    the report, which reads stored results that carry only the pairs."""
    users: dict[str, dict[str, Any]] = {}
    for u in pairs:
        entry = users.setdefault(
            u["user"], {"user": u["user"], "apps": [], "errorCodes": [], "policies": []}
        )
        for key, value in (("apps", u.get("appName")), ("errorCodes", u.get("errorCode"))):
            if value and value not in entry[key]:
                entry[key].append(value)
        entry["policies"] += [p for p in u.get("policies") or [] if p not in entry["policies"]]
    return list(users.values())


def _fmt(value: Any) -> str:
    return "null" if value is None else (f'"{value}"' if isinstance(value, str) else str(value))


def _summary(sim: Any) -> dict[str, Any]:
    """What the diff reads of a simulation: connections, flows and the connectionBroken events
    (the other events are never read, so they are not turned into JSON)."""
    from caflow.simulate import SimulationResult

    if not isinstance(sim, SimulationResult):
        return dict(sim.to_json())
    return {
        "events": [e.to_json() for e in sim.events if e.kind == "connectionBroken"],
        "connections": [c.to_json() for c in sim.connections],
        "flows": [f.to_json() for f in sim.flows],
    }


def _broken(sim: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        c["id"]: c
        for c in sim.get("connections", [])
        if c.get("brokenAt") or c.get("status") not in (None, "Connected")
    }


def _failing(sim: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        f["id"]: f
        for f in sim.get("flows", [])
        if (f.get("failedRuns") or 0) > 0 or f.get("turnedOffAt")
    }


def _blocked_users(
    base_ctx: Context, prop_ctx: Context
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(users blocked, undetermined items). Without directory users the probes stand for each
    policy's scope: they are nobody, so a scope that would lose access is undetermined (who and
    how many is not in the bundle), never a counted user."""
    out: list[dict[str, Any]] = []
    scopes: dict[str, dict[str, Any]] = {}
    doubts: dict[str, dict[str, Any]] = {}
    for user in base_ctx.users:
        for app in ACCESS_APPS:
            before = base_ctx.evaluate(base_ctx.variants[0], user, app, WELL_BEHAVED)
            after = prop_ctx.evaluate(prop_ctx.variants[0], user, app, WELL_BEHAVED)
            if after.decision != "block" or before.decision == "block":
                continue
            if before.undetermined and not base_ctx.synthetic_users:
                # A baseline policy undetermined for this user may block already: that the
                # change blocks them is not known (issue 13), so not counted as blocked.
                doubts.setdefault(user.label(), {})[app_name(app)] = before.undetermined
                continue
            if base_ctx.synthetic_users:
                names = [
                    f"'{p.display_name}'" if (p := prop_ctx.tenant.policy(pid)) else pid
                    for pid in after.responsible_policies
                ]
                scope = "in scope of policy " + ", ".join(names or ["(none named)"])
                item = scopes.setdefault(scope, {"apps": [], "codes": []})
                item["apps"].append(app_name(app))
                item["codes"].append(after.error_code or "no code")
                continue
            out.append(
                {
                    "user": user.label(),
                    "app": app,
                    "appName": app_name(app),
                    "errorCode": after.error_code,
                    "policies": list(after.responsible_policies),
                }
            )
    undetermined = [
        {
            "kind": "users",
            "id": scope,
            "reason": f"would lose access to {', '.join(dict.fromkeys(v['apps']))} "
            f"({', '.join(dict.fromkeys(v['codes']))}); the bundle has no directory users, "
            "so who is blocked is unknown",
        }
        for scope, v in scopes.items()
    ]
    for label, apps in doubts.items():
        held = dict.fromkeys(
            f"'{r.policy.display_name}'" for results in apps.values() for r in results
        )
        undetermined.append(
            {
                "kind": "user",
                "id": label,
                "reason": f"would lose access to {', '.join(apps)} under the proposed policies, "
                f"but baseline policy {', '.join(held)} is undetermined for this user and may "
                "block already",
            }
        )
    return out, undetermined


def _add_unsimulated(
    result: CheckResult,
    baseline: Tenant,
    proposed: Tenant,
    base_broken: Mapping[str, Any],
    dated_flows: Set[str],
    cache: ProbeCache | None,
) -> None:
    """Connections whose next refresh fails though no scheduled run touched them ("at next
    use"), flows the simulation cannot time, and everything that could not be evaluated."""
    changed = {c.policy_id.lower() for c in result.policy_changes if c.action != "destroy"}
    for p in proposed.policies:
        if p.id.lower() in changed and p.state not in PolicyState.KNOWN:
            result.undetermined_items.append(
                {
                    "kind": "policy",
                    "id": p.id,
                    "reason": f"unknown state {enum_token(p.state)} in {p.source} at "
                    f"{p.source_path.rstrip('/')}/state: neither enabled, disabled nor "
                    "report-only, so whether it is enforced is unknown",
                }
            )
    verdicts = {
        v.name.lower(): v
        for v in probe_connections(baseline, proposed, result.start, changed, cache=cache)
    }
    # A dated break the baseline may already cause (an enforced baseline policy undetermined
    # for the owner) is not known to be this change's doing: undetermined, naming the policy.
    doubted = [
        c
        for c in result.broken_connections
        if (v := verdicts.get(c["id"].lower())) is not None and v.baseline_doubt
    ]
    for c in doubted:
        result.broken_connections.remove(c)
    if doubted:
        still = {c["id"].lower() for c in result.broken_connections}
        gone = {c["id"].lower() for c in doubted}
        uses = {
            f.name.lower(): {r.connection.lower() for r in f.connections} for f in proposed.flows
        }
        for f in list(result.failing_flows):
            mine = uses.get(f["id"].lower(), set())
            if mine & gone and not mine & still:
                result.failing_flows.remove(f)
                result.undetermined_items.append(
                    {
                        "kind": "flow",
                        "id": f["id"],
                        "reason": "uses undetermined connection(s) "
                        + ", ".join(sorted(c["id"] for c in doubted if c["id"].lower() in mine)),
                    }
                )
    dated = {c["id"].lower() for c in result.broken_connections}
    dated |= {cid.lower() for cid in base_broken}
    users_of = started_flows_by_connection(proposed.flows)
    for key, v in sorted(verdicts.items()):
        if v.status == "breaks" and key not in dated and v.failure is not None:
            owner = proposed.directory.user(v.owner_id or "")
            result.broken_connections.append(
                {
                    "id": v.name,
                    "at": None,
                    "when": connection_when(v.name, users_of),
                    "errorCode": v.failure.code,
                    "cause": v.failure.cause,
                    "policies": list(v.failure.policies),
                    "user": owner.label() if owner else v.owner_id,
                }
            )
        elif v.status == "undetermined" and key not in dated:
            result.undetermined_items.append(
                {"kind": "connection", "id": v.name, "reason": v.reason}
            )
    known = {c.name.lower() for c in proposed.connections}
    failing, undetermined = flow_impact(
        proposed.flows, verdicts, dated_flows, known, unread_flows(proposed.not_pulled)
    )
    result.failing_flows.extend(failing)
    result.undetermined_items.extend(undetermined)
    # What caflow pull could not read in either bundle: missing, not "no flows" (pull.json).
    breaking = {c["id"].lower() for c in result.broken_connections}
    result.undetermined_items.extend(
        unpulled_impact(baseline.not_pulled + proposed.not_pulled, proposed.connections, breaking)
    )
    # A file of a policies folder caflow did not read may hold a policy that breaks (or
    # already breaks) anything: counted, never "safe" over it (docs/bundle-format.md).
    result.undetermined_items.extend(unread_impact(baseline, proposed))


def check_window(begin: datetime, horizon: str, *, option: str = "--horizon") -> datetime:
    """The end of the simulated window: ``begin`` + ``horizon`` (an ISO 8601 duration of at
    least a minute, calendar-aware: P1M is a month); over ten years or ending after year 9800
    is a limit error (docs/errors.md limit-exceeded). ``option`` names the field in the error."""
    from datetime import timedelta

    from caflow.errors import InputError, LimitError
    from caflow.model.durations import parse_iso_duration, span_limit

    try:
        span = parse_iso_duration(horizon, minimum=timedelta(minutes=1))
    except ValueError:
        raise InputError(
            "invalid horizon",
            file=option,
            expected="an ISO 8601 duration of at least a minute, such as P90D",
            got=horizon,
        ) from None
    end = span.after(begin)
    problem = span_limit(begin, end)
    if problem is not None:
        raise LimitError(
            f"simulated window {problem}",
            file=option,
            got=horizon,
            hint="the window is the start plus the horizon",
        )
    return end


def run_check(
    baseline: Tenant,
    proposed: Tenant,
    start: datetime,
    end: datetime,
    *,
    simulate: SimulateFn | None = None,
    reference: bool = False,
    progress: Callable[[float], None] | None = None,
    vectorized: bool | None = None,
) -> CheckResult:
    """Diff the impact of ``proposed`` against ``baseline`` over [start, end]; each tenant's
    evaluations are made once and shared by the blocked-users diff and its advise run.
    ``reference`` selects the plain paths the fast ones are tested against; ``vectorized``
    the simulations' numpy lifetime path (``caflow.simulate.Simulator``); ``progress`` gets
    the fraction done after each phase."""
    step = progress or (lambda done: None)
    from caflow.simulate import simulate_tenant

    run = simulate or simulate_tenant
    # One cache for both simulations and the probe (fast path, own simulator only).
    cache = None if reference else ProbeCache()
    kw: dict[str, Any] = {"reference": True} if reference else {}
    if simulate is None and cache is not None:
        kw["cache"] = cache
        kw["vectorized"] = vectorized
    sim_base = _summary(run(baseline, start, end, **kw))
    step(0.3)
    sim_prop = _summary(run(proposed, start, end, claims_tenant=baseline, **kw))
    step(0.6)
    result = CheckResult(start, end, diff_policies(baseline, proposed))
    result.policy_names = {p.id: p.display_name for t in (baseline, proposed) for p in t.policies}
    result.warnings = [
        *load_warnings(baseline),
        *load_warnings(proposed, already=baseline.warnings),
    ]

    base_broken, prop_broken = _broken(sim_base), _broken(sim_prop)
    first_event = {}
    for e in sim_prop.get("events", []):
        if e.get("kind") == "connectionBroken" and e.get("connection") not in first_event:
            first_event[e["connection"]] = e
    users_of = started_flows_by_connection(proposed.flows)
    for cid in sorted(prop_broken.keys() - base_broken.keys()):
        c, e = prop_broken[cid], first_event.get(cid, {})
        at = c.get("brokenAt") or e.get("at")
        result.broken_connections.append(
            {
                "id": cid,
                "at": at,
                "when": at or connection_when(cid, users_of),
                "errorCode": c.get("errorCode") or e.get("errorCode"),
                "cause": e.get("cause"),
                "policies": e.get("policies", []),
                "user": e.get("user"),
            }
        )
    result.repaired_connections = [
        {"id": cid} for cid in sorted(base_broken.keys() - prop_broken.keys())
    ]
    base_fail, prop_fail = _failing(sim_base), _failing(sim_prop)
    for fid in sorted(prop_fail.keys() - base_fail.keys()):
        f = prop_fail[fid]
        result.failing_flows.append(
            {
                "id": fid,
                "failedRuns": f.get("failedRuns", 0),
                "firstFailureAt": f.get("firstFailureAt"),
                "turnedOffAt": f.get("turnedOffAt"),
            }
        )
    _add_unsimulated(
        result,
        baseline,
        proposed,
        base_broken,
        base_fail.keys() | prop_fail.keys(),
        cache,
    )
    base_ctx = Context(baseline, start, reference=reference)
    prop_ctx = Context(proposed, start, reference=reference, like=base_ctx)
    result.blocked_users, blocked_scopes = _blocked_users(base_ctx, prop_ctx)
    result.undetermined_items.extend(blocked_scopes)

    step(0.65)
    base_adv = run_advise(baseline, now=start, context=base_ctx)
    step(0.8)
    prop_adv = run_advise(proposed, now=start, context=prop_ctx)
    step(1.0)
    interesting = {Status.FAIL, Status.UNDETERMINED}
    base_keys = {f.key for f in base_adv.findings if f.status in interesting}
    prop_keys = {f.key for f in prop_adv.findings if f.status in interesting}
    result.new_findings = [
        f for f in prop_adv.findings if f.status in interesting and f.key not in base_keys
    ]
    result.resolved_findings = [
        f for f in base_adv.findings if f.status in interesting and f.key not in prop_keys
    ]
    result.proposed_advice = prop_adv
    return result
