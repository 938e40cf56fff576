"""Build the proposed tenant: a whole bundle, or policy files overlaid on the baseline.

Policies with the same id replace the baseline's, new ids are added (``--proposed`` is
repeatable and applied in order). Bundles of two different tenants are bad input (exit 2).
``--enable POLICY`` switches a report-only (or disabled) policy on without editing a file.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from caflow.engine.evaluate import validate_tenant
from caflow.engine.unparsable import quarantine_unparsable
from caflow.errors import InputError, Shown, UnknownReferenceError, did_you_mean
from caflow.io.bundle import bind_written_policy, load_bundle
from caflow.model import Policy, Tenant
from caflow.model.policy import PolicyState

__all__ = ["build_proposed", "enable_policies"]


def _is_bundle(path: Path) -> bool:
    return path.is_dir() and ((path / "tenant.yaml").exists() or (path / "tenant.json").exists())


def _same_tenant(a: Tenant, b: Tenant, where: str) -> None:
    if a.id and b.id and a.id.lower() != b.id.lower():
        raise InputError(
            "baseline and proposed belong to different tenants",
            file=where,
            expected=f"tenant id {a.id} (the baseline, {a.display_name or a.source})",
            got=b.id,
            code="invalid-value",
        )


def build_proposed(baseline: Tenant, paths: Iterable[Path]) -> Tenant:
    """Apply each ``--proposed`` path in order; bad input raises ``InputError`` (exit 2).

    A path that does not exist, a file that does not parse, a bundle of another tenant, and a
    policy file or folder holding no Conditional Access policy at all are bad input: silently
    proposing nothing would print "No impact." for a change that was never read.
    """
    current = baseline
    for path in paths:
        loaded = load_bundle(path, require_data=False)  # a precise message below
        _same_tenant(baseline, loaded, str(path))
        if _is_bundle(path):
            # An exported bundle: a filter rule caflow cannot parse makes that policy undetermined.
            current = quarantine_unparsable(loaded)
            continue
        validate_tenant(loaded)  # policy files the user wrote stay strict (exit 2)
        if not loaded.policies:
            raise InputError(
                "no Conditional Access policy in the proposed file(s)",
                file=str(path),
                expected="a policy object, a list or Graph {value: [...]} of policies, a folder "
                "of policy files, or a tenant bundle",
                got=Shown("nothing that looks like a policy"),
                code="invalid-value",
            )
        by_id = {p.id.lower(): p for p in current.policies}
        for p in loaded.policies:
            by_id[p.id.lower()] = bind_written_policy(p, current)
        # What loading the files found (fields caflow does not evaluate) goes with them, to
        # check's warnings[] like an exported bundle's (caflow.io.bundle.load_warnings).
        unread = [w for w in loaded.warnings if w.code == "unread-field"]
        current = current.evolve(
            policies=tuple(by_id.values()), warnings=(*current.warnings, *unread)
        )
    return current


def _find_policy(tenant: Tenant, ref: str, option: str) -> Policy:
    """A policy by id or display name (case-insensitive); unknown or ambiguous is bad input."""
    key = ref.strip().lower()
    by_id = [p for p in tenant.policies if p.id.lower() == key]
    found = by_id or [p for p in tenant.policies if p.display_name.strip().lower() == key]
    if len(found) > 1:
        raise InputError(
            "ambiguous policy name",
            file=option,
            expected="one policy; give its id: " + ", ".join(p.id for p in found),
            got=ref,
            code="invalid-value",
        )
    if not found:
        names = [p.display_name for p in tenant.policies] + [p.id for p in tenant.policies]
        containing = [n for n in names if key and key in n.lower()]
        close = containing[0] if len(containing) == 1 else did_you_mean(ref, names)
        raise UnknownReferenceError(
            "unknown policy",
            file=option,
            expected="a policy id or display name of the proposed tenant",
            got=ref,
            hint=f"did you mean '{close}'?" if close else None,
        )
    return found[0]


def enable_policies(tenant: Tenant, refs: Iterable[str], option: str = "--enable") -> Tenant:
    """``tenant`` with each referenced policy's state set to ``enabled`` (as if switched on in
    the portal). A policy that is already enabled is bad input: comparing it with itself would
    answer "safe" to a question that was never asked."""
    changed: dict[str, Policy] = {}
    for ref in refs:
        policy = _find_policy(tenant, ref, option)
        if policy.state == PolicyState.ENABLED:
            raise InputError(
                "policy is already enabled",
                file=option,
                expected="a report-only or disabled policy",
                got=f"{policy.display_name} ({policy.id})",
                code="invalid-value",
            )
        changed[policy.id] = replace(
            policy, state=PolicyState.ENABLED, raw={**policy.raw, "state": "enabled"}
        )
    if not changed:
        return tenant
    return tenant.evolve(policies=tuple(changed.get(p.id, p) for p in tenant.policies))
