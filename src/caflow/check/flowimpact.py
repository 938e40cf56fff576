"""Flows the simulation cannot time: what the connection verdicts mean for them.

A flow fails at its next run when a connection it uses (``Embedded``) breaks. The simulation
dates that for flows with a known schedule; the others are listed here with *when* in words:
a schedule or poll whose period the export does not carry (admin API list shape, ``Recurrence``
without frequency) fails at its "next run (schedule not in the export)", never "never"; a
manual flow at its next manual run. A flow that uses an undetermined connection, a connection
the export does not contain, or whose connections the export does not list is undetermined.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from typing import Any

from caflow.check.probe import ConnectionVerdict
from caflow.model import Tenant
from caflow.model.powerplatform import Flow

__all__ = ["NEXT_MANUAL_RUN", "NEXT_RUN_UNKNOWN", "flow_impact"]

NEXT_RUN_UNKNOWN = "next run (schedule not in the export)"
NEXT_MANUAL_RUN = "next manual run"
NEXT_RUN_TRIGGER_UNKNOWN = "next run (trigger not in the export)"


def _when(f: Flow) -> str | None:
    """When a failing connection shows in this flow; None when the simulation dated it."""
    if f.trigger.kind == "manual":
        return NEXT_MANUAL_RUN
    if f.trigger.kind == "unknown":
        return NEXT_RUN_TRIGGER_UNKNOWN
    if f.runs_unscheduled:
        return NEXT_RUN_UNKNOWN
    return None


def flow_impact(
    proposed: Tenant, verdicts: Mapping[str, ConnectionVerdict], dated: Set[str]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(failing flows, undetermined flows) of ``proposed`` not already in ``dated`` (the flow
    ids the simulation found failing). ``verdicts`` is keyed by lower-cased connection name."""
    names = {c.name.lower() for c in proposed.connections}
    failing: list[dict[str, Any]] = []
    undetermined: list[dict[str, Any]] = []
    for f in sorted(proposed.flows, key=lambda x: x.name):
        if f.name in dated or f.state.lower() != "started":
            continue
        embedded = [r for r in f.connections if r.source.lower() != "invoker"]
        breaking = [
            verdicts[r.connection.lower()]
            for r in embedded
            if r.connection.lower() in verdicts
            and verdicts[r.connection.lower()].status == "breaks"
        ]
        when = _when(f)
        if breaking and when is not None:
            v = breaking[0]
            failing.append(
                {
                    "id": f.name,
                    "failedRuns": 0,
                    "firstFailureAt": None,
                    "turnedOffAt": None,
                    "when": when,
                    "connection": v.connection.name,
                    "errorCode": v.failure.code if v.failure else None,
                }
            )
            continue
        if breaking:
            continue  # scheduled with a known period: the simulation's verdict stands
        doubtful = [
            r.connection
            for r in embedded
            if r.connection.lower() in verdicts
            and verdicts[r.connection.lower()].status == "undetermined"
        ]
        reasons = [f"uses undetermined connection(s) {', '.join(doubtful)}"] if doubtful else []
        reasons += [
            f"uses connection '{r.connection}' that is not in the export"
            for r in embedded
            if r.connection and r.connection.lower() not in names
        ]
        if not f.connections_known:
            reasons.append("the export does not list the flow's connections (admin API list shape)")
        if reasons:
            undetermined.append({"kind": "flow", "id": f.name, "reason": "; ".join(reasons)})
    return failing, undetermined
