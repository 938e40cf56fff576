"""Run every advise rule against one tenant and collect the findings."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from caflow.advise.context import DEFAULT_NOW, Context
from caflow.advise.model import AdviseResult, Finding, Status
from caflow.advise.registry import Rule, load_rules
from caflow.model import Tenant

__all__ = ["run_advise"]

_STATUS_ORDER = {Status.FAIL: 0, Status.UNDETERMINED: 1, Status.SUPPRESSED: 2, Status.PASS: 3}


def run_advise(
    tenant: Tenant,
    *,
    now: datetime | None = None,
    rules: Iterable[Rule] | None = None,
    select: Iterable[str] | None = None,
) -> AdviseResult:
    """Evaluate ``rules`` (default: all discovered); a rule with nothing to say yields PASS.

    >>> from caflow.io.bundle import load_bundle
    >>> result = run_advise(load_bundle("examples/contoso"))  # doctest: +SKIP
    """
    chosen = tuple(rules if rules is not None else load_rules())
    if select:
        wanted = set(select)
        chosen = tuple(r for r in chosen if r.id in wanted)
    ctx = Context(tenant, now or DEFAULT_NOW)
    findings: list[Finding] = []
    for rule in chosen:
        produced = list(rule.check(tenant, ctx))
        if not any(f.status != Status.PASS for f in produced) and not produced:
            produced.append(
                Finding(
                    rule.id, Status.PASS, rule.meta.severity, f"{rule.meta.title}: no issue found."
                )
            )
        findings.extend(produced)
    findings.sort(key=lambda f: (_STATUS_ORDER[f.status], -f.severity.rank, f.rule_id, f.policies))
    return AdviseResult(
        tenant_id=tenant.id,
        tenant_name=tenant.display_name,
        now=(now or DEFAULT_NOW).isoformat().replace("+00:00", "Z"),
        rules=tuple(r.meta for r in chosen),
        findings=tuple(findings),
        warnings=tuple(str(w) for w in tenant.warnings[:200]),
    )
