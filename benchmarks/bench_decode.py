"""Decoding cost of the hostile-input bounds (issue 8) and of libyaml (issue 10 part 3).

Generates a tenant with ``gen_tenant.py`` and prints, per file kind: the YAML parse with the
pure-Python ``SafeLoader`` vs libyaml's ``CSafeLoader`` (both with caflow's YAML 1.2 number
rules and the depth / alias bounds), and for JSON ``json.loads`` vs the nesting-depth scan
that runs before it. Best of ``--repeat`` runs (the machine is shared).

    python benchmarks/bench_decode.py [--scale 1] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).parent))
import gen_tenant

import caflow.io.decode as decode


def best(f: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        f()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "tenant"
        gen_tenant.generate(root, scale=args.scale)
        files = sorted(p for p in root.rglob("*") if p.is_file())
        c_loader = decode._Loader

        class PyLoader(yaml.SafeLoader):
            pass

        decode._yaml12_numbers(PyLoader)
        print(
            f"{'file':<34} {'MB':>6} {'python s':>9} {'libyaml s':>10} {'json.loads s':>13} {'depth scan s':>13}"
        )
        for p in files:
            raw = p.read_bytes()
            name = p.relative_to(root).as_posix()
            if p.suffix == ".yaml":
                decode._Loader = PyLoader
                slow = best(
                    lambda raw=raw, name=name: decode.parse_document(raw, name), args.repeat
                )
                decode._Loader = c_loader
                fast = best(
                    lambda raw=raw, name=name: decode.parse_document(raw, name), args.repeat
                )
                print(
                    f"{name:<34} {len(raw) / 1e6:>6.1f} {slow:>9.2f} {fast:>10.2f} {'':>13} {'':>13}"
                )
            elif len(raw) > 1_000_000:
                text = raw.decode()
                loads = best(lambda text=text: json.loads(text), args.repeat)
                scan = best(lambda text=text: decode._json_depth(text), args.repeat)
                print(
                    f"{name:<34} {len(raw) / 1e6:>6.1f} {'':>9} {'':>10} {loads:>13.2f} {scan:>13.2f}"
                )


if __name__ == "__main__":
    main()
