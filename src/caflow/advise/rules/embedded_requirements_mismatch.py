"""Requirements differ between Microsoft Flow Service and an app that embeds it.

Seed 000 "Using Power Automate features embedded in other Microsoft services": the token
exchange with SharePoint, Power Apps, Excel or Teams fails (AADSTS50076) when the CA/MFA
requirements differ.
"""

from __future__ import annotations

from collections.abc import Iterator

from caflow.advise.compare import requirement_findings
from caflow.advise.context import INTERACTIVE, Context, Probe
from caflow.advise.hosts import EMBEDDING_HOSTS
from caflow.advise.model import Finding, Severity
from caflow.model import Tenant

RULE_ID = "embedded_requirements_mismatch"


def check(tenant: Tenant, ctx: Context) -> Iterator[Finding]:
    # "MFA ... for Power Automate but not for SharePoint, or vice versa": both sides count, from
    # an untrusted and a trusted network (location-scoped policies differ between the two).
    return requirement_findings(
        ctx,
        RULE_ID,
        Severity.HIGH,
        lambda _user: EMBEDDING_HOSTS,
        (INTERACTIVE, Probe(where="trusted")),
        effect="embedded Power Automate (view/run flows from the host) fails the token exchange",
    )
