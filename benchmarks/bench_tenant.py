"""Tenant-scale benchmark: load, advise, simulate 365 d and check on generated tenants.

Each measurement runs in a fresh child process (so peak memory is that stage's own, read with
``wait4``): the child loads the bundle, runs the stage and renders its JSON the way the CLI
does. ``time`` is the stage alone (load excluded, except for the load row); ``peak MB`` is the
child's maximum resident set (interpreter + tenant + stage). Every figure is the median of
``--repeat`` runs: the machine is shared, timings are noisy.

The *reference* column runs the project's own one-record-at-a-time path on the same tenant:
advise/check evaluate every user separately with linear scans of connections and flows, and
simulate/check run the event loop for every connection. It is skipped at sizes above
``--reference-max`` (the full-size reference check takes over 10 minutes).

    python benchmarks/bench_tenant.py [--scales 0.1,1] [--repeat 3] [--seed 1]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
START = datetime(2026, 1, 5, 9, tzinfo=UTC)
STAGES = ("load", "advise", "simulate", "check")
#: Stages with a reference path to compare against.
REFERENCE_STAGES = ("advise", "simulate", "check")
#: The proposed change of the check row: one MFA policy for every user on Office 365.
MFA_POLICY = {
    "id": "bench-require-mfa-office365",
    "displayName": "Require MFA for Office 365",
    "state": "enabled",
    "conditions": {
        "clientAppTypes": ["all"],
        "users": {"includeUsers": ["All"]},
        "applications": {"includeApplications": ["Office365"]},
    },
    "grantControls": {"operator": "OR", "builtInControls": ["mfa"]},
}


def _reference_kwargs(reference: bool) -> dict[str, Any]:
    return {"reference": True} if reference else {}


def child(stage: str, bundle: Path, reference: bool) -> None:
    """Run one stage; print its seconds as JSON on stdout."""
    from caflow.io.bundle import load_bundle
    from caflow.report import render

    t0 = time.perf_counter()
    tenant = load_bundle(bundle)
    t1 = time.perf_counter()
    kw = _reference_kwargs(reference)
    if stage == "load":
        elapsed = t1 - t0
    elif stage == "advise":
        from caflow.advise import run_advise

        render(run_advise(tenant, **kw), "json")
        elapsed = time.perf_counter() - t1
    elif stage == "simulate":
        from caflow.simulate import simulate_tenant

        result = simulate_tenant(tenant, START, START + timedelta(days=365), **kw)
        json.dumps(result.to_json(), indent=2)
        elapsed = time.perf_counter() - t1
    elif stage == "check":
        from caflow.check import build_proposed, run_check

        proposed = build_proposed(tenant, [bundle.parent / "bench-mfa-policy.json"])
        t1 = time.perf_counter()
        result = run_check(tenant, proposed, START, START + timedelta(days=90), **kw)
        render(result, "json")
        elapsed = time.perf_counter() - t1
    else:
        raise SystemExit(f"unknown stage {stage}")
    print(json.dumps({"seconds": elapsed}))


def measure(stage: str, bundle: Path, reference: bool) -> tuple[float, float]:
    """(seconds, peak MB) of one child run."""
    cmd = [sys.executable, __file__, "--child", stage, str(bundle)]
    if reference:
        cmd.append("--reference")
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(proc.pid, 0)
    out = proc.stdout.read() if proc.stdout else ""
    err = proc.stderr.read() if proc.stderr else ""
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{stage} failed:\n{err}")
    return json.loads(out.strip().splitlines()[-1])["seconds"], usage.ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--child", nargs=2, metavar=("STAGE", "BUNDLE"))
    ap.add_argument("--reference", action="store_true")
    ap.add_argument("--scales", default="0.1,1")
    ap.add_argument("--stages", default=",".join(STAGES))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--reference-max", type=float, default=0.1)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workdir", type=Path, default=None)
    args = ap.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]), args.reference)
        return
    sys.path.insert(0, str(HERE))
    from gen_tenant import generate

    work = args.workdir or Path(tempfile.mkdtemp(prefix="caflow-bench-"))
    rows = []
    for scale in (float(s) for s in args.scales.split(",")):
        bundle = work / f"tenant-{scale:g}-seed{args.seed}"
        if not (bundle / "tenant.yaml").exists():
            generate(bundle, scale=scale, seed=args.seed)
        (work / "bench-mfa-policy.json").write_text(json.dumps(MFA_POLICY))
        for stage in args.stages.split(","):
            paths = [False] + (
                [True] if scale <= args.reference_max and stage in REFERENCE_STAGES else []
            )
            figures: dict[bool, tuple[float, float]] = {}
            for reference in paths:
                runs = [measure(stage, bundle, reference) for _ in range(args.repeat)]
                figures[reference] = (
                    statistics.median(r[0] for r in runs),
                    max(r[1] for r in runs),
                )
            rows.append((scale, stage, figures))
            _print_row(rows[-1])
    print(f"\n{os.cpu_count()} cores; medians of {args.repeat} runs; peak = max RSS of the child")


def _print_row(row: tuple[float, str, dict[bool, tuple[float, float]]]) -> None:
    scale, stage, fig = row
    if not hasattr(_print_row, "header"):
        _print_row.header = True  # type: ignore[attr-defined]
        print(
            f"{'scale':>5} {'stage':<9} {'seconds':>8} {'peak MB':>8} "
            f"{'ref s':>8} {'ref MB':>7} {'ratio':>7}"
        )
    fast_s, fast_mb = fig[False]
    ref = fig.get(True)
    ref_cols = (
        f"{ref[0]:>8.2f} {ref[1]:>7.0f} {ref[0] / fast_s:>6.1f}x"
        if ref
        else f"{'-':>8} {'-':>7} {'-':>7}"
    )
    print(f"{scale:>5g} {stage:<9} {fast_s:>8.2f} {fast_mb:>8.0f} {ref_cols}", flush=True)


if __name__ == "__main__":
    main()
