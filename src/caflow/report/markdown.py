"""Markdown writer (PR comments, wikis): advise findings table or the check plan."""

from __future__ import annotations

from typing import Any

from caflow.report.rulelinks import DocLinks

__all__ = ["LIMIT", "render"]

_ICON = {
    "FAIL": "❌",
    "UNDETERMINED": "❔",
    "PASS": "✅",
    "SUPPRESSED": "🔇",
    "NOT_EVALUATED": "⚪",
}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render(result: Any, *, links: DocLinks | None = None) -> str:
    """``links``: where rule ids link (repository-relative by default, rulelinks)."""
    links = links or DocLinks()
    if hasattr(result, "plan_text"):
        return _render_check(result, links=links)
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
            f"[`{f['ruleId']}`]({links.rule(f['ruleId'])}) | {_cell(msg)} | {_cell(affected)} |"
        )
    return "\n".join(lines) + "\n"


#: GitHub refuses comments over 65,536 characters; stay well under (issue 12).
LIMIT = 60_000
TOP = 5  # items named per group


def _short(text: str, size: int = 100) -> str:
    text = _cell(text)
    return text if len(text) <= size else text[: size - 1] + "…"


def _names(items: list[str], total: int) -> str:
    shown = ", ".join(f"`{_short(i, 60)}`" for i in items[:TOP])
    return shown + (f" … +{total - TOP}" if total > TOP else "")


def _codes(codes: dict[str, int]) -> str:
    return ", ".join(f"{c} ×{n}" for c, n in sorted(codes.items(), key=lambda kv: -kv[1])) or "—"


#: Room kept for a "… N more" note plus the closing lines of a table or code block.
_NOTE = 120
#: Room a full page still keeps for closing lines (a table's blank line, the plan's code fence
#: and ``</details>``): forced notes stop short of it.
_CLOSERS = 32
#: Said once instead of further "left out" notes when even those no longer fit.
_MORE_LEFT_OUT = "_… more sections left out (size limit); see the full JSON._"


class _Page:
    """Lines under a character budget: a table keeps as many rows as fit, then says how many
    were left out and where to find them."""

    def __init__(self, limit: int, footer: str) -> None:
        self.lines: list[str] = []
        self.size = 0
        self.limit = limit - len(footer) - 200  # room for the footer and "left out" notes
        #: What forced notes may fill: the page (lines, footer, final newline) stays within
        #: ``limit`` with room for the closing lines.
        self.hard = limit - len(footer) - 1 - _CLOSERS
        self.footer = footer
        self.cut_noted = False

    def add(self, *lines: str, reserve: int = 0, force: bool = False, note: bool = False) -> bool:
        """``reserve``: characters that must stay free after these lines (the note and the
        closing lines that follow them); ``force``: closing lines and notes always go in, paid
        from the margin kept for the footer, so no code block or ``<details>`` is left open.
        ``note`` (with ``force``): a "left out" note; when several no longer fit the margin,
        one :data:`_MORE_LEFT_OUT` line stands for the rest, so the page never passes its limit
        however many sections are cut."""
        cost = sum(len(line) + 1 for line in lines)
        if not force and self.size + cost + reserve > self.limit:
            return False
        if note and (self.cut_noted or self.size + cost + len(_MORE_LEFT_OUT) + 1 > self.hard):
            # A note is let in only while room for the closing one stays free.
            if self.cut_noted:
                return False
            lines, cost = (_MORE_LEFT_OUT,), len(_MORE_LEFT_OUT) + 1
            self.cut_noted = True
        self.lines.extend(lines)
        self.size += cost
        return True

    def table(
        self, title: str, header: list[str], rows: list[list[str]], total: int, cap: int = 25
    ) -> None:
        """At most ``cap`` rows (so every section gets a share of the page), fewer if the
        budget runs out first."""
        if not rows:
            return
        head = [
            f"### {title}",
            "",
            "| " + " | ".join(header) + " |",
            "|" + "---|" * len(header),
        ]
        if not self.add(*head, reserve=_NOTE):
            self.add(
                f"_{title}: {total} left out (size limit); see the full JSON._",
                "",
                force=True,
                note=True,
            )
            return
        shown = 0
        for row in rows[:cap]:
            if not self.add("| " + " | ".join(row) + " |", reserve=_NOTE):
                break
            shown += 1
        if shown < total:
            self.add("", f"_… {total - shown} more not shown; see the full JSON._", force=True)
        self.add("", force=True)

    def text(self) -> str:
        return "\n".join([*self.lines, self.footer]) + "\n"


def _render_check(result: Any, limit: int = LIMIT, *, links: DocLinks | None = None) -> str:
    """The check as a PR comment: counts, impact grouped by policy and by owner with the first
    items of each, then the plan, everything cut to fit ``limit`` characters; the full lists
    are in ``--format json`` (keep it as a build artifact)."""
    links = links or DocLinks()
    from caflow.report.impact import blocked_pairs, blocked_users, by_owner, by_policy

    data = result.to_json()
    s = data["summary"]
    if data["breaks"]:
        verdict = "⛔ breaks something"
    elif data["summary"]["undetermined"]:
        # Never "safe" when something could not be evaluated (issue 13).
        verdict = f"❔ nothing known to break, {data['summary']['undetermined']} undetermined"
    else:
        verdict = "✅ safe"
    footer = (
        "\n---\n_Grouped and cut to fit a pull-request comment. The full lists are in "
        "`caflow check … --format json`: keep that file as a build artifact._"
    )
    page = _Page(limit, footer)
    page.add(
        f"## caflow check — {verdict}",
        "",
        f"**{data['impactLine']}** (simulated {data['start']} .. {data['end']})",
        "",
        "| impact | count |",
        "|---|---|",
        f"| connections break | {s['connectionsBreak']} |",
        f"| flows fail | {s['flowsFail']} |",
        # Distinct users (summary.usersBlocked counts user x app pairs: docs/output.md).
        f"| users blocked | {len(blocked_users(data))} |",
        f"| user × app pairs blocked | {len(blocked_pairs(data))} |",
        f"| new findings | {len(data['newFindings'])} |",
        f"| undetermined | {s['undetermined']} |",
        f"| connections no longer breaking | {len(data['connectionsResolved'])} |",
        f"| resolved findings | {len(data['resolvedFindings'])} |",
        "",
    )
    if data.get("warnings"):
        # What loading made undetermined (issue 13): in the comment, not only on stderr.
        page.add(
            "### Load warnings",
            "",
            *(f"- ⚠️ {_short(w, 400)}" for w in data["warnings"]),
            "",
        )
    changes = data["policyChanges"]
    page.table(
        "Policy changes",
        ["change", "policy", "fields"],
        [
            [
                c["action"],
                f"{_short(c['displayName'])} (`{c['id']}`)",
                _short(", ".join(f["path"] for f in c.get("fields", [])) or "—", 200),
            ]
            for c in changes
        ],
        len(changes),
    )
    policies = by_policy(data)
    page.table(
        "Impact by policy",
        ["policy", "connections", "users", "codes", "first break", "examples"],
        [
            [
                f"{_short(g.label)}" + (f" (`{g.key}`)" if g.label != g.key else ""),
                str(len(g.connections)),
                str(len(g.user_ids)),
                _codes(g.codes),
                g.first_at or "—",
                _names(g.connections + g.users, g.total),
            ]
            for g in policies
        ],
        len(policies),
    )
    owners = by_owner(data)
    page.table(
        "Broken connections by owner",
        ["owner", "connections", "codes", "first break", "examples"],
        [
            [
                _short(g.label),
                str(len(g.connections)),
                _codes(g.codes),
                g.first_at or "—",
                _names(g.connections, len(g.connections)),
            ]
            for g in owners
        ],
        len(owners),
    )
    flows = sorted(data["flowsFailing"], key=lambda f: (-(f["failedRuns"] or 0), f["id"]))
    page.table(
        "Failing flows (most failed runs first)",
        ["flow", "failed runs", "first failure", "turned off"],
        [
            [
                f"`{_short(f['id'], 80)}`",
                str(f["failedRuns"]),
                f["firstFailureAt"] or "—",
                f["turnedOffAt"] or "—",
            ]
            for f in flows
        ],
        len(flows),
    )
    findings = data["newFindings"]
    page.table(
        "New advisor findings",
        ["status", "severity", "rule", "finding"],
        [
            [
                f"{_ICON[f['status']]} {f['status']}",
                f["severity"],
                f"[`{f['ruleId']}`]({links.rule(f['ruleId'])})",
                _short(
                    f["message"] + (f" (reason: {f['reason']})" if f.get("reason") else ""), 400
                ),
            ]
            for f in findings
        ],
        len(findings),
        cap=50,
    )
    resolved = data["resolvedFindings"]
    page.table(
        "Resolved findings",
        ["rule", "finding"],
        [[f"`{f['ruleId']}`", _short(f["message"], 300)] for f in resolved],
        len(resolved),
    )
    plan = result.plan_text().splitlines()
    if page.add("<details><summary>Plan</summary>", "", "```diff", reserve=_NOTE):
        shown = 0
        for line in plan:
            if not page.add(line.replace("```", "ʼʼʼ"), reserve=_NOTE):
                break
            shown += 1
        if shown < len(plan):
            page.add(f"… {len(plan) - shown} more plan lines; see the full JSON.", force=True)
        page.add("```", "</details>", force=True)
    else:
        page.add(
            f"_Plan ({len(plan)} lines) left out (size limit); see the full JSON._",
            force=True,
            note=True,
        )
    return page.text()
