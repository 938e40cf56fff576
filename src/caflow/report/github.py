"""GitHub Actions workflow annotations (``::error file=…,title=…::message``) for advise and check.

Format and escaping as in actions/toolkit ``command.ts``: in the message ``%``, CR and LF are
percent-encoded; in properties also ``:`` and ``,``. FAIL findings are errors (critical, high)
or warnings (medium) or notices (low, info); UNDETERMINED is a warning that says why (never
silently passed), and so is each connection, flow or user scope ``check`` could not evaluate;
NOT_EVALUATED a notice; SUPPRESSED and PASS print nothing. A check's impact is
annotated per responsible policy and per failing flow, capped at ``MAX_ITEMS`` lines per kind
with a closing line counting the rest, so 20,000 broken connections do not flood the log.
"""

from __future__ import annotations

from typing import Any

from caflow.automation.verdicts import when_phrase
from caflow.report.anchor import SourceAnchor
from caflow.report.impact import by_policy
from caflow.report.rulelinks import CHECK_UNDETERMINED, DocLinks

__all__ = ["MAX_ITEMS", "render"]

MAX_ITEMS = 50
_LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "notice"}


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def _line(level: str, message: str, *, title: str, file: str | None = None) -> str:
    props = ([f"file={_prop(file)}"] if file else []) + [f"title={_prop(title)}"]
    return f"::{level} {','.join(props)}::{_data(message)}"


def _finding_lines(
    findings: list[dict[str, Any]], anchor: SourceAnchor, links: DocLinks
) -> list[str]:
    out = []
    for f in findings:
        status = f["status"]
        if status in ("PASS", "SUPPRESSED"):
            continue
        message = f["message"]
        if status == "UNDETERMINED":
            level = "warning"
            message += f" (undetermined: {f.get('reason') or 'not enough information'})"
        elif status == "NOT_EVALUATED":
            level = "notice"
            message += f" (not evaluated: {f.get('reason') or 'nothing to look at'})"
        else:
            level = _LEVEL.get(f["severity"], "notice")
        message += f" Help: {links.rule(f['ruleId'])}"
        files = [e["file"] for e in f["evidence"]]
        title = f"caflow {f['ruleId']} [{status} {f['severity']}]"
        out.append(
            _line(level, message, title=title, file=anchor.path(files[0]) if files else None)
        )
    return out


def _capped(lines: list[str], kind: str) -> list[str]:
    if len(lines) <= MAX_ITEMS:
        return lines
    rest = len(lines) - MAX_ITEMS
    return [
        *lines[:MAX_ITEMS],
        _line(
            "warning",
            f"{rest} more {kind} not annotated; see caflow's --format json output.",
            title="caflow: more",
        ),
    ]


def _check_lines(result: Any, anchor: SourceAnchor, links: DocLinks) -> list[str]:
    data = result.to_json()
    # Load warnings (issue 13): what loading made undetermined, annotated like the rest.
    out = _capped(
        [_line("warning", w, title="caflow check: load warning") for w in data.get("warnings", [])],
        "load warnings",
    )
    impact = []
    for g in by_policy(data):
        examples = ", ".join((g.connections + g.users)[:5])
        more = f" and {g.total - 5} more" if g.total > 5 else ""
        codes = ", ".join(sorted(g.codes))
        impact.append(
            _line(
                "error",
                f"{len(g.connections)} connection(s) break and {len(g.user_ids)} user(s) are blocked "
                f"({codes or 'no code'}), first at {g.first_at or 'an unknown time'}: "
                f"{examples}{more}.",
                title=f"caflow check: {g.label}",
            )
        )
    out += _capped(impact, "policies")
    flows = [
        _line(
            "error",
            f"flow {f['id']} fails "
            + (
                f"{when_phrase(f['when'])} (connection {f['connection']}, "
                f"{f.get('errorCode') or 'no code'})."
                if f.get("when") and not f["firstFailureAt"]
                else f"from {f['firstFailureAt'] or '(date unknown)'} "
                f"({f['failedRuns']} failed runs"
                + (f", turned off {f['turnedOffAt']}" if f.get("turnedOffAt") else "")
                + ")."
            ),
            title=f"caflow check: flow {f['id']} fails",
        )
        for f in sorted(data["flowsFailing"], key=lambda f: (-(f["failedRuns"] or 0), f["id"]))
    ]
    out += _capped(flows, "failing flows")
    doubtful = [
        _line(
            "warning",
            f"{u['kind']} {u['id']} undetermined: {u['reason']} "
            f"Help: {links.rule(CHECK_UNDETERMINED)}",
            title=f"caflow check: {u['kind']} {u['id']} undetermined",
        )
        for u in data["undetermined"]
        if u["kind"] != "finding"  # new UNDETERMINED findings are annotated below
    ]
    out += _capped(doubtful, "undetermined items")
    out += _capped(_finding_lines(data["newFindings"], anchor, links), "new findings")
    level = (
        "error" if data["breaks"] else "warning" if data["summary"]["undetermined"] else "notice"
    )
    out.append(_line(level, data["impactLine"], title="caflow check"))
    return out


def render(
    result: Any, *, anchor: SourceAnchor | None = None, links: DocLinks | None = None
) -> str:
    anchor = anchor or SourceAnchor()
    links = links or DocLinks()
    if hasattr(result, "plan_text"):
        lines = _check_lines(result, anchor, links)
    else:
        data = result.to_json()
        lines = _finding_lines(data["findings"], anchor, links)
        lines.append(_line("notice", data["summaryLine"], title="caflow advise"))
    return "\n".join(lines) + "\n"
