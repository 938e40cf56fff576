"""ISO 8601 and .NET TimeSpan durations (model/durations.py).

Sources: reference/tokens-and-signins.md §5.1 (termsExpiration.frequency and
userReacceptRequiredFrequency are ISO 8601 Durations; "PT1M" is one minute, "P1M" one month),
§5.3 (monthly schedule Jan 1 -> Feb 1, Mar 1 ...; 30-day rolling Jan 1 -> Jan 31 -> Mar 2 -> Apr 1),
§1 (TokenLifetimePolicy TimeSpans such as "90.00:00:00", "until-revoked").
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from caflow.model.durations import UNTIL_REVOKED, Duration, parse_iso_duration, parse_timespan


def d(y: int, m: int, day: int, h: int = 0) -> datetime:
    return datetime(y, m, day, h, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "months", "fixed"),
    [
        ("P30D", 0, timedelta(days=30)),
        ("P1M", 1, timedelta(0)),
        ("P3M", 3, timedelta(0)),
        ("P1Y", 12, timedelta(0)),
        ("P1Y2M3DT4H5M6S", 14, timedelta(days=3, hours=4, minutes=5, seconds=6)),
        ("PT75M", 0, timedelta(minutes=75)),
        ("PT1M", 0, timedelta(minutes=1)),  # one minute, not one month (§5.1 note)
        ("P2W", 0, timedelta(weeks=2)),
        ("PT0.5S", 0, timedelta(milliseconds=500)),
        ("p30d", 0, timedelta(days=30)),
        (" P90D ", 0, timedelta(days=90)),
        ("P1M1D", 1, timedelta(days=1)),
    ],
)
def test_parse_iso_duration(text: str, months: int, fixed: timedelta) -> None:
    assert parse_iso_duration(text) == Duration(months, fixed)


@pytest.mark.parametrize(
    "text", ["", "P", "PT", "30D", "P1.5D", "P-1D", "1 month", "PT1H30", "T1H"]
)
def test_parse_iso_duration_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_iso_duration(text)


def test_month_arithmetic_monthly_schedule() -> None:
    # §5.3 "Expire consents" start Jan 1, monthly: Feb 1, Mar 1, Apr 1.
    p1m = parse_iso_duration("P1M")
    start = d(2026, 1, 1)
    assert [p1m.after(start, k) for k in (1, 2, 3)] == [d(2026, 2, 1), d(2026, 3, 1), d(2026, 4, 1)]
    assert parse_iso_duration("P3M").after(start) == d(2026, 4, 1)
    assert parse_iso_duration("P1Y").after(start) == d(2027, 1, 1)


def test_month_end_clamping_is_from_the_start() -> None:
    p1m = parse_iso_duration("P1M")
    jan31 = d(2026, 1, 31)
    # Each occurrence is start + k months (clamped), not a chain of clamped steps.
    assert [p1m.after(jan31, k) for k in (1, 2, 3, 4)] == [
        d(2026, 2, 28),
        d(2026, 3, 31),
        d(2026, 4, 30),
        d(2026, 5, 31),
    ]
    assert p1m.after(d(2024, 1, 31)) == d(2024, 2, 29)  # leap year
    assert parse_iso_duration("P1Y").after(d(2024, 2, 29)) == d(2025, 2, 28)
    assert parse_iso_duration("P3M").after(d(2025, 11, 30)) == d(2026, 2, 28)
    assert p1m.after(d(2025, 12, 15)) == d(2026, 1, 15)  # year boundary


def test_rolling_thirty_days() -> None:
    # §5.3 "Duration before re-acceptance" 30 days: Alice Jan 1 -> Jan 31 -> Mar 2 -> Apr 1;
    # Bob Jan 15 -> Feb 14 -> Mar 16 -> Apr 15 (a non-leap year).
    p30 = parse_iso_duration("P30D")
    alice = [p30.after(d(2026, 1, 1), k) for k in (1, 2, 3)]
    bob = [p30.after(d(2026, 1, 15), k) for k in (1, 2, 3)]
    assert alice == [d(2026, 1, 31), d(2026, 3, 2), d(2026, 4, 1)]
    assert bob == [d(2026, 2, 14), d(2026, 3, 16), d(2026, 4, 15)]


def test_mixed_and_timezones() -> None:
    dur = parse_iso_duration("P1M1DT2H")
    start = datetime(2026, 1, 31, 22, 0, tzinfo=timezone(timedelta(hours=2)))
    out = dur.after(start)
    assert out == datetime(
        2026, 3, 2, 0, 0, tzinfo=timezone(timedelta(hours=2))
    )  # Feb 28 22:00 + 1 day + 2 h
    assert out.tzinfo == start.tzinfo


def test_duration_helpers() -> None:
    assert not Duration() and Duration(1) and Duration(fixed=timedelta(seconds=1))
    # approx is the mean Gregorian month (estimates only; arithmetic uses calendar months)
    assert parse_iso_duration("P1M").approx == timedelta(days=365.2425 / 12)
    assert parse_iso_duration("P1M1D").approx == timedelta(days=365.2425 / 12 + 1)
    assert str(Duration()) == "0"
    assert "month" in str(parse_iso_duration("P2M"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90.00:00:00", timedelta(days=90)),  # MaxInactiveTime default
        ("8:00:00", timedelta(hours=8)),
        ("00:30", timedelta(minutes=30)),
        ("1.02:03:04.5", timedelta(days=1, hours=2, minutes=3, seconds=4.5)),
        ("until-revoked", UNTIL_REVOKED),
        ("Until-Revoked", UNTIL_REVOKED),
        ("P1D", timedelta(days=1)),  # ISO 8601 accepted too
    ],
)
def test_parse_timespan(text: str, expected: timedelta | None) -> None:
    assert parse_timespan(text) == expected


@pytest.mark.parametrize("text", ["ninety days", "90", "1.2.3", "", "P1M", "P1Y"])
def test_parse_timespan_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_timespan(text)


@settings(max_examples=200, deadline=None)
@given(
    y=st.integers(0, 20),
    mo=st.integers(0, 30),
    w=st.integers(0, 10),
    dd=st.integers(0, 400),
    h=st.integers(0, 48),
    mi=st.integers(0, 120),
    s=st.integers(0, 120),
)
def test_iso_round_trip(y: int, mo: int, w: int, dd: int, h: int, mi: int, s: int) -> None:
    text = f"P{y}Y{mo}M{w}W{dd}DT{h}H{mi}M{s}S"
    dur = parse_iso_duration(text)
    assert dur.months == 12 * y + mo
    assert dur.fixed == timedelta(weeks=w, days=dd, hours=h, minutes=mi, seconds=s)


@settings(max_examples=200, deadline=None)
@given(
    start=st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2090, 1, 1), timezones=st.just(UTC)
    ),
    months=st.integers(0, 36),
    days=st.integers(0, 400),
    k=st.integers(1, 12),
)
def test_after_is_monotonic_and_day_clamped(
    start: datetime, months: int, days: int, k: int
) -> None:
    dur = Duration(months, timedelta(days=days))
    if not dur:
        return
    a, b = dur.after(start, k), dur.after(start, k + 1)
    assert a > start and b > a
    if months and not days:
        total = start.month - 1 + months * k
        assert (a.year, a.month) == (start.year + total // 12, total % 12 + 1)
        assert a.day == start.day or a.day < start.day  # clamped to the month's end
        assert (a.hour, a.minute, a.second) == (start.hour, start.minute, start.second)
