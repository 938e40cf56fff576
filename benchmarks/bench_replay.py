"""Replay throughput: compiled evaluator vs the one-sign-in evaluator, 1 process vs all cores,
end to end from Parquet and from Graph JSON Lines, peak memory.

Run: ``python benchmarks/bench_replay.py [--rows 1000000] [--big-rows 10000000]
[--jsonl-rows 200000] [--users 5000] [--policies 100] [--work DIR] [--no-dask]`` (prints a table;
not a test). The logs and tenant come from ``caflow synth`` (seeded). Each figure runs in a fresh
process so its peak RSS (``ru_maxrss``) is its own; the 10M-row runs stream (bounded memory).
CPU seconds are reported beside wall seconds: the machine is shared. Targets (issue 11, on 2
cores): >= 5M sign-ins/s through the compiled evaluator, >= 1M/s end to end from Parquet,
>= 300k/s from JSON Lines.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import resource
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

NOW = datetime(2026, 2, 1, tzinfo=UTC)


def _tenant(work: Path):  # type: ignore[no-untyped-def]
    from caflow.cli.common import load_tenant

    return load_tenant(work / "bundle")


def _one_signin(work: Path, log: Path, sample: int) -> tuple[int, float, int]:
    import pyarrow.parquet as pq

    from caflow.engine.evaluate import evaluate
    from caflow.replay.signals import signin_of

    tenant = _tenant(work)
    rows = pq.read_table(log).slice(0, sample).to_pylist()
    t, c = time.perf_counter(), time.process_time()
    for row in rows:
        evaluate(tenant, signin_of(tenant, row), NOW)
    return len(rows), time.perf_counter() - t, _rss(), time.process_time() - c


def _compiled(work: Path, log: Path) -> tuple[int, float, int, float, float, float]:
    """(rows, warm s, rss, cold s, warm CPU s, cold CPU s) over pre-encoded columns."""
    from caflow.io.signins import LoadStats, read_signins
    from caflow.replay.compiled import CompiledPolicySet
    from caflow.replay.run import EVAL_BATCH_ROWS

    tenant = _tenant(work)
    compiled = CompiledPolicySet(tenant, NOW)
    batches = list(read_signins([log], LoadStats(), batch_rows=EVAL_BATCH_ROWS, dictionary=True))
    codes = [compiled.encode(b) for b in batches]
    n = sum(b.num_rows for b in batches)
    t, cpu = time.perf_counter(), time.process_time()
    for c in codes:
        compiled.evaluate_codes(c)
    cold, cold_cpu = time.perf_counter() - t, time.process_time() - cpu
    t, cpu = time.perf_counter(), time.process_time()
    for c in codes:
        compiled.evaluate_codes(c)
    return n, time.perf_counter() - t, _rss(), cold, time.process_time() - cpu, cold_cpu


def _compiled_stream(work: Path, log: Path) -> tuple[int, float, int, float]:
    """The compiled evaluator over a whole (large) log, streamed: only evaluate_codes is timed
    (reading and encoding are the end-to-end rows' business); includes the first pass."""
    from caflow.io.signins import LoadStats, read_signins
    from caflow.replay.compiled import CompiledPolicySet
    from caflow.replay.run import EVAL_BATCH_ROWS

    tenant = _tenant(work)
    compiled = CompiledPolicySet(tenant, NOW)
    n, secs, cpu = 0, 0.0, 0.0
    for batch in read_signins([log], LoadStats(), batch_rows=EVAL_BATCH_ROWS, dictionary=True):
        codes = compiled.encode(batch)
        t, c = time.perf_counter(), time.process_time()
        compiled.evaluate_codes(codes)
        secs += time.perf_counter() - t
        cpu += time.process_time() - c
        n += batch.num_rows
    return n, secs, _rss(), cpu


def _end_to_end(work: Path, log: Path) -> tuple[int, float, int]:
    from caflow.replay.run import replay_logs

    tenant = _tenant(work)
    t, c = time.perf_counter(), time.process_time()
    run = replay_logs([log], tenant, NOW)
    run.to_json()
    return run.rows, time.perf_counter() - t, _rss(), time.process_time() - c


def _end_to_end_store(work: Path, log: Path) -> tuple[int, float, int, float]:
    """As ``caflow replay`` runs by default: per-sign-in rows stored in DuckDB."""
    from caflow.replay.run import replay_logs
    from caflow.store.replay import open_run

    tenant = _tenant(work)
    store = Path(tempfile.mkdtemp(prefix="caflow-bench-store-")) / "caflow.duckdb"
    t, c = time.perf_counter(), time.process_time()
    with open_run(store) as writer:
        run = replay_logs([log], tenant, NOW, row_sink=writer.add_signins)
        writer.finish(run.to_json(), logs=str(log), bundle=str(work / "bundle"), proposed="")
    return run.rows, time.perf_counter() - t, _rss(), time.process_time() - c


def _dask(work: Path, log: Path, workers: int) -> tuple[int, float, int]:
    from dask.distributed import Client, LocalCluster

    from caflow.replay.scale import replay_dask

    tenant = _tenant(work)
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True) as cluster:
        t = time.perf_counter()
        result = replay_dask([log], tenant, NOW, scheduler=cluster.scheduler_address).to_json()
        secs = time.perf_counter() - t
        with Client(cluster) as client:  # the workers' CPU seconds (incl. their start-up)
            cpu = sum(client.run(time.process_time).values())
        return result["evaluated"], secs, _rss(), cpu


def _rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _isolated(fn, *args):  # type: ignore[no-untyped-def]
    """Run in a fresh (non-daemonic: dask starts its own processes) process: own peak RSS."""
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(1, mp_context=mp.get_context("spawn")) as pool:
        return pool.submit(fn, *args).result()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--big-rows", type=int, default=10_000_000, help="0: skip the large run")
    ap.add_argument("--jsonl-rows", type=int, default=200_000)
    ap.add_argument("--users", type=int, default=5_000)
    ap.add_argument("--policies", type=int, default=100)
    ap.add_argument("--sample", type=int, default=2_000, help="rows for the one-sign-in path")
    ap.add_argument("--work", type=Path, default=None)
    ap.add_argument("--no-dask", action="store_true", help="skip the dask LocalCluster row")
    args = ap.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="caflow-bench-"))
    from caflow.replay.synth import synth

    pq_dir, js_dir = work / "parquet", work / "jsonl"
    if not (pq_dir / "signins.parquet").exists():
        synth(pq_dir, users=args.users, sign_ins=args.rows, policies=args.policies, seed=1)
    if not (js_dir / "signins-jsonl.jsonl").exists():
        synth(
            js_dir,
            users=args.users,
            sign_ins=args.jsonl_rows,
            fmt="jsonl",
            policies=args.policies,
            seed=1,
        )
    big_dir = work / "parquet-big"
    if args.big_rows and not (big_dir / "signins.parquet").exists():
        synth(big_dir, users=args.users, sign_ins=args.big_rows, policies=args.policies, seed=1)
    pq_log, js_log = pq_dir / "signins.parquet", js_dir / "signins-jsonl.jsonl"
    big_log = big_dir / "signins.parquet"
    cores = os.cpu_count() or 1
    rows: list[tuple[str, int, float, int, float]] = []
    n, secs, rss, cpu = _isolated(_one_signin, pq_dir, pq_log, args.sample)
    one_rate = n / secs
    rows.append(("one-sign-in evaluator (engine.evaluate per row)", n, secs, rss, cpu))
    n, warm, rss, cold, warm_cpu, cold_cpu = _isolated(_compiled, pq_dir, pq_log)
    rows.append(("compiled, first pass (compiling distinct inputs)", n, cold, rss, cold_cpu))
    rows.append(("compiled, warm (encoded columns), 1 process", n, warm, rss, warm_cpu))
    if args.big_rows:
        rows.append(
            (
                "compiled, streamed over the large log, 1 process",
                *_isolated(_compiled_stream, big_dir, big_log),
            )
        )
    rows.append(("end to end from Parquet, 1 process", *_isolated(_end_to_end, pq_dir, pq_log)))
    rows.append(
        (
            "end to end from Parquet + DuckDB store (CLI default)",
            *_isolated(_end_to_end_store, pq_dir, pq_log),
        )
    )
    if args.big_rows:
        rows.append(
            (
                "end to end from Parquet (large log), 1 process",
                *_isolated(_end_to_end, big_dir, big_log),
            )
        )
    if not args.no_dask:
        target, target_dir = (big_log, big_dir) if args.big_rows else (pq_log, pq_dir)
        rows.append(
            (
                f"end to end from Parquet, dask {cores} workers",
                *_isolated(_dask, target_dir, target, cores),
            )
        )
    rows.append(
        ("end to end from Graph JSON Lines, 1 process", *_isolated(_end_to_end, js_dir, js_log))
    )
    print(
        f"caflow replay benchmark: {args.policies} policies, {args.users:,} users, "
        f"{cores} cores (shared machine), work dir {work}"
    )
    print(
        f"{'measure':<52} {'rows':>10} {'seconds':>9} {'sign-ins/s':>12} {'x one':>8} "
        f"{'CPU s':>7} {'per CPU-s':>10} {'peak RSS':>9}"
    )
    for name, n, secs, rss, cpu in rows:
        rate = n / secs if secs else float("inf")
        per_cpu = f"{n / cpu:>10,.0f}" if cpu == cpu and cpu else f"{'-':>10}"
        cpu_text = f"{cpu:>7.2f}" if cpu == cpu else f"{'-':>7}"
        print(
            f"{name:<52} {n:>10,} {secs:>9.2f} {rate:>12,.0f} {rate / one_rate:>8,.0f} "
            f"{cpu_text} {per_cpu} {rss / 2**20:>7,.0f}MB"
        )


if __name__ == "__main__":
    main()
