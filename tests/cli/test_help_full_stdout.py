"""``--help`` / ``--version`` are written by click, outside caflow's writers: a full stdout there
is still one line and exit 1, never a traceback (issue 8 part 4; review of issue 8)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

FULL = Path("/dev/full")


@pytest.mark.skipif(not FULL.exists(), reason="/dev/full is a Linux device")
@pytest.mark.parametrize("args", [["--help"], ["--version"], ["advise", "--help"]])
def test_help_to_a_full_stdout_is_one_line_exit_1(args: list[str]) -> None:
    with FULL.open("w") as full:
        res = subprocess.run(
            [sys.executable, "-m", "caflow.cli.main", *args],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
    assert res.returncode == 1, res.stderr
    assert res.stderr.strip().splitlines() == [
        "error: cannot write to standard output: No space left on device"
    ]


def test_help_to_a_working_stdout_is_exit_0() -> None:
    res = subprocess.run(
        [sys.executable, "-m", "caflow.cli.main", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert res.returncode == 0 and res.stdout.startswith("caflow ")
