"""A connection's resource demands more than the Power Automate portal sign-in meets.

Seed 000 recommendation 4: "make sure that users who sign in to Power Automate use criteria
that match the policies for the connections that a flow uses" (effects 1-4: failed runs,
automatic/direct connection creation, people and email pickers).
"""

from __future__ import annotations

from collections.abc import Iterator

from caflow.advise.compare import requirement_findings
from caflow.advise.context import INTERACTIVE, Context
from caflow.advise.model import Finding, Severity
from caflow.model import Tenant, User
from caflow.model.wellknown import FLOW_SERVICE

RULE_ID = "connection_requirements_mismatch"


def check(tenant: Tenant, ctx: Context) -> Iterator[Finding]:
    # needs: users and connections (meta.yaml): the resources compared are the ones each
    # user's connections refresh tokens for; without them the rule is NOT_EVALUATED.
    def apps(user: User) -> tuple[str, ...]:
        return tuple(a for a in ctx.connection_resources(user) if a != FLOW_SERVICE)

    # Only the resource side matters: the connection needs what the portal sign-in lacks.
    return requirement_findings(
        ctx,
        RULE_ID,
        Severity.HIGH,
        apps,
        (INTERACTIVE,),
        effect=(
            "connections created or repaired from a portal sign-in that does not meet it fail "
            "(AADSTS50076), and people/email pickers miss Microsoft 365 groups"
        ),
        app_side_only=True,
    )
