"""JSON output is written in pieces (report.json.chunks) with exactly the bytes of one
``json.dumps(indent=2)``: on drawn documents and on real simulate/advise/check results."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from tests.small_tenants import contoso

from caflow.advise import run_advise
from caflow.check import run_check
from caflow.report.json import chunks
from caflow.simulate import simulate_tenant

START = datetime(2026, 1, 5, 9, tzinfo=UTC)
_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.text(), _json, max_size=6), st.booleans(), st.booleans())
def test_drawn_documents(doc: dict, ensure_ascii: bool, as_iterators: bool) -> None:  # type: ignore[type-arg]
    lazy = {k: iter(v) if as_iterators and isinstance(v, list) else v for k, v in doc.items()}
    got = "".join(chunks(lazy, ensure_ascii=ensure_ascii))
    assert got == json.dumps(doc, indent=2, ensure_ascii=ensure_ascii) + "\n"


def test_results_stream_item_by_item() -> None:
    tenant = contoso()
    prop = tenant.evolve(policies=tenant.policies[:-1])
    results = (
        simulate_tenant(tenant, START, START + timedelta(days=120)),
        run_advise(tenant, now=START),
        run_check(tenant, prop, START, START + timedelta(days=30)),
    )
    for result in results:
        whole = json.dumps(result.to_json(), indent=2, ensure_ascii=False) + "\n"
        pieces = list(chunks(result.to_json(lazy=True)))
        assert "".join(pieces) == whole
        longest = max(len(v) for v in result.to_json().values() if isinstance(v, list))
        assert len(pieces) > longest  # one piece per item of the longest list at least
