"""Run every advise rule against one tenant and collect the findings."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime
from pathlib import PurePath

from caflow.advise.context import DEFAULT_NOW, Context
from caflow.advise.model import AdviseResult, Evidence, Finding, Status
from caflow.advise.needs import missing, not_pulled
from caflow.advise.registry import Rule, load_rules
from caflow.advise.suppressions import Suppression, apply_suppressions
from caflow.model import Tenant

__all__ = ["bundle_relative", "run_advise"]

_STATUS_ORDER = {
    Status.FAIL: 0,
    Status.UNDETERMINED: 1,
    Status.NOT_EVALUATED: 2,
    Status.SUPPRESSED: 3,
    Status.PASS: 4,
}


def run_advise(
    tenant: Tenant,
    *,
    now: datetime | None = None,
    rules: Iterable[Rule] | None = None,
    select: Iterable[str] | None = None,
    suppressions: Iterable[Suppression] = (),
    reference: bool = False,
    context: Context | None = None,
    progress: Callable[[float], None] | None = None,
) -> AdviseResult:
    """Evaluate ``rules`` (default: all discovered); a rule with nothing to say yields PASS,
    a rule with nothing to look at (``needs`` absent from the bundle) NOT_EVALUATED.
    ``select`` takes rule ids or aliases.

    Findings come out sorted (status, severity, rule, policies) with evidence files relative to
    the bundle root, so two runs on copies of a bundle render byte-identical reports.
    ``reference`` selects the plain per-user path (tests and benchmarks compare the two);
    ``context`` reuses a caller's evaluation cache for the same tenant and moment;
    ``progress`` gets the fraction of rules done.

    >>> from caflow.io.bundle import load_bundle
    >>> result = run_advise(load_bundle("examples/contoso"))  # doctest: +SKIP
    """
    chosen = tuple(rules if rules is not None else load_rules())
    if select:
        wanted = set(select)
        chosen = tuple(r for r in chosen if r.id in wanted or wanted & set(r.meta.aliases))
    ctx = context or Context(tenant, now or DEFAULT_NOW, reference=reference)
    findings: list[Finding] = []
    for i, rule in enumerate(chosen):
        if progress:
            progress(i / len(chosen))
        why = missing(tenant, rule.meta.needs)
        if why:
            findings.append(
                Finding(
                    rule.id,
                    Status.NOT_EVALUATED,
                    rule.meta.severity,
                    f"{rule.meta.title}: not evaluated.",
                    reason=why,
                )
            )
            continue
        produced = list(rule.check(tenant, ctx))
        gap = not_pulled(tenant, (*rule.meta.needs, *rule.meta.reads)) if not produced else ""
        if gap:
            # No issue in what was read, but caflow pull could not read all of what the rule
            # looks at (pull.json): a PASS would claim what the bundle does not hold.
            produced.append(
                Finding(
                    rule.id,
                    Status.NOT_EVALUATED,
                    rule.meta.severity,
                    f"{rule.meta.title}: not evaluated.",
                    reason=f"{gap}: no issue in what the bundle holds",
                )
            )
        elif not produced:
            produced.append(
                Finding(
                    rule.id, Status.PASS, rule.meta.severity, f"{rule.meta.title}: no issue found."
                )
            )
        findings.extend(_relative_evidence(f, tenant.source) for f in produced)
    findings, unused = apply_suppressions(findings, suppressions, tenant)
    findings.sort(
        key=lambda f: (
            _STATUS_ORDER[f.status],
            -f.severity.rank,
            f.rule_id,
            f.policies,
            f.apps,
            f.message,
        )
    )
    return AdviseResult(
        tenant_id=tenant.id,
        tenant_name=tenant.display_name,
        now=(now or DEFAULT_NOW).isoformat().replace("+00:00", "Z"),
        rules=tuple(r.meta for r in chosen),
        findings=tuple(findings),
        warnings=(
            *(
                str(replace(w, file=bundle_relative(w.file, tenant.source)))
                for w in tenant.warnings[:200]
            ),
            *(f"{s} matched no finding [unused-suppression]" for s in unused),
        ),
        policies=tuple((p.id, p.display_name) for p in tenant.policies),
    )


def bundle_relative(file: str, root: str) -> str:
    """``file`` relative to the bundle ``root``; a file outside it by its name (no absolute paths).

    >>> bundle_relative("/tmp/b/policies/CA004.json", "/tmp/b")
    'policies/CA004.json'
    >>> bundle_relative("/tmp/b.zip!policies/CA004.json", "/tmp/b.zip")
    'policies/CA004.json'
    >>> bundle_relative("/work/changes/CA014.json", "/tmp/b")
    'CA014.json'
    """
    if root:
        for prefix in (root.rstrip("/") + "/", root + "!"):
            if file.startswith(prefix):
                return file[len(prefix) :]
        if PurePath(file) == PurePath(root):  # a single export file is its own bundle
            return PurePath(file).name
    path = PurePath(file)
    if path.is_absolute() or ".." in path.parts or "!" in file:
        return path.name if "!" not in file else file.rsplit("!", 1)[1]
    return file


def _relative_evidence(f: Finding, root: str) -> Finding:
    if not f.evidence:
        return f
    evidence = tuple(Evidence(bundle_relative(e.file, root), e.pointer, e.note) for e in f.evidence)
    return replace(f, evidence=evidence)
