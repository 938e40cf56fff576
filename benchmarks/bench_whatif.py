"""What-if latency: warm evaluation vs the naive path (reload + revalidate the bundle per request).

Run: ``python benchmarks/bench_whatif.py`` (prints a table; not a test). Target (STACK.md):
one evaluation < 1 ms warm; ``caflow --help`` cold start < 0.6 s.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from caflow.engine.evaluate import evaluate, validate_tenant
from caflow.engine.signin import SignIn
from caflow.io.bundle import load_bundle
from caflow.io.request import user_for

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 2, 2, 9, tzinfo=UTC)
BUNDLES = {
    "contoso": ROOT / "src" / "caflow" / "examples" / "contoso",
    "j0eyv": ROOT.parent / "shared" / "data" / "policies" / "j0eyv-ConditionalAccessBaseline",
    "AlexFilipin": ROOT.parent / "shared" / "data" / "policies" / "AlexFilipin-ConditionalAccess",
}


def _signin(tenant, app: str) -> SignIn:
    return SignIn(
        user=user_for(tenant, "alice@contoso.com"),
        app_id=app,
        ip="8.8.8.8",
        platform="windows",
        client_app="browser",
        device={"deviceId": "d", "isCompliant": True, "trustType": "AzureAD"},
    )


def _time(fn, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples)


def main() -> None:
    rows = []
    for name, path in BUNDLES.items():
        if not path.exists():
            continue
        tenant = load_bundle(path)
        validate_tenant(tenant)
        signin = _signin(tenant, "00000003-0000-0ff1-ce00-000000000000")
        evaluate(tenant, signin, NOW)  # warm caches (filters compiled, IPs parsed)
        warm = _time(lambda t=tenant, s=signin: evaluate(t, s, NOW), 2000)

        def naive(p=path) -> None:
            t = load_bundle(p)
            validate_tenant(t)
            evaluate(t, _signin(t, "00000003-0000-0ff1-ce00-000000000000"), NOW)

        cold = _time(naive, 20)
        rows.append((name, len(tenant.policies), warm * 1e3, cold * 1e3, cold / warm))
    print(f"{'bundle':<12} {'policies':>8} {'warm ms':>9} {'naive ms':>9} {'ratio':>8}")
    for name, n, warm, cold, ratio in rows:
        print(f"{name:<12} {n:>8} {warm:>9.3f} {cold:>9.1f} {ratio:>7.0f}x")
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "caflow.cli.main", "--help"], capture_output=True, check=False
    )
    print(f"\nCLI cold start (python -m caflow.cli.main --help): {time.perf_counter() - t0:.2f} s")


if __name__ == "__main__":
    main()
