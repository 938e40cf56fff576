"""Terms of Use consent expires on a short schedule while flows are in scope.

Seed 000 "Terms of Use ... Prevention": "Avoid configuring Expire consents by setting short
durations if Power Automate flows are in scope. Every expiry breaks all connections for
affected users."
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from caflow.advise.context import Context, policy_evidence
from caflow.advise.model import Evidence, Finding, Severity, Status
from caflow.advise.scope import background_reach, terms_policies
from caflow.model import Tenant

RULE_ID = "terms_of_use_short_consent_expiry"
#: "Short": at most a quarter (the seed's examples are monthly, quarterly and 30 days).
SHORT = timedelta(days=92)


def _period(agreement) -> tuple[timedelta, str] | None:  # type: ignore[no-untyped-def]
    options = []
    if agreement.reaccept_every:
        options.append(
            (agreement.reaccept_every.approx, f"re-accept every {agreement.reaccept_every}")
        )
    if agreement.expiration_frequency:
        options.append(
            (
                agreement.expiration_frequency.approx,
                f"consents expire every {agreement.expiration_frequency}",
            )
        )
    return min(options, key=lambda o: o[0]) if options else None


def check(tenant: Tenant, ctx: Context) -> Iterator[Finding]:
    for p in terms_policies(ctx):
        for agreement_id in p.grant.terms_of_use if p.grant else ():
            agreement = tenant.agreements.get(agreement_id.lower())
            if agreement is None:
                yield Finding(
                    RULE_ID,
                    Status.UNDETERMINED,
                    Severity.MEDIUM,
                    f"policy {p.label} requires agreement {agreement_id}, which the bundle does not define.",
                    evidence=(policy_evidence(p, "grantControls", "termsOfUse"),),
                    policies=(p.id,),
                    reason=f"agreement '{agreement_id}' not in agreements.json",
                    report_only=p.report_only,
                )
                continue
            period = _period(agreement)
            if period is None or period[0] > SHORT:
                continue
            reach = background_reach(ctx, p)
            if not reach:
                continue
            prefix = "would break when enabled: " if p.report_only else ""
            yield Finding(
                RULE_ID,
                Status.FAIL,
                Severity.LOW if p.report_only else Severity.MEDIUM,
                f'{prefix}policy {p.label} requires "{agreement.display_name}" whose {period[1]}; '
                f"each expiry breaks the connections of {len(reach.users)} in-scope user(s) until "
                "they re-accept interactively.",
                evidence=(
                    policy_evidence(p, "grantControls", "termsOfUse"),
                    Evidence("agreements.json", f"/{agreement.id}", period[1]),
                ),
                policies=(p.id,),
                flows=tuple(sorted(reach.flows)),
                connections=tuple(sorted(reach.connections)),
                users=tuple(sorted(reach.users)),
                apps=tuple(sorted(reach.apps)),
                report_only=p.report_only,
                error_code="AADSTS50158",
            )
