"""Per-device Terms of Use on an app Power Automate connects to.

Seed 000: "Never use per-device Terms of Use for applications that Power Automate connects to.
Flow execution runs on Microsoft infrastructure, not on user-registered devices."
"""

from __future__ import annotations

from collections.abc import Iterator

from caflow.advise.context import Context, policy_evidence
from caflow.advise.model import Evidence, Finding, Severity, Status
from caflow.advise.scope import background_reach, terms_policies
from caflow.model import Tenant

RULE_ID = "terms_of_use_per_device"


def check(tenant: Tenant, ctx: Context) -> Iterator[Finding]:
    for p in terms_policies(ctx):
        for agreement_id in p.grant.terms_of_use if p.grant else ():
            agreement = tenant.agreements.get(agreement_id.lower())
            if agreement is None or not agreement.per_device:
                continue  # missing agreements are reported by terms_of_use_short_consent_expiry
            reach = background_reach(ctx, p)
            if not reach:
                continue
            prefix = "would break when enabled: " if p.report_only else ""
            yield Finding(
                RULE_ID,
                Status.FAIL,
                Severity.HIGH if p.report_only else Severity.CRITICAL,
                f'{prefix}policy {p.label} requires per-device agreement "{agreement.display_name}" '
                f"on apps Power Automate connects to; it can never be satisfied by a background refresh "
                f"({len(reach.connections)} connection(s)).",
                evidence=(
                    policy_evidence(p, "grantControls", "termsOfUse"),
                    Evidence(
                        "agreements.json", f"/{agreement.id}/isPerDeviceAcceptanceRequired", "true"
                    ),
                ),
                policies=(p.id,),
                flows=tuple(sorted(reach.flows)),
                connections=tuple(sorted(reach.connections)),
                users=tuple(sorted(reach.users)),
                apps=tuple(sorted(reach.apps)),
                report_only=p.report_only,
                error_code="AADSTS50158",
            )
