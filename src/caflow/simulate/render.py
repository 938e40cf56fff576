"""Human timeline + summary (what broke, and the fix the seed recommends per cause),
rendered from the same result object as the JSON so the two cannot disagree."""

from __future__ import annotations

from collections import Counter

from caflow.simulate.fixes import FIXES
from caflow.simulate.result import SimulationResult

__all__ = ["render_text"]

_QUIET = {"connectionRepaired"}


def _line(e: dict, repeat: int = 1, last: str | None = None) -> str:
    who = " ".join(
        x
        for x in (
            e["connection"] and f"connection {e['connection']}",
            e["flow"] and f"flow {e['flow']}",
            e["user"] and f"user {e['user']}",
        )
        if x
    )
    code = f" {e['errorCode']}" if e["errorCode"] else ""
    why = f" ({e['cause']}; policies: {', '.join(e['policies']) or '-'})" if e["cause"] else ""
    more = f"  [x{repeat}, last {last}]" if repeat > 1 else ""
    return f"  {e['at']}  {e['kind']:<22} {who}{code}{why}{more}"


def _same_failure(a: dict, b: dict) -> bool:
    keys = ("kind", "flow", "connection", "user", "errorCode", "cause", "policies")
    return a["kind"] == "runFailed" and all(a[k] == b[k] for k in keys)


def render_text(result: SimulationResult, *, collapse: bool = True) -> str:
    """Timeline + summary. Repeated identical run failures collapse into one line (``[xN]``)."""
    data = result.to_json()
    lines = [f"Timeline {data['start']} -> {data['end']}"]
    events = data["events"]
    i = 0
    while i < len(events):
        j = i + 1
        if collapse:
            while j < len(events) and _same_failure(events[i], events[j]):
                j += 1
        lines.append(_line(events[i], j - i, events[j - 1]["at"]))
        i = j
    broken = [c for c in data["connections"] if c["status"] == "Error"]
    failing = [f for f in data["flows"] if f["failedRuns"]]
    off = [f for f in data["flows"] if f["turnedOffAt"]]
    lines.append("")
    lines.append(
        f"Summary: {len(broken)} connection(s) broken, {len(failing)} flow(s) with failed runs, "
        f"{len(off)} flow(s) turned off, {len(data['events'])} event(s)."
    )
    for c in broken:
        lines.append(
            f"  ! connection {c['id']} broken {c['brokenAt']} ({c['errorCode']}, {c['cause']})"
        )
    for f in failing:
        lines.append(
            f"  ! flow {f['id']}: {f['failedRuns']} failed run(s) from {f['firstFailureAt']}"
            + (f", turned off {f['turnedOffAt']}" if f["turnedOffAt"] else "")
        )
    causes = Counter(e["cause"] for e in data["events"] if e["cause"] and e["kind"] not in _QUIET)
    if causes:
        lines.append("Fix (seed recommendation):")
        for cause in sorted(causes):
            lines.append(f"  - {cause}: {FIXES.get(cause, 'see docs/assumptions.md')}")
    return "\n".join(lines)
