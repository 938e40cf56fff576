"""``--engine dask``: a 2-worker LocalCluster over Parquet row groups gives the local result."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from tests.examples_paths import CONTOSO

from caflow.io.bundle import load_bundle
from caflow.model.policy import PolicyState
from caflow.replay.run import replay_logs
from caflow.replay.scale import replay_dask

from .signin_records import T0, batch_of, seeded_records

distributed = pytest.importorskip("distributed")


def _strip(result: dict) -> dict:
    out = dict(result)
    for side in ("baseline", "proposed"):
        if side in out:
            out[side] = {k: v for k, v in out[side].items() if k != "signatures"}
    return out


def test_dask_equals_local(tmp_path: Path) -> None:
    tenant = load_bundle(CONTOSO)
    records = seeded_records(tenant, 400, seed=11)
    for i in range(2):  # two files, two row groups each
        pq.write_table(
            batch_of(records[i * 200 : (i + 1) * 200]),
            tmp_path / f"p{i}.parquet",
            row_group_size=100,
        )
    # switch every disabled / report-only policy on
    proposed = tenant.with_policies(
        tuple(replace(p, state=PolicyState.ENABLED) for p in tenant.policies)
    )
    local = replay_logs([tmp_path], tenant, T0, proposed=proposed).to_json()
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True) as cluster:
        merged = replay_dask(
            [tmp_path], tenant, T0, proposed=proposed, scheduler=cluster.scheduler_address
        ).to_json()
    assert local["evaluated"] == merged["evaluated"] > 300  # managed identities not evaluated
    assert _strip(merged) == _strip(local)
    assert local["changes"]["count"] + local["flowConnections"]["count"] > 0
