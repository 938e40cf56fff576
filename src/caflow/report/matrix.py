"""Writers of the what-if matrix (``caflow matrix``): json, csv, markdown, html.

Every format shows a cell's status as the matrix decided it: ``undetermined`` (with the
known part) is never printed as allow; Flow-Service-vs-host mismatches are marked ``⚠`` and
listed with the policy that applies to one side only.
"""

from __future__ import annotations

import csv
import io
import json
from enum import StrEnum
from typing import Any

__all__ = ["MatrixFormat", "render_matrix"]


class MatrixFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"
    html = "html"


_ICON = {"allow": "✅", "requires": "🔐", "block": "⛔", "undetermined": "❔"}


def _label(cell: dict[str, Any]) -> str:
    status = cell["status"]
    if status == "requires":
        text = "requires " + " + ".join(cell["requirements"])
    elif status == "undetermined":
        known = cell["decision"] + (
            " " + " + ".join(cell["requirements"]) if cell["requirements"] else ""
        )
        text = f"undetermined (known: {known})"
    else:
        text = status
    return text + (" ⚠ mismatch" if cell["mismatches"] else "")


def _grid(data: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    """Rows user × context, columns apps."""
    apps = [a["id"] for a in data["apps"]]
    header = ["user", "context", *(a["displayName"] for a in data["apps"])]
    rows: dict[tuple[str, str], dict[str, str]] = {}
    for c in data["cells"]:
        rows.setdefault((c["user"], c["context"]), {})[c["app"]] = _label(c)
    body = [[u, ctx, *(cells.get(a, "—") for a in apps)] for (u, ctx), cells in rows.items()]
    return header, body


def _csv(data: dict[str, Any]) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(
        [
            "user",
            "context",
            "app",
            "appName",
            "status",
            "decision",
            "requirements",
            "errorCode",
            "policies",
            "undetermined",
            "mismatches",
        ]
    )
    for c in data["cells"]:
        w.writerow(
            [
                c["user"],
                c["context"],
                c["app"],
                c["appName"],
                c["status"],
                c["decision"],
                ";".join(c["requirements"]),
                c["errorCode"] or "",
                ";".join(c["policies"]),
                ";".join(f"{u['policy']}: {u['reason']}" for u in c["undetermined"]),
                ";".join(f"{m['policy']} only on {m['appliesTo']}" for m in c["mismatches"]),
            ]
        )
    return out.getvalue()


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _markdown(data: dict[str, Any]) -> str:
    header, body = _grid(data)
    names = data["policies"]
    lines = [
        f"## caflow matrix — {data['tenant']['displayName'] or data['tenant']['id'] or 'tenant'}",
        "",
        f"**{data['summaryLine']}** (evaluated at {data['now']})",
        "",
        "Contexts: " + "; ".join(f"`{c['name']}` = {c['description']}" for c in data["contexts"]),
        "",
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
    ]
    for row in body:
        lines.append("| " + " | ".join(_md_cell(x) for x in row) + " |")
    if data["mismatches"]:
        lines += [
            "",
            "### ⚠ Flow Service / host mismatches",
            "",
            "Embedded flows and connections fail where Microsoft Flow Service and the app it "
            "works with get different requirements under the same sign-in.",
            "",
            "| user | context | app | policy | applies only to | requirement |",
            "|---|---|---|---|---|---|",
        ]
        for m in data["mismatches"]:
            lines.append(
                f"| {_md_cell(m['user'])} | {m['context']} | {_md_cell(m['appName'])} | "
                f"{_md_cell(names.get(m['policy'], m['policy']))} | {_md_cell(m['appliesTo'])} | "
                f"{_md_cell(m['requirement'])} |"
            )
    undetermined = {(u["policy"], u["reason"]) for c in data["cells"] for u in c["undetermined"]}
    if undetermined:
        lines += ["", "### ❔ Undetermined policies", ""]
        lines += [f"- {_md_cell(names.get(p, p))}: {_md_cell(r)}" for p, r in sorted(undetermined)]
    return "\n".join(lines) + "\n"


def _table(data: dict[str, Any], width: int | None = None) -> str:
    from rich.table import Table

    from caflow.report.terminal import DEFAULT_WIDTH, SafeConsole

    header, body = _grid(data)
    console = SafeConsole(
        file=io.StringIO(),
        record=True,
        width=width or DEFAULT_WIDTH,
        force_terminal=False,
        color_system=None,
    )
    table = Table(title=f"caflow matrix: {data['tenant']['displayName'] or data['tenant']['id']}")
    for col in header:
        table.add_column(col, overflow="fold")
    for row in body:
        table.add_row(*row)
    console.print(table)
    for m in data["mismatches"]:
        console.print(
            f"⚠ {m['user']} ({m['context']}): {data['policies'].get(m['policy'], m['policy'])} "
            f"applies only to {m['appliesTo']} ({m['requirement']}), not to both Flow Service "
            f"and {m['appName']}",
            highlight=False,
            markup=False,
        )
    console.print(data["summaryLine"], highlight=False, markup=False)
    return console.export_text()


def _html(data: dict[str, Any]) -> str:
    from caflow.report.templating import render_template

    header, body = _grid(data)
    status: dict[tuple[str, str, str], str] = {
        (c["user"], c["context"], c["app"]): c["status"] for c in data["cells"]
    }
    apps = [a["id"] for a in data["apps"]]
    rows = [
        {
            "user": r[0],
            "context": r[1],
            "cells": [
                {
                    "text": text,
                    "status": status.get((r[0], r[1], app), "none"),
                    "mismatch": "⚠" in text,
                }
                for app, text in zip(apps, r[2:], strict=True)
            ],
        }
        for r in body
    ]
    return render_template("matrix.html.j2", data=data, header=header, rows=rows, icon=_ICON)


def render_matrix(result: Any, fmt: str, width: int | None = None) -> str:
    """``result`` in ``fmt``; ``width`` sizes the table (``cli.common.table_width``: the
    terminal's, else ``DEFAULT_WIDTH``); other formats have no width."""
    data = result.to_json()
    kind = MatrixFormat(fmt)
    if kind is MatrixFormat.json:
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if kind is MatrixFormat.table:
        return _table(data, width)
    return {
        MatrixFormat.csv: _csv,
        MatrixFormat.markdown: _markdown,
        MatrixFormat.html: _html,
    }[kind](data)
