"""Helpers shared by the simulate tests (a uniquely named module: two conftest.py files exist)."""

from __future__ import annotations

from caflow.simulate import SimulationResult


def events(
    result: SimulationResult,
    *,
    kind: str | None = None,
    connection: str | None = None,
    flow: str | None = None,
):
    return [
        e.to_json()
        for e in result.events
        if (kind is None or e.kind == kind)
        and (connection is None or e.connection == connection)
        and (flow is None or e.flow == flow)
    ]
