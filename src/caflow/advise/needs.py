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
"""

from __future__ import annotations

from caflow.model import Tenant

__all__ = ["VOCABULARY", "is_known", "missing"]

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
