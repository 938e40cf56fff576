"""Requirements differ between Microsoft Flow Service and an app that embeds it.

Seed 000 "Using Power Automate features embedded in other Microsoft services": the token
exchange with SharePoint, Power Apps, Excel or Teams fails (AADSTS50076) when the CA/MFA
requirements differ.
"""

from __future__ import annotations

from collections.abc import Iterator

from caflow.advise.compare import find_mismatches, mismatch_findings
from caflow.advise.context import INTERACTIVE, Context, Probe
from caflow.advise.model import Finding, Severity
from caflow.advise.resources import EMBEDDING_HOSTS
from caflow.model import Tenant

RULE_ID = "embedded_requirements_mismatch"


def check(tenant: Tenant, ctx: Context) -> Iterator[Finding]:
    probes = (INTERACTIVE, Probe(where="trusted"))
    mismatches, undetermined = find_mismatches(ctx, lambda _u: EMBEDDING_HOSTS, probes)
    yield from mismatch_findings(
        ctx,
        RULE_ID,
        Severity.HIGH,
        mismatches,
        undetermined,
        effect="embedded Power Automate (view/run flows from the host) fails the token exchange",
    )
