"""Hostile input: time to the exit-2 refusal (issue 8: "exit 2 within a second").

Run: ``python benchmarks/bench_hostile.py [--repeat 3]`` (prints a table; not a test). The
tests only guard against hangs (``tests/hostile_guard.py``); the one-second bound of issue 8
is measured here, CPU and wall seconds per case, median of ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

from typer.testing import CliRunner

from caflow.cli.main import app

ROOT = Path(__file__).resolve().parents[1]
CONTOSO = ROOT / "src" / "caflow" / "examples" / "contoso"


def _laughs(levels: int, fan: int) -> str:
    lines = [f"l0: &l0 [{', '.join(['lol'] * fan)}]"]
    for i in range(1, levels):
        lines.append(f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * fan)}]")
    return "\n".join(lines) + "\n"


def _copy(tmp: Path) -> Path:
    bundle = tmp / "bundle"
    shutil.copytree(CONTOSO, bundle)
    return bundle


def _alias_bomb(tmp: Path) -> list[str]:
    bundle = _copy(tmp)
    (bundle / "tenant.yaml").write_text(_laughs(9, 9))
    return ["advise", str(bundle)]


def _deep_json(tmp: Path) -> list[str]:
    bundle = _copy(tmp)
    (bundle / "policies" / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    return ["advise", str(bundle)]


def _tou_pt1s(tmp: Path) -> list[str]:
    bundle = _copy(tmp)
    path = bundle / "agreements.json"
    doc = json.loads(path.read_text())
    items = doc["value"] if isinstance(doc, dict) else doc
    items[0]["termsExpiration"] = {"startDateTime": "0001-01-01T00:00:00Z", "frequency": "PT1S"}
    path.write_text(json.dumps(doc))
    return ["advise", str(bundle)]


def _zip_ratio(tmp: Path) -> list[str]:
    z = tmp / "bomb.zip"
    with zipfile.ZipFile(z, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for f in sorted(CONTOSO.rglob("*.json")) + sorted(CONTOSO.glob("*.yaml")):
            zf.write(f, f.relative_to(CONTOSO).as_posix())
        zf.writestr("powerplatform/flows/big.json", b"[" + b" " * 200_000_000 + b"]")
    return ["advise", str(z)]


def _schedule_tiny(tmp: Path) -> list[str]:
    scenario = tmp / "s.yaml"
    scenario.write_text(
        f"tenant: {CONTOSO}\nstart: 2026-01-01T00:00:00Z\nend: 2036-01-01T00:00:00Z\n"
        "flows:\n  - id: f\n    owner: alice@contoso.com\n    connections: [alice-spo]\n"
        "    trigger: {schedule: PT0.1S, startTime: 2026-01-01T00:00:00Z}\n"
        "events: []\n"
    )
    return ["simulate", str(scenario)]


CASES: dict[str, Callable[[Path], list[str]]] = {
    "YAML alias bomb (1 KB)": _alias_bomb,
    "JSON nested 100,000 deep": _deep_json,
    "ToU expiry PT1S from year 1": _tou_pt1s,
    "zip member 200 MB of spaces": _zip_ratio,
    "flow schedule 0.1 s over 10 y": _schedule_tiny,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    runner = CliRunner()
    print(f"{'case':34} {'exit':>4} {'wall s':>7} {'CPU s':>7}")
    for name, build in CASES.items():
        walls, cpus, code = [], [], None
        for _ in range(args.repeat):
            with tempfile.TemporaryDirectory() as tmp:
                argv = build(Path(tmp))
                w0, c0 = time.perf_counter(), time.process_time()
                res = runner.invoke(app, argv)
                walls.append(time.perf_counter() - w0)
                cpus.append(time.process_time() - c0)
                code = res.exit_code
        print(f"{name:34} {code:>4} {statistics.median(walls):7.3f} {statistics.median(cpus):7.3f}")


if __name__ == "__main__":
    main()
