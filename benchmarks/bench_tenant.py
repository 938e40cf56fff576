"""Tenant-scale benchmark: load, advise, simulate 365 d and check on generated tenants.

Each measurement runs in a fresh child process (so peak memory is that stage's own, read with
``wait4``): the child loads the bundle, runs the stage and renders its JSON the way the CLI
does. ``time`` is the stage alone (load excluded, except for the load row); ``peak MB`` is the
child's maximum resident set (interpreter + tenant + stage). Every figure is the median of
``--repeat`` runs (reference: ``--reference-repeat``): the machine is shared, timings are
noisy; CPU seconds of the stage are printed too, they are steadier.

The *reference* column runs the project's own one-record-at-a-time path on the same tenant:
advise/check evaluate every user separately with linear scans of connections and flows, and
simulate/check run the event loop for every connection. It is skipped at sizes above
``--reference-max`` (the full-size reference check takes over 10 minutes).

``load`` reads the bundle as generated (``directory.yaml``, the file ``caflow pull`` writes;
Power Platform and policy exports are JSON); ``load-json`` the same tenant with the directory
as ``directory.json``.

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
STAGES = ("load", "load-json", "advise", "simulate", "simulate-loop", "check", "check-loop")
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
    """Run one stage; print its wall and CPU seconds as JSON on stdout. The result is written
    as the CLI writes ``--format json`` (streamed), to /dev/null."""
    from caflow.io.bundle import load_bundle
    from caflow.report import render_chunks
    from caflow.report.json import chunks

    def render(result: Any, fmt: str) -> None:
        with open(os.devnull, "w", encoding="utf-8") as sink:
            sink.writelines(render_chunks(result, fmt))

    clock = _Clock()
    if stage == "load-json":
        bundle = bundle.with_name(bundle.name + "-json")
    tenant = load_bundle(bundle)
    if stage.startswith("load"):
        print(json.dumps(clock.lap()))
        return
    kw = _reference_kwargs(reference)
    if stage.endswith("-loop"):  # the event loop alone: no numpy lifetime path (covered.py)
        stage, kw = stage.removesuffix("-loop"), {**kw, "vectorized": False}
    if stage == "check":
        from caflow.check import build_proposed

        proposed = build_proposed(tenant, [bundle.parent / "bench-mfa-policy.json"])
    clock.lap()
    if stage == "advise":
        from caflow.advise import run_advise

        render(run_advise(tenant, **kw), "json")
    elif stage == "simulate":
        from caflow.simulate import simulate_tenant

        result = simulate_tenant(tenant, START, START + timedelta(days=365), **kw)
        with open(os.devnull, "w", encoding="utf-8") as sink:
            sink.writelines(chunks(result.to_json(lazy=True), ensure_ascii=True))
    elif stage == "check":
        from caflow.check import run_check

        render(run_check(tenant, proposed, START, START + timedelta(days=90), **kw), "json")
    else:
        raise SystemExit(f"unknown stage {stage}")
    print(json.dumps(clock.lap()))


class _Clock:
    def __init__(self) -> None:
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def lap(self) -> dict[str, float]:
        wall, cpu = time.perf_counter(), time.process_time()
        out = {"seconds": wall - self.wall, "cpu": cpu - self.cpu}
        self.wall, self.cpu = wall, cpu
        return out


Figures = tuple[float, float, float]  # wall seconds, CPU seconds, peak MB


def measure(stage: str, bundle: Path, reference: bool) -> Figures:
    """(seconds, CPU seconds, peak MB) of one child run."""
    cmd = [sys.executable, __file__, "--child", stage, str(bundle)]
    if reference:
        cmd.append("--reference")
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(proc.pid, 0)
    out = proc.stdout.read() if proc.stdout else ""
    err = proc.stderr.read() if proc.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{stage} failed:\n{err}")
    got = json.loads(out.strip().splitlines()[-1])
    return got["seconds"], got["cpu"], usage.ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--child", nargs=2, metavar=("STAGE", "BUNDLE"))
    ap.add_argument("--reference", action="store_true")
    ap.add_argument("--scales", default="0.1,1")
    ap.add_argument("--stages", default=",".join(STAGES))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--reference-max", type=float, default=0.1)
    ap.add_argument("--reference-repeat", type=int, default=1)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workdir", type=Path, default=None)
    args = ap.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]), args.reference)
        return
    sys.path.insert(0, str(HERE))
    from gen_tenant import generate

    work = args.workdir or Path(tempfile.mkdtemp(prefix="caflow-bench-"))
    (work / "bench-mfa-policy.json").write_text(json.dumps(MFA_POLICY))
    print(
        f"{'scale':>5} {'stage':<9} {'wall s':>7} {'cpu s':>7} {'peak MB':>7} "
        f"{'ref wall':>8} {'ref cpu':>8} {'ref MB':>7} {'cpu ratio':>9}"
    )
    for scale in (float(s) for s in args.scales.split(",")):
        bundle = work / f"tenant-{scale:g}-seed{args.seed}"
        if not (bundle / "tenant.yaml").exists():
            generate(bundle, scale=scale, seed=args.seed)
        as_json = bundle.with_name(bundle.name + "-json")
        if not (as_json / "tenant.yaml").exists():
            generate(as_json, scale=scale, seed=args.seed, directory_format="json")
        for stage in args.stages.split(","):
            fast = _median([measure(stage, bundle, False) for _ in range(args.repeat)])
            ref = None
            if scale <= args.reference_max and stage in REFERENCE_STAGES:
                ref = _median([measure(stage, bundle, True) for _ in range(args.reference_repeat)])
            _print_row(scale, stage, fast, ref)
    print(
        f"\n{os.cpu_count()} cores (shared); medians of {args.repeat} runs "
        f"({args.reference_repeat} for the reference); peak = max RSS of the child process"
    )


def _median(runs: list[Figures]) -> Figures:
    return (
        statistics.median(r[0] for r in runs),
        statistics.median(r[1] for r in runs),
        max(r[2] for r in runs),
    )


def _print_row(scale: float, stage: str, fast: Figures, ref: Figures | None) -> None:
    cols = f"{scale:>5g} {stage:<9} {fast[0]:>7.2f} {fast[1]:>7.2f} {fast[2]:>7.0f}"
    if ref is None:
        cols += f" {'-':>8} {'-':>8} {'-':>7} {'-':>9}"
    else:
        ratio = ref[1] / fast[1] if fast[1] else float("inf")
        cols += f" {ref[0]:>8.1f} {ref[1]:>8.1f} {ref[2]:>7.0f} {ratio:>8.0f}x"
    print(cols, flush=True)


if __name__ == "__main__":
    main()
