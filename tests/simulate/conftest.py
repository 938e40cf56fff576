from __future__ import annotations

from functools import cache

import pytest
from tests.examples_paths import SCENARIOS

from caflow.simulate import SimulationResult, load_scenario, run_scenario


@cache
def _run(name: str) -> SimulationResult:
    return run_scenario(load_scenario(SCENARIOS / name))


@pytest.fixture
def run():
    return _run
