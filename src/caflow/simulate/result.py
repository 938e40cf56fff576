"""Simulation output: events + final state in the ``simulate --json`` contract (docs/output.md)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from caflow.automation.state import ConnectionState, FlowState, iso

__all__ = ["SCHEMA_VERSION", "Event", "SimulationResult"]

SCHEMA_VERSION = 1


@dataclass(frozen=True, slots=True)
class Event:
    at: datetime
    kind: str
    connection: str | None = None
    flow: str | None = None
    user: str | None = None
    error_code: str | None = None
    policies: tuple[str, ...] = ()
    cause: str | None = None
    message: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "at": iso(self.at),
            "kind": self.kind,
            "connection": self.connection,
            "flow": self.flow,
            "user": self.user,
            "errorCode": self.error_code,
            "policies": list(self.policies),
            "cause": self.cause,
            "message": self.message,
        }


@dataclass
class SimulationResult:
    start: datetime
    end: datetime
    events: list[Event] = field(default_factory=list)
    connections: list[ConnectionState] = field(default_factory=list)
    flows: list[FlowState] = field(default_factory=list)
    source: str = ""
    #: Policy id -> display name of every tenant version the run saw (render.py; the JSON's
    #: ``policies[]``, so a report or page can name the ids events carry).
    policy_names: dict[str, str] = field(default_factory=dict)
    #: What could not be evaluated: ``{kind: connection|flow, id, reason}`` (counted, shown).
    undetermined: list[dict[str, Any]] = field(default_factory=list)

    def connection(self, cid: str) -> ConnectionState:
        return next(c for c in self.connections if c.id.lower() == cid.lower())

    def flow(self, fid: str) -> FlowState:
        return next(f for f in self.flows if f.id.lower() == fid.lower())

    def summary(self) -> dict[str, int]:
        """Counts of the summary line: dated breaks, breaks at an undated next use/run, and what
        could not be evaluated."""
        return {
            "connectionsBroken": sum(c.status == "Error" for c in self.connections),
            "connectionsBreakAtNextUse": sum(c.next_use is not None for c in self.connections),
            "flowsWithFailedRuns": sum(f.failed_runs > 0 for f in self.flows),
            "flowsFailAtNextRun": sum(f.next_run is not None for f in self.flows),
            "flowsTurnedOff": sum(f.turned_off_at is not None for f in self.flows),
            "undetermined": len(self.undetermined),
        }

    def to_json(self, *, lazy: bool = False) -> dict[str, Any]:
        """The JSON contract; ``lazy``: the lists as iterators that build each item when it is
        written (``caflow.report.json.chunks``), so a long timeline is never all in memory."""
        events: Iterable[Any] = map(Event.to_json, self.events)
        connections: Iterable[Any] = (c.to_json() for c in self.connections)
        flows: Iterable[Any] = (f.to_json() for f in self.flows)
        return {
            "schemaVersion": SCHEMA_VERSION,
            "start": iso(self.start),
            "end": iso(self.end),
            "events": events if lazy else list(events),
            "connections": connections if lazy else list(connections),
            "flows": flows if lazy else list(flows),
            "undetermined": list(self.undetermined),
            "summary": self.summary(),
            "policies": [{"id": k, "displayName": v} for k, v in self.policy_names.items()],
        }
