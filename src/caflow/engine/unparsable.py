"""Filter rules caflow cannot parse: bad input when the user wrote them, one undetermined
policy when they come from an export.

Entra validated every policy of an export before storing it, so a device/application filter
that caflow's grammar rejects is caflow's gap, not the admin's mistake: that policy alone
becomes ``notEnoughInformation`` ("never guess silently") with a warning naming file
and JSON path, and the rest of the bundle is evaluated. Policies the user wrote (scenario or
``check --proposed`` files) stay strict: :func:`filter_problems` feeds ``validate_tenant``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from caflow.engine.device_filter import (
    DeviceFilterError,
    compile_application_filter,
    compile_device_filter,
)
from caflow.errors import LoadWarning, SchemaError, json_pointer
from caflow.model.policy import Policy
from caflow.model.tenant import Tenant

__all__ = [
    "filter_problems",
    "pointer",
    "quarantine_policy",
    "quarantine_unparsable",
    "strict_error",
]

#: (condition name as in ``Conditions.unsupported``, JSON path of the rule)
_DEVICE = ("devices.deviceFilter", ("conditions", "devices", "deviceFilter", "rule"))
_APPLICATION = (
    "applications.applicationFilter",
    ("conditions", "applications", "applicationFilter", "rule"),
)


def pointer(policy: Policy, path: tuple[str, ...]) -> str:
    """JSON pointer of ``path`` inside ``policy``'s source file."""
    base = "" if policy.source_path in ("", "/") else policy.source_path
    return base + json_pointer(path)


def filter_problems(policy: Policy) -> Iterator[tuple[str, tuple[str, ...], DeviceFilterError]]:
    """(condition name, JSON path, error) of every filter rule of ``policy`` that fails to parse."""
    c = policy.conditions
    checks = []
    if c.device_filter:
        checks.append((compile_device_filter, c.device_filter.rule, _DEVICE))
    if c.applications.application_filter:
        checks.append(
            (compile_application_filter, c.applications.application_filter.rule, _APPLICATION)
        )
    for compile_rule, rule, (name, path) in checks:
        try:
            compile_rule(rule)
        except DeviceFilterError as exc:
            yield name, path, exc


def strict_error(policy: Policy) -> SchemaError | None:
    """The bad-input error for a user-written policy whose filter rule does not parse."""
    for _, path, exc in filter_problems(policy):
        return SchemaError(
            f"invalid filter rule: {exc.message}",
            file=policy.source,
            path=pointer(policy, path),
            code="invalid-device-filter",
        )
    return None


def quarantine_policy(policy: Policy) -> Policy:
    """``policy`` made undetermined for each filter rule caflow cannot parse (itself if none)."""
    problems = list(filter_problems(policy))
    if not problems:
        return policy
    c = policy.conditions
    unsupported = list(c.unsupported)
    warnings = list(policy.warnings)
    conditions = c
    for name, path, exc in problems:
        where = pointer(policy, path)
        unsupported.append((name, where))
        warnings.append(
            LoadWarning(
                policy.source,
                where,
                f"filter rule not parsed by caflow ({exc.message}): the policy is undetermined",
                code="unparsable-rule",
            )
        )
        if name == _DEVICE[0]:
            conditions = replace(conditions, device_filter=None)
        else:
            conditions = replace(
                conditions, applications=replace(conditions.applications, application_filter=None)
            )
    conditions = replace(conditions, unsupported=tuple(unsupported))
    return replace(policy, conditions=conditions, warnings=tuple(warnings))


def quarantine_unparsable(tenant: Tenant) -> Tenant:
    """``tenant`` with each policy whose filter rule caflow cannot parse made undetermined."""
    policies = tuple(quarantine_policy(p) for p in tenant.policies)
    if all(a is b for a, b in zip(policies, tenant.policies, strict=True)):
        return tenant
    new = [w for p in policies for w in p.warnings if w.code == "unparsable-rule"]
    return tenant.evolve(policies=policies, warnings=(*tenant.warnings, *new))
