from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from caflow.simulate import SimulationResult, load_scenario, run_scenario

SCENARIOS = Path(__file__).resolve().parents[2] / "examples" / "scenarios"


@cache
def _run(name: str) -> SimulationResult:
    return run_scenario(load_scenario(SCENARIOS / name))


@pytest.fixture
def run():
    return _run
