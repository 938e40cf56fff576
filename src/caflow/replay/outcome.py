"""Per-policy and per-sign-in vocabulary of a replay: what a policy did to one sign-in.

One signature result (compiled.SignatureResult) -> per policy a *category* (the counters of the
report) and the result a sign-in log would record (``appliedConditionalAccessPolicies[].result``,
docs/sources.md TS-6), used by the agreement check.
"""

from __future__ import annotations

from caflow.engine.evaluate import PolicyResult
from caflow.model.policy import Policy, PolicyState

__all__ = ["COUNTERS", "log_result", "policy_counters"]

#: Counter names per policy, in report order.
COUNTERS = (
    "applies",
    "block",
    "mfa",
    "authenticationStrength",
    "compliantDevice",
    "domainJoinedDevice",
    "termsOfUse",
    "otherControl",
    "satisfied",
    "undetermined",
)


def policy_counters(policy: Policy, reason: str, grant: PolicyResult | None) -> tuple[str, ...]:
    """Which counters one sign-in adds to for ``policy``."""
    if reason == "notEnoughInformation":
        return ("undetermined",)
    if grant is None:
        return ()
    out = ["applies"]
    g = grant.grant
    if g.result == "blocked":
        out.append("block")
    elif g.result in ("notSatisfied", "undetermined"):
        for unmet in g.requirement:
            for alt in unmet.split(" or "):
                head = alt.split(":", 1)[0]
                out.append(head if head in COUNTERS else "otherControl")
        if g.result == "undetermined":
            out.append("undetermined")
    else:
        out.append("satisfied")
    return tuple(dict.fromkeys(out))


def log_result(policy: Policy, reason: str, grant: PolicyResult | None) -> str | None:
    """The result Entra would log for this policy, or None when caflow cannot tell."""
    if policy.state == PolicyState.DISABLED:
        return "notEnabled"
    if reason == "notEnoughInformation":
        return None
    if grant is None:
        return "reportOnlyNotApplied" if policy.report_only else "notApplied"
    if policy.report_only:
        return grant.report_only_result
    if grant.grant.result in ("satisfied", "notApplicable"):
        return "success"
    if grant.grant.result == "undetermined":
        return None
    return "failure"
