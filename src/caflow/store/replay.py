"""Replay results in DuckDB (default ``.caflow/caflow.duckdb``).

Tables (one row per run in ``replay_runs``; the others carry ``run_id``):

- ``replay_runs``: run_id, created (UTC), caflow version, now, logs, bundle, proposed, summary
  (the whole JSON result);
- ``replay_policies``: per side (baseline/proposed) and policy, the counters;
- ``replay_changes``: sign-ins the proposal would fail or prompt (``flow`` marks Flow Service /
  connector refreshes);
- ``replay_signins``: every evaluated sign-in with its baseline/proposed decision.

All of a run is written in one transaction: a failed run leaves nothing behind.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from caflow import __version__
from caflow.errors import InputError, Shown, did_you_mean_hint
from caflow.replay.outcome import COUNTERS

__all__ = ["DEFAULT_STORE", "StoredRun", "list_runs", "load_run", "open_run", "read_run"]

DEFAULT_STORE = Path(".caflow") / "caflow.duckdb"

_DDL = (
    """CREATE TABLE IF NOT EXISTS replay_runs (run_id VARCHAR PRIMARY KEY, created TIMESTAMPTZ,
    caflow_version VARCHAR, now TIMESTAMPTZ, logs VARCHAR, bundle VARCHAR, proposed VARCHAR,
    summary JSON)""",
    "CREATE TABLE IF NOT EXISTS replay_policies (run_id VARCHAR, side VARCHAR, policy_id VARCHAR, "
    "display_name VARCHAR, state VARCHAR, " + ", ".join(f'"{c}" BIGINT' for c in COUNTERS) + ")",
    """CREATE TABLE IF NOT EXISTS replay_changes (run_id VARCHAR, flow BOOLEAN, id VARCHAR,
    time VARCHAR, "user" VARCHAR, app VARCHAR, resource VARCHAR, decision VARCHAR,
    error_code VARCHAR, policies VARCHAR[], connections VARCHAR[])""",
)


class RunWriter:
    """Writes one run inside an open transaction."""

    def __init__(self, con: Any, run_id: str) -> None:
        self.con = con
        self.run_id = run_id
        self._signins = False

    def add_signins(self, batch: pa.RecordBatch) -> None:
        """Append per-sign-in rows. The batch is scanned from this frame's local variable
        (DuckDB's replacement scan), not ``register``-ed: a registered Arrow table stays alive
        until the run's transaction commits (measured: ~17 MB of Arrow memory per 262k-row
        batch, 5.5 GB peak RSS for a 10M-row replay)."""
        signin_rows = batch  # noqa: F841 - read by name by the SQL below (replacement scan)
        if not self._signins:
            self.con.execute(
                "CREATE TABLE IF NOT EXISTS replay_signins AS "
                "SELECT *, ''::VARCHAR AS run_id FROM signin_rows LIMIT 0"
            )
            self._signins = True
        self.con.execute(
            "INSERT INTO replay_signins BY NAME SELECT *, ?::VARCHAR AS run_id FROM signin_rows",
            [self.run_id],
        )

    def finish(self, result: dict[str, Any], *, logs: str, bundle: str, proposed: str) -> None:
        self.con.execute(
            "INSERT INTO replay_runs VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                self.run_id,
                datetime.now(tz=UTC),
                __version__,
                result["now"],
                logs,
                bundle,
                proposed,
                json.dumps(result),
            ],
        )
        for side in ("baseline", "proposed"):
            for p in result.get(side, {}).get("policies", []):
                self.con.execute(
                    f"INSERT INTO replay_policies VALUES ({', '.join('?' * (5 + len(COUNTERS)))})",
                    [self.run_id, side, p["id"], p["displayName"], p["state"]]
                    + [p[c] for c in COUNTERS],
                )
        for key, flow in (("changes", False), ("flowConnections", True)):
            for r in result.get(key, {}).get("rows", []):
                self.con.execute(
                    "INSERT INTO replay_changes VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        self.run_id,
                        flow,
                        r["id"],
                        r["time"],
                        r["user"],
                        r["app"],
                        r["resource"],
                        r["decision"],
                        r["errorCode"],
                        r["policies"],
                        r.get("connections", []),
                    ],
                )


@contextmanager
def open_run(path: Path) -> Iterator[RunWriter]:
    """A transaction for one run; rolled back if the body raises."""
    import duckdb

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(path))
    except (OSError, duckdb.Error) as exc:
        raise InputError(
            "cannot open the result store",
            file=str(path),
            expected="a writable DuckDB file (--store PATH)",
            got=str(exc).splitlines()[0],
        ) from None
    try:
        for ddl in _DDL:
            con.execute(ddl)
        con.execute("BEGIN TRANSACTION")
        writer = RunWriter(con, uuid.uuid4().hex[:12])
        try:
            yield writer
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")
    finally:
        con.close()


def _read_only(path: Path) -> Any:
    """The store opened read-only (a viewer never changes results); a missing or unreadable
    store is bad input naming the file."""
    import duckdb

    if not path.is_file():
        raise InputError(
            "no result store here",
            file=str(path),
            expected=f"the DuckDB file caflow replay wrote (--store PATH, default {DEFAULT_STORE})",
            got=Shown("no such file"),
        )
    try:
        return duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        raise InputError(
            "cannot open the result store",
            file=str(path),
            expected="a DuckDB file written by caflow replay",
            got=Shown(str(exc).splitlines()[0]),
        ) from None


def list_runs(path: Path) -> list[dict[str, Any]]:
    """Stored replay runs, newest first: run id, when, caflow version, inputs, evaluated."""
    import duckdb

    con = _read_only(path)
    try:
        rows = con.execute(
            "SELECT run_id, created, caflow_version, now, logs, bundle, proposed, "
            "json_extract(summary, '$.evaluated') FROM replay_runs ORDER BY created DESC, run_id"
        ).fetchall()
    except duckdb.Error:
        rows = []  # a store without replay tables holds no run
    finally:
        con.close()
    keys = ("runId", "created", "caflowVersion", "now", "logs", "bundle", "proposed", "evaluated")
    return [
        {k: (_utc(v) if isinstance(v, datetime) else v) for k, v in zip(keys, r, strict=True)}
        for r in rows
    ]


def _utc(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def load_run(path: Path, run_id: str) -> dict[str, Any]:
    """The whole JSON result of one stored run (what ``caflow replay --format json`` wrote); an
    unknown id is bad input with the closest stored one."""
    import duckdb

    con = _read_only(path)
    try:
        row = con.execute("SELECT summary FROM replay_runs WHERE run_id = ?", [run_id]).fetchone()
    except duckdb.Error:
        row = None
    finally:
        con.close()
    if row is None:
        ids = [r["runId"] for r in list_runs(path)]
        raise InputError(
            "no such replay run",
            file="--run",
            expected=f"a run id stored in {path}: " + (", ".join(ids[:10]) or "(none)"),
            got=run_id,
            hint=did_you_mean_hint(run_id, ids),
        )
    result: dict[str, Any] = json.loads(row[0])
    return result


@dataclass(frozen=True)
class StoredRun:
    """One stored replay run: where it came from and its whole JSON result."""

    run_id: str
    created: str
    logs: str
    bundle: str
    proposed: str
    result: dict[str, Any]


def read_run(path: Path, run_id: str | None = None) -> StoredRun:
    """A stored run (``run_id``, else the newest) with its provenance: ``caflow report --store``
    makes a page from what ``replay`` kept without recomputing it."""
    runs = list_runs(path)
    if not runs:
        raise InputError(
            "the store holds no replay run",
            file=str(path),
            path="replay_runs",
            expected="at least one run (caflow replay --store PATH writes one)",
            got=Shown("none"),
        )
    result = load_run(path, run_id or runs[0]["runId"])
    meta = next(r for r in runs if r["runId"] == (run_id or runs[0]["runId"]))
    return StoredRun(
        run_id=meta["runId"],
        created=meta["created"],
        logs=meta["logs"],
        bundle=meta["bundle"],
        proposed=meta["proposed"],
        result=result,
    )
