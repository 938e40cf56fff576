"""Markdown writer (PR comments, wikis): advise findings table or the check plan."""

from __future__ import annotations

from typing import Any

__all__ = ["render"]

_ICON = {
    "FAIL": "❌",
    "UNDETERMINED": "❔",
    "PASS": "✅",
    "SUPPRESSED": "🔇",
    "NOT_EVALUATED": "⚪",
}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render(result: Any) -> str:
    if hasattr(result, "plan_text"):
        return _render_check(result)
    data = result.to_json()
    lines = [
        f"## caflow advise — {data['tenant']['displayName'] or data['tenant']['id'] or 'tenant'}",
        "",
        f"**{data['summaryLine'].rstrip('.')}** (evaluated at {data['now']}).",
        "",
        "| status | severity | rule | finding | affected |",
        "|---|---|---|---|---|",
    ]
    for f in data["findings"]:
        a = f["affected"]
        affected = ", ".join(a["connections"][:5] + a["flows"][:5]) or "—"
        msg = f["message"] + (f" _(reason: {f['reason']})_" if f.get("reason") else "")
        if f.get("justification"):
            msg += f" _(suppressed: {f['justification']})_"
        lines.append(
            f"| {_ICON[f['status']]} {f['status']} | {f['severity']} | "
            f"[`{f['ruleId']}`](docs/rules.md#{f['ruleId']}) | {_cell(msg)} | {_cell(affected)} |"
        )
    return "\n".join(lines) + "\n"


def _render_check(result: Any) -> str:
    data = result.to_json()
    verdict = "⛔ breaks something" if data["breaks"] else "✅ safe"
    return (
        f"## caflow check — {verdict}\n\n"
        f"{data['impactLine']}\n\n"
        "<details><summary>Plan</summary>\n\n```diff\n"
        f"{result.plan_text()}\n```\n</details>\n"
    )
