"""What a rule looks at, and whether the bundle holds it (``needs:`` in ``<rule>.meta.yaml``).

A rule with nothing to look at reports NOT_EVALUATED with the reason, never PASS: a PASS would
claim a check that did not happen (a bundle exported without ``tenant.yaml``, a policy export
without Power Platform inventory). Vocabulary:

* ``policies`` - at least one Conditional Access policy;
* ``connections`` / ``flows`` - Power Platform inventory (``powerplatform/*.json``);
* ``settings.<name>`` - that key written in ``tenant.yaml`` ``settings`` (the defaults are
  Microsoft's defaults, but an export that does not carry the setting does not say the tenant
  kept them).
"""

from __future__ import annotations

from caflow.model import Tenant

__all__ = ["VOCABULARY", "is_known", "missing"]

VOCABULARY = frozenset({"policies", "connections", "flows"})


def _has(tenant: Tenant, need: str) -> bool:
    if need == "policies":
        return bool(tenant.policies)
    if need == "connections":
        return bool(tenant.connections)
    if need == "flows":
        return bool(tenant.flows)
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
}


def missing(tenant: Tenant, needs: tuple[str, ...]) -> str:
    """Why the rule cannot be evaluated on ``tenant`` ('' when everything it needs is there)."""
    reasons = []
    for need in needs:
        if not _has(tenant, need):
            reasons.append(
                _WHY.get(need)
                or f"tenant.yaml does not set {need} (not in the export; caflow will not assume "
                "the default)"
            )
    return "; ".join(reasons)
