"""Durations as Microsoft writes them: ISO 8601 (Graph) and .NET TimeSpan (token lifetime policy).

Graph ``Duration`` properties (``P30D``, ``P1M``, ``PT75M``) need calendar months: a ToU
``termsExpiration`` of ``P1M`` starting Jan 1 expires on Feb 1, Mar 1 ... (docs/sources.md
TS-5.3). Legacy ``TokenLifetimePolicy`` values are TimeSpans (``90.00:00:00``) or ``until-revoked``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import isodate
from dateutil.relativedelta import relativedelta

__all__ = [
    "LATEST_END",
    "MAX_DURATION_MONTHS",
    "MAX_HORIZON",
    "NEVER",
    "UNTIL_REVOKED",
    "Duration",
    "parse_iso_duration",
    "parse_moment",
    "parse_timespan",
    "span_limit",
]

_TIMESPAN = re.compile(
    r"^(?:(?P<d>\d+)\.)?(?P<h>\d{1,2}):(?P<m>\d{2})(?::(?P<s>\d{2}(?:\.\d+)?))?$"
)
#: Longest duration caflow accepts anywhere (100 years): beyond it no schedule, expiry or
#: horizon means anything, and datetime arithmetic would overflow.
MAX_DURATION_MONTHS = 1200
_MAX_FIXED = timedelta(days=36525)
#: Mean Gregorian month, for estimating how many periods fit in a span (then corrected exactly).
_MEAN_MONTH = timedelta(days=365.2425 / 12)
#: Longest simulation (``check --horizon``, a scenario's ``end`` or ``--until``): ten years.
MAX_HORIZON = timedelta(days=3653)
#: The end of representable time: what arithmetic past year 9999 saturates to ("never").
NEVER = datetime.max.replace(tzinfo=UTC)
#: Latest end of a simulation: schedules, expiries and lifetimes of up to 100 years are worked
#: out past the end, and ``datetime`` stops at year 9999 (a ``check --start 9999-12-31`` was
#: an OverflowError; review of issue 8).
LATEST_END = datetime(9800, 1, 1, tzinfo=UTC)


def span_limit(begin: datetime, end: datetime) -> str | None:
    """Why a simulation from ``begin`` to ``end`` is refused (docs/assumptions.md A-HOST-1:
    at most ten years, ending before year 9800), or None."""
    if end - begin > MAX_HORIZON:
        return "longer than the 10-year limit"
    if end > LATEST_END:
        return "ending after the year-9800 limit"
    return None


@dataclass(frozen=True, slots=True)
class Duration:
    """A calendar-aware duration: whole months plus a fixed part (ISO 8601 ``P1M`` is a calendar
    month - Jan 31 + P1M = Feb 28 - not 30 days; docs/sources.md TS-5.3)."""

    months: int = 0
    fixed: timedelta = timedelta(0)

    def after(self, moment: datetime, times: int = 1) -> datetime:
        """``moment`` + ``times`` x this duration, months anchored at ``moment`` (day clamped to
        the month's end) then the fixed part; past year 9999 saturates to :data:`NEVER`."""
        try:
            result = moment + relativedelta(months=self.months * times) if self.months else moment
            return result + self.fixed * times
        except (OverflowError, ValueError):
            return NEVER if times >= 0 else datetime.min.replace(tzinfo=UTC)

    @property
    def approx(self) -> timedelta:
        """Mean length (a month is 1/12 of a Gregorian year): for comparisons and estimates only."""
        return _MEAN_MONTH * self.months + self.fixed

    def first_at_or_after(self, origin: datetime, when: datetime) -> tuple[int, datetime]:
        """The smallest ``k >= 0`` with ``origin + k x self >= when``, and that moment.

        Computed by arithmetic (an estimate from the mean length, corrected by a step or two),
        never by stepping one period at a time: a ``PT1S`` schedule over a year is not 31M steps.
        """
        if when <= origin:
            return 0, origin
        step = self.approx
        if step <= timedelta(0):
            raise ValueError("a zero duration has no next occurrence")
        k = max(0, math.floor((when - origin) / step))
        moment = self.after(origin, k)
        while moment < when:
            k += 1
            moment = self.after(origin, k)
        while k > 0:
            earlier = self.after(origin, k - 1)
            if earlier < when:
                break
            k, moment = k - 1, earlier
        return k, moment

    def first_after(self, origin: datetime, when: datetime) -> datetime:
        """The first ``origin + k x self`` (``k >= 0``) strictly after ``when``."""
        k, moment = self.first_at_or_after(origin, when)
        return self.after(origin, k + 1) if moment == when else moment

    def last_at_or_before(self, origin: datetime, when: datetime) -> datetime | None:
        """The last ``origin + k x self`` (``k >= 0``) at or before ``when``; None before origin."""
        if when < origin:
            return None
        k, moment = self.first_at_or_after(origin, when)
        return moment if moment == when else self.after(origin, k - 1)

    def __bool__(self) -> bool:
        return bool(self.months or self.fixed)

    def __str__(self) -> str:
        parts = []
        if self.months:
            parts.append(f"{self.months} month(s)")
        if self.fixed:
            parts.append(str(self.fixed))
        return " + ".join(parts) or "0"


#: Marker for ``until-revoked`` token lifetimes.
UNTIL_REVOKED = None


def parse_iso_duration(text: str, *, minimum: timedelta | None = None) -> Duration:
    """Parse ``P30D``, ``P1M``, ``PT75M``, ``P1Y2M3DT4H`` ... (isodate) into a :class:`Duration`.

    Raises ValueError for anything else, for negative or fractional-month values, for more than
    :data:`MAX_DURATION_MONTHS` months, and - given ``minimum`` - for a shorter duration.
    """
    if not isinstance(text, str) or not text.strip():
        raise ValueError("not an ISO 8601 duration")
    value = text.strip().upper()
    if not value.startswith("P"):
        raise ValueError("not an ISO 8601 duration (it starts with P)")
    if value in ("P", "PT") or value.endswith("T"):
        raise ValueError("not an ISO 8601 duration such as P30D, P1M or PT1H")
    if re.search(r"[.,]\d*[YMWDH]", value):
        # Graph's Edm.Duration is xsd:duration: only seconds may have a fraction.
        raise ValueError("only seconds may have a fraction")
    try:
        parsed = isodate.parse_duration(value)
    except OverflowError:
        raise ValueError("longer than 100 years") from None  # P1000000000D: past timedelta
    except (isodate.ISO8601Error, ValueError, ArithmeticError):
        if re.fullmatch(r"P(\d+[YMWD])*(T(\d+[HM])*(\d+([.,]\d+)?S)?)?", value):
            raise ValueError("longer than 100 years") from None  # well formed, only too big
        raise ValueError("not an ISO 8601 duration such as P30D, P1M or PT1H") from None
    if isinstance(parsed, isodate.Duration):
        months_exact = Decimal(parsed.years) * 12 + Decimal(parsed.months)
        if months_exact != months_exact.to_integral_value():
            raise ValueError("years and months must be whole numbers")
        months, fixed = int(months_exact), parsed.tdelta
    else:
        months, fixed = 0, parsed
    if months < 0 or fixed < timedelta(0):
        raise ValueError("a negative duration")
    if (
        months > MAX_DURATION_MONTHS
        or fixed > _MAX_FIXED
        or _MEAN_MONTH * months + fixed > _MAX_FIXED
    ):
        raise ValueError("longer than 100 years")
    duration = Duration(months, fixed)
    if minimum is not None and duration.approx < minimum:
        raise ValueError(f"shorter than the minimum of {_human(minimum)}")
    return duration


def _human(span: timedelta) -> str:
    if span % timedelta(days=1) == timedelta(0):
        return f"{span.days} day(s)"
    if span % timedelta(minutes=1) == timedelta(0):
        return f"{int(span.total_seconds() // 60)} minute(s)"
    return f"{span.total_seconds():g} second(s)"


def parse_timespan(text: str) -> timedelta | None:
    """Parse a .NET TimeSpan (``90.00:00:00``, ``8:00:00``); ``until-revoked`` -> None."""
    value = str(text).strip()
    if value.lower() == "until-revoked":
        return UNTIL_REVOKED
    m = _TIMESPAN.match(value)
    if not m:
        # Be generous: accept ISO 8601 durations too - without months, which a TimeSpan
        # cannot hold (a month is not 30 days).
        iso = parse_iso_duration(value)
        if iso.months:
            raise ValueError("a TimeSpan has no months or years")
        return iso.fixed
    return timedelta(
        days=int(m.group("d") or 0),
        hours=int(m.group("h")),
        minutes=int(m.group("m")),
        seconds=float(m.group("s") or 0),
    )


def parse_moment(text: str, on_error: Any = None) -> datetime:
    """ISO 8601 with ``Z`` or offset; naive values are taken as UTC. Up to 7 fraction digits."""
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    # Python accepts at most 6 fraction digits; .NET writes 7.
    if "." in value:
        head, _, tail = value.partition(".")
        digits = "".join(ch for ch in tail if ch.isdigit())
        rest = tail[len(digits) :]
        value = f"{head}.{digits[:6]}{rest}"
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        if on_error is not None:
            raise on_error() from None
        raise
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
