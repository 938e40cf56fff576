"""Simulate: the event-driven timeline of connections, flows and surfaces (docs/bundle-format.md).

Public API (used by ``caflow simulate`` and ``caflow check``)::

    from caflow.simulate import load_scenario, run_scenario, simulate_tenant
    result = run_scenario(load_scenario("examples/scenarios/effect1-future-runs.yaml"))
    result.to_json()["events"]
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from caflow.model.tenant import Tenant
from caflow.simulate.fixes import FIXES
from caflow.simulate.result import SCHEMA_VERSION, Event, SimulationResult
from caflow.simulate.runner import SimOptions, Simulator
from caflow.simulate.scenario import (
    Action,
    Confinement,
    Scenario,
    load_scenario,
    parse_scenario,
)

__all__ = [
    "FIXES",
    "SCHEMA_VERSION",
    "Action",
    "Confinement",
    "Event",
    "Scenario",
    "SimOptions",
    "SimulationResult",
    "check_horizon",
    "load_scenario",
    "parse_scenario",
    "run_scenario",
    "simulate_tenant",
]


def check_horizon(scenario: Scenario, stop: datetime, *, until_field: str | None) -> None:
    """A simulation spans at most ten years and ends before year 9800 (docs/errors.md
    limit-exceeded); the error names
    ``until_field`` when the user chose the stop, else the scenario's ``/end``."""
    from caflow.errors import LimitError
    from caflow.model.durations import span_limit

    problem = span_limit(scenario.start, stop)
    if problem is not None:
        raise LimitError(
            f"simulation {problem}",
            file=until_field or str(scenario.file),
            path=None if until_field else "/end",
            hint="simulate a shorter span",
        )


def run_scenario(
    scenario: Scenario,
    until: datetime | None = None,
    *,
    options: SimOptions = SimOptions(),
    progress: Callable[[float], None] | None = None,
    reference: bool = False,
    vectorized: bool | None = None,
) -> SimulationResult:
    """Run a validated scenario up to ``until`` (default: its end); ``reference`` runs every
    scheduled run through the event loop (the path the fast one is tested against);
    ``vectorized``: the numpy lifetime path for the flows it covers (None = for bundle-sized
    runs, True = always, False = never; :class:`Simulator`)."""
    sim = Simulator(
        scenario.tenant,
        scenario.start,
        scenario.end,
        flows=scenario.flows,
        options=options,
        progress=progress,
        fast=not reference,
        vectorized=vectorized,
    )
    result = sim.run(scenario.actions, until)
    result.source = scenario.file
    return result


def simulate_tenant(
    tenant: Tenant,
    start: datetime,
    end: datetime,
    *,
    claims_tenant: Tenant | None = None,
    events: Iterable[Action] = (),
    options: SimOptions = SimOptions(),
    reference: bool = False,
    cache: dict[Any, Any] | None = None,
    vectorized: bool | None = None,
) -> SimulationResult:
    """Run the bundle's own connections and flows over [start, end]; each existing connection is
    assumed created by its owner at ``start`` with the minimal claims that satisfied
    ``claims_tenant`` (default ``tenant``) for its resource app, so ``check`` can replay
    connections made under a baseline against proposed policies. ``reference``: see
    :func:`run_scenario`. ``cache`` (fast path only): minimal claims and refresh evaluations
    shared with other runs over the same tenants and ``start`` (``check`` simulates the baseline,
    then the proposed tenant with the baseline's claims, then probes every connection).
    ``vectorized``: see :func:`run_scenario`."""
    sim = Simulator(
        tenant,
        start,
        end,
        claims_tenant=claims_tenant,
        options=options,
        fast=not reference,
        cache=cache,
        vectorized=vectorized,
    )
    return sim.run(events)
