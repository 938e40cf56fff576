"""Every bundled scenario's JSON follows the simulate contract of DESIGN.md: the documented
event kinds and cause names only, the documented fields, and an AADSTS code on every failure
(except the two SharePoint surface effects, which the seed describes without a code)."""

from __future__ import annotations

from pathlib import Path
from typing import get_args

import pytest
from tests.examples_paths import SCENARIOS

from caflow.engine.errorcodes import CAUSES
from caflow.report.contracts import EventKind, TimelineEvent
from caflow.simulate import load_scenario, run_scenario

SCENARIOS = sorted((SCENARIOS).glob("*.yaml"))
# The contract's own lists (docs/schema/simulate.schema.json is generated from them).
EVENT_KINDS = set(get_args(EventKind))
EVENT_FIELDS = {name for name, f in TimelineEvent.model_fields.items() if f.is_required()}
NO_CODE = {"connectionRepaired", "flowTurnedOff", "listShownAsId", "flowNotDiscoverable"}


def test_there_are_scenarios() -> None:
    # Three scenarios show that nothing breaks (legacy lifetimes off, SIF deferred, trusted
    # egress); every other one demonstrates an effect.
    quiet = [p.stem for p in SCENARIOS if not run_scenario(load_scenario(p)).events]
    assert len(SCENARIOS) >= 20 and len(quiet) <= 3, quiet


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_scenario_output_follows_the_contract(path: Path) -> None:
    out = run_scenario(load_scenario(path)).to_json()
    assert out["schemaVersion"] == 1
    for e in out["events"]:
        assert set(e) >= EVENT_FIELDS, e
        assert e["kind"] in EVENT_KINDS, e["kind"]
        if e["cause"] is not None:
            assert e["cause"] in CAUSES, e["cause"]
        if e["kind"] not in NO_CODE:
            assert e["cause"] in CAUSES, e
            assert e["errorCode"] is None or e["errorCode"].startswith("AADSTS"), e
    for c in out["connections"]:
        assert {"id", "status", "errorCode", "brokenAt"} <= set(c)
        assert c["status"] in ("Connected", "Error")
    for f in out["flows"]:
        assert {"id", "state", "failedRuns", "firstFailureAt", "turnedOffAt"} <= set(f)
