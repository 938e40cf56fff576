"""The Dockerfile, read statically (CI has no container engine): its build stage's COPY set is
enough to build the wheel (replayed in a scratch folder) and is exactly what .dockerignore lets
into the build context; the runtime stage is slim, non-root and runs caflow on the Python CI
tests. That the wheel, once installed, runs `caflow demo` anywhere is tests/cli/test_install.py;
that the image really builds and runs is scripts/container-smoke.sh (docs/container.md), run
below only when CAFLOW_CONTAINER_TESTS=1 and podman or docker is installed."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import yaml

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


def _copy_sources() -> set[str]:
    """What the build stage copies from the context (top-level names)."""
    sources: set[str] = set()
    for word, args in _stages()[0]:
        if word == "COPY" and "--from" not in args:
            sources.update(Path(s).parts[0] for s in shlex.split(args)[:-1])
    return sources


def _ignored(path: str) -> bool:
    """Whether .dockerignore keeps `path` (context-relative) out of the build context: the last
    pattern matching the path or one of its parent folders decides, `!` re-includes, `**` is any
    number of folders (https://docs.docker.com/build/concepts/context/#dockerignore-files)."""
    ignored = False
    parts = path.split("/")
    for line in (ROOT / ".dockerignore").read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        pattern = line.lstrip("!").strip("/")
        regex = re.escape(pattern).replace(r"\*\*/", "(?:.*/)?").replace(r"\*\*", ".*")
        regex = regex.replace(r"\*", "[^/]*").replace(r"\?", "[^/]")
        if any(re.fullmatch(regex, "/".join(parts[:i])) for i in range(1, len(parts) + 1)):
            ignored = not negate
    return ignored


def test_build_context_is_exactly_what_the_build_stage_copies() -> None:
    """.dockerignore is an allow-list: a checkout's .venv, .git, tests, docs or a tenant bundle
    pulled next to it never reach the builder, while every source file of the wheel (the
    examples shipped as package data included) does, without bytecode. scripts/container-smoke.sh
    checks the same against a real builder's context."""
    sources = _copy_sources()
    assert sources == {"pyproject.toml", "README.md", "LICENSE", "src"}
    for name in os.listdir(ROOT):
        assert _ignored(name) == (name not in sources), name
    for path in (
        ".venv/bin/python",
        ".git/config",
        "tests/data/x.json",
        "tenant/tenant.yaml",
        "docs/img/a.png",
        "src/caflow/__pycache__/main.cpython-311.pyc",
        "src/caflow/engine/x.pyc",
    ):
        assert _ignored(path), path
    sent = [p.relative_to(ROOT).as_posix() for p in (ROOT / "src").rglob("*") if p.is_file()]
    for path in sent:
        assert _ignored(path) == ("__pycache__" in path or path.endswith(".pyc")), path
    assert any(p.startswith("src/caflow/examples/contoso/") and not _ignored(p) for p in sent)


def test_image_python_is_the_one_ci_tests() -> None:
    """Both stages on the same python:X.Y-slim, X.Y being the Python the project is type-checked
    for and CI runs (pyproject's mypy python_version, requires-python's minimum); the GitHub
    Action defaults to the same version."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    tested = pyproject["tool"]["mypy"]["python_version"]
    assert pyproject["project"]["requires-python"] == f">={tested}"
    bases = {next(a for w, a in stage if w == "FROM").split()[0] for stage in _stages()}
    assert bases == {f"python:{tested}-slim"}
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    assert action["inputs"]["python-version"]["default"] == tested


def test_runtime_user_has_an_account_and_no_install_leftovers() -> None:
    """USER is the uid useradd created (a home and a name, not "I have no name!" with HOME=/);
    pip keeps no cache and the copied wheels are removed in the layer that installs them."""
    runtime = _stages()[-1]
    uid = next(a for w, a in runtime if w == "USER").split(":")[0]
    runs = [a for w, a in runtime if w == "RUN"]
    assert any(f"useradd --create-home --uid {uid} " in r for r in runs)
    for stage in _stages():
        for word, args in stage:
            if word == "RUN" and re.search(r"pip (install|wheel)", args):
                assert "--no-cache-dir" in args, args
            if word == "RUN" and "apt-get install" in args:
                assert "rm -rf /var/lib/apt/lists" in args, args
    wheels = next(a for w, a in runtime if w == "COPY" and "--from" in a).split()[-1]
    assert any(f"/*.whl && rm -rf {wheels}" in r for r in runs)


if os.environ.get("CAFLOW_CONTAINER_TESTS") == "1" and (
    shutil.which("podman") or shutil.which("docker")
):

    def test_container_smoke_builds_and_runs_the_image() -> None:
        """The real thing, opt-in: build the image (a stand-in base where Docker Hub is out of
        reach) and run --help, demo, check into /work and into a bind mount, as uid 10001."""
        res = subprocess.run(
            ["bash", str(ROOT / "scripts" / "container-smoke.sh")],
            capture_output=True,
            text=True,
            timeout=1800,
        )
        assert res.returncode == 0, res.stdout[-4000:] + res.stderr[-4000:]
        assert "container-smoke: PASSED" in res.stdout
