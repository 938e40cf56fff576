"""Power Platform objects: connections and flows (docs/sources.md PA-1 to PA-2)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from caflow.model.durations import Duration

__all__ = ["Connection", "ConnectionRef", "Flow", "Trigger"]


@dataclass(frozen=True, slots=True)
class Connection:
    name: str  # connection name (the id used in scenarios)
    connector: str  # short API name: "sharepointonline", "office365", ...
    owner_id: str | None  # Entra user object id of the account behind the connection
    status: str = "Connected"
    created: datetime | None = None
    error_message: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, hash=False, repr=False)
    #: The Power Platform environment (admin API ``properties.environment.name``); None when
    #: the export does not say. Ties the connection to what ``caflow pull`` could not read
    #: in that environment (model.pulled).
    environment: str | None = None


@dataclass(frozen=True, slots=True)
class ConnectionRef:
    key: str  # key in connectionReferences (e.g. "shared_sharepointonline")
    connection: str  # connection name
    connector: str
    source: str = "Embedded"  # Embedded | Invoker (run-only user provides the connection)


@dataclass(frozen=True, slots=True)
class Trigger:
    kind: str  # schedule | manual | sharePoint | other | unknown (no trigger in the export)
    #: None for a schedule/poll: the period is not in the export (admin API list shape
    #: ``definitionSummary``): the flow still runs, at a time caflow does not know.
    period: timedelta | None = None
    start: datetime | None = None
    site: str | None = None
    list: str | None = None
    connector: str | None = None  # connector of a connector trigger (polls with that connection)
    #: The exact step when it is calendar months (``P3M``, Recurrence ``Month``): runs fall on
    #: ``start + k x every``; ``period`` then holds its mean length for estimates.
    every: Duration | None = None
    #: Why the schedule is not known although the export has one (e.g. a Recurrence frequency
    #: outside Logic Apps' set): the flow runs at times caflow cannot tell. None = determined.
    undetermined: str | None = None

    def grid(self) -> Duration:
        """The step between runs as a calendar-aware duration."""
        return self.every or Duration(fixed=self.period or timedelta(0))


@dataclass(frozen=True, slots=True)
class Flow:
    name: str
    display_name: str
    owner_id: str | None
    state: str = "Started"
    suspension_reason: str | None = None
    trigger: Trigger = field(default_factory=lambda: Trigger("manual"))
    connections: tuple[ConnectionRef, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict, compare=False, hash=False, repr=False)
    #: False when the export does not list the flow's connection references (admin API list
    #: shape): an empty ``connections`` then means "unknown", not "none".
    connections_known: bool = True

    @property
    def runs_unscheduled(self) -> bool:
        """Runs on a schedule or by polling whose times are not in the export."""
        return self.trigger.kind in ("schedule", "sharePoint", "other") and not self.trigger.period
