"""Human timeline + summary (what broke, and the fix the seed recommends per cause),
rendered from the same result object as the JSON so the two cannot disagree.

:func:`render_timeline` builds a styled :class:`rich.text.Text` (colours for a terminal);
:func:`render_text` is its plain form (pipes, ``--output``, ``caflow demo``). Policies are shown
as ``<id> "<display name>"`` when the result knows the tenant; the JSON keeps ids only.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from rich.text import Text

from caflow.automation.verdicts import when_phrase
from caflow.simulate.fixes import FIXES
from caflow.simulate.result import SimulationResult

__all__ = ["render_text", "render_timeline", "summary_line"]

_QUIET = {"connectionRepaired"}

#: Event kind -> style: failures red, degraded surfaces yellow, recovery green.
_KIND_STYLE: Mapping[str, str] = {
    "connectionBroken": "bold red",
    "connectionCreateFailed": "bold red",
    "runFailed": "red",
    "flowTurnedOff": "bold magenta",
    "signInFailed": "yellow",
    "embeddedFailed": "yellow",
    "pickerDegraded": "yellow",
    "listShownAsId": "yellow",
    "flowNotDiscoverable": "yellow",
    "sharePointFlowBlocked": "yellow",
    "connectionRepaired": "green",
}


def _policies(ids: list[str], names: Mapping[str, str]) -> str:
    """``id "display name"`` per policy; the bare id when the name is unknown or the id itself."""
    out = []
    for pid in ids:
        name = names.get(pid.lower())
        out.append(f'{pid} "{name}"' if name and name != pid else pid)
    return ", ".join(out) or "-"


def _line(
    e: dict[str, Any], names: Mapping[str, str], repeat: int = 1, last: str | None = None
) -> Text:
    who = " ".join(
        x
        for x in (
            e["connection"] and f"connection {e['connection']}",
            e["flow"] and f"flow {e['flow']}",
            e["user"] and f"user {e['user']}",
        )
        if x
    )
    style = _KIND_STYLE.get(e["kind"], "")
    line = Text("  ")
    line.append(e["at"], style="dim")
    line.append("  ")
    line.append(f"{e['kind']:<22}", style=style)
    line.append(f" {who}")
    if e["errorCode"]:
        line.append(f" {e['errorCode']}", style="bold")
    if e["cause"]:
        line.append(f" ({e['cause']}; policies: {_policies(e['policies'], names)})")
    if repeat > 1:
        line.append(f"  [x{repeat}, last {last}]", style="dim")
    return line


def _same_failure(a: dict[str, Any], b: dict[str, Any]) -> bool:
    keys = ("kind", "flow", "connection", "user", "errorCode", "cause", "policies")
    return a["kind"] == "runFailed" and all(a[k] == b[k] for k in keys)


def render_timeline(result: SimulationResult, *, collapse: bool = True) -> Text:
    """Timeline + summary as styled text. Repeated identical run failures collapse into one
    line (``[xN]``)."""
    data = result.to_json()
    names = {k.lower(): v for k, v in result.policy_names.items()}
    lines: list[Text] = [Text(f"Timeline {data['start']} -> {data['end']}", style="bold")]
    events = data["events"]
    i = 0
    while i < len(events):
        j = i + 1
        if collapse:
            while j < len(events) and _same_failure(events[i], events[j]):
                j += 1
        repeat = sum(e.get("count", 1) for e in events[i:j])
        lines.append(
            _line(events[i], names, repeat, events[j - 1].get("lastAt") or events[j - 1]["at"])
        )
        i = j
    broken = [c for c in data["connections"] if c["status"] == "Error"]
    failing = [f for f in data["flows"] if f["failedRuns"]]
    n = data["summary"]
    lines.append(Text(""))
    lines.append(Text(summary_line(n, len(data["events"])), style="bold"))
    for c in broken:
        lines.append(
            Text(
                f"  ! connection {c['id']} broken {c['brokenAt']} "
                f"({c['errorCode'] or 'no code'}, {c['cause']})",
                style="red",
            )
        )
    for f in failing:
        lines.append(
            Text(
                f"  ! flow {f['id']}: {f['failedRuns']} failed run(s) from {f['firstFailureAt']}"
                + (f", turned off {f['turnedOffAt']}" if f["turnedOffAt"] else ""),
                style="magenta" if f["turnedOffAt"] else "red",
            )
        )
    for c in data["connections"]:
        if c.get("nextUse"):
            u = c["nextUse"]
            lines.append(
                Text(
                    f"  ! connection {c['id']} breaks {when_phrase(u['when'])} "
                    f"({u['errorCode']}, {u['cause']})",
                    style="red",
                )
            )
    for f in data["flows"]:
        if f.get("nextRun"):
            r = f["nextRun"]
            lines.append(
                Text(
                    f"  ! flow {f['id']} fails {when_phrase(r['when'])} "
                    f"(connection {r['connection']}, {r['errorCode'] or 'no code'})",
                    style="red",
                )
            )
    for u in data["undetermined"]:
        lines.append(Text(f"  ? {u['kind']} {u['id']} undetermined: {u['reason']}", style="yellow"))
    causes = Counter(e["cause"] for e in data["events"] if e["cause"] and e["kind"] not in _QUIET)
    if causes:
        lines.append(Text("Fix (seed recommendation):", style="bold"))
        for cause in sorted(causes):
            fix = Text(f"  - {cause}: ")
            fix.append(FIXES.get(cause, "see docs/assumptions.md"), style="cyan")
            lines.append(fix)
    return Text("\n").join(lines)


def summary_line(n: Mapping[str, int], events: int) -> str:
    """The one-line summary (``SimulationResult.summary()`` counts, ``events`` listed): last
    line of the timeline, and on stderr when the result goes to JSON or ``--output``."""
    return (
        f"Summary: {n['connectionsBroken']} connection(s) broken, "
        f"{n['flowsWithFailedRuns']} flow(s) with failed runs, {n['flowsTurnedOff']} "
        f"flow(s) turned off, {_undated(n)}{n['undetermined']} undetermined, "
        f"{events} event(s)."
    )


def _undated(n: Mapping[str, int]) -> str:
    """The summary's undated breaks, only when there are any (scenarios rarely have them)."""
    parts = []
    if n["connectionsBreakAtNextUse"]:
        parts.append(f"{n['connectionsBreakAtNextUse']} connection(s) break at next use")
    if n["flowsFailAtNextRun"]:
        parts.append(f"{n['flowsFailAtNextRun']} flow(s) fail at their next run")
    return "".join(p + ", " for p in parts)


def render_text(result: SimulationResult, *, collapse: bool = True) -> str:
    """Plain timeline + summary (no colour codes): pipes, ``--output``, ``caflow demo``."""
    return render_timeline(result, collapse=collapse).plain
