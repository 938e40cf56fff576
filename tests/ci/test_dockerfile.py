"""The Dockerfile (no Docker daemon here): its build stage's COPY set is enough to build the
wheel (replayed in a scratch folder), and the runtime stage is slim, non-root and runs caflow.
That the wheel, once installed, runs `caflow demo` anywhere is tests/cli/test_install.py."""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _stages() -> list[list[tuple[str, str]]]:
    """Instructions per stage, continuation lines joined: [[(INSTRUCTION, args), ...], ...]."""
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    stages: list[list[tuple[str, str]]] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        word, _, args = line.partition(" ")
        if word.upper() == "FROM":
            stages.append([])
        stages[-1].append((word.upper(), args.strip()))
    return stages


def test_runtime_stage_is_slim_non_root_and_runs_caflow() -> None:
    runtime = _stages()[-1]
    base = next(a for w, a in runtime if w == "FROM")
    assert base.split()[0].endswith("-slim")
    users = [a for w, a in runtime if w == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    assert json.loads(next(a for w, a in runtime if w == "ENTRYPOINT")) == ["caflow"]
    assert not any(w == "COPY" and "--from" not in a for w, a in runtime)  # no source tree


def test_the_working_folder_is_writable_by_the_runtime_user() -> None:
    """WORKDIR would create /work owned by root: replay's default store (.caflow/ in the working
    folder), caflow examples and -o files could not be written by the non-root user."""
    runtime = _stages()[-1]
    user = next(a for w, a in runtime if w == "USER").split(":")[0]
    workdir = next(a for w, a in runtime if w == "WORKDIR")
    runs = " ".join(a for w, a in runtime if w == "RUN")
    assert f"chown {user}:" in runs or f"chown {user} " in runs
    assert f"mkdir -p {workdir}" in runs


def test_build_stage_copies_enough_to_build_the_wheel(tmp_path: Path) -> None:
    build = _stages()[0]
    context = tmp_path / "context"
    context.mkdir()
    for word, args in build:
        if word != "COPY":
            continue
        *sources, dest = shlex.split(args)
        for src in sources:
            target = context / (src if dest.endswith("/") and dest != "./" else dest)
            if dest == "./":
                target = context / Path(src).name
            if (ROOT / src).is_dir():
                shutil.copytree(
                    ROOT / src, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
                )
            else:
                shutil.copy2(ROOT / src, target)
    res = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path / "w"), "."],
        cwd=context,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert res.returncode == 0, res.stderr
    assert list((tmp_path / "w").glob("caflow-*.whl"))
