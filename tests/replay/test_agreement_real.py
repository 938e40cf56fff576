"""The agreement report on *real* sign-in rows (tests/data/signins), not constructed ones.

The only real rows that record Conditional Access results are the 86 ``SigninLogs`` rows of a
Microsoft lab tenant (msticpy, ``ConditionalAccessPolicies``, 12 policies) and
the Graph documentation samples. The policy *definitions* of those tenants are not published, so
an agreement rate of caflow's engine against them cannot be measured: every recorded result must
then be counted as "not in the bundle", none dropped and none compared. What can be checked on
the real record shapes is the comparison itself: policies the log records as ``notEnabled`` (the
policy was off at sign-in time) rebuilt with those ids as disabled policies must all agree, and
rebuilt as enabled all-users block policies must all disagree (or be undetermined), never agree.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from tests.corpora_paths import SIGNIN_DATA
from tests.examples_paths import CONTOSO

from caflow.io.bundle import load_bundle
from caflow.replay.run import replay_logs

NOW = datetime(2026, 2, 1, tzinfo=UTC)
MSTICPY = SIGNIN_DATA / "msticpy-aad-logons" / "SigninLogs.jsonl"
GRAPH_DOCS = SIGNIN_DATA / "msgraph-docs"


def _recorded(path: Path) -> tuple[int, Counter[tuple[str, str]]]:
    """Independently of the loaders: rows recording a list (possibly empty), (id, result)."""
    rows, entries = 0, Counter[tuple[str, str]]()
    for line in path.read_text().splitlines():
        cap = json.loads(line).get("ConditionalAccessPolicies")
        cap = json.loads(cap) if isinstance(cap, str) else cap
        if isinstance(cap, list):
            rows += 1
            entries.update((e["id"], e["result"]) for e in cap)
    return rows, entries


def _agreement(logs: Path, bundle: Path) -> dict[str, Any]:
    out = replay_logs([logs], load_bundle(bundle), NOW).to_json()
    assert out["input"]["read"] == out["input"]["kept"] + sum(out["input"]["skipped"].values())
    return dict(out["agreement"])


def test_real_rows_of_an_unknown_tenant_are_counted_not_compared() -> None:
    rows, entries = _recorded(MSTICPY)
    ag = _agreement(MSTICPY, CONTOSO)
    assert rows == 86 and len({pid for pid, _ in entries}) == 12  # 2 rows record []
    assert ag["rowsWithRecordedResults"] == rows
    assert ag["notInBundle"] == sum(entries.values())
    assert (ag["policyResultsCompared"], ag["rate"], ag["disagreements"]) == (0, None, [])


def test_graph_documentation_samples_are_counted_not_compared() -> None:
    ag = _agreement(GRAPH_DOCS, CONTOSO)
    assert ag["rowsWithRecordedResults"] > 0
    assert ag["notInBundle"] >= ag["rowsWithRecordedResults"]
    assert ag["policyResultsCompared"] == 0


def _lab_bundle(tmp: Path, ids: list[str], state: str) -> Path:
    bundle = tmp / state
    shutil.copytree(CONTOSO, bundle)
    shutil.rmtree(bundle / "policies")
    (bundle / "policies").mkdir()
    for n, pid in enumerate(ids):
        policy = {
            "id": pid,
            "displayName": f"lab policy {n}",
            "state": state,
            "conditions": {
                "users": {"includeUsers": ["All"]},
                "applications": {"includeApplications": ["All"]},
                "clientAppTypes": ["all"],
            },
            "grantControls": {"operator": "OR", "builtInControls": ["block"]},
        }
        (bundle / "policies" / f"p{n}.json").write_text(json.dumps(policy))
    return bundle


@pytest.mark.parametrize("state", ["disabled", "enabled"])
def test_recorded_results_are_compared_on_real_rows(tmp_path: Path, state: str) -> None:
    _rows, entries = _recorded(MSTICPY)
    results: dict[str, set[str]] = {}
    for (pid, result), _n in entries.items():
        results.setdefault(pid, set()).add(result)
    off = sorted(pid for pid, seen in results.items() if seen == {"notEnabled"})
    assert len(off) == 3
    compared = sum(n for (pid, _r), n in entries.items() if pid in off)
    ag = _agreement(MSTICPY, _lab_bundle(tmp_path, off, state))
    assert ag["notInBundle"] == sum(entries.values()) - compared
    if state == "disabled":
        assert (ag["agree"], ag["disagree"], ag["rate"]) == (compared, 0, 1.0)
    else:
        assert ag["agree"] == 0
        assert ag["disagree"] + ag["undetermined"] == compared
        assert {d["recorded"] for d in ag["disagreements"]} <= {"notEnabled"}
