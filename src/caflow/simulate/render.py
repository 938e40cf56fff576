"""Human timeline + summary (what broke, and the fix the seed recommends per cause),
rendered from the same result object as the JSON so the two cannot disagree."""

from __future__ import annotations

from collections import Counter

from caflow.simulate.fixes import FIXES
from caflow.simulate.result import SimulationResult

__all__ = ["render_text"]

_QUIET = {"connectionRepaired"}


def render_text(result: SimulationResult) -> str:
    data = result.to_json()
    lines = [f"Timeline {data['start']} -> {data['end']}"]
    for e in data["events"]:
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
        lines.append(f"  {e['at']}  {e['kind']:<22} {who}{code}{why}")
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
