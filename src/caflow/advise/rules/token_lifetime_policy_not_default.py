"""Legacy token lifetime policy shortens connection refresh tokens.

Seed 002 table: MaxInactiveTime 90 days, MaxAgeMultiFactor / MaxAgeSingleFactor until-revoked:
"We recommend that you don't change these values." Entra stopped honouring these refresh
properties on 2021-01-30 (docs/sources.md TS-1.4): without ``legacyTokenLifetimes`` the
finding is informational.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from caflow.advise.context import Context, setting_evidence
from caflow.advise.model import Finding, Severity, Status
from caflow.automation.connectors import resource_for
from caflow.errors import describe
from caflow.model import Tenant
from caflow.model.durations import parse_timespan

RULE_ID = "token_lifetime_policy_not_default"
DEFAULT_INACTIVE = timedelta(days=90)
_CODES = {
    "MaxInactiveTime": "AADSTS70008",
    "MaxAgeMultiFactor": "AADSTS50076",
    "MaxAgeSingleFactor": "AADSTS50076",
}


def check(tenant: Tenant, ctx: Context) -> Iterator[Finding]:
    policy = tenant.settings.tokenLifetimePolicy
    enforced = tenant.settings.legacyTokenLifetimes
    conns = [c for c in tenant.connections if resource_for(c.connector)]
    for name in ("MaxAgeMultiFactor", "MaxAgeSingleFactor", "MaxInactiveTime"):
        raw = getattr(policy, name)
        try:
            value = parse_timespan(raw)
        except ValueError:
            yield Finding(
                RULE_ID,
                Status.UNDETERMINED,
                Severity.HIGH,
                f"tokenLifetimePolicy.{name} ({describe(raw)}) is not a TimeSpan or until-revoked.",
                evidence=(setting_evidence(tenant, "tokenLifetimePolicy", name),),
                reason=f"unparsable value ({describe(raw)})",
            )
            continue
        if name == "MaxInactiveTime":
            bad = value is not None and value < DEFAULT_INACTIVE
            expect = "90.00:00:00"
        else:
            bad = value is not None
            expect = "until-revoked"
        if not bad:
            continue
        status_text = (
            "enforced (legacyTokenLifetimes: true)"
            if enforced
            else "not enforced by Entra since 2021-01-30 (legacyTokenLifetimes: false)"
        )
        yield Finding(
            RULE_ID,
            Status.FAIL,
            Severity.HIGH if enforced else Severity.LOW,
            f"token lifetime policy sets {name} = {raw} (recommended {expect}); {status_text}: "
            + (
                f"connections fail after that time with {_CODES[name]} and need repair."
                if enforced
                else "if it were honoured (the 2021 KB's behaviour), connections would fail after "
                f"that time with {_CODES[name]}; set it back to {expect}."
            ),
            evidence=(
                setting_evidence(tenant, "tokenLifetimePolicy", name, note=str(raw)),
                setting_evidence(tenant, "legacyTokenLifetimes", note=str(enforced).lower()),
            ),
            connections=tuple(sorted(c.name for c in conns)) if enforced else (),
            flows=tuple(sorted(f.name for f in ctx.flows_using(c.name for c in conns)))
            if enforced
            else (),
            apps=(name,),
            error_code=_CODES[name],
        )
