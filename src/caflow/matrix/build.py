"""The what-if matrix: one engine evaluation per (user, app, sign-in context) cell.

Sign-ins are built by advise's ``Context.signin`` (the probes advise already compares with:
trusted office network, untrusted network, abroad, with or without MFA and a managed device),
evaluated by the one engine, and each Flow Service cell is compared with the same user's
host-app cells under the same sign-in by advise's mismatch comparison
(``caflow.advise.compare.compare_with_flow``) for the apps in ``FLOW_PARTNERS``, so the matrix highlights exactly the
Flow-Service-vs-host gaps the seeds warn about (embedded flows and connections fail).
A cell with an undetermined policy and no block says ``undetermined``, never ``allow``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from caflow.advise.compare import compare_with_flow
from caflow.advise.context import Context, Probe
from caflow.advise.hosts import EMBEDDING_HOSTS, app_name
from caflow.automation.connectors import CONNECTOR_RESOURCE
from caflow.model import Tenant, User
from caflow.model.wellknown import EXCHANGE, FLOW_SERVICE, SHAREPOINT, TEAMS

__all__ = [
    "DEFAULT_APPS",
    "DEFAULT_CONTEXTS",
    "Cell",
    "MatrixResult",
    "Persona",
    "SignInContext",
    "run_matrix",
]

SCHEMA_VERSION = 1
OFFICE_PORTAL = "00000006-0000-0ff1-ce00-000000000000"  # Microsoft Office 365 Portal
AZURE_MANAGEMENT = "797f4846-ba00-4fd7-ba43-dac1f8f63013"  # Windows Azure Service Management API
DEFAULT_APPS: tuple[str, ...] = (
    FLOW_SERVICE,
    SHAREPOINT,
    EXCHANGE,
    TEAMS,
    OFFICE_PORTAL,
    AZURE_MANAGEMENT,
)
#: Apps whose requirements must match Flow Service's (seed): the hosts that embed Power Automate
#: and the resources its connectors call. Other columns (e.g. Azure management) are not compared.
FLOW_PARTNERS = frozenset(EMBEDDING_HOSTS) | frozenset(CONNECTOR_RESOURCE.values())


@dataclass(frozen=True)
class SignInContext:
    """A named sign-in situation (an advise ``Probe``): where from, MFA done, managed device."""

    name: str
    probe: Probe

    def describe(self) -> str:
        p = self.probe
        where = {
            "trusted": "trusted network",
            "untrusted": "untrusted network",
            "abroad": "abroad",
            "egress": "connector egress",
        }[p.where]
        return ", ".join(
            [
                where,
                "MFA done" if p.mfa else "no MFA",
                "managed device" if p.managed else "unregistered device",
                "interactive" if p.interactive else "background",
            ]
        )


DEFAULT_CONTEXTS: tuple[SignInContext, ...] = (
    SignInContext("office", Probe(where="trusted", mfa=False, managed=True)),
    SignInContext("remote", Probe(where="untrusted")),
    SignInContext("remote-mfa", Probe(where="untrusted", mfa=True)),
    SignInContext("abroad-mfa", Probe(where="abroad", mfa=True, managed=True)),
)


@dataclass(frozen=True)
class Persona:
    """One row of a personas file: a user, the apps (default: all matrix apps), a context."""

    user: User
    context: SignInContext
    apps: tuple[str, ...] = ()


@dataclass
class Cell:
    user: str
    app: str
    context: str
    decision: str  # the engine's: allow | block | requires
    requirements: tuple[str, ...]
    error_code: str | None
    policies: tuple[str, ...]
    undetermined: tuple[tuple[str, str], ...]  # (policy id, reason)
    mismatches: list[dict[str, Any]] = field(default_factory=list)

    @property
    def status(self) -> str:
        """What to show: a block stands whatever else is unknown; otherwise an undetermined
        policy makes the cell ``undetermined`` (its requirements could be more)."""
        if self.decision != "block" and self.undetermined:
            return "undetermined"
        return self.decision

    def label(self) -> str:
        if self.status == "requires":
            return "requires " + " + ".join(self.requirements)
        if self.status == "undetermined":
            known = f"; known: {self.decision}" + (
                " " + " + ".join(self.requirements) if self.requirements else ""
            )
            return "undetermined" + known
        return self.status

    def to_json(self) -> dict[str, Any]:
        return {
            "user": self.user,
            "app": self.app,
            "appName": app_name(self.app),
            "context": self.context,
            "status": self.status,
            "decision": self.decision,
            "requirements": list(self.requirements),
            "errorCode": self.error_code,
            "policies": list(self.policies),
            "undetermined": [{"policy": p, "reason": r} for p, r in self.undetermined],
            "mismatches": self.mismatches,
        }


@dataclass
class MatrixResult:
    tenant_id: str | None
    tenant_name: str | None
    now: datetime
    apps: tuple[str, ...]
    contexts: tuple[SignInContext, ...]
    users: tuple[str, ...]
    cells: list[Cell]
    policy_names: dict[str, str]

    @property
    def mismatches(self) -> list[dict[str, Any]]:
        return [
            {"user": c.user, "context": c.context, **m}
            for c in self.cells
            if c.app == FLOW_SERVICE
            for m in c.mismatches
        ]

    def summary(self) -> dict[str, int]:
        out = {"cells": len(self.cells), "mismatches": len(self.mismatches)}
        for c in self.cells:
            out[c.status] = out.get(c.status, 0) + 1
        return out

    def summary_line(self) -> str:
        s = self.summary()
        parts = [f"{s.get(k, 0)} {k}" for k in ("allow", "requires", "block", "undetermined")]
        return (
            f"{s['cells']} cells ({len(self.users)} users × {len(self.apps)} apps × "
            f"{len(self.contexts)} contexts): {', '.join(parts)}; "
            f"{s['mismatches']} Flow Service/host mismatches."
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "schemaVersion": SCHEMA_VERSION,
            "tool": "caflow matrix",
            "tenant": {"id": self.tenant_id, "displayName": self.tenant_name},
            "now": self.now.isoformat().replace("+00:00", "Z"),
            "apps": [{"id": a, "displayName": app_name(a)} for a in self.apps],
            "contexts": [{"name": c.name, "description": c.describe()} for c in self.contexts],
            "users": list(self.users),
            "policies": self.policy_names,
            "cells": [c.to_json() for c in self.cells],
            "mismatches": self.mismatches,
            "summary": self.summary(),
            "summaryLine": self.summary_line(),
        }


def _cell(ctx: Context, user: User, app: str, sc: SignInContext) -> tuple[Cell, Any]:
    ev = ctx.evaluate(ctx.variants[0], user, app, sc.probe)
    cell = Cell(
        user=user.label(),
        app=app,
        context=sc.name,
        decision=ev.decision,
        requirements=tuple(ev.requirements),
        error_code=ev.error_code,
        policies=tuple(ev.responsible_policies),
        undetermined=tuple((r.policy.id, r.undetermined_detail) for r in ev.undetermined),
    )
    return cell, ev


def run_matrix(
    tenant: Tenant,
    now: datetime,
    *,
    users: tuple[User, ...] | None = None,
    apps: tuple[str, ...] = DEFAULT_APPS,
    contexts: tuple[SignInContext, ...] = DEFAULT_CONTEXTS,
    personas: tuple[Persona, ...] = (),
) -> MatrixResult:
    """Evaluate every cell. ``personas`` (user × context, optionally own apps) replace the
    users × contexts product; ``users`` default to advise's representative users."""
    ctx = Context(tenant, now)
    rows: list[tuple[User, SignInContext, tuple[str, ...]]]
    if personas:
        rows = [(p.user, p.context, p.apps or apps) for p in personas]
    else:
        rows = [(u, sc, apps) for u in (users or ctx.users) for sc in contexts]
    cells: list[Cell] = []
    for user, sc, row_apps in rows:
        row = [_cell(ctx, user, app, sc) for app in row_apps]
        flow = next((c for c in row if c[0].app == FLOW_SERVICE), None)
        if flow is not None:
            for cell, ev in row:
                if cell.app == FLOW_SERVICE or cell.app not in FLOW_PARTNERS:
                    continue
                for m in compare_with_flow(ctx, ctx.variants[0], flow[1], ev, cell.app):
                    entry = {
                        "app": m.app_id,
                        "appName": app_name(m.app_id),
                        "policy": m.policy_id,
                        "appliesTo": "Microsoft Flow Service" if m.on_flow else app_name(m.app_id),
                        "requirement": m.requirement,
                    }
                    flow[0].mismatches.append(entry)
                    cell.mismatches.append(entry)
        cells.extend(c for c, _ in row)
    seen_users = tuple(dict.fromkeys(c.user for c in cells))
    seen_contexts = tuple({sc.name: sc for _, sc, _ in rows}.values())
    seen_apps = tuple(dict.fromkeys(c.app for c in cells))
    return MatrixResult(
        tenant_id=tenant.id,
        tenant_name=tenant.display_name,
        now=now,
        apps=seen_apps,
        contexts=seen_contexts,
        users=seen_users,
        cells=cells,
        policy_names={p.id: p.display_name for p in tenant.policies},
    )
