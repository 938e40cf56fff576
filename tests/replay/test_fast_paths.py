"""The replay's reading fast paths give the same result as the plain reading.

``replay_logs`` reads Parquet and Graph JSON Lines dictionary-encoded, only the fields it uses
(``REPLAY_FIELDS``), in row-group spans, and evaluates the rows inside the window that are not
managed identities by gathering their codes instead of filtering the batch. The reference here is
the plain reading (every field, plain strings) with the batches filtered before the replay: the
summary (every breakdown value), the listed changes and disagreements, and the stored
per-sign-in rows must be equal, on synthetic logs in each format and on the real rows in
tests/data/signins.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from tests.corpora_paths import SIGNIN_DATA
from tests.examples_paths import CONTOSO
from typer.testing import CliRunner

from caflow.cli.common import load_tenant
from caflow.cli.main import app
from caflow.io.bundle import load_bundle
from caflow.io.signins import LoadStats, read_signins
from caflow.model.tenant import Tenant
from caflow.replay.run import replay_batches, replay_logs

NOW = datetime(2026, 2, 1, tzinfo=UTC)
SINCE = datetime(2026, 1, 8, tzinfo=UTC)
UNTIL = datetime(2026, 1, 25, tzinfo=UTC)


def _synth(out: Path, fmt: str) -> tuple[Path, Tenant]:
    result = CliRunner().invoke(
        app,
        [
            *("synth", "--out", str(out), "--users", "150", "--sign-ins", "3000"),
            *("--log-format", fmt, "--seed", "5", "--policies", "60"),
        ],
    )
    assert result.exit_code == 0, result.output
    log = next(p for p in out.iterdir() if p.is_file())
    return log, load_tenant(out / "bundle")


def _enforced(tenant: Tenant) -> Tenant:
    """Report-only policies switched on: a proposal that changes decisions."""
    return tenant.with_policies(
        tuple(replace(p, state="enabled") if p.report_only else p for p in tenant.policies)
    )


def _plain(
    paths: list[Path], stats: LoadStats, since: datetime | None, until: datetime | None
) -> Iterator[pa.RecordBatch]:
    """Every field as plain strings; rows outside the window and managed identities removed
    from the batch before the replay sees it (what the fast path must equal)."""
    for batch in read_signins(paths, stats, batch_rows=997):
        t = batch.column("createdDateTime")
        keep = pc.invert(
            pc.equal(batch.column("signInEventType"), "managedIdentity").fill_null(False)
        )
        if since is not None:
            keep = pc.and_(keep, pc.greater_equal(t, pa.scalar(since, t.type)).fill_null(False))
        if until is not None:
            keep = pc.and_(keep, pc.less(t, pa.scalar(until, t.type)).fill_null(False))
        yield batch.filter(keep)


def _rows(sink: list[pa.RecordBatch]) -> list[dict[str, Any]]:
    return [r for b in sink for r in b.to_pylist()]


def _compare(paths: list[Path], base: Tenant, proposed: Tenant | None, window: bool) -> None:
    since, until = (SINCE, UNTIL) if window else (None, None)
    fast_rows: list[pa.RecordBatch] = []
    fast = replay_logs(
        paths, base, NOW, proposed=proposed, since=since, until=until, row_sink=fast_rows.append
    ).to_json(top=None)
    stats = LoadStats()
    slow_rows: list[pa.RecordBatch] = []
    slow = replay_batches(
        _plain(paths, stats, since, until),
        stats,
        base,
        NOW,
        proposed=proposed,
        row_sink=slow_rows.append,
    ).to_json(top=None)
    # The reference filtered before the replay: it cannot count what it removed.
    assert sum(fast.pop("notEvaluated").values()) == fast["input"]["kept"] - fast["evaluated"]
    slow.pop("notEvaluated")
    assert fast == slow
    assert _rows(fast_rows) == _rows(slow_rows)


@pytest.mark.parametrize("fmt", ["parquet", "jsonl", "loganalytics"])
@pytest.mark.parametrize("window", [False, True])
def test_synthetic_logs(tmp_path: Path, fmt: str, window: bool) -> None:
    log, tenant = _synth(tmp_path / fmt, fmt)
    _compare([log], tenant, _enforced(tenant), window)


@pytest.mark.parametrize(
    "log",
    [SIGNIN_DATA / "msticpy-aad-logons" / "SigninLogs.jsonl", SIGNIN_DATA / "msgraph-docs"],
    ids=lambda p: p.name,
)
def test_real_rows(log: Path) -> None:
    tenant = load_bundle(CONTOSO)
    _compare([log], tenant, _enforced(tenant), window=False)
