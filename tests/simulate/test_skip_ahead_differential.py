"""The fast path's skipped stretches against the plain event loop (review of issue 8).

``Simulator._skip_ahead`` / ``_skip_polls`` / ``_settle`` count runs and repeated refreshes by
arithmetic instead of stepping through them. A time-dependent check falling inside a skipped
stretch - a Terms of Use acceptance expiring (re-acceptance frequency, ``termsExpiration``),
remember-MFA age, sign-in frequency - must still break the connection at the same run as the
plain loop (``reference=True``) does. Drawn scenarios on short horizons compare both JSONs.

The regression: a background refresh reads the owner's Terms of Use acceptances (A-TOK-8), but
the skip only looked at the acceptances the token's claims carry, so an acceptance recorded in
the bundle and expiring mid-stretch was skipped over: the connection stayed "Connected" where
the plain loop broke it.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.examples_paths import CONTOSO

from caflow.simulate import load_scenario, run_scenario

START = datetime(2026, 1, 5, 9, tzinfo=UTC)
ALICE = "alice@contoso.com"
ALICE_ID = "11111111-0000-0000-0000-000000000001"
TEAMS = "cc15fd57-2c6c-4117-a88c-83b1d56b4bbe"
#: contoso's "Finance Data Handling" (re-accept every 30 days); alice's acceptance of it is
#: recorded in the bundle on 2025-12-20T08:00Z, so it expires on 2026-01-19T08:00Z.
FINANCE_TERMS = "55555555-0000-0000-0000-000000000002"
NEW_TERMS = "55555555-0000-0000-0000-0000000002aa"
PERIODS = {"PT1M": 1, "PT7M": 7, "PT1H": 60, "PT90M": 90, "PT6H": 360, "P1D": 1440}
#: Runs the plain loop steps through at most (keeps one example well under a second).
MAX_RUNS = 4000
_SCALE = float(os.environ.get("CAFLOW_FUZZ_SCALE") or 1)


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _policy(pid: str, app: str, *, terms: str | None = None, sif_hours: int | None = None) -> Any:
    policy: dict[str, Any] = {
        "id": pid,
        "displayName": pid,
        "state": "enabled",
        "conditions": {
            "clientAppTypes": ["all"],
            "users": {"includeUsers": [ALICE_ID]},
            "applications": {"includeApplications": [app]},
        },
    }
    if terms:
        policy["grantControls"] = {"operator": "OR", "termsOfUse": [terms]}
    if sif_hours:
        policy["sessionControls"] = {
            "signInFrequency": {"isEnabled": True, "type": "hours", "value": sif_hours}
        }
    return policy


@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, Any]:
    """A scenario around one flow on one of alice's Teams connections, with drawn ToU, MFA and
    sign-in frequency changes at drawn moments on a horizon the plain loop can step through."""
    period = draw(st.sampled_from(sorted(PERIODS)))
    # Start up to 13 days later than START, so the bundle's Finance acceptance (expiring on
    # 2026-01-19T08:00Z) often falls inside the horizon; horizons of hours to 40 days.
    start = START + timedelta(days=draw(st.integers(0, 13)))
    days = draw(st.sampled_from([0, 2, 10, 20, 20, 40]))
    horizon = 60 * 24 * days + draw(st.integers(60, 60 * 24))
    horizon = min(horizon, PERIODS[period] * MAX_RUNS)
    end = start + timedelta(minutes=horizon)

    def moment() -> int:  # a drawn fraction of the horizon (not only its first minutes)
        return horizon * draw(st.sampled_from([0, 1, 5, 10, 30, 50, 90, 100])) // 100

    events: list[tuple[int, dict[str, Any]]] = []
    baseline = draw(st.booleans())  # the bundle's alice-teams, or one the scenario creates
    connection = "alice-teams" if baseline else "c-new"
    if not baseline:
        mfa = draw(st.booleans())
        events.append((0, {"signIn": {"user": ALICE, "mfa": mfa, "device": "LAPTOP-ALICE"}}))
        events.append(
            (1, {"createConnection": {"id": "c-new", "user": ALICE, "connector": "teams"}})
        )
    if draw(st.booleans()):
        body: dict[str, Any] = {"enabled": True, "days": draw(st.integers(1, 3))}
        events.append((draw(st.integers(0, 2)), {"setRememberMfa": body}))
    terms = draw(st.sampled_from([None, FINANCE_TERMS, FINANCE_TERMS, NEW_TERMS]))
    if terms == NEW_TERMS:
        agreement: dict[str, Any] = {"id": NEW_TERMS, "displayName": "Drawn terms"}
        reaccept = draw(st.sampled_from([None, "P1D", "P2D", "P7D"]))
        if reaccept:
            agreement["userReacceptRequiredFrequency"] = reaccept
        if reaccept is None or draw(st.booleans()):
            agreement["termsExpiration"] = {
                "startDateTime": _iso(start + timedelta(hours=draw(st.integers(-48, 48)))),
                "frequency": draw(st.sampled_from(["P1D", "P3D", "P7D"])),
            }
        events.append((0, {"addAgreement": agreement}))
        for _ in range(draw(st.integers(0, 2))):
            accept = {"user": ALICE, "agreement": NEW_TERMS}
            events.append((moment(), {"acceptAgreement": accept}))
    if terms is not None or draw(st.booleans()):
        sif = draw(st.sampled_from([None, 1, 5, 24]))
        policy = _policy("p-drawn", TEAMS, terms=terms, sif_hours=sif)
        events.append((moment(), {"addPolicy": {"policy": policy}}))
    if draw(st.booleans()):
        events.append((moment(), {"signIn": {"user": ALICE, "mfa": draw(st.booleans())}}))
    events.sort(key=lambda e: e[0])
    trigger_start = start + timedelta(minutes=draw(st.integers(2, 120)))
    return {
        "tenant": str(CONTOSO),
        "start": _iso(start),
        "end": _iso(end),
        "flows": [
            {
                "id": "drawn",
                "owner": ALICE,
                "connections": [connection],
                "trigger": {"schedule": period, "startTime": _iso(trigger_start)},
            }
        ],
        "events": [{"at": _iso(start + timedelta(minutes=at)), **body} for at, body in events],
    }


def _both(doc: dict[str, Any], tmp: Path) -> tuple[str, str]:
    path = tmp / "drawn.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    scenario = load_scenario(path)
    fast = json.dumps(run_scenario(scenario).to_json(), indent=1)
    return fast, json.dumps(run_scenario(scenario, reference=True).to_json(), indent=1)


@settings(max_examples=max(1, int(60 * _SCALE)), deadline=None)
@given(doc=scenarios())
def test_skipped_stretches_equal_the_plain_loop(doc: dict[str, Any], tmp_path_factory: Any) -> None:
    fast, reference = _both(doc, tmp_path_factory.mktemp("skip"))
    assert fast == reference, yaml.safe_dump(doc, sort_keys=False)


def test_recorded_acceptance_expiring_mid_stretch_breaks_the_connection(tmp_path: Path) -> None:
    """The regression, spelt out: the bundle's alice-teams connection needs no Terms of Use at
    the start; a policy added on day 1 requires the Finance terms, which alice accepted on
    2025-12-20 (recorded in the bundle, re-accept every 30 days). The hourly flow's refreshes
    succeed until the acceptance expires on 2026-01-19T08:00Z, then fail."""
    doc = {
        "tenant": str(CONTOSO),
        "start": _iso(START),
        "end": "2026-02-01T00:00:00Z",
        "flows": [
            {
                "id": "hourly",
                "owner": ALICE,
                "connections": ["alice-teams"],
                "trigger": {"schedule": "PT1H", "startTime": "2026-01-05T13:00:00Z"},
            }
        ],
        "events": [
            {
                "at": "2026-01-06T00:00:00Z",
                "addPolicy": {"policy": _policy("p-tou", TEAMS, terms=FINANCE_TERMS)},
            }
        ],
    }
    fast, reference = _both(doc, tmp_path)
    assert fast == reference
    teams = next(c for c in json.loads(fast)["connections"] if c["id"] == "alice-teams")
    assert teams["status"] == "Error"
    assert teams["brokenAt"] == "2026-01-19T09:00:00Z"  # the first refresh after 08:00
