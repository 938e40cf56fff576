"""The recorded tenant every ``caflow pull`` test reads (tests/pull/recorded.py)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
import respx
from tests.graph_contoso import GraphTenant, contoso_graph
from tests.pull.recorded import RecordedTenant


@pytest.fixture(scope="module")
def graph() -> GraphTenant:
    return contoso_graph()


@pytest.fixture
def recorded(graph: GraphTenant) -> Iterator[RecordedTenant]:
    rec = RecordedTenant(dataclasses.replace(graph))  # tests may swap lists, never edit them
    with respx.mock(assert_all_called=False) as router:
        rec.mount(router)
        yield rec
