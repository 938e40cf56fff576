"""``caflow replay --engine dask``: the same compiled replay over Parquet row groups on a Dask
cluster (dask.distributed), merged into the result a local run gives.

Each task reads consecutive row groups (about PARTITION_ROWS rows) of one Parquet file (the workers must see the same paths: a shared
file system or object store mount), compiles the policy sets once per worker process, replays
the rows and returns its partial result (all breakdown values, not just the top ones); the
client adds the partial results up in partition order (ReplaySummary.merge: the same totals
a local run computes, so no second aggregation). Without ``--scheduler`` a LocalCluster
on this machine is started. Per-sign-in rows are not brought back to the client (the DuckDB
store gets the summary and the listed changes).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from caflow.errors import InputError, ParseError, require_extra
from caflow.io.signins import LoadStats
from caflow.io.signins.parquet import dictionary_columns, flat_batch, row_group_spans
from caflow.io.signins.reader import expand_paths
from caflow.io.signins.schema import FIELDS
from caflow.model.tenant import Tenant
from caflow.replay.compiled import CompiledPolicySet
from caflow.replay.run import EVAL_BATCH_ROWS, ReplaySummary, replay_batches

__all__ = ["replay_dask"]


#: Rows per task (consecutive row groups of one file): few enough tasks that each worker's
#: compiled policy sets and per-task totals are amortised, enough to keep every worker busy.
PARTITION_ROWS = 1 << 20


def _partitions(paths: Sequence[Path]) -> list[tuple[str, int, int]]:
    """(file, first row group, row groups) per task."""
    out: list[tuple[str, int, int]] = []
    for path, _ in expand_paths(paths):
        if path.suffix.lower() != ".parquet":
            raise InputError(
                "--engine dask reads Parquet",
                file=str(path),
                expected="Parquet files (convert other logs with the local engine or caflow synth)",
            )
        try:
            meta = pq.ParquetFile(path).metadata
        except (OSError, pa.ArrowException) as exc:
            raise ParseError(f"cannot read Parquet: {exc}", file=str(path)) from None
        out.extend((str(path), s[0], len(s)) for s in row_group_spans(meta, PARTITION_ROWS))
    return out


#: Per worker process: the policy sets compiled once, reused by every task (keyed by the
#: scattered tenants' identity; the entry keeps them alive so an id is never reused).
_COMPILED: dict[tuple[int, int, datetime], tuple[Any, ...]] = {}


def _compiled(
    baseline: Tenant, proposed: Tenant | None, now: datetime
) -> tuple[CompiledPolicySet, CompiledPolicySet | None]:
    key = (id(baseline), id(proposed), now)
    hit = _COMPILED.get(key)
    if hit is None:
        base = CompiledPolicySet(baseline, now)
        prop = CompiledPolicySet(proposed, now) if proposed is not None else None
        hit = _COMPILED[key] = (base, prop, baseline, proposed)
    return hit[0], hit[1]


def _partition(
    path: str,
    first: int,
    groups: int,
    baseline: Tenant,
    proposed: Tenant | None,
    now: datetime,
    since: datetime | None,
    until: datetime | None,
    max_listed: int,
) -> ReplaySummary:
    stats = LoadStats()
    stats.files[path] = "parquet"
    pf = pq.ParquetFile(path, read_dictionary=dictionary_columns())
    names = [n for n, _ in FIELDS if n in pf.schema_arrow.names]

    def batches() -> Iterator[pa.RecordBatch]:
        offset = sum(pf.metadata.row_group(i).num_rows for i in range(first))
        for b in pf.iter_batches(
            batch_size=EVAL_BATCH_ROWS, row_groups=range(first, first + groups), columns=names
        ):
            yield flat_batch(b, stats, path, offset)
            offset += b.num_rows

    run = replay_batches(
        batches(),
        stats,
        baseline,
        now,
        proposed=proposed,
        since=since,
        until=until,
        max_listed=max_listed,
        compiled=_compiled(baseline, proposed, now),
    )
    return run.summary(top=None)


def replay_dask(
    paths: Sequence[Path],
    baseline: Tenant,
    now: datetime,
    *,
    proposed: Tenant | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    scheduler: str | None = None,
    progress: Callable[[int], None] | None = None,
    row_sink: Callable[[pa.RecordBatch], None] | None = None,
    max_listed: int = 1000,
) -> ReplaySummary:
    """Replay Parquet logs on a Dask cluster (``scheduler`` address, or a local one)."""
    require_extra("--engine dask", "dask", ("dask.distributed",))
    from dask.distributed import Client, LocalCluster, as_completed

    parts = _partitions(paths)
    if not parts:
        raise InputError("no sign-ins", file=";".join(map(str, paths)), expected="Parquet rows")
    cluster = None
    try:
        client = Client(scheduler) if scheduler else Client(cluster := LocalCluster())
    except (OSError, TimeoutError) as exc:
        raise InputError(
            "cannot reach the Dask scheduler", file="--scheduler", got=scheduler, hint=str(exc)
        ) from None
    try:
        base_f, prop_f = client.scatter([baseline, proposed], broadcast=True)
        futures = [
            client.submit(
                _partition,
                path,
                first,
                groups,
                base_f,
                prop_f,
                now,
                since,
                until,
                max_listed,
                pure=False,
            )
            for path, first, groups in parts
        ]
        for fut in as_completed(futures):
            if progress is not None:
                progress(fut.result().rows)
        results = client.gather(futures)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    merged = results[0]
    for part in results[1:]:  # partition order: listed rows come out as a local run lists them
        merged.merge(part)
    return merged
