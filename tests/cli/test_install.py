"""A plain (non-editable) install runs from any directory: the wheel carries the examples.

Builds the wheel, installs it into a fresh virtual environment (``--no-deps``: the
dependencies come from this interpreter's site-packages through a ``.pth`` line, which does not
process this environment's own ``.pth`` files, so an editable caflow here stays invisible), then
runs ``caflow demo`` and ``caflow examples`` from an unrelated directory.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _run(argv: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["COLUMNS"] = "100"
    return subprocess.run(
        argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.mark.slow
def test_wheel_install_runs_demo_from_any_directory(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    built = _run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(wheels)],
        tmp_path,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = wheels.glob("caflow-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "caflow/examples/contoso/tenant.yaml" in names
    assert any(n.startswith("caflow/examples/scenarios/") for n in names)
    # report --interactive inlines the vendored Vega runtime: builds, licenses and notices
    for name in ("vega", "vega-lite", "vega-embed"):
        assert f"caflow/report/vendor/{name}.min.js" in names
        assert f"caflow/report/vendor/{name}.LICENSE" in names
    assert "caflow/report/vendor/THIRD-PARTY-NOTICES.txt" in names
    assert "caflow/report/templates/interactive.js" in names

    venv = tmp_path / "venv"
    assert (
        _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], tmp_path).returncode == 0
    )
    bindir = venv / ("Scripts" if os.name == "nt" else "bin")
    python = bindir / ("python.exe" if os.name == "nt" else "python")
    purelib = _run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], tmp_path
    ).stdout.strip()
    deps = {sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}
    (Path(purelib) / "caflow-test-deps.pth").write_text("\n".join(sorted(deps)) + "\n")
    installed = _run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--no-deps",
            "-q",
            "--no-index",
            str(wheel),
        ],
        tmp_path,
    )
    assert installed.returncode == 0, installed.stderr

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    where = _run([str(python), "-c", "import caflow; print(caflow.__file__)"], elsewhere)
    assert Path(where.stdout.strip()).is_relative_to(venv), where  # the wheel, not src/

    caflow = str(bindir / "caflow")
    demo = _run([caflow, "demo"], elsewhere)
    assert demo.returncode == 0, demo.stderr
    assert "Contoso" in demo.stdout and "AADSTS50076" in demo.stdout
    copied = _run([caflow, "examples"], elsewhere)
    assert copied.returncode == 0, copied.stderr
    whatif = _run(
        [
            caflow,
            "whatif",
            "examples/contoso",
            "--user",
            "alice@contoso.com",
            "--app",
            "Microsoft Flow Service",
            "--ip",
            "8.8.8.8",
            "--json",
        ],
        elsewhere,
    )
    assert whatif.returncode == 0, whatif.stderr
    assert '"decision"' in whatif.stdout
