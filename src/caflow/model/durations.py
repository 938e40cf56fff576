"""Durations as Microsoft writes them: ISO 8601 (Graph) and .NET TimeSpan (token lifetime policy).

Graph ``Duration`` properties (``P30D``, ``P1M``, ``PT75M``) need calendar months: a ToU
``termsExpiration`` of ``P1M`` starting Jan 1 expires on Feb 1, Mar 1 ... (tokens-and-signins.md
§5.3). Legacy ``TokenLifetimePolicy`` values are TimeSpans (``90.00:00:00``) or ``until-revoked``.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

__all__ = ["UNTIL_REVOKED", "Duration", "parse_iso_duration", "parse_moment", "parse_timespan"]

_ISO = re.compile(
    r"^P(?:(?P<y>\d+)Y)?(?:(?P<mo>\d+)M)?(?:(?P<w>\d+)W)?(?:(?P<d>\d+)D)?"
    r"(?:T(?:(?P<h>\d+)H)?(?:(?P<mi>\d+)M)?(?:(?P<s>\d+(?:\.\d+)?)S)?)?$",
    re.IGNORECASE,
)
_TIMESPAN = re.compile(
    r"^(?:(?P<d>\d+)\.)?(?P<h>\d{1,2}):(?P<m>\d{2})(?::(?P<s>\d{2}(?:\.\d+)?))?$"
)


@dataclass(frozen=True, slots=True)
class Duration:
    """A calendar-aware duration: whole months plus a fixed part."""

    months: int = 0
    fixed: timedelta = timedelta(0)

    def after(self, moment: datetime, times: int = 1) -> datetime:
        """``moment`` + ``times`` x this duration (months first, day clamped to month end)."""
        result = moment
        if self.months:
            total = result.month - 1 + self.months * times
            year, month = result.year + total // 12, total % 12 + 1
            day = min(result.day, calendar.monthrange(year, month)[1])
            result = result.replace(year=year, month=month, day=day)
        return result + self.fixed * times

    @property
    def approx(self) -> timedelta:
        return timedelta(days=30 * self.months) + self.fixed

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


def parse_iso_duration(text: str) -> Duration:
    """Parse ``P30D``, ``P1M``, ``PT75M``, ``P1Y2M3DT4H`` ...; raises ValueError otherwise."""
    m = _ISO.match(text.strip()) if isinstance(text, str) else None
    if not m or text.strip().upper() in ("P", "PT") or text.strip().upper().endswith("T"):
        raise ValueError(f"not an ISO 8601 duration: {text!r}")
    g = {k: (v or "0") for k, v in m.groupdict().items()}
    months = int(g["y"]) * 12 + int(g["mo"])
    fixed = timedelta(
        weeks=int(g["w"]),
        days=int(g["d"]),
        hours=int(g["h"]),
        minutes=int(g["mi"]),
        seconds=float(g["s"]),
    )
    return Duration(months, fixed)


def parse_timespan(text: str) -> timedelta | None:
    """Parse a .NET TimeSpan (``90.00:00:00``, ``8:00:00``); ``until-revoked`` -> None."""
    value = str(text).strip()
    if value.lower() == "until-revoked":
        return UNTIL_REVOKED
    m = _TIMESPAN.match(value)
    if not m:
        # Be generous: accept ISO 8601 durations too (fixed part only).
        iso = parse_iso_duration(value)
        return iso.approx
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
