"""A Terms of Use policy reaches service accounts or flow connection owners.

Seed 000 recommendation 2: "exclude service accounts and dedicated flow connection owners from
those policies. Power Automate connections refresh tokens silently in the background. They
can't present the Terms of Use acceptance UI."
"""

from __future__ import annotations

from collections.abc import Iterator

from caflow.advise.context import Context, policy_evidence, policy_undetermined
from caflow.advise.model import Finding, Severity
from caflow.advise.scope import background_reach
from caflow.advise.terms_of_use import terms_finding, terms_policies
from caflow.model import Tenant

RULE_ID = "terms_of_use_without_service_account_exclusion"


def check(tenant: Tenant, ctx: Context) -> Iterator[Finding]:
    policies = terms_policies(ctx)
    if not policies:
        return
    accounts = ctx.service_accounts()
    if not accounts:
        why = _no_accounts(tenant)
        for p in policies:
            yield policy_undetermined(
                RULE_ID,
                p,
                Severity.HIGH,
                f"policy {p.label} requires Terms of Use; the bundle names no service account "
                "or connection owner to check its exclusions against.",
                why,
                (policy_evidence(p, "grantControls", "termsOfUse"),),
            )
        return
    for p in policies:
        reach = background_reach(ctx, p, accounts)
        if not reach:
            if reach.undetermined:
                yield policy_undetermined(
                    RULE_ID,
                    p,
                    Severity.HIGH,
                    f"policy {p.label}: could not decide whether it reaches service accounts.",
                    reach.undetermined,
                )
            continue
        yield terms_finding(
            ctx,
            RULE_ID,
            p,
            Severity.HIGH,
            f"policy {p.label} requires Terms of Use for {len(reach.users)} service "
            f"account(s)/connection owner(s) ({', '.join(sorted(reach.users)[:5])}); their "
            "connections cannot accept it during a silent refresh.",
            reach,
            evidence=(
                policy_evidence(p, "grantControls", "termsOfUse"),
                policy_evidence(p, "conditions", "users", note="exclude these accounts here"),
            ),
        )


def _no_accounts(tenant: Tenant) -> str:
    """Exactly why no service account or connection owner is known."""
    if not any(u.account_enabled and not u.unknown for u in tenant.directory.users):
        return (
            "the bundle holds no enabled directory user (directory.yaml): no service account "
            "or connection owner can be named"
        )
    if tenant.connections:
        return (
            "no user tagged serviceAccount/flowConnectionOwner, and no owner of the bundle's "
            f"{len(tenant.connections)} powerplatform connection(s) is in directory.yaml"
        )
    return (
        "no user tagged serviceAccount/flowConnectionOwner and no powerplatform connections "
        "in the bundle"
    )
