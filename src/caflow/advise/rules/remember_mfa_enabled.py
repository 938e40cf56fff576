""" "Remember multifactor authentication on trusted devices" is on.

Seed 000: "this setting changes the token policy settings that make the connections expire
every 14 days" (the configured number of days; docs/sources.md TS-2.3 to TS-2.4).
"""

from __future__ import annotations

from collections.abc import Iterator

from caflow.advise.context import Context, setting_evidence
from caflow.advise.model import Finding, Severity, Status
from caflow.automation.connectors import resource_for
from caflow.model import Tenant

RULE_ID = "remember_mfa_enabled"


def check(tenant: Tenant, ctx: Context) -> Iterator[Finding]:
    rm = tenant.settings.rememberMfa
    if not rm.enabled:
        return
    conns = [c for c in tenant.connections if resource_for(c.connector)]
    flows = ctx.flows_using(c.name for c in conns)
    yield Finding(
        RULE_ID,
        Status.FAIL,
        Severity.HIGH,
        f"Remember MFA on trusted devices is enabled ({rm.days} days): Power Automate connections "
        f"holding MFA claims expire every {rm.days} days and need an explicit sign-in to repair "
        f"({len(conns)} Entra-backed connection(s)).",
        evidence=(
            setting_evidence(tenant, "rememberMfa", "enabled", note="true"),
            setting_evidence(tenant, "rememberMfa", "days", note=str(rm.days)),
        ),
        connections=tuple(sorted(c.name for c in conns)),
        flows=tuple(sorted(f.name for f in flows)),
        users=tuple(sorted({ctx.label(c.owner_id) for c in conns})),
        error_code="AADSTS50076",
    )
