"""``caflow matrix BUNDLE``: bulk What If - users (or personas) × apps × sign-in contexts."""

from __future__ import annotations

from pathlib import Path

import typer

from caflow.cli.options import format_option, json_alias_option, pick_format
from caflow.report.matrix import MatrixFormat

__all__ = ["register"]

EPILOG = (
    "Examples:\n\n"
    "  caflow matrix examples/contoso\n\n"
    "  caflow matrix examples/contoso --user alice@contoso.com \\\n"
    "      --app 'Microsoft Flow Service' --app 'Office 365 SharePoint Online' \\\n"
    "      --format markdown\n\n"
    "  caflow matrix examples/contoso --personas examples/requests/personas.csv \\\n"
    "      --format html -o matrix.html\n\n"
    "Default apps: Microsoft Flow Service, SharePoint Online, Exchange Online, Teams, the Office "
    "365 portal, Azure management. Default contexts: office (trusted network, managed device, no "
    "MFA), remote (untrusted network, unregistered device, no MFA), remote-mfa, abroad-mfa. "
    "A personas file (CSV with a header, or YAML/JSON list) has the columns user, name, app "
    "(';'-separated), where (trusted|untrusted|abroad), mfa, managed. A cell with an "
    "undetermined policy (and no block) is 'undetermined', never allow; ⚠ marks a policy that "
    "applies to Flow Service or to the host app, not both. Exit codes: 0 done, 2 bad input."
)


def matrix(
    bundle: Path = typer.Argument(..., help="Tenant bundle: folder, .zip or export file."),
    users: list[str] = typer.Option(
        None, "--user", "-u", help="User id or UPN (repeatable); default: every enabled user."
    ),
    apps: list[str] = typer.Option(
        None, "--app", "-a", help="App name or appId (repeatable); default: the six apps below."
    ),
    personas: Path = typer.Option(
        None, "--personas", dir_okay=False, help="CSV/YAML of user × app × conditions."
    ),
    at: str = typer.Option(
        None, "--at", help="Evaluation moment (ISO 8601, UTC if no offset); default now."
    ),
    fmt: MatrixFormat = format_option(MatrixFormat, MatrixFormat.table),
    as_json: bool = json_alias_option(),
    output: Path = typer.Option(
        None, "--output", "-o", dir_okay=False, help="Write here (atomically) instead of stdout."
    ),
) -> None:
    """Decision and requirements for every user × app × sign-in context, mismatches marked."""
    from caflow.cli.common import (
        emit,
        guard,
        load_tenant,
        parse_when,
        print_summary_once,
        table_width,
    )
    from caflow.io.whatif import resolve_app
    from caflow.matrix import DEFAULT_APPS, run_matrix
    from caflow.matrix.personas import check_one_source, load_personas, resolve_user
    from caflow.report.matrix import render_matrix

    with guard():
        fmt = pick_format(fmt, as_json, MatrixFormat.table)
        check_one_source(personas, users or ())
        tenant = load_tenant(bundle)
        now = parse_when(at)  # one clock: now unless pinned (issue 13)
        app_ids = tuple(resolve_app(tenant, a, file="--app") for a in apps or ()) or DEFAULT_APPS
        chosen = tuple(resolve_user(tenant, u, file="--user") for u in users or ()) or None
        rows = load_personas(personas, tenant) if personas is not None else ()
        result = run_matrix(tenant, now, users=chosen, apps=app_ids, personas=rows)
        text = render_matrix(result, fmt.value, table_width(output))
        emit(text, output)
    print_summary_once(
        result.summary_line(), output is None and fmt in (MatrixFormat.table, MatrixFormat.markdown)
    )


def register(app: typer.Typer) -> None:
    app.command("matrix", epilog=EPILOG)(matrix)
