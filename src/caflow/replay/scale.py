"""``caflow replay --engine dask``: the same compiled replay over Parquet row groups on a Dask
cluster (dask.distributed), merged into the result a local run gives.

Each task reads one row group of one Parquet file (the workers must see the same paths: a shared
file system or object store mount), compiles the policy sets once per worker process, replays
the rows and returns its partial result (all breakdown values, not just the top ones); the
client adds the partial results up in partition order. Without ``--scheduler`` a LocalCluster
on this machine is started. Per-sign-in rows are not brought back to the client (the DuckDB
store gets the summary and the listed changes).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from caflow.errors import InputError, ParseError
from caflow.io.signins import LoadStats
from caflow.io.signins.parquet import flat_batch
from caflow.io.signins.reader import expand_paths
from caflow.io.signins.schema import FIELDS
from caflow.model.tenant import Tenant
from caflow.replay.run import ranked, replay_batches

__all__ = ["merge_results", "replay_dask"]


def _partitions(paths: Sequence[Path]) -> list[tuple[str, int]]:
    out: list[tuple[str, int]] = []
    for path, _ in expand_paths(paths):
        if path.suffix.lower() != ".parquet":
            raise InputError(
                "--engine dask reads Parquet",
                file=str(path),
                expected="Parquet files (convert other logs with the local engine or caflow synth)",
            )
        try:
            n = pq.ParquetFile(path).num_row_groups
        except (OSError, pa.ArrowException) as exc:
            raise ParseError(f"cannot read Parquet: {exc}", file=str(path)) from None
        out.extend((str(path), g) for g in range(n))
    return out


def _partition(
    path: str,
    group: int,
    baseline: Tenant,
    proposed: Tenant | None,
    now: datetime,
    since: datetime | None,
    until: datetime | None,
    max_listed: int,
) -> dict[str, Any]:
    stats = LoadStats()
    stats.files[path] = "parquet"
    pf = pq.ParquetFile(path)
    names = [n for n, _ in FIELDS if n in pf.schema_arrow.names]
    offset = sum(pf.metadata.row_group(i).num_rows for i in range(group))
    table = pf.read_row_group(group, columns=names)
    batches = [flat_batch(b, stats, path, offset) for b in table.combine_chunks().to_batches()]
    run = replay_batches(
        batches,
        stats,
        baseline,
        now,
        proposed=proposed,
        since=since,
        until=until,
        max_listed=max_listed,
    )
    return run.to_json(top=None)


def _add(into: dict[str, Any], other: dict[str, Any]) -> None:
    for k, v in other.items():
        if isinstance(v, bool) or v is None:
            into.setdefault(k, v)
        elif isinstance(v, int | float):
            into[k] = into.get(k, 0) + v
        elif isinstance(v, dict):
            _add(into.setdefault(k, {}), v)
        else:
            into.setdefault(k, v)


def merge_results(parts: list[dict[str, Any]], max_listed: int, top: int = 5) -> dict[str, Any]:
    """Partial replay results (``to_json(top=None)``, in partition order) -> one result."""
    out = dict(parts[0])
    out["input"] = {}
    out["evaluated"] = 0
    out["notEvaluated"] = {}
    for part in parts:
        _add(out["input"], {k: v for k, v in part["input"].items() if k != "examples"})
        for reason, where in part["input"]["examples"].items():
            out["input"].setdefault("examples", {}).setdefault(reason, where)
        out["evaluated"] += part["evaluated"]
        _add(out["notEvaluated"], part["notEvaluated"])
    out["input"].setdefault("examples", {})
    for side in ("baseline", "proposed"):
        if side not in out:
            continue
        merged: dict[str, Any] = {"decisions": {}, "signatures": 0, "unmappedValues": {}}
        policies = [dict(p, breakdown={}) for p in parts[0][side]["policies"]]
        reasons: list[Counter[str]] = [Counter() for _ in policies]
        dims: list[dict[str, Counter[str]]] = [{} for _ in policies]
        for pi, part in enumerate(parts):
            data = part[side]
            _add(merged["decisions"], data["decisions"])
            merged["signatures"] += data["signatures"]
            for note, n in data["unmappedValues"].items():
                merged["unmappedValues"][note] = max(n, merged["unmappedValues"].get(note, 0))
            for i, p in enumerate(data["policies"]):
                if pi:
                    for k, v in p.items():
                        if isinstance(v, int) and not isinstance(v, bool):
                            policies[i][k] += v
                reasons[i].update(p.get("undeterminedReasons", {}))
                for dim, values in p["breakdown"].items():
                    dims[i].setdefault(dim, Counter()).update(values)
        for i, p in enumerate(policies):
            p.pop("undeterminedReasons", None)
            if reasons[i]:
                p["undeterminedReasons"] = ranked(reasons[i], top)
            p.pop("breakdown")
            p["breakdown"] = {d: ranked(c, top) for d, c in dims[i].items()}
        merged["policies"] = policies
        out[side] = merged
    for key in ("changes", "flowConnections"):
        if key in out:
            out[key] = {
                "count": sum(p[key]["count"] for p in parts),
                "rows": [r for p in parts for r in p[key]["rows"]][:max_listed],
            }
    ag: dict[str, Any] = {}
    for part in parts:
        _add(ag, {k: v for k, v in part["agreement"].items() if k not in ("rate", "disagreements")})
    compared = ag["agree"] + ag["disagree"]
    ag["rate"] = round(ag["agree"] / compared, 6) if compared else None
    ag["disagreements"] = [d for p in parts for d in p["agreement"]["disagreements"]][:max_listed]
    out["agreement"] = ag
    return out


class _Merged:
    """Quacks like ReplayRun for the CLI: ``to_json()``."""

    def __init__(self, result: dict[str, Any]) -> None:
        self.result = result

    def to_json(self) -> dict[str, Any]:
        return self.result


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
) -> _Merged:
    """Replay Parquet logs on a Dask cluster (``scheduler`` address, or a local one)."""
    try:
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise InputError(
            "--engine dask needs dask", file="--engine", expected="pip install 'caflow[dask]'"
        ) from None
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
                group,
                base_f,
                prop_f,
                now,
                since,
                until,
                max_listed,
                pure=False,
            )
            for path, group in parts
        ]
        for fut in as_completed(futures):
            if progress is not None:
                progress(fut.result()["evaluated"])
        results = client.gather(futures)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    return _Merged(merge_results(results, max_listed))
