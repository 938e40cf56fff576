"""What a rule looks at, and whether the bundle holds it (``needs:`` in ``<rule>.meta.yaml``).

A rule with nothing to look at reports NOT_EVALUATED with the reason, never PASS: a PASS would
claim a check that did not happen (a bundle exported without ``tenant.yaml``, a policy export
without Power Platform inventory). Vocabulary:

* ``policies`` - at least one Conditional Access policy;
* ``connections`` / ``flows`` - Power Platform inventory (``powerplatform/*.json``);
* ``users`` - at least one enabled user in ``directory.yaml``: without, the probes that stand
  for each policy's scope are nobody, so "no user is affected" cannot be shown (a PASS would
  be a claim about users the bundle does not hold);
* ``agreements`` - ``agreements.json``, when a policy requires Terms of Use (whether an
  agreement is per-device or expires is only there);
* ``settings.<name>`` - that key written in ``tenant.yaml`` ``settings`` (the defaults are
  Microsoft's defaults, but an export that does not carry the setting does not say the tenant
  kept them).

What ``caflow pull`` could not read (the bundle's pull.json, model.pulled) is named with the
need it leaves missing; and a rule that looks at connections or flows (``needs`` or ``reads``)
whose Power Platform inventory pull could not read in full reports NOT_EVALUATED instead of a
PASS (its FAIL findings stand: what was read is right).
"""

from __future__ import annotations

from caflow.model import Tenant
from caflow.model.pulled import Gap, NotPulled

__all__ = ["VOCABULARY", "is_known", "missing", "not_pulled"]

VOCABULARY = frozenset({"policies", "connections", "flows", "users", "agreements"})


def _has(tenant: Tenant, need: str) -> bool:
    if need == "policies":
        return bool(tenant.policies)
    if need == "connections":
        return bool(tenant.connections)
    if need == "flows":
        return bool(tenant.flows)
    if need == "users":
        return any(u.account_enabled and not u.unknown for u in tenant.directory.users)
    if need == "agreements":
        return bool(tenant.agreements) or not any(
            p.grant and p.grant.terms_of_use for p in tenant.policies
        )
    if need.startswith("settings."):
        return need.removeprefix("settings.") in tenant.settings.model_fields_set
    raise ValueError(f"unknown need {need!r}")


def is_known(need: str) -> bool:
    """A ``needs:`` entry caflow understands (checked when the rules are loaded)."""
    from caflow.model.tenant import Settings

    name = need.removeprefix("settings.")
    return need in VOCABULARY or (need.startswith("settings.") and name in Settings.model_fields)


_WHY = {
    "policies": "the bundle holds no Conditional Access policy",
    "connections": "the bundle holds no Power Platform connection (powerplatform/connections.json)",
    "flows": "the bundle holds no Power Platform flow (powerplatform/flows.json)",
    "users": "the bundle holds no enabled directory user (directory.yaml): who the policies "
    "reach is unknown",
    "agreements": "a policy requires Terms of Use but the bundle holds no agreements.json",
}


def missing(tenant: Tenant, needs: tuple[str, ...]) -> str:
    """Why the rule cannot be evaluated on ``tenant`` ('' when everything it needs is there),
    with what ``caflow pull`` could not read of it."""
    reasons = []
    for need in needs:
        if not _has(tenant, need):
            reasons.append(
                _WHY.get(need)
                or f"tenant.yaml does not set {need} (not in the export; caflow will not assume "
                "the default)"
            )
            reasons.extend(_said(g) for g in tenant.not_pulled if _concerns(g, need))
    return "; ".join(dict.fromkeys(reasons))


def not_pulled(tenant: Tenant, looks_at: tuple[str, ...]) -> str:
    """What ``caflow pull`` could not read of the connections and flows a rule looks at ('' when
    nothing): a PASS would claim connections or flows the bundle does not hold."""
    return "; ".join(
        dict.fromkeys(
            _said(g)
            for g in tenant.not_pulled
            for need in ("connections", "flows")
            if need in looks_at and _concerns(g, need)
        )
    )


def _concerns(g: NotPulled, need: str) -> bool:
    """Whether the pull.json gap ``g`` leaves (part of) ``need`` unknown."""
    if need == "agreements":
        return g.part == "agreements"
    if need == "connections":
        return g.environment is not None and g.gap is not Gap.FLOWS
    if need == "flows":
        return g.gap in (Gap.FLOWS, Gap.FLOW) or (g.gap is Gap.PART and g.environment is not None)
    return False


def _said(g: NotPulled) -> str:
    return f"caflow pull could not read {g.what} ({g.where}: {g.reason})"
