"""Requirement comparison between Microsoft Flow Service and the apps around it.

Seed: "the Conditional Access and MFA requirements must be consistent between the embedding
app and Power Automate. If the requirements differ ... the token exchange fails". For every
representative user and probe, the combined verdict for Flow Service is compared with the
verdict for each other app under the *same* sign-in; the policies that apply to only one side
are the cause.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace

from caflow.advise.context import (
    Context,
    Probe,
    Variant,
    applying,
    policy_evidence,
    policy_finding,
    policy_undetermined,
)
from caflow.advise.hosts import app_name
from caflow.advise.model import Finding
from caflow.advise.severity import Severity
from caflow.automation.connectors import resource_for
from caflow.engine.evaluate import Evaluation
from caflow.model import User
from caflow.model.wellknown import FLOW_SERVICE

__all__ = [
    "AppsForUser",
    "Mismatch",
    "compare_with_flow",
    "find_mismatches",
    "mismatch_findings",
    "requirement_findings",
    "requirement_text",
]

#: The apps to compare with Microsoft Flow Service for one user.
AppsForUser = Callable[[User], Iterable[str]]


@dataclass
class Mismatch:
    policy_id: str
    app_id: str
    on_flow: bool  # True: the policy applies to Flow Service only; False: to the app only
    requirement: str
    report_only: bool
    users: set[str] = field(default_factory=set)
    user_ids: set[str] = field(default_factory=set)
    error_code: str | None = None


def requirement_text(result_grant_result: str, requirement: tuple[str, ...]) -> str:
    if result_grant_result == "blocked":
        return "block"
    return " and ".join(requirement) or result_grant_result


def find_mismatches(
    ctx: Context,
    apps_for_user: AppsForUser,
    probes: Iterable[Probe],
) -> tuple[list[Mismatch], dict[str, str]]:
    """Mismatches keyed by (policy, app, side) and undetermined policies (id -> reason).

    Users of one policy-relevant signature share their evaluations (``Context.evaluate``), so
    what a pair of evaluations contributes is worked out once (keyed by the pair's identity)
    and replayed for each user, in the same order as working it out per user."""
    found: dict[tuple[str, str, bool], Mismatch] = {}
    undetermined: dict[str, str] = {}
    memo: dict[tuple[int, int, bool], _Pair] = {}
    probes = tuple(probes)
    for variant in ctx.variants:
        for user in ctx.users:
            apps = apps_for_user(user)
            for probe in probes:
                ev_flow = ctx.evaluate(variant, user, FLOW_SERVICE, probe)
                for app in apps:
                    ev_app = ctx.evaluate(variant, user, app, probe)
                    mk = (id(ev_flow), id(ev_app), variant.report_only)
                    pair = memo.get(mk)
                    if pair is None:
                        pair = memo[mk] = _compare(ctx, variant, ev_flow, ev_app, app)
                    for pid, detail in pair.undetermined:
                        undetermined.setdefault(pid, detail)
                    for m in pair.mismatches:
                        key = (m.policy_id, m.app_id, m.on_flow)
                        if key not in found:
                            found[key] = replace(m, users=set(), user_ids=set())
                        found[key].users.add(user.label())
                        found[key].user_ids.add(user.id)
    return list(found.values()), undetermined


@dataclass(frozen=True)
class _Pair:
    undetermined: tuple[tuple[str, str], ...]
    mismatches: tuple[Mismatch, ...]


def _compare(
    ctx: Context, variant: Variant, ev_flow: Evaluation, ev_app: Evaluation, app: str
) -> _Pair:
    """The policies deciding differently for Flow Service and ``app`` under one sign-in."""
    undetermined = tuple(
        (r.policy.id, r.undetermined_detail) for r in (*ev_flow.undetermined, *ev_app.undetermined)
    )
    if ev_flow.decision == ev_app.decision and set(ev_flow.requirements) == set(
        ev_app.requirements
    ):
        return _Pair(undetermined, ())
    on_flow, on_app = applying(ev_flow), applying(ev_app)
    out = []
    for pid in on_flow.keys() ^ on_app.keys():
        if variant.report_only and pid not in ctx.report_only_ids:
            continue  # already reported by the real tenant pass
        side = pid in on_flow
        r = on_flow[pid] if side else on_app[pid]
        out.append(
            Mismatch(
                pid,
                app,
                side,
                requirement_text(r.grant.result, r.grant.requirement),
                variant.report_only,
                error_code=(ev_flow if side else ev_app).error_code,
            )
        )
    return _Pair(undetermined, tuple(out))


def mismatch_findings(
    ctx: Context,
    rule_id: str,
    severity: Severity,
    mismatches: list[Mismatch],
    undetermined: dict[str, str],
    *,
    effect: str,
) -> Iterator[Finding]:
    """One finding per (policy, app, side); UNDETERMINED for policies the engine could not decide."""
    failed_policies = set()
    for m in sorted(mismatches, key=lambda m: (m.policy_id, m.app_id, m.on_flow)):
        p = ctx.tenant.policy(m.policy_id)
        if p is None:
            continue
        failed_policies.add(m.policy_id)
        app = app_name(m.app_id)
        only, other = (
            ("Microsoft Flow Service", app) if m.on_flow else (app, "Microsoft Flow Service")
        )
        owners = {u.lower() for u in m.user_ids}
        yield policy_finding(
            rule_id,
            p,
            severity,
            f"policy {p.label} requires {m.requirement} for {only} but not for "
            f"{other} ({ctx.user_count(m.users)} under the same sign-in); {effect}.",
            evidence=(
                policy_evidence(p, "conditions", "applications", note="apps the policy targets"),
                policy_evidence(p, "grantControls", note=m.requirement),
            ),
            flows=sorted(f.name for f in ctx.tenant.flows if (f.owner_id or "").lower() in owners),
            connections=sorted(
                c.name
                for c in ctx.tenant.connections
                if (c.owner_id or "").lower() in owners and resource_for(c.connector) == m.app_id
            ),
            users=ctx.user_labels(m.users)[:50],
            apps=(FLOW_SERVICE, m.app_id),
            error_code=m.error_code,
        )
    for pid, reason in sorted(undetermined.items()):
        p = ctx.tenant.policy(pid)
        if p is None or pid in failed_policies:
            continue
        yield policy_undetermined(
            rule_id,
            p,
            severity,
            f"policy {p.label} could not be evaluated for Flow Service vs its hosts.",
            reason,
        )


def requirement_findings(
    ctx: Context,
    rule_id: str,
    severity: Severity,
    apps_for_user: AppsForUser,
    probes: Iterable[Probe],
    *,
    effect: str,
    app_side_only: bool = False,
) -> Iterator[Finding]:
    """The whole comparison rule: find the mismatches, then report them.

    ``app_side_only`` keeps the policies that apply to the other app but not to Flow Service
    (a connection's resource demanding more than the portal sign-in meets).
    """
    mismatches, undetermined = find_mismatches(ctx, apps_for_user, probes)
    if app_side_only:
        mismatches = [m for m in mismatches if not m.on_flow]
    yield from mismatch_findings(ctx, rule_id, severity, mismatches, undetermined, effect=effect)


def compare_with_flow(
    ctx: Context, variant: Variant, ev_flow: Evaluation, ev_app: Evaluation, app: str
) -> tuple[Mismatch, ...]:
    """The policies that decide differently for Flow Service and ``app`` under one sign-in
    (public face of the pair comparison, for the what-if matrix)."""
    return _compare(ctx, variant, ev_flow, ev_app, app).mismatches
