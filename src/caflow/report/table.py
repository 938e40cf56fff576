"""Terminal writer (rich): a findings table, or the check plan text."""

from __future__ import annotations

import io
from typing import Any

from rich.table import Table

from caflow.report.terminal import DEFAULT_WIDTH, SafeConsole

__all__ = ["render"]

_STYLE = {
    "FAIL": "bold red",
    "UNDETERMINED": "yellow",
    "PASS": "green",
    "SUPPRESSED": "dim",
    "NOT_EVALUATED": "magenta",
}


def render(result: Any, width: int | None = None) -> str:
    if hasattr(result, "plan_text"):
        return result.plan_text() + "\n"
    data = result.to_json()
    console = SafeConsole(
        file=io.StringIO(),
        record=True,
        width=width or DEFAULT_WIDTH,
        force_terminal=False,
        color_system=None,
    )
    table = Table(title=f"caflow advise: {data['tenant']['displayName'] or data['tenant']['id']}")
    for col in ("status", "severity", "rule", "finding", "affected"):
        table.add_column(col, overflow="fold")
    for f in data["findings"]:
        a = f["affected"]
        affected = ", ".join(a["connections"][:4] + a["flows"][:4])
        msg = f["message"] + (f" (reason: {f['reason']})" if f.get("reason") else "")
        if f.get("justification"):
            msg += f" (suppressed: {f['justification']})"
        table.add_row(
            f["status"], f["severity"], f["ruleId"], msg, affected, style=_STYLE[f["status"]]
        )
    console.print(table)
    console.print(data["summaryLine"])
    return console.export_text()
