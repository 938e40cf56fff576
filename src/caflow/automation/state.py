"""Mutable per-simulation state of connections and flows, rendered in the docs/output.md contract."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from caflow.tokens import Failure, RefreshToken

__all__ = ["ISO", "ConnectionState", "FlowState", "iso"]


def iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.strftime("%Y-%m-%dT%H:%M:%SZ")


ISO = iso


@dataclass
class ConnectionState:
    id: str
    connector: str
    owner_id: str | None
    token: RefreshToken | None = None
    status: str = "Connected"
    failure: Failure | None = None
    broken_at: datetime | None = None
    #: Why caflow cannot tell whether this connection breaks (an unmapped connector, an owner
    #: not in the bundle: automation.verdicts.connection_undetermined); None = determined.
    undetermined: str | None = None
    #: Its next use after the window fails though no dated run touched it:
    #: ``{when, errorCode, cause, policies}`` (automation.verdicts.connection_when).
    next_use: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        f = self.failure
        out: dict[str, Any] = {
            "id": self.id,
            "connector": self.connector,
            "status": self.status,
            "errorCode": f.code if f and self.status == "Error" else None,
            "cause": f.cause if f and self.status == "Error" else None,
            "policies": list(f.policies) if f and self.status == "Error" else [],
            "brokenAt": iso(self.broken_at) if self.status == "Error" else None,
        }
        if self.status == "Error" and f is not None:
            out["statuses"] = [admin_status(self, f)]
        if self.undetermined:
            out["undetermined"] = self.undetermined
        if self.next_use:
            out["nextUse"] = self.next_use
        return out


def admin_status(conn: ConnectionState, f: Failure) -> dict[str, Any]:
    """The admin API ``statuses`` entry of a broken OAuth connection (docs/sources.md PA-1.3)."""
    from caflow.automation.connectors import service_name

    when = iso(conn.broken_at)
    # Deterministic correlation id: derived from the connection and the break time.
    import uuid

    corr = uuid.uuid5(uuid.NAMESPACE_URL, f"caflow:{conn.id}:{when}")
    return {
        "status": "Error",
        "target": "token",
        "error": {
            "code": "Unauthorized",
            "message": f"Failed to refresh access token for service: {service_name(conn.connector)}. "
            f"Correlation Id={corr}, UTC TimeStamp={when}, Error: {f.message or f.code}",
        },
    }


@dataclass
class FlowState:
    id: str
    owner_id: str | None
    state: str = "Started"
    suspension_reason: str | None = None
    failed_runs: int = 0
    runs: int = 0
    first_failure_at: datetime | None = None
    failing_since: datetime | None = None
    turned_off_at: datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    #: Its next run fails, at a moment the export does not date: ``{when, connection,
    #: errorCode}`` (automation.verdicts.flow_impact).
    next_run: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        out = {
            "id": self.id,
            "state": self.state,
            "runs": self.runs,
            "failedRuns": self.failed_runs,
            "firstFailureAt": iso(self.first_failure_at),
            "turnedOffAt": iso(self.turned_off_at),
            "flowSuspensionReason": self.suspension_reason or "None",
        }
        if self.next_run:
            out["nextRun"] = self.next_run
        return out
