"""``caflow report``: one self-contained HTML page for an advise, check, simulate, matrix or
replay result (their ``--format json`` output, or a replay run kept in the DuckDB store):
executive summary, timeline of breakages, per-policy impact bars, findings with remedies and
evidence, the check's policy diff, the matrix.

Built from the JSON contract only (the same file a CI job keeps as an artifact), so a report
can be made later from an artifact. Every chart has its data table beside it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from caflow.errors import InputError
from caflow.report.impact import PolicyNames, policy_names
from caflow.report.rulelinks import DocLinks

__all__ = ["Page", "chart_page", "detect_kind", "readable", "render_report"]

KINDS = ("advise", "check", "simulate", "matrix")
#: A replay result has no ``tool`` field (its JSON predates it); these keys identify it.
REPLAY_KEYS = frozenset({"schemaVersion", "evaluated", "input", "baseline"})


def detect_kind(data: Any, *, file: str) -> str:
    """Which command wrote ``data``: its ``tool`` field, or simulate's shape."""
    if isinstance(data, dict):
        tool = str(data.get("tool") or "")
        if tool.startswith("caflow "):
            kind = tool.split(" ", 1)[1]
            if kind in KINDS:
                return kind
        elif {"events", "connections", "flows"} <= data.keys():
            return "simulate"
        elif data.keys() >= REPLAY_KEYS:
            return "replay"
    raise InputError(
        "not a caflow result",
        file=file,
        expected="the --format json output of caflow advise, check, simulate, matrix or replay",
        got=type(data).__name__ if not isinstance(data, dict) else data.get("tool"),
    )


def readable(data: Any, *, file: str) -> str:
    """The kind of result ``data`` is (:func:`detect_kind`), after reading it through that
    kind's output contract (:data:`caflow.report.contracts.READABLE`, strict types): a result
    edited by hand, cut short or written by another tool is exit 2 naming ``file`` and the
    JSON path, never a half-drawn page or an internal error (review of issue 8)."""
    from caflow.model.strict import read_model
    from caflow.report.contracts import READABLE

    kind = detect_kind(data, file=file)
    read_model(READABLE[kind], data, file=file, strict=True)
    return kind


@dataclass
class Page:
    kind: str
    title: str
    headline: str
    facts: list[tuple[str, str]] = field(default_factory=list)
    timeline: list[dict[str, Any]] = field(default_factory=list)  # day, kind, count
    policy_bars: list[dict[str, Any]] = field(default_factory=list)  # policy, count
    bars_title: str = ""
    findings: list[dict[str, Any]] = field(default_factory=list)
    policy_changes: list[dict[str, Any]] = field(default_factory=list)
    matrix_header: list[str] = field(default_factory=list)
    matrix_rows: list[list[str]] = field(default_factory=list)
    tables: list[tuple[str, list[str], list[list[str]]]] = field(default_factory=list)
    charts: dict[str, str] = field(default_factory=dict)  # name -> inline SVG
    #: name -> the Vega-Lite spec the SVG was drawn from (``caflow report --interactive``).
    specs: dict[str, dict[str, Any]] = field(default_factory=dict)
    chart_note: str = ""
    #: Where rule ids in the findings table link (rulelinks: repository-relative by default).
    links: DocLinks = field(default_factory=DocLinks)


def _day(at: str | None) -> str | None:
    return at[:10] if at else None


def _timeline(items: list[tuple[str | None, str]]) -> list[dict[str, Any]]:
    counts = Counter((d, k) for at, k in items if (d := _day(at)))
    return [{"day": d, "kind": k, "count": n} for (d, k), n in sorted(counts.items())]


def _bars(counter: Counter[str], names: PolicyNames, top: int = 25) -> list[dict[str, Any]]:
    """The ``top`` policies by count, named by display name with the id beside it (``id`` is
    empty for a pseudo-key such as "(tenant setting)"). Two policies sharing a display name keep
    their id in the label too, so the chart never adds them into one bar."""
    rows = [
        {"policy": names.name(p), "id": "" if names.name(p) == p else p, "count": n}
        for p, n in counter.most_common(top)
    ]
    shared = {n for n, k in Counter(r["policy"] for r in rows).items() if k > 1}
    for r in rows:
        if r["policy"] in shared and r["id"]:
            r["policy"] = f"{r['policy']} ({r['id']})"
    return rows


def _with_remedies(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    from caflow.advise import load_rules

    remedies = {r.id: r.meta.remedy.text for r in load_rules()}
    order = {"FAIL": 0, "UNDETERMINED": 1, "NOT_EVALUATED": 2, "SUPPRESSED": 3, "PASS": 4}
    out = []
    for f in sorted(findings, key=lambda f: order.get(f["status"], 9)):
        out.append({**f, "remedy": remedies.get(f["ruleId"], "")})
    return out


def _advise(data: dict[str, Any]) -> Page:
    s = data["summary"]
    name = data["tenant"]["displayName"] or data["tenant"]["id"] or "tenant"
    page = Page("advise", f"caflow advise — {name}", data["summaryLine"])
    page.facts = [(k, str(v)) for k, v in s.items()] + [("evaluated at", data["now"])]
    per_policy: Counter[str] = Counter()
    for f in data["findings"]:
        if f["status"] in ("FAIL", "UNDETERMINED"):
            per_policy.update(f.get("policies") or ["(tenant setting)"])
    page.policy_bars = _bars(per_policy, policy_names(data))
    page.bars_title = "FAIL and UNDETERMINED findings per policy"
    page.findings = _with_remedies(data["findings"])
    return page


def _check(data: dict[str, Any]) -> Page:
    from caflow.report.impact import (
        blocked_pairs,
        blocked_users,
        by_owner,
        by_policy,
        check_impact_line,
    )

    s = data["summary"]
    # Any stored check result: v1 pairs, the interim build's distinct usersBlocked, or both.
    pairs = blocked_pairs(data)
    page = Page("check", "caflow check", check_impact_line(data))
    page.facts = [
        ("verdict", "breaks something" if data["breaks"] else "safe"),
        ("connections break", str(s["connectionsBreak"])),
        ("flows fail", str(s["flowsFail"])),
        ("users blocked", str(len(blocked_users(data)))),
        ("user × app pairs blocked", str(len(pairs))),
        ("undetermined", str(s["undetermined"])),
        ("simulated", f"{data['start']} .. {data['end']}"),
    ]
    page.timeline = _timeline(
        [(c["at"], "connection breaks") for c in data["connectionsBreaking"]]
        + [(f["firstFailureAt"], "flow starts failing") for f in data["flowsFailing"]]
    )
    names = policy_names(data)
    page.policy_bars = _bars(Counter({g.key: g.total for g in by_policy(data)}), names)
    page.bars_title = "Connections broken and users blocked per policy"
    page.policy_changes = data["policyChanges"]
    page.findings = _with_remedies(data["newFindings"])
    page.tables.append(
        (
            "Broken connections by owner",
            ["owner", "connections", "first break", "codes"],
            [
                [g.label, str(len(g.connections)), g.first_at or "—", ", ".join(sorted(g.codes))]
                for g in by_owner(data)
            ],
        )
    )
    page.tables.append(
        (
            "Broken connections",
            ["connection", "owner", "breaks at", "code", "cause", "policies"],
            [
                [
                    c["id"],
                    c.get("user") or "—",
                    c["at"] or "(date unknown)",
                    c["errorCode"] or "—",
                    c["cause"] or "—",
                    ", ".join(names.name(p) for p in c.get("policies") or []),
                ]
                for c in data["connectionsBreaking"]
            ],
        )
    )
    page.tables.append(
        (
            "Failing flows",
            ["flow", "failed runs", "first failure", "turned off"],
            [
                [f["id"], str(f["failedRuns"]), f["firstFailureAt"] or "—", f["turnedOffAt"] or "—"]
                for f in data["flowsFailing"]
            ],
        )
    )
    page.tables.append(
        (
            "Users blocked",
            ["user", "app", "code"],
            [[u["user"], u["appName"], u["errorCode"] or "—"] for u in pairs],
        )
    )
    return page


def _simulate(data: dict[str, Any]) -> Page:
    events = data["events"]
    broken = [c for c in data["connections"] if c.get("brokenAt") or c.get("status") != "Connected"]
    failing = [f for f in data["flows"] if (f.get("failedRuns") or 0) > 0]
    users = {e["user"] for e in events if e.get("user") and e["kind"] == "connectionBroken"}
    headline = (
        f"{len(broken)} of {len(data['connections'])} connections break, {len(failing)} of "
        f"{len(data['flows'])} flows fail, {len(users)} users affected."
    )
    page = Page("simulate", "caflow simulate", headline)
    first = min((c["brokenAt"] for c in broken if c.get("brokenAt")), default=None)
    page.facts = [
        ("simulated", f"{data['start']} .. {data['end']}"),
        ("connections break", f"{len(broken)} of {len(data['connections'])}"),
        ("flows fail", f"{len(failing)} of {len(data['flows'])}"),
        ("failed runs", str(sum(f.get("failedRuns") or 0 for f in data["flows"]))),
        ("users affected", str(len(users))),
        ("first break", first or "—"),
    ]
    page.timeline = _timeline(
        [(e["at"], e["kind"]) for e in events if e["kind"] in ("connectionBroken", "runFailed")]
    )
    per_policy: Counter[str] = Counter()
    for e in events:
        if e["kind"] == "connectionBroken":
            per_policy.update(e.get("policies") or ["(no policy named)"])
    page.policy_bars = _bars(per_policy, policy_names(data))
    page.bars_title = "Connection breaks per policy"
    page.tables.append(
        (
            "Connections",
            ["connection", "connector", "status", "broken at", "code", "cause"],
            [
                [
                    c["id"],
                    c.get("connector") or "—",
                    c.get("status") or "—",
                    c.get("brokenAt") or "—",
                    c.get("errorCode") or "—",
                    c.get("cause") or "—",
                ]
                for c in data["connections"]
            ],
        )
    )
    page.tables.append(
        (
            "Flows",
            ["flow", "state", "runs", "failed runs", "first failure", "turned off"],
            [
                [
                    f["id"],
                    f.get("state") or "—",
                    str(f.get("runs", "—")),
                    str(f.get("failedRuns", 0)),
                    f.get("firstFailureAt") or "—",
                    f.get("turnedOffAt") or "—",
                ]
                for f in data["flows"]
            ],
        )
    )
    return page


def _matrix(data: dict[str, Any]) -> Page:
    from caflow.report.matrix import _grid

    name = data["tenant"]["displayName"] or data["tenant"]["id"] or "tenant"
    page = Page("matrix", f"caflow matrix — {name}", data["summaryLine"])
    page.facts = [(k, str(v)) for k, v in data["summary"].items()]
    page.matrix_header, page.matrix_rows = _grid(data)
    per_policy: Counter[str] = Counter(m["policy"] for m in data["mismatches"])
    names = policy_names(data)
    page.policy_bars = _bars(per_policy, names)
    page.bars_title = "Flow Service / host mismatches per policy"
    page.tables.append(
        (
            "Flow Service / host mismatches",
            ["user", "context", "app", "policy", "applies only to", "requirement"],
            [
                [
                    m["user"],
                    m["context"],
                    m["appName"],
                    names.name(m["policy"]),
                    m["appliesTo"],
                    m["requirement"],
                ]
                for m in data["mismatches"]
            ],
        )
    )
    return page


def _replay(data: dict[str, Any]) -> Page:
    """A replay: what real sign-ins did under the baseline and would do under a proposal. The
    timeline and per-policy bars count the *listed* rows (``--max-listed``); a fact says so when
    the listing was cut."""
    base = data["baseline"]
    prop = data.get("proposed")
    inp = data["input"]
    changes = data.get("changes") or {"count": 0, "rows": []}
    flows = data.get("flowConnections") or {"count": 0, "rows": []}
    if prop:
        headline = (
            f"The proposal would fail or prompt {changes['count']:,} sign-ins and "
            f"{flows['count']:,} Flow Service / connector refreshes, of {data['evaluated']:,} "
            "sign-ins replayed."
        )
    else:
        d = base["decisions"]
        headline = (
            f"{data['evaluated']:,} sign-ins replayed: {d['allow']:,} allowed, {d['block']:,} "
            f"blocked, {d['requires']:,} would need more."
        )
    page = Page("replay", "caflow replay", headline)
    page.facts = [
        ("evaluated at", data["now"]),
        ("records read", f"{inp['read']:,}"),
        ("sign-ins evaluated", f"{data['evaluated']:,}"),
        ("records not usable", f"{sum(inp['skipped'].values()):,}"),
        ("not evaluated", f"{sum(data['notEvaluated'].values()):,}"),
    ]
    for side, res in (("baseline", base), ("proposed", prop)):
        if res:
            d = res["decisions"]
            page.facts.append(
                (side, f"{d['allow']:,} allow, {d['block']:,} block, {d['requires']:,} requires")
            )
    agreement = data.get("agreement") or {}
    if agreement.get("policyResultsCompared"):
        page.facts.append(
            (
                "agreement with the log",
                f"{agreement['agree']:,} of {agreement['policyResultsCompared']:,} policy results",
            )
        )
    listed = len(changes["rows"]) + len(flows["rows"])
    total = changes["count"] + flows["count"]
    if listed < total:
        page.facts.append(("timeline and bars", f"the {listed:,} listed of {total:,} changes"))
    page.timeline = _timeline(
        [(r["time"], "sign-in fails or prompts") for r in changes["rows"]]
        + [(r["time"], "Flow Service refresh breaks") for r in flows["rows"]]
    )
    sides = [("baseline", base)] + ([("proposed", prop)] if prop else [])
    names = PolicyNames()
    for _, res in sides:
        for p in res["policies"]:
            names.add(p["id"], p["displayName"])
    per_policy: Counter[str] = Counter()
    if prop:
        for r in changes["rows"] + flows["rows"]:
            per_policy.update(r.get("policies") or ["(no policy named)"])
        page.bars_title = "Sign-ins and refreshes the proposal fails or prompts, per policy"
    else:
        for p in base["policies"]:
            if n := p["applies"] - p["satisfied"]:
                per_policy[p["id"]] = n
        page.bars_title = "Sign-ins blocked or asked for more, per policy (baseline)"
    page.policy_bars = _bars(per_policy, names)
    from caflow.replay.outcome import COUNTERS

    for side, res in sides:
        page.tables.append(
            (
                f"Policies ({side})",
                ["policy", "state", *COUNTERS],
                [
                    [p["displayName"], p["state"], *(f"{p[c]:,}" for c in COUNTERS)]
                    for p in res["policies"]
                ],
            )
        )
    for title, rows in (
        ("Flow Service / connector refreshes the proposal breaks", flows["rows"]),
        ("Sign-ins the proposal fails or prompts", changes["rows"]),
    ):
        page.tables.append(
            (
                title,
                ["time", "user", "app", "resource", "decision", "code", "policies", "connections"],
                [
                    [
                        r["time"],
                        r["user"] or "—",
                        r["app"] or "—",
                        r["resource"] or "—",
                        r["decision"],
                        r["errorCode"] or "—",
                        ", ".join(names.name(p) for p in r.get("policies") or []),
                        ", ".join(r.get("connections") or []) or "—",
                    ]
                    for r in rows
                ],
            )
        )
    return page


def build_page(data: dict[str, Any], kind: str) -> Page:
    builders = {
        "advise": _advise,
        "check": _check,
        "simulate": _simulate,
        "matrix": _matrix,
        "replay": _replay,
    }
    return builders[kind](data)


def chart_page(
    data: dict[str, Any],
    *,
    file: str = "result",
    provenance: list[tuple[str, str]] | None = None,
    links: DocLinks | None = None,
) -> Page:
    """The page model of a result with its charts drawn (or the note saying why not): what
    ``caflow report`` writes and what ``caflow serve`` shows.

    ``provenance``: facts about where the result came from (a stored run's id, logs, bundle),
    shown after the summary's own facts.
    """
    from caflow.report import charts

    page = build_page(data, readable(data, file=file))
    page.facts += provenance or []
    page.links = links or DocLinks()
    if charts.available():
        if page.timeline:
            title = "Breakages and failures per day"
            page.specs["timeline"] = charts.timeline_spec(page.timeline, title=title)
            page.charts["timeline"] = charts.svg(page.specs["timeline"], title)
        if page.policy_bars:
            page.specs["bars"] = charts.bar_spec(
                page.policy_bars, label="policy", value="count", title=page.bars_title, detail="id"
            )
            page.charts["bars"] = charts.svg(page.specs["bars"], page.bars_title)
    else:
        page.chart_note = (
            "Charts omitted: install caflow with the report extra "
            "(pip install 'caflow[report]': altair, vl-convert-python). The tables hold the same data."
        )
    return page


def render_report(
    data: dict[str, Any],
    *,
    file: str = "result",
    provenance: list[tuple[str, str]] | None = None,
    interactive: bool = False,
    links: DocLinks | None = None,
) -> tuple[str, Page]:
    """The HTML page and its model (the model says whether charts were drawn).

    ``interactive``: also inline the vendored Vega runtime and each chart's Vega-Lite spec, so
    the browser draws the charts with tooltips (about 830 KB more per page); the static SVG
    stays in the page as what shows without JavaScript, and vega-embed replaces it."""
    from caflow.report.templating import render_template
    from caflow.report.vendor import vega_scripts

    page = chart_page(data, file=file, provenance=provenance, links=links)
    scripts = vega_scripts() if interactive and page.specs else []
    return render_template("report.html.j2", page=page, scripts=scripts), page
