"""The one Conditional Access evaluator: a sign-in + a tenant + ``now`` -> a decision.

Phase 1 decides, per policy, whether it applies (every configured condition ANDed, exclusions
overriding inclusions, missing signals -> ``notEnoughInformation``); phase 2 combines the grant
controls of the *enabled* applying policies (block wins; every applicable grant must be
satisfied) and their session controls (most restrictive). Report-only policies are evaluated
and reported separately and never enforced; disabled policies are skipped (docs/sources.md CA-2.1,
CA-2.9, CA-2.10, CA-4.4 to CA-4.5).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cached_property
from typing import Any

from caflow.engine.conditions import CONDITIONS
from caflow.engine.errorcodes import code_for_requirement
from caflow.engine.grants import GrantOutcome, evaluate_grant, requirement_rank
from caflow.engine.session import combine_session
from caflow.engine.signin import SignIn
from caflow.errors import LoadWarning, enum_token
from caflow.model.policy import Policy, PolicyState
from caflow.model.signals import SIGNALS
from caflow.model.tenant import Tenant

__all__ = [
    "ConditionResult",
    "Evaluation",
    "PolicyResult",
    "applying_result",
    "decide",
    "evaluate",
    "policy_precheck",
    "validate_tenant",
]

SCHEMA_VERSION = 1


@dataclass(frozen=True, slots=True)
class ConditionResult:
    reason: str
    path: str
    outcome: str  # matched | notMatched | undetermined
    detail: str = ""


@dataclass(frozen=True, slots=True)
class PolicyResult:
    policy: Policy
    applies: bool
    reasons: str  # Graph analysisReasons value
    grant: GrantOutcome
    conditions: tuple[ConditionResult, ...] = ()
    undetermined_detail: str = ""

    @property
    def undetermined(self) -> bool:
        return self.reasons == "notEnoughInformation"

    @property
    def report_only_result(self) -> str:
        """Sign-in log result for a report-only policy (CA-2.10); ``undetermined`` (caflow's own
        value) when a needed signal is missing - "not applied" would claim a condition failed."""
        if self.undetermined:
            return "undetermined"
        if not self.applies:
            return "reportOnlyNotApplied"
        if self.grant.result in ("satisfied", "notApplicable"):
            return "reportOnlySuccess"
        if self.grant.result == "blocked":
            return "reportOnlyFailure"
        interactive = {
            "mfa",
            "authenticationStrength",
            "termsOfUse",
            "passwordChange",
            "customControl",
        }
        heads = {u.split(":", 1)[0] for u in self.grant.unmet}
        return "reportOnlyInterrupted" if heads & interactive else "reportOnlyFailure"

    def to_json(self, explain: str = "off") -> dict[str, Any]:
        p = self.policy
        out: dict[str, Any] = {
            "id": p.id,
            "displayName": p.display_name,
            "state": p.state,
            "policyApplies": self.applies,
            "analysisReasons": self.reasons,
            "reportOnly": p.report_only,
            "grantResult": self.grant.result if self.applies else "notApplicable",
        }
        if self.applies and self.grant.unmet:
            out["unmetControls"] = list(self.grant.unmet)
        if self.applies and self.grant.reason:
            out["grantReason"] = self.grant.reason
        if p.report_only:
            out["reportOnlyResult"] = self.report_only_result
        if self.undetermined_detail:
            out["notEnoughInformation"] = self.undetermined_detail
        if p.warnings:
            out["warnings"] = [str(w) for w in p.warnings]
        if explain != "off":
            conds = self.conditions
            if explain == "fails":
                conds = tuple(c for c in conds if c.outcome != "matched")
            out["explain"] = [
                {
                    "condition": c.reason,
                    "path": c.path,
                    "outcome": c.outcome,
                    **({"detail": c.detail} if c.detail else {}),
                }
                for c in conds
            ]
        # Graph whatIfAnalysisResult carries the policy fields too.
        for key in ("conditions", "grantControls", "sessionControls"):
            if key in p.raw:
                out[key] = p.raw[key]
        return out


@dataclass(frozen=True)
class Evaluation:
    signin: SignIn
    now: datetime
    results: tuple[PolicyResult, ...]
    decision: str  # allow | block | requires
    requirements: tuple[str, ...] = ()
    error_code: str | None = None
    cause: str | None = None
    blocking_policies: tuple[str, ...] = ()
    requiring_policies: tuple[str, ...] = ()
    session_controls: dict[str, object] = field(default_factory=dict)
    terms_detail: tuple[tuple[str, str], ...] = ()
    #: Files of the bundle's policies folder caflow does not read that may hold policies
    #: (``Tenant.unread_policies``): listed with the undetermined policies, so ``certain`` is
    #: false unless the determined policies block (an unknown policy cannot lift a block).
    unread_policies: tuple[LoadWarning, ...] = ()

    @cached_property  # read per user by advise on evaluations shared across users
    def undetermined(self) -> tuple[PolicyResult, ...]:
        return tuple(r for r in self.results if r.undetermined and not r.policy.report_only)

    @property
    def enforced(self) -> tuple[PolicyResult, ...]:
        return tuple(r for r in self.results if r.policy.enforced)

    @property
    def report_only(self) -> tuple[PolicyResult, ...]:
        return tuple(r for r in self.results if r.policy.report_only)

    @property
    def responsible_policies(self) -> tuple[str, ...]:
        return self.blocking_policies or self.requiring_policies

    def to_json(self, explain: str = "off", applied_only: bool = False) -> dict[str, Any]:
        """The whatif JSON contract; ``applied_only`` mirrors the What If API's
        ``appliedPoliciesOnly`` (only policies that apply are listed in ``value``)."""
        return {
            "schemaVersion": SCHEMA_VERSION,
            "decision": self.decision,
            "requirements": list(self.requirements),
            "errorCode": self.error_code,
            "cause": self.cause,
            "policies": list(self.responsible_policies),
            "sessionControls": self.session_controls,
            "undetermined": [
                {
                    "id": r.policy.id,
                    "displayName": r.policy.display_name,
                    "reason": r.undetermined_detail,
                }
                for r in self.undetermined
            ]
            + [
                {"id": w.file, "displayName": w.file.rsplit("/", 1)[-1], "reason": w.message}
                for w in self.unread_policies
            ],
            "reportOnly": [
                {
                    "id": r.policy.id,
                    "displayName": r.policy.display_name,
                    "result": r.report_only_result,
                    **({"reason": r.undetermined_detail} if r.undetermined else {}),
                }
                for r in self.report_only
            ],
            "now": self.now.isoformat().replace("+00:00", "Z"),
            "value": [
                r.to_json(explain)
                for r in self.results
                if r.policy.state != PolicyState.DISABLED and (r.applies or not applied_only)
            ],
        }


def policy_precheck(p: Policy, s: SignIn) -> PolicyResult | None:
    """The verdict settled before any condition (state, empty targets, agent subjects), or None.

    Depends on the sign-in only through "workload identity or unknown user"; the compiled
    replay evaluator (caflow.replay) calls it once per policy and identity kind.
    """
    if p.state not in PolicyState.KNOWN:
        return PolicyResult(
            p,
            False,
            "notEnoughInformation",
            _NOT_APPLICABLE,
            (),
            f"unknown state {enum_token(p.state)}",
        )
    if p.state == PolicyState.DISABLED:
        return PolicyResult(p, False, "policyNotEnabled", _NOT_APPLICABLE)
    c = p.conditions
    if (c.users.is_empty and not c.client_applications.configured) or not (
        c.applications.include_applications
        or c.applications.include_user_actions
        or c.applications.include_auth_contexts
        or c.applications.application_filter
    ):
        targets = [name for name, _ in c.unsupported if name.startswith("applications.")]
        if targets and not c.users.is_empty:
            # The only targets are ones caflow cannot evaluate (e.g. Global Secure Access
            # traffic profiles): unknown, not empty ("never guess silently").
            return PolicyResult(
                p,
                False,
                "notEnoughInformation",
                _NOT_APPLICABLE,
                (),
                f"target resources {', '.join(targets)} are not evaluated offline",
            )
        return PolicyResult(p, False, "emptyPolicy", _NOT_APPLICABLE)
    agent_subjects = [n for n, _ in c.unsupported if n in _AGENT_SUBJECTS or "Agent" in n]
    if agent_subjects and (s.service_principal_id or (s.user is not None and s.user.unknown)):
        # The policy (also) targets agent identities (CA-1.5), which caflow cannot tell apart from
        # this workload identity / unknown user: unknown, not "users" (docs/bundle-format.md).
        return PolicyResult(
            p,
            False,
            "notEnoughInformation",
            _NOT_APPLICABLE,
            (),
            f"agent identity targets ({', '.join(agent_subjects)}) are not evaluated offline",
        )
    return None


def _evaluate_policy(
    p: Policy, s: SignIn, t: Tenant, now: datetime, explain: bool = False
) -> PolicyResult:
    settled = policy_precheck(p, s)
    if settled is not None:
        return settled
    c = p.conditions
    results: list[ConditionResult] = []
    first_false: str | None = None
    unknown: list[str] = []
    reported: set[tuple[str, str]] = set()
    for cond in CONDITIONS:
        value, detail = cond.check(p, s, t)
        if value is not True and p.unknown_values:
            # A "no match" read from a value outside Graph's set is no answer (io/policies.py).
            inside = _unknown_under(p, cond.name)
            if inside:
                reported.update(inside)
                value, detail = (
                    None,
                    "; ".join(f"unknown value {enum_token(v)} at {w}" for v, w in inside),
                )
        if explain:
            outcome = (
                "matched" if value is True else ("notMatched" if value is False else "undetermined")
            )
            results.append(ConditionResult(cond.reason, cond.name, outcome, detail))
        if value is False:
            if first_false is None:
                first_false = cond.reason
            if not explain:
                break  # a definite non-match settles it; the rest only matters for --explain
        elif value is None:
            unknown.append(f"{cond.reason}: {detail}" if detail else cond.reason)
    if first_false is not None:
        return PolicyResult(p, False, first_false, _NOT_APPLICABLE, tuple(results))
    for name, path in c.unsupported:
        if explain:
            results.append(
                ConditionResult(
                    "notEnoughInformation",
                    path,
                    "undetermined",
                    f"condition '{name}' is not evaluated offline",
                )
            )
        unknown.append(f"condition '{name}' ({path}) is not supported offline")
    for bad, path in p.unknown_values:
        if (bad, path) in reported:
            continue
        if explain:
            results.append(
                ConditionResult(
                    "notEnoughInformation", path, "undetermined", f"unknown value {enum_token(bad)}"
                )
            )
        unknown.append(f"unknown value {enum_token(bad)} at {path}")
    for path in p.missing:
        if explain:
            results.append(
                ConditionResult("notEnoughInformation", path, "undetermined", "missing field")
            )
        unknown.append(f"missing field at {path}")
    if unknown:
        return PolicyResult(
            p, False, "notEnoughInformation", _NOT_APPLICABLE, tuple(results), "; ".join(unknown)
        )
    return applying_result(p, evaluate_grant(p.grant, s, t, now), tuple(results))


def applying_result(
    p: Policy, grant: GrantOutcome, conditions: tuple[ConditionResult, ...] = ()
) -> PolicyResult:
    """The result of a policy whose conditions match: it applies with ``grant``, unless the
    grant hangs on what the bundle does not hold (``GrantOutcome.missing``: Terms of Use
    acceptances it does not record). That policy is ``notEnoughInformation`` - counted
    under ``undetermined`` and left out of the decision, which is then not certain - never a
    guessed "must accept" (docs/assumptions.md A-TOU-1, A-PULL-7). Shared by the compiled replay
    evaluator (caflow.replay)."""
    if grant.result == "undetermined" and grant.missing:
        return PolicyResult(p, False, "notEnoughInformation", grant, conditions, grant.missing)
    return PolicyResult(p, True, "notSet", grant, conditions)


def _unknown_under(p: Policy, pointer: str) -> list[tuple[str, str]]:
    """The policy's unknown values (value, JSON pointer) inside the field at ``pointer``."""
    base = p.source_path.rstrip("/")
    return [
        (value, where)
        for value, where in p.unknown_values
        if where[len(base) :] == pointer or where[len(base) :].startswith(pointer + "/")
    ]


_NOT_APPLICABLE = GrantOutcome("notApplicable")
_AGENT_SUBJECTS = frozenset({"agents", "agentContext", "agentIdRiskLevels"})

_LEGACY_CANNOT = frozenset(
    {
        "mfa",
        "authenticationStrength",
        "compliantDevice",
        "domainJoinedDevice",
        "termsOfUse",
        "customControl",
    }
)


def _legacy_client(signin: SignIn) -> bool:
    key = (signin.client_app or "").lower()
    return SIGNALS["clientAppType"].get(key) in ("exchangeActiveSync", "other")


def evaluate(
    tenant: Tenant,
    signin: SignIn,
    now: datetime,
    *,
    explain: bool = False,
    tou_error_code: str = "AADSTS50158",
    known: Sequence[PolicyResult | None] | None = None,
) -> Evaluation:
    """Evaluate every policy of ``tenant`` for ``signin`` at ``now`` (no wall-clock reads).

    ``explain`` records every condition's outcome (``--explain``); off, evaluation of a policy
    stops at its first non-matching condition, which is all a decision needs. ``known`` (one
    entry per policy, not with ``explain``): results the caller already has for these policies
    and an equivalent sign-in (check's proposed tenant shares most policies with the baseline),
    None where the policy must be evaluated.
    """
    if known is None or explain:
        results = tuple(_evaluate_policy(p, signin, tenant, now, explain) for p in tenant.policies)
    else:
        results = tuple(
            _evaluate_policy(p, signin, tenant, now) if r is None else r
            for p, r in zip(tenant.policies, known, strict=True)
        )
    ev = decide(signin, now, results, tou_error_code=tou_error_code)
    return replace(ev, unread_policies=tenant.unread_policies) if tenant.unread_policies else ev


def decide(
    signin: SignIn,
    now: datetime,
    results: tuple[PolicyResult, ...],
    *,
    tou_error_code: str = "AADSTS50158",
) -> Evaluation:
    """Phase 2 from per-policy results: block wins, else the unmet grants of the enforced applying
    policies in prompt order, session controls combined. The compiled replay evaluator
    (caflow.replay) calls it with results it derived per distinct input."""
    applying = [r for r in results if r.applies and r.policy.enforced]
    blocking = tuple(r.policy.id for r in applying if r.grant.result == "blocked")
    session = combine_session(r.policy.session for r in applying if r.policy.session)
    if blocking:
        located = any(
            r.policy.conditions.include_locations for r in applying if r.grant.result == "blocked"
        )
        return Evaluation(
            signin,
            now,
            results,
            "block",
            ("block",),
            "AADSTS53003",
            "locationBlocked" if located else "blocked",
            blocking,
            (),
            session,
        )
    requirements: list[str] = []
    requiring: list[str] = []
    terms: list[tuple[str, str]] = []
    for r in applying:
        if r.grant.result in ("notSatisfied", "undetermined"):
            requiring.append(r.policy.id)
            terms.extend(r.grant.terms_detail)
            for req in r.grant.requirement:
                if req not in requirements:
                    requirements.append(req)
    if not requirements:
        return Evaluation(signin, now, results, "allow", (), None, None, (), (), session)
    requirements.sort(key=requirement_rank)
    code, cause = code_for_requirement(requirements[0], tou_error_code)
    decision = "requires"
    if _legacy_client(signin) and any(
        r.split(" or ")[0].split(":", 1)[0] in _LEGACY_CANNOT for r in requirements
    ):
        # Legacy clients cannot do MFA or pass device state, so a policy requiring them blocks
        # them; with EAS, ToU and custom controls block too (CA-2.7).
        decision = "block"
    if cause == "termsOfUseRequired" and terms:
        status = terms[0][1]
        cause = {"expired": "termsOfUseExpired", "perDevice": "termsOfUsePerDevice"}.get(
            status, cause
        )
    return Evaluation(
        signin,
        now,
        results,
        decision,
        tuple(requirements),
        code,
        cause,
        (),
        tuple(requiring),
        session,
        tuple(terms),
    )


def validate_tenant(tenant: Tenant) -> None:
    """Compile every device/application filter once; an invalid rule is bad input (exit 2).

    For policies the user wrote; an export's policies go through
    :func:`caflow.engine.unparsable.quarantine_unparsable` instead."""
    from caflow.engine.unparsable import strict_error

    for p in tenant.policies:
        error = strict_error(p)
        if error is not None:
            raise error
