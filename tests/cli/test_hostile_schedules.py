"""An unknown Recurrence frequency (review of issue 8): in an exported flow definition it makes
the flow's schedule undetermined naming the value - counted by check and simulate - never "a
manual flow that never runs"; in a tenant the user wrote inline in a scenario it is exit 2 with
a did-you-mean."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import Result
from tests.examples_paths import CONTOSO
from tests.proposals import policy_for_all
from typer.testing import CliRunner

from caflow.cli.main import app

runner = CliRunner()
FLOW = "daily-sales-digest"  # contoso's Recurrence flow (frequency Day)
START = "2026-01-05T00:00:00Z"
#: A proposed policy that changes nothing for the flows' owners (disabled).
NEUTRAL = policy_for_all(
    "66666666-0000-0000-0000-0000000000aa", "x", ["All"], ["mfa"], state="disabled"
)


def _flows_with(frequency: Any) -> dict[str, Any]:
    doc = json.loads((CONTOSO / "powerplatform" / "flows.json").read_text(encoding="utf-8"))
    flow = next(f for f in doc["value"] if f["name"] == FLOW)
    (trigger,) = flow["properties"]["definition"]["triggers"].values()
    trigger["recurrence"]["frequency"] = frequency
    return doc


def _bundle(tmp_path: Path, frequency: Any) -> Path:
    root = tmp_path / "bundle"
    shutil.copytree(CONTOSO, root)
    flows = root / "powerplatform" / "flows.json"
    flows.write_text(json.dumps(_flows_with(frequency)), encoding="utf-8")
    return root


def _check(bundle: Path, proposed: Path, *extra: str) -> Result:
    return runner.invoke(
        app,
        ["check", "--baseline", str(bundle), "--proposed", str(proposed), "--start", START, *extra],
    )


def _idle_scenario(tmp_path: Path, bundle: Path) -> Path:
    """Two weeks on ``bundle`` with nothing happening but the flows' own runs."""
    scenario = tmp_path / "s.yaml"
    scenario.write_text(
        f"tenant: {bundle}\nstart: {START}\nend: 2026-01-20T00:00:00Z\n"
        "events:\n  - {at: 2026-01-05T09:00:00Z, idle: {}}\n",
        encoding="utf-8",
    )
    return scenario


SECRET_LIKE = "ghp_5e6f7a8b9c0d/xyz="
# Misspelt, plural, adjective, another product's word, a year: all outside Logic Apps' set,
# named by their value; a secret-like one is described, never echoed.
UNKNOWN = [
    *(
        pytest.param(f, f"'{f}'", id=f)
        for f in ("Fortnight", "Daily", "Minutes", "Year", "Hourly", "weekly")
    ),
    pytest.param(SECRET_LIKE, "a string of 21 characters", id="secret-like, described"),
]


@pytest.mark.parametrize(("frequency", "named"), UNKNOWN)
def test_exported_unknown_frequency_is_an_undetermined_schedule(
    tmp_path: Path, frequency: str, named: str
) -> None:
    bundle = _bundle(tmp_path, frequency)
    proposed = tmp_path / "proposed.json"
    proposed.write_text(json.dumps(NEUTRAL), encoding="utf-8")
    res = _check(bundle, proposed, "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    flows = {u["id"]: u["reason"] for u in out["undetermined"] if u["kind"] == "flow"}
    assert named in flows[FLOW] and "flows.json" in flows[FLOW]
    assert out["summary"]["undetermined"] == len(out["undetermined"]) >= 1
    strict = _check(bundle, proposed, "--strict")
    assert strict.exit_code == 1, strict.output  # undetermined is not "safe" under --strict

    scenario = _idle_scenario(tmp_path, bundle)
    sim = runner.invoke(app, ["simulate", str(scenario), "--json"])
    assert sim.exit_code == 0, sim.output
    out = json.loads(sim.stdout)
    reasons = {u["id"]: u["reason"] for u in out["undetermined"] if u["kind"] == "flow"}
    assert named in reasons[FLOW]
    assert out["summary"]["undetermined"] == len(out["undetermined"]) >= 1
    text = runner.invoke(app, ["simulate", str(scenario)])
    assert f"? flow {FLOW} undetermined:" in text.stdout and named in text.stdout
    # the secret-like value appears in no output (the others are named by their value)
    assert not any("ghp_" in r.output for r in (res, strict, sim, text))


def test_known_frequency_is_not_undetermined(tmp_path: Path) -> None:
    """Control: the same flow with ``DAY`` (case does not matter) runs daily."""
    scenario = _idle_scenario(tmp_path, _bundle(tmp_path, "DAY"))
    sim = runner.invoke(app, ["simulate", str(scenario), "--json"])
    out = json.loads(sim.stdout)
    flow = next(f for f in out["flows"] if f["id"] == FLOW)
    assert FLOW not in {u["id"] for u in out["undetermined"]} and flow["runs"] >= 14


@pytest.mark.parametrize(
    ("frequency", "suggestion"),
    [("Fortnight", None), ("Dayy", "Day"), ("Minutes", "Minute"), ("hourr", "Hour")],
)
def test_inline_tenant_unknown_frequency_is_exit_2(
    tmp_path: Path, frequency: str, suggestion: str | None
) -> None:
    tenant = {
        "tenant": yaml.safe_load((CONTOSO / "tenant.yaml").read_text(encoding="utf-8")),
        "directory": yaml.safe_load((CONTOSO / "directory.yaml").read_text(encoding="utf-8")),
        "connections": json.loads(
            (CONTOSO / "powerplatform" / "connections.json").read_text(encoding="utf-8")
        ),
        "flows": _flows_with(frequency),
    }
    scenario = tmp_path / "s.yaml"
    doc = {
        "tenant": tenant,
        "start": START,
        "end": "2026-01-10T00:00:00Z",
        "events": [{"at": "2026-01-05T09:00:00Z", "idle": {}}],
    }
    scenario.write_text(yaml.safe_dump(doc), encoding="utf-8")
    res = runner.invoke(app, ["simulate", str(scenario)])
    assert res.exit_code == 2, res.output
    err = res.stderr
    assert f"{scenario}: /tenant/flows/value/1/properties/definition/triggers/" in err, err
    assert "/recurrence/frequency: invalid value" in err and f"'{frequency}'" in err, err
    assert "one of Second, Minute, Hour, Day, Week, Month" in err
    if suggestion:
        assert f"did you mean '{suggestion}'?" in err


@pytest.mark.parametrize("frequency", [5, True, ["Day"], {"unit": "Day"}])
def test_frequency_of_the_wrong_type_is_exit_2(tmp_path: Path, frequency: Any) -> None:
    bundle = _bundle(tmp_path, frequency)
    res = runner.invoke(app, ["advise", str(bundle)])
    assert res.exit_code == 2, res.output
    assert "flows.json: /value/1/properties/definition/triggers/" in res.stderr, res.stderr
    assert "/recurrence/frequency: wrong type" in res.stderr
