"""``caflow demo``: run the main jobs on the bundled example tenant and explain what they show."""

from __future__ import annotations

import importlib.util
import json
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from caflow.cli.common import guard, load_tenant, out_console
from caflow.cli.examples_cmd import example_path
from caflow.cli.exit import EXIT_CODES_HELP
from caflow.cli.options import TableOrJson, format_option, json_alias_option, pick_format

if TYPE_CHECKING:
    from caflow.model.tenant import Tenant

__all__ = ["register"]


# (title, sign-in options, what the seed says)
_CASES = (
    (
        "Alice opens SharePoint from home on her compliant laptop (single-factor)",
        {
            "user": "alice@contoso.com",
            "app": "Office 365 SharePoint Online",
            "ip": "8.8.8.8",
            "platform": "windows",
            "client_app": "browser",
            "device": "LAPTOP-ALICE",
        },
        "CA004 requires MFA for SharePoint only - not for Microsoft Flow Service.",
    ),
    (
        "Alice opens Power Automate with the same sign-in",
        {
            "user": "alice@contoso.com",
            "app": "Microsoft Flow Service",
            "ip": "8.8.8.8",
            "platform": "windows",
            "client_app": "browser",
            "device": "LAPTOP-ALICE",
        },
        "Allowed: the mismatch the KB warns about - embedded flows in SharePoint fail the token exchange (AADSTS50076).",
    ),
    (
        "Background refresh of a SharePoint connection created without MFA",
        {
            "user": "alice@contoso.com",
            "app": "Office 365 SharePoint Online",
            "ip": "8.8.8.8",
            "platform": "unknown",
            "client_app": "browser",
            "device": "unregistered",
        },
        "Seed effect 1: future runs fail with AADSTS50076 until the owner repairs the connection.",
    ),
    (
        "Guest Mallory (accepted the guest terms) opens Exchange from the UK",
        {
            "user": "mallory_fabrikam.com#EXT#@contoso.onmicrosoft.com",
            "app": "Office 365 Exchange Online",
            "ip": "81.2.69.142",
            "platform": "windows",
            "client_app": "browser",
            "device": "unregistered",
        },
        "CA006 requires the guest Terms of Use; her recorded acceptance satisfies it.",
    ),
    (
        "Legacy IMAP client from the office",
        {
            "user": "bob@contoso.com",
            "app": "Office 365 Exchange Online",
            "ip": "203.0.113.10",
            "platform": "windows",
            "client_app": "other",
            "device": "unregistered",
        },
        "CA001 blocks legacy authentication: AADSTS53003.",
    ),
)


def register(app: typer.Typer) -> None:
    @app.command(
        epilog="Then try:  caflow examples && caflow whatif examples/contoso --help\n\n"
        + EXIT_CODES_HELP
    )
    def demo(
        at: str = typer.Option(
            "2026-02-02T09:00:00Z",
            "--at",
            help="Evaluation time (fixed so the demo is reproducible).",
        ),
        fmt: TableOrJson = format_option(
            TableOrJson,
            TableOrJson.table,
            help="table (the walk-through), or json: each section's own JSON contract "
            "(whatif, simulate, advise) in one document.",
        ),
        as_json: bool = json_alias_option(),
    ) -> None:
        """Run what-ifs (and, when available, a simulation and the advisor) on the bundled Contoso tenant."""
        from caflow.cli.common import parse_when
        from caflow.cli.whatif_cmd import build_signin
        from caflow.engine.evaluate import evaluate
        from caflow.report.whatif import render_rich

        with guard():
            bundle = example_path("contoso")
            tenant = load_tenant(bundle)
            now = parse_when(at)
            if pick_format(fmt, as_json, TableOrJson.table) is TableOrJson.json:
                _demo_json(tenant, bundle, now)
                return
            out_console.rule(
                f"caflow demo - tenant {tenant.display_name} ({len(tenant.policies)} policies, "
                f"{len(tenant.connections)} connections, {len(tenant.flows)} flows)"
            )
            summary = []
            for title, opts, note in _CASES:
                ev = evaluate(tenant, build_signin(tenant, **opts), now)
                out_console.rule(title, style="cyan")
                out_console.print(render_rich(ev, only_applied=True))
                out_console.print(note, style="italic")
                summary.append((title, ev.decision, ev.error_code or "-"))
            from rich.table import Table

            table = Table(title="Summary")
            for col in ("What if", "Decision", "Background request"):
                table.add_column(col)
            for row in summary:
                table.add_row(*row)
            out_console.print(table)
            _simulate_section(bundle.parent / "scenarios" / "effect1-future-runs.yaml")
            _advise_section(tenant, now)
            out_console.rule("Next")
            out_console.print(
                "  caflow examples                            copy these examples into ./examples\n"
                "  caflow whatif examples/contoso --help      one sign-in, every policy, why (not)\n"
                f"  caflow simulate examples/scenarios/<file>  each seed effect over time "
                f"({len(list((bundle.parent / 'scenarios').glob('*.yaml')))} scenarios)\n"
                "  caflow advise examples/contoso             the KB's recommendations as rules\n"
                "  caflow check --baseline A --proposed B     is this change safe? (exit 1 if it breaks)",
                highlight=False,
            )


def _demo_json(tenant: Tenant, bundle: Path, now: datetime) -> None:
    """The demo as one JSON document: each section is the JSON its own verb prints
    (docs/output.md), so ``caflow demo --format json`` is what a script can compare."""
    from caflow.cli.common import emit
    from caflow.cli.whatif_cmd import build_signin
    from caflow.engine.evaluate import evaluate
    from caflow.report.whatif import render_json

    doc: dict[str, object] = {
        "schemaVersion": 1,
        "tool": "caflow demo",
        "tenant": {"id": tenant.id, "displayName": tenant.display_name},
        "now": now.isoformat().replace("+00:00", "Z"),
        "whatif": [
            {
                "title": title,
                "note": note,
                "result": json.loads(render_json(evaluate(tenant, build_signin(tenant, **o), now))),
            }
            for title, o, note in _CASES
        ],
    }
    scenario = bundle.parent / "scenarios" / "effect1-future-runs.yaml"
    if importlib.util.find_spec("caflow.simulate") is not None and scenario.exists():
        from caflow.simulate import load_scenario, run_scenario

        doc["simulate"] = run_scenario(load_scenario(scenario)).to_json()
    if importlib.util.find_spec("caflow.advise") is not None:
        from caflow.advise import run_advise
        from caflow.report import render

        doc["advise"] = json.loads(render(run_advise(tenant, now=now), "json"))
    emit(json.dumps(doc, indent=2, ensure_ascii=False), None)


def _simulate_section(scenario: Path) -> None:
    """Seed effect 1 over time: a policy enabled after connections exist breaks future runs."""
    if importlib.util.find_spec("caflow.simulate") is None or not scenario.exists():
        return
    from caflow.simulate import load_scenario, run_scenario
    from caflow.simulate.render import render_text

    out_console.rule(f"caflow simulate {scenario.parent.name}/{scenario.name}", style="cyan")
    out_console.print(
        render_text(run_scenario(load_scenario(scenario))), highlight=False, markup=False
    )


def _advise_section(tenant: Tenant, now: datetime) -> None:
    if importlib.util.find_spec("caflow.advise") is None:
        return
    from rich.table import Table

    from caflow.advise import run_advise

    result = run_advise(tenant, now=now)
    names = {p.id: p.display_name for p in tenant.policies}
    out_console.rule("caflow advise examples/contoso (failed rules)", style="cyan")
    table = Table(show_lines=False)
    table.add_column("severity", no_wrap=True)
    table.add_column("rule", no_wrap=True)
    table.add_column("policy", overflow="fold")
    table.add_column("affects", overflow="fold")
    for f in result.findings:
        if f.status.value != "FAIL":
            continue
        policy = ", ".join(names.get(pid, pid) for pid in f.policies) or "(tenant setting)"
        affects = ", ".join((*f.connections, *f.flows)[:4]) or "-"
        table.add_row(str(f.severity), f.rule_id, policy, affects)
    out_console.print(table)
    out_console.print(
        f"{result.summary_line()}  Full evidence and remedies: caflow advise examples/contoso",
        highlight=False,
    )
