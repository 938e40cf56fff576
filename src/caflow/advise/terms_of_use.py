"""Terms of Use policies as the ToU rules see them: which policies, which agreements, and the
finding for a policy whose grant reaches Power Automate's background refresh.

Seed 000 "Terms of Use policies break existing flow connections": "Power Automate connections
refresh tokens silently in the background, and the silent token refresh process can't present
the Terms of Use acceptance page to the user." Every ToU rule reports the same way: the policy,
the connections/flows/users its grant reaches, and AADSTS50158 (the refresh that cannot accept).
"""

from __future__ import annotations

from collections.abc import Iterator

from caflow.advise.context import Context, policy_evidence, policy_finding, policy_undetermined
from caflow.advise.model import Evidence, Finding
from caflow.advise.scope import Reach
from caflow.advise.severity import Severity
from caflow.model import Policy
from caflow.model.agreements import Agreement
from caflow.model.policy import PolicyState

__all__ = [
    "TOU_ERROR",
    "required_agreements",
    "terms_finding",
    "terms_policies",
    "undefined_agreement",
]

#: External security challenge not satisfied: the refresh would need an interactive acceptance.
TOU_ERROR = "AADSTS50158"


def terms_policies(ctx: Context) -> tuple[Policy, ...]:
    """Policies with a Terms of Use grant control that are on or report-only."""
    return tuple(
        p
        for p in ctx.tenant.policies
        if p.grant and p.grant.terms_of_use and p.state != PolicyState.DISABLED
    )


def required_agreements(ctx: Context) -> Iterator[tuple[Policy, str, Agreement | None]]:
    """(policy, agreement id, agreement or None when the bundle does not define it)."""
    for p in terms_policies(ctx):
        for agreement_id in p.grant.terms_of_use if p.grant else ():
            yield p, agreement_id, ctx.tenant.agreements.get(agreement_id.lower())


def terms_finding(
    ctx: Context,
    rule_id: str,
    p: Policy,
    severity: Severity,
    message: str,
    reach: Reach,
    evidence: tuple[Evidence, ...],
) -> Finding:
    """FAIL for a ToU policy whose grant reaches the background refresh of ``reach``.

    The rules judge what the grant does to a refresh that cannot show the acceptance page
    (seed 000), not who accepted. When the bundle does not record who accepted the policy's
    agreements (A-TOU-1), the message says so and when the break comes either way, instead of
    implying the owners have not accepted (review of issue 9, M4)."""
    agreements = ctx.tenant.agreements
    blind = [
        a
        for a in (p.grant.terms_of_use if p.grant else ())
        if a.lower() in ctx.tenant.acceptances_unrecorded
        # a per-device acceptance never reaches a refresh from the cloud (docs/sources.md TS-5.4): no "if"
        and not (a.lower() in agreements and agreements[a.lower()].per_device)
    ]
    if blind:
        message += (
            " Who accepted it is not in the bundle (no agreementAcceptances.json): if an owner "
            "has accepted, their connections keep working until the acceptance expires or a "
            "new version must be re-accepted; if not, they break at the next refresh."
        )
    return policy_finding(
        rule_id,
        p,
        severity,
        message,
        evidence=evidence,
        flows=sorted(reach.flows),
        connections=sorted(reach.connections),
        users=ctx.user_labels(reach.users),
        apps=sorted(reach.apps),
        error_code=TOU_ERROR,
    )


def undefined_agreement(
    rule_id: str, p: Policy, agreement_id: str, severity: Severity, unknown: str = ""
) -> Finding:
    """UNDETERMINED: ``p`` requires an agreement the bundle does not define, so what the rule
    asks of it (``unknown``, e.g. ": whether it is per-device is unknown") cannot be told."""
    return policy_undetermined(
        rule_id,
        p,
        severity,
        f"policy {p.label} requires agreement {agreement_id}, which the bundle does not "
        f"define{unknown}.",
        f"agreement '{agreement_id}' not in agreements.json",
        (policy_evidence(p, "grantControls", "termsOfUse"),),
    )
