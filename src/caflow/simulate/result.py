"""Simulation output: events + final state in the ``simulate --json`` contract (docs/output.md)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from caflow.automation.state import ConnectionState, FlowState, iso

__all__ = [
    "LISTED_FAILURES",
    "SCHEMA_VERSION",
    "Event",
    "SimulationResult",
    "compact_events",
]

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
    #: Identical failed runs of one flow in a row this event stands for (``at`` the first,
    #: ``last_at`` the last): the output stays bounded however often a broken flow runs.
    count: int = 1
    last_at: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
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
        if self.count > 1:
            out["count"] = self.count
            out["lastAt"] = iso(self.last_at)
        return out

    def moved(self, at: datetime, count: int = 1, last_at: datetime | None = None) -> Event:
        """The same event at ``at`` (another run of a streak; ``count``/``last_at``: see above)."""
        return Event(
            at,
            self.kind,
            self.connection,
            self.flow,
            self.user,
            self.error_code,
            self.policies,
            self.cause,
            self.message,
            count,
            last_at,
        )

    def same_run_failure(self, other: Event) -> bool:
        """Both are the same failed run of one flow (only the time differs)."""
        return (
            self.kind == other.kind == "runFailed"
            and (self.flow, self.connection, self.user, self.error_code)
            == (other.flow, other.connection, other.user, other.error_code)
            and (self.policies, self.cause, self.message)
            == (other.policies, other.cause, other.message)
        )


#: Identical failed runs of one flow in a row listed one by one before the rest is counted.
LISTED_FAILURES = 100


def compact_events(events: Iterable[Event]) -> list[Event]:
    """Identical ``runFailed`` events of one flow in a row (no other event of that flow in
    between): the first :data:`LISTED_FAILURES` as they are, the rest as one event with a
    ``count`` - a PT1M flow failing for 14 days is 101 events, not 20,160 (SECURITY.md
    "bounded work"); the same for the fast path and the plain loop."""
    out: list[Event] = []
    last: dict[str, int] = {}  # flow -> index in out of its latest event
    streak: dict[str, int] = {}  # flow -> identical failed runs in a row so far
    for e in events:
        i = last.get(e.flow) if e.flow else None
        if e.flow and i is not None and out[i].same_run_failure(e):
            before = streak[e.flow]
            streak[e.flow] = before + e.count
            if before > LISTED_FAILURES:  # out[i] already counts the runs past the list
                prev = out[i]
                out[i] = replace(prev, count=prev.count + e.count, last_at=e.last_at or e.at)
                continue
        elif e.flow:
            streak[e.flow] = e.count if e.kind == "runFailed" else 0
        out.append(e)
        if e.flow:
            last[e.flow] = len(out) - 1
    return out


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
