"""A Terms of Use policy reaches service accounts or flow connection owners.

Seed 000 recommendation 2: "exclude service accounts and dedicated flow connection owners from
those policies. Power Automate connections refresh tokens silently in the background. They
can't present the Terms of Use acceptance UI."
"""

from __future__ import annotations

from collections.abc import Iterator

from caflow.advise.context import Context, policy_evidence
from caflow.advise.model import Finding, Severity, Status
from caflow.advise.scope import background_reach, terms_policies
from caflow.model import Tenant

RULE_ID = "terms_of_use_without_service_account_exclusion"


def check(tenant: Tenant, ctx: Context) -> Iterator[Finding]:
    policies = terms_policies(ctx)
    if not policies:
        return
    accounts = ctx.service_accounts()
    if not accounts:
        for p in policies:
            yield Finding(
                RULE_ID,
                Status.UNDETERMINED,
                Severity.HIGH,
                f"policy {p.label} requires Terms of Use; the bundle names no service account "
                "or connection owner to check its exclusions against.",
                evidence=(policy_evidence(p, "grantControls", "termsOfUse"),),
                policies=(p.id,),
                reason="no users tagged serviceAccount/flowConnectionOwner and no powerplatform connections in the bundle",
                report_only=p.report_only,
            )
        return
    for p in policies:
        reach = background_reach(ctx, p, accounts)
        if not reach:
            if reach.undetermined:
                yield Finding(
                    RULE_ID,
                    Status.UNDETERMINED,
                    Severity.HIGH,
                    f"policy {p.label}: could not decide whether it reaches service accounts.",
                    evidence=(policy_evidence(p),),
                    policies=(p.id,),
                    reason=reach.undetermined,
                    report_only=p.report_only,
                )
            continue
        prefix = "would break when enabled: " if p.report_only else ""
        yield Finding(
            RULE_ID,
            Status.FAIL,
            Severity.MEDIUM if p.report_only else Severity.HIGH,
            f"{prefix}policy {p.label} requires Terms of Use for {len(reach.users)} service "
            f"account(s)/connection owner(s) ({', '.join(sorted(reach.users)[:5])}); their "
            "connections cannot accept it during a silent refresh.",
            evidence=(
                policy_evidence(p, "grantControls", "termsOfUse"),
                policy_evidence(p, "conditions", "users", note="exclude these accounts here"),
            ),
            policies=(p.id,),
            flows=tuple(sorted(reach.flows)),
            connections=tuple(sorted(reach.connections)),
            users=tuple(sorted(reach.users)),
            apps=tuple(sorted(reach.apps)),
            report_only=p.report_only,
            error_code="AADSTS50158",
        )
