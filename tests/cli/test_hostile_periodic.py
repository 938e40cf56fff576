"""Bounded work (issue 8 part 2) and calendar months (issue 13): schedules, Terms of Use
periods, recurrence intervals and horizons are validated (> 0, a documented minimum, within
100 years / a 10-year horizon) - each exit 2 within a second naming file and JSON path - and
periodic times are computed by arithmetic. ``P1M``/``P3M`` are calendar months."""

from __future__ import annotations

import json
import shutil
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from tests.examples_paths import CONTOSO
from tests.hang_guard import HANG_GUARD_SECONDS, hang_guard
from typer.testing import CliRunner

from caflow.cli.main import app
from caflow.model.agreements import Agreement
from caflow.model.durations import parse_iso_duration

runner = CliRunner()


def run(*args: str):
    started = time.monotonic()
    res = runner.invoke(app, [*args])
    res.elapsed = time.monotonic() - started  # type: ignore[attr-defined]
    return res


def assert_exit_2(res, *needles: str) -> None:
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output and "internal error" not in res.output
    assert len(res.stderr.strip().splitlines()) == 1, res.stderr
    for needle in needles:
        assert needle in res.stderr, res.stderr
    assert res.elapsed < HANG_GUARD_SECONDS  # type: ignore[attr-defined]


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    b = tmp_path / "bundle"
    shutil.copytree(CONTOSO, b)
    return b


# -- Terms of Use periods -------------------------------------------------------------------


@pytest.mark.parametrize(
    "value", ["PT1S", "PT0S", "P0D", "PT23H59M", "-P1D", "P1000Y", "P1.5D", "P"]
)
@pytest.mark.parametrize(
    ("field", "pointer"),
    [
        ("userReacceptRequiredFrequency", "/0/userReacceptRequiredFrequency"),
        ("frequency", "/0/termsExpiration/frequency"),
    ],
)
def test_terms_of_use_period_out_of_range_is_exit_2(
    bundle: Path, value: str, field: str, pointer: str
) -> None:
    path = bundle / "agreements.json"
    doc = json.loads(path.read_text())
    items = doc["value"] if isinstance(doc, dict) else doc
    if field == "frequency":
        items[0]["termsExpiration"] = {"startDateTime": "2025-01-01T00:00:00Z", "frequency": value}
    else:
        items[0][field] = value
    path.write_text(json.dumps(items))
    res = run("advise", str(bundle))
    assert_exit_2(res, "agreements.json", pointer, "[invalid-value]")


def test_tou_expiry_far_in_the_past_is_arithmetic() -> None:
    """A minutely expiry schedule started in year 1 is found by arithmetic: stepping one
    period at a time would take ~10^9 steps and trip the hang guard."""
    a = Agreement(
        id="a",
        display_name="a",
        expiration_start=datetime(1, 1, 1, tzinfo=UTC),
        expiration_frequency=parse_iso_duration("PT1M"),
    )
    now = datetime(2026, 3, 15, 12, 0, 30, tzinfo=UTC)
    with hang_guard():
        assert a.last_scheduled_expiry(now) == datetime(2026, 3, 15, 12, tzinfo=UTC)
        assert a.next_scheduled_expiry(now) == datetime(2026, 3, 15, 12, 1, tzinfo=UTC)


def test_tou_monthly_expiry_follows_calendar_months() -> None:
    """§5.3: start Jan 1, monthly -> Feb 1, Mar 1, Apr 1 (not every 30 days)."""
    a = Agreement(
        id="a",
        display_name="a",
        expiration_start=datetime(2026, 1, 1, tzinfo=UTC),
        expiration_frequency=parse_iso_duration("P1M"),
    )
    assert a.next_scheduled_expiry(datetime(2026, 1, 15, tzinfo=UTC)) == datetime(
        2026, 2, 1, tzinfo=UTC
    )
    assert a.next_scheduled_expiry(datetime(2026, 2, 1, tzinfo=UTC)) == datetime(
        2026, 3, 1, tzinfo=UTC
    )
    assert a.last_scheduled_expiry(datetime(2026, 3, 31, tzinfo=UTC)) == datetime(
        2026, 3, 1, tzinfo=UTC
    )
    assert a.last_scheduled_expiry(datetime(2025, 12, 31, tzinfo=UTC)) is None


def test_year_9999_dates_do_not_overflow(bundle: Path) -> None:
    path = bundle / "agreements.json"
    doc = json.loads(path.read_text())
    items = doc["value"] if isinstance(doc, dict) else doc
    items[0]["termsExpiration"] = {"startDateTime": "0001-01-01T00:00:00Z", "frequency": "P1Y"}
    items[0]["userReacceptRequiredFrequency"] = "P100Y"
    path.write_text(json.dumps(items))
    acc = bundle / "agreementAcceptances.json"
    accs = json.loads(acc.read_text())
    rows = accs["value"] if isinstance(accs, dict) else accs
    for row in rows:
        row["recordedDateTime"] = "9999-12-31T23:59:59Z"
    acc.write_text(json.dumps(rows))
    res = run("advise", str(bundle), "--format", "json")
    assert res.exit_code in (0, 1), res.output


# -- flow schedules ---------------------------------------------------------------------------

SCENARIO = """
tenant: {tenant}
start: 2026-01-05T09:00:00Z
end: 2026-03-01T00:00:00Z
flows:
  - id: f
    owner: alice@contoso.com
    connections: [c]
    trigger: {{schedule: {schedule}, startTime: 2026-01-05T13:00:00Z}}
events:
  - at: 2026-01-05T09:00:00Z
    signIn: {{user: alice@contoso.com, app: Microsoft Flow Service, mfa: true, ip: 8.8.8.8, device: LAPTOP-ALICE}}
  - at: 2026-01-05T09:05:00Z
    createConnection: {{id: c, user: alice@contoso.com, connector: teams, via: portal}}
"""


@pytest.mark.parametrize(
    "schedule", ["PT0.1S", "PT1S", "PT59S", "PT0S", "P0D", "P1000Y", "-PT1M", "PT1.5H", "every day"]
)
def test_flow_schedule_out_of_range_is_exit_2(tmp_path: Path, schedule: str) -> None:
    s = tmp_path / "s.yaml"
    s.write_text(SCENARIO.format(tenant=CONTOSO, schedule=json.dumps(schedule)))
    res = run("simulate", str(s), "--format", "json")
    assert_exit_2(res, "s.yaml", "/flows/0/trigger/schedule")


@pytest.mark.parametrize("schedule", ["PT1M", "PT60S", "P1D"])
def test_flow_schedule_at_the_minimum_runs(tmp_path: Path, schedule: str) -> None:
    s = tmp_path / "s.yaml"
    s.write_text(
        SCENARIO.format(tenant=CONTOSO, schedule=schedule).replace("2026-03-01", "2026-01-08")
    )
    res = run("simulate", str(s), "--format", "json")
    assert res.exit_code == 0, res.output


@pytest.mark.parametrize(
    ("recurrence", "needle"),
    [
        ({"frequency": "Second", "interval": 1}, "/recurrence/interval"),
        ({"frequency": "Second", "interval": 30}, "/recurrence/interval"),
        ({"frequency": "Minute", "interval": 0}, "/recurrence/interval"),
        ({"frequency": "Day", "interval": -5}, "/recurrence/interval"),
        ({"frequency": "Month", "interval": 10**30}, "/recurrence/interval"),
        ({"frequency": "Week", "interval": "often"}, "/recurrence/interval"),
    ],
)
def test_exported_recurrence_out_of_range_is_exit_2(
    bundle: Path, recurrence: dict[str, object], needle: str
) -> None:
    path = bundle / "powerplatform" / "flows.json"
    doc = json.loads(path.read_text())
    items = doc["value"] if isinstance(doc, dict) else doc
    flow = next(f for f in items if "properties" in f)
    flow["properties"]["definition"] = {
        "triggers": {"Recurrence": {"type": "Recurrence", "recurrence": recurrence}}
    }
    path.write_text(json.dumps(items))
    res = run("advise", str(bundle))
    assert_exit_2(res, "flows.json", needle)


def test_quarterly_flow_follows_calendar_months_into_inactivity(tmp_path: Path) -> None:
    """A P3M flow from Nov 30 runs on Feb 28 and May 30 (calendar months, not every 90 days:
    that would give May 29); each run comes more than 90 days after the refresh token was last
    used, so the connection breaks for inactivity (tokens §1: 70008)."""
    s = tmp_path / "q.yaml"
    s.write_text(
        f"""
tenant: {CONTOSO}
start: 2025-11-30T08:00:00Z
end: 2026-06-15T00:00:00Z
flows:
  - id: quarterly
    owner: alice@contoso.com
    connections: [c]
    trigger: {{schedule: P3M, startTime: 2025-11-30T09:00:00Z}}
events:
  - at: 2025-11-30T08:00:00Z
    signIn: {{user: alice@contoso.com, app: Microsoft Flow Service, mfa: true, ip: 8.8.8.8, device: LAPTOP-ALICE}}
  - at: 2025-11-30T08:05:00Z
    createConnection: {{id: c, user: alice@contoso.com, connector: teams, via: portal}}
"""
    )
    res = run("simulate", str(s), "--format", "json")
    assert res.exit_code == 0, res.output
    events = json.loads(res.stdout)["events"]
    failed = [e for e in events if e["kind"] == "runFailed"]
    assert [e["at"] for e in failed] == ["2026-02-28T09:00:00Z", "2026-05-30T09:00:00Z"]
    assert {e["cause"] for e in failed} == {"inactivity"}
    assert {e["errorCode"] for e in failed} == {"AADSTS70008"}


# -- horizons ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("horizon", "code"),
    [
        ("P11Y", "limit-exceeded"),
        ("P100Y", "limit-exceeded"),
        ("PT1S", "invalid-input"),
        ("P0D", "invalid-input"),
        ("P1.5D", "invalid-input"),
    ],
)
def test_check_horizon_is_bounded(horizon: str, code: str) -> None:
    res = run(
        "check",
        "--baseline",
        str(CONTOSO),
        "--enable",
        "CA014 - Require MFA for Microsoft Flow Service",
        "--horizon",
        horizon,
    )
    assert_exit_2(res, "--horizon", f"[{code}]")


@pytest.mark.parametrize("until", ["2040-01-01", "9999-12-31"])
def test_simulate_until_is_bounded(tmp_path: Path, until: str) -> None:
    s = tmp_path / "s.yaml"
    s.write_text(SCENARIO.format(tenant=CONTOSO, schedule="P1D"))
    res = run("simulate", str(s), "--until", until)
    assert_exit_2(res, "--until", "[limit-exceeded]")


def test_scenario_end_beyond_the_horizon_is_exit_2(tmp_path: Path) -> None:
    s = tmp_path / "s.yaml"
    s.write_text(
        SCENARIO.format(tenant=CONTOSO, schedule="P1D").replace("2026-03-01", "2099-03-01")
    )
    assert_exit_2(run("simulate", str(s)), "s.yaml", "/end", "[limit-exceeded]")


@pytest.mark.parametrize(
    ("start", "horizon"),
    [
        ("9999-12-31T00:00:00Z", "P90D"),
        ("9999-12-30", "P1D"),
        ("9800-01-01T00:00:00Z", "PT1M"),
        ("9799-06-01T00:00:00Z", "P1Y"),
    ],
)
def test_check_window_near_year_9999_is_exit_2(start: str, horizon: str) -> None:
    """Review of issue 8: ``check --start 9999-12-31`` was an OverflowError (internal error)
    - schedules, expiries and lifetimes are worked out past the window's end."""
    res = run(
        "check", "--baseline", str(CONTOSO), "--enable",
        "CA014 - Require MFA for Microsoft Flow Service",
        "--start", start, "--horizon", horizon,
    )  # fmt: skip
    assert_exit_2(res, "--horizon", "year-9800", "[limit-exceeded]")


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("9999-12-20T09:00:00Z", "9999-12-31T23:59:59Z"),
        ("9799-12-30T09:00:00Z", "9800-01-02T00:00:00Z"),
    ],
)
def test_scenario_near_year_9999_is_exit_2(tmp_path: Path, start: str, end: str) -> None:
    text = SCENARIO.format(tenant=CONTOSO, schedule="P1D")
    s = tmp_path / "s.yaml"
    s.write_text(
        text.replace("2026-01-05", start[:10])
        .replace("start: " + start[:10] + "T09:00:00Z", "start: " + start)
        .replace("2026-03-01T00:00:00Z", end)
    )
    assert_exit_2(run("simulate", str(s)), "s.yaml", "/end", "year-9800", "[limit-exceeded]")


def test_simulation_just_before_the_limit_runs(tmp_path: Path) -> None:
    """Control: a window ending before year 9800 runs (schedules, lifetimes past its end)."""
    text = SCENARIO.format(tenant=CONTOSO, schedule="P1D").replace("2026-", "9799-")
    s = tmp_path / "s.yaml"
    s.write_text(text)
    res = run("simulate", str(s), "--format", "json")
    assert res.exit_code in (0, 1), res.output
    res = run(
        "check", "--baseline", str(CONTOSO), "--enable",
        "CA014 - Require MFA for Microsoft Flow Service",
        "--start", "9799-06-01T00:00:00Z", "--horizon", "P90D",
    )  # fmt: skip
    assert res.exit_code in (0, 1), res.output


# -- review of issue 8: messages for impossible timestamps and huge durations ------------------


@pytest.mark.parametrize(
    "moment",
    [
        "2026-01-05T09:00:00+99:00",
        "2026-01-05T09:00:00-24:30",
        "2026-13-05T09:00:00Z",
        "2026-02-30",
    ],
)
def test_impossible_timestamp_names_file_and_path(tmp_path: Path, moment: str) -> None:
    scenario = tmp_path / "s.yaml"
    scenario.write_text(
        f"tenant: {CONTOSO}\nstart: 2026-01-05T09:00:00Z\nend: 2026-01-10T00:00:00Z\n"
        f"events:\n  - {{at: {moment}, idle: {{}}}}\n",
        encoding="utf-8",
    )
    res = run("simulate", str(scenario))
    assert_exit_2(res, f"{scenario}: /events/0/at:", "ISO 8601 date-time")
    assert "malformed YAML" not in res.stderr


@pytest.mark.parametrize(
    "duration", ["P1000000000D", "P99999999999999Y", "PT99999999999999999H", "P200Y"]
)
def test_huge_duration_says_too_long(tmp_path: Path, duration: str) -> None:
    scenario = tmp_path / "s.yaml"
    scenario.write_text(
        f"tenant: {CONTOSO}\nstart: 2026-01-05T09:00:00Z\nend: 2026-01-10T00:00:00Z\n"
        f"flows:\n  - {{id: f, owner: alice@contoso.com, trigger: {{schedule: {duration}}}}}\n"
        "events:\n  - {at: 2026-01-06T00:00:00Z, idle: {}}\n",
        encoding="utf-8",
    )
    res = run("simulate", str(scenario))
    assert_exit_2(res, f"{scenario}: /flows/0/trigger/schedule:", "longer than 100 years")
