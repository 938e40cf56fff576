"""Renderers of a replay result (the JSON of ``ReplayRun.to_json``): Markdown summary, the same
summary drawn for a terminal (``--format table``) and a CSV of per-policy counters. Text is
rendered from the JSON, so they cannot disagree."""

from __future__ import annotations

import csv
import io
from typing import Any

from caflow.replay.outcome import COUNTERS

__all__ = ["render_csv", "render_markdown", "render_table"]


def render_csv(result: dict[str, Any]) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["side", "id", "displayName", "state", *COUNTERS])
    for side in ("baseline", "proposed"):
        for p in result.get(side, {}).get("policies", []):
            w.writerow([side, p["id"], p["displayName"], p["state"], *(p[c] for c in COUNTERS)])
    return out.getvalue()


def _table(headers: list[str], rows: list[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(c).replace("|", "\\|") for c in r) + " |" for r in rows]
    return lines


def render_markdown(result: dict[str, Any]) -> str:
    inp = result["input"]
    lines = [
        "# caflow replay",
        "",
        f"{result['evaluated']:,} sign-ins evaluated at {result['now']} "
        f"({inp['read']:,} records read, {sum(inp['skipped'].values()):,} not usable).",
    ]
    for reason, n in sorted(inp["skipped"].items()):
        lines.append(f"- not usable: {reason}: {n:,} (e.g. {inp['examples'].get(reason, '')})")
    for reason, n in sorted(result["notEvaluated"].items()):
        lines.append(f"- not evaluated: {reason}: {n:,}")
    for side in ("baseline", "proposed"):
        data = result.get(side)
        if not data:
            continue
        d = data["decisions"]
        lines += [
            "",
            f"## {side.capitalize()}: {d['allow']:,} allowed, {d['block']:,} blocked, "
            f"{d['requires']:,} would need more",
            "",
        ]
        rows = [
            [p["displayName"], p["state"], *(f"{p[c]:,}" for c in COUNTERS)]
            for p in data["policies"]
        ]
        lines += _table(["policy", "state", *COUNTERS], rows)
        for value, n in data.get("unmappedValues", {}).items():
            lines.append(f"- log value not mapped ({n} distinct): {value}")
        for p in data["policies"]:
            for reason, n in p.get("undeterminedReasons", {}).items():
                lines.append(f"- {p['displayName']}: undetermined for {n:,}: {reason}")
    if "changes" in result:
        ch, fl = result["changes"], result["flowConnections"]
        lines += ["", f"## Change: {ch['count']:,} sign-ins would now fail or prompt", ""]
        lines += _table(
            ["time", "user", "app", "resource", "decision", "error", "policies"],
            [
                [
                    r["time"],
                    r["user"],
                    r["app"],
                    r["resource"],
                    r["decision"],
                    r["errorCode"],
                    ", ".join(r["policies"]),
                ]
                for r in ch["rows"][:50]
            ],
        )
        lines += [
            "",
            f"## Power Automate connections: {fl['count']:,} Flow Service / connector refreshes "
            "would fail (tomorrow's broken connections)",
            "",
        ]
        lines += _table(
            ["time", "user", "resource", "error", "policies", "connections", "flows"],
            [
                [
                    r["time"],
                    r["user"],
                    r["resource"],
                    r["errorCode"],
                    ", ".join(r["policies"]),
                    ", ".join(r.get("connections", [])),
                    ", ".join(r.get("flows", [])),
                ]
                for r in fl["rows"][:50]
            ],
        )
    ag = result["agreement"]
    lines += ["", "## Agreement with the log's recorded Conditional Access results", ""]
    if ag["policyResultsCompared"]:
        lines.append(
            f"{ag['agree']:,} of {ag['policyResultsCompared']:,} policy results agree "
            f"({ag['rate']:.2%}); {ag['undetermined']:,} undetermined, "
            f"{ag['notInBundle']:,} for policies the bundle lacks."
        )
        lines += _table(
            ["policy", "recorded", "caflow", "reasons", "rows", "example"],
            [
                [
                    d["displayName"],
                    d["recorded"],
                    d["caflow"],
                    d["analysisReasons"],
                    d["rows"],
                    d["example"],
                ]
                for d in ag["disagreements"][:30]
            ],
        )
    else:
        lines.append(
            f"Nothing to compare ({ag['rowsWithRecordedResults']:,} rows record results; "
            f"{ag['notInBundle']:,} are for policies the bundle lacks)."
        )
    return "\n".join(lines) + "\n"


def render_table(result: dict[str, Any], width: int | None = None) -> str:
    """``--format table``, the human format every verb has: the Markdown summary drawn as rich
    tables and headings (one text, so the two formats cannot say different things); ``width``
    is the terminal's, else ``DEFAULT_WIDTH`` so files are reproducible."""
    from rich.markdown import Markdown

    from caflow.report.terminal import DEFAULT_WIDTH, SafeConsole

    console = SafeConsole(
        file=io.StringIO(),
        record=True,
        width=width or DEFAULT_WIDTH,
        force_terminal=False,
        color_system=None,
    )
    console.print(Markdown(render_markdown(result)))
    return console.export_text()
