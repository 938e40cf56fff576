"""Interactive sign-ins: the user is present, so MFA already done and ToU acceptance are
possible; device and network are whatever the user signs in from (docs/sources.md TS-5.5)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from caflow.engine.evaluate import Evaluation, evaluate
from caflow.model.tenant import Tenant
from caflow.tokens.claims import Claims
from caflow.tokens.failure import Failure, failure_from_evaluation
from caflow.tokens.refresh import Revocation, user_disabled

__all__ = ["InteractiveResult", "sign_in"]


@dataclass(frozen=True)
class InteractiveResult:
    claims: Claims  # possibly with new ToU acceptances
    evaluation: Evaluation
    failure: Failure | None


def sign_in(
    tenant: Tenant,
    claims: Claims,
    app_id: str,
    resource: str,
    now: datetime,
    *,
    accept_terms: bool = True,
    revocations: tuple[Revocation, ...] = (),
) -> InteractiveResult:
    """Evaluate an interactive sign-in; unmet ToU is accepted on the spot when ``accept_terms``
    (the seed: "Signing in triggers the Terms of Use acceptance prompt") and recorded only when
    the sign-in then succeeds (``claims`` of a failed one are those it started with). MFA is not
    prompted:
    the sign-in's ``mfa`` flag states whether the user performed it.

    A disabled account gets no token at all, interactive or not: AADSTS50057 before any
    Conditional Access evaluation (docs/sources.md TS-3.2 "User disabled - new token requests fail";
    AADSTS50057 "The user account is disabled")."""
    ev = evaluate(tenant, claims.signin(tenant, app_id, now), now)
    disabled = user_disabled(claims.user, revocations, now)
    if disabled is not None:
        return InteractiveResult(claims, ev, disabled)
    before = claims
    if ev.decision == "requires" and accept_terms:
        terms = [r.split(":", 1)[1] for r in ev.requirements if r.startswith("termsOfUse:")]
        if terms:
            for tid in terms:
                claims = claims.accept(tid, now, claims.device_id)
            ev = evaluate(tenant, claims.signin(tenant, app_id, now), now)
    if ev.decision == "allow":
        return InteractiveResult(claims, ev, None)
    # The sign-in failed on something else (MFA not done, a block ...): the user never
    # completed it, so no acceptance is recorded (issue 13 review) - the failure still names
    # what remains once the terms are out of the way.
    return InteractiveResult(
        before,
        ev,
        failure_from_evaluation(ev, resource, expired_terms=claims.expired_terms(tenant, now)),
    )
