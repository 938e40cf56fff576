"""Per-device Terms of Use on an app Power Automate connects to.

Seed 000: "Never use per-device Terms of Use for applications that Power Automate connects to.
Flow execution runs on Microsoft infrastructure, not on user-registered devices."
"""

from __future__ import annotations

from collections.abc import Iterator

from caflow.advise.context import Context, policy_evidence
from caflow.advise.model import Evidence, Finding, Severity
from caflow.advise.scope import background_reach
from caflow.advise.terms_of_use import required_agreements, terms_finding, undefined_agreement
from caflow.model import Tenant

RULE_ID = "terms_of_use_per_device"


def check(tenant: Tenant, ctx: Context) -> Iterator[Finding]:
    for p, agreement_id, agreement in required_agreements(ctx):
        if agreement is None:
            yield undefined_agreement(
                RULE_ID, p, agreement_id, Severity.CRITICAL, ": whether it is per-device is unknown"
            )
            continue
        if not agreement.per_device:
            continue
        reach = background_reach(ctx, p)
        if not reach:
            continue
        yield terms_finding(
            ctx,
            RULE_ID,
            p,
            Severity.CRITICAL,
            f'policy {p.label} requires per-device agreement "{agreement.display_name}" on apps '
            "Power Automate connects to; it can never be satisfied by a background refresh "
            f"({len(reach.connections)} connection(s)).",
            reach,
            evidence=(
                policy_evidence(p, "grantControls", "termsOfUse"),
                Evidence(
                    "agreements.json", f"/{agreement.id}/isPerDeviceAcceptanceRequired", "true"
                ),
            ),
        )
