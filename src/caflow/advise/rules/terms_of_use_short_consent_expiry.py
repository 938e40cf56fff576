"""Terms of Use consent expires on a short schedule while flows are in scope.

Seed 000 "Terms of Use ... Prevention": "Avoid configuring Expire consents by setting short
durations if Power Automate flows are in scope. Every expiry breaks all connections for
affected users."
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from caflow.advise.context import Context, policy_evidence
from caflow.advise.model import Evidence, Finding, Severity
from caflow.advise.scope import background_reach
from caflow.advise.terms_of_use import required_agreements, terms_finding, undefined_agreement
from caflow.model import Tenant
from caflow.model.agreements import Agreement
from caflow.model.durations import Duration

RULE_ID = "terms_of_use_short_consent_expiry"
#: "Short": at most a quarter (the seed's examples are monthly, quarterly and 30 days).
SHORT = timedelta(days=92)


def _readable(d: Duration) -> str:
    """``30 days``, ``1 month(s)``; a fixed part that is not whole days as ``H:MM:SS``."""
    parts = [f"{d.months} month(s)"] if d.months else []
    if d.fixed:
        whole_days = not (d.fixed.seconds or d.fixed.microseconds)
        parts.append(f"{d.fixed.days} days" if whole_days else str(d.fixed))
    return " + ".join(parts)


def _period(agreement: Agreement) -> tuple[timedelta, str] | None:
    options = []
    if agreement.reaccept_every:
        every = _readable(agreement.reaccept_every)
        options.append((agreement.reaccept_every.approx, f"re-accept every {every}"))
    if agreement.expiration_frequency:
        every = _readable(agreement.expiration_frequency)
        options.append((agreement.expiration_frequency.approx, f"consents expire every {every}"))
    return min(options, key=lambda o: o[0]) if options else None


def check(tenant: Tenant, ctx: Context) -> Iterator[Finding]:
    for p, agreement_id, agreement in required_agreements(ctx):
        if agreement is None:
            yield undefined_agreement(RULE_ID, p, agreement_id, Severity.MEDIUM)
            continue
        period = _period(agreement)
        if period is None or period[0] > SHORT:
            continue
        reach = background_reach(ctx, p)
        if not reach:
            continue
        yield terms_finding(
            ctx,
            RULE_ID,
            p,
            Severity.MEDIUM,
            f'policy {p.label} requires "{agreement.display_name}" whose {period[1]}; each expiry '
            f"breaks the connections of {ctx.user_count(reach.users, 'in-scope user(s)')} until they re-accept "
            "interactively.",
            reach,
            evidence=(
                policy_evidence(p, "grantControls", "termsOfUse"),
                Evidence("agreements.json", f"/{agreement.id}", period[1]),
            ),
        )
