"""Readable policy diff (terraform plan style): created, destroyed, enabled, updated."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from caflow.model import Policy, Tenant
from caflow.model.policy import PolicyState

__all__ = ["FieldChange", "PolicyChange", "diff_policies"]

_IGNORED = {"createdDateTime", "modifiedDateTime", "@odata.context", "@odata.type", "templateId"}


@dataclass(frozen=True)
class FieldChange:
    path: str
    old: Any
    new: Any


@dataclass(frozen=True)
class PolicyChange:
    action: str  # create | destroy | enable | disable | report | undetermined | update
    policy_id: str
    display_name: str
    fields: tuple[FieldChange, ...] = ()

    @property
    def symbol(self) -> str:
        return {"create": "+", "destroy": "-"}.get(self.action, "~")

    @property
    def headline(self) -> str:
        verb = {
            "create": "will be created",
            "destroy": "will be destroyed",
            "enable": "will be enabled",
            "disable": "will be disabled",
            "report": "will be switched to report-only",
            "undetermined": "will get a state caflow does not know (undetermined)",
            "update": "will be updated in-place",
        }[self.action]
        return f'# policy "{self.display_name}" ({self.policy_id}) {verb}'

    def to_json(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "id": self.policy_id,
            "displayName": self.display_name,
            "fields": [{"path": f.path, "old": f.old, "new": f.new} for f in self.fields],
        }


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            if k in _IGNORED:
                continue
            out.update(_flatten(v, f"{prefix}.{k}" if prefix else k))
        return out
    if isinstance(value, list):
        return {prefix: json.dumps(value, sort_keys=True)} if value else {prefix: None}
    return {prefix: value}


def _fields(old: Policy, new: Policy) -> tuple[FieldChange, ...]:
    a, b = _flatten(old.raw), _flatten(new.raw)
    changes = []
    for key in sorted(a.keys() | b.keys(), key=lambda k: (k != "state", k)):
        va, vb = a.get(key), b.get(key)
        if va != vb and not (va in (None, "[]") and vb in (None, "[]")):
            changes.append(FieldChange(key, va, vb))
    return tuple(changes)


_STATE_ACTIONS = {
    PolicyState.ENABLED: "enable",
    PolicyState.DISABLED: "disable",
    PolicyState.REPORT_ONLY: "report",
}


def diff_policies(base: Tenant, proposed: Tenant) -> tuple[PolicyChange, ...]:
    old = {p.id.lower(): p for p in base.policies}
    new = {p.id.lower(): p for p in proposed.policies}
    out: list[PolicyChange] = []
    for key in sorted(old.keys() | new.keys()):
        a, b = old.get(key), new.get(key)
        if a is None and b is not None:
            out.append(PolicyChange("create", b.id, b.display_name, _fields(_empty(b), b)))
        elif b is None and a is not None:
            out.append(PolicyChange("destroy", a.id, a.display_name))
        elif a is not None and b is not None:
            fields = _fields(a, b)
            if not fields:
                continue
            action = "update"
            if a.state != b.state:
                # A state outside Graph's three is no "report-only" (nor any other) guess.
                action = _STATE_ACTIONS.get(b.state, "undetermined")
            out.append(PolicyChange(action, b.id, b.display_name, fields))
    return tuple(out)


def _empty(p: Policy) -> Policy:
    from dataclasses import replace

    return replace(p, raw={})
