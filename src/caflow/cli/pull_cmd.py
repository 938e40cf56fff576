"""``caflow pull``: read a live tenant into a bundle folder (docs/export.md)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import typer

from caflow.cli.common import err_console, guard, parse_when
from caflow.cli.exit import ExitStatus
from caflow.cli.options import (
    TableOrJson,
    choice_option,
    format_option,
    json_alias_option,
    pick_format,
)
from caflow.pull.names import AuthMethod, CloudName, OptionalPart, SignInType

_EPILOG = (
    "Examples:\n\n"
    "  # an admin signs in with a device code:\n"
    "  caflow pull --out my-tenant\n\n"
    "  # a Graph token from the Azure CLI (Power Platform needs its own tokens):\n"
    "  CAFLOW_ACCESS_TOKEN=$(az account get-access-token \\\n"
    "      --resource https://graph.microsoft.com --query accessToken -o tsv) \\\n"
    "      caflow pull --out my-tenant --skip powerplatform\n\n"
    "  # automation: app registration, whole directory, sign-ins since January:\n"
    "  caflow pull --out my-tenant --auth client-secret \\\n"
    "      --tenant contoso.onmicrosoft.com --client-id APP_ID --all-users \\\n"
    "      --since 2026-01-01 --sign-in-type interactiveUser \\\n"
    "      --sign-in-type nonInteractiveUser --format json\n\n"
    "Permissions, auth methods and what pull.json records: docs/export.md. "
    "Exit codes: 0 everything read; 1 bundle written but optional parts or single items (a "
    "flow deleted mid-pull) were unreadable (listed in pull.json and above); 2 a required part (policies, named locations, directory, "
    "sign-ins asked for with --since) could not be read, bad credentials or usage - nothing "
    "written."
)


def register(app: typer.Typer) -> None:
    @app.command(epilog=_EPILOG)
    def pull(
        out: Path = typer.Option(
            ...,
            "--out",
            "-o",
            help="Bundle folder to create (written atomically).",
            show_default=False,
        ),
        auth: AuthMethod | None = choice_option(
            AuthMethod,
            None,
            "--auth",
            help="environment: tokens from $CAFLOW_ACCESS_TOKEN (Graph), $CAFLOW_POWERAPPS_TOKEN, "
            "$CAFLOW_FLOW_TOKEN; device-code: interactive admin sign-in; client-secret: app "
            "registration, secret in $CAFLOW_CLIENT_SECRET; certificate: app registration with "
            "--certificate. Default: environment when $CAFLOW_ACCESS_TOKEN is set, else device-code.",
        ),
        tenant: str | None = typer.Option(
            None, "--tenant", help="Tenant id or domain (required for client-secret/certificate)."
        ),
        cloud: CloudName = choice_option(
            CloudName,
            CloudName.global_,
            "--cloud",
            help="The Microsoft cloud the tenant lives in: its sign-in authority, Graph and Power "
            "Platform endpoints (usgov: GCC; usgovhigh: GCC High; dod; china: 21Vianet). "
            "Power Platform is not read in china.",
        ),
        client_id: str | None = typer.Option(
            None,
            "--client-id",
            help="App registration (client) id. Device code defaults to Microsoft Graph Command "
            "Line Tools.",
        ),
        certificate: Path | None = typer.Option(
            None, "--certificate", help="PEM file with the private key and certificate."
        ),
        all_users: bool = typer.Option(
            False,
            "--all-users",
            help="Read the whole directory: every user, group (one member list per group and "
            "per activated role) and device with its owners - not only the users, groups, roles "
            "and devices the policies and connections reference (their memberships read per "
            "user with transitiveMemberOf).",
        ),
        since: str | None = typer.Option(
            None,
            "--since",
            help="Also read sign-in logs from this date/time (ISO 8601) into signIns.jsonl "
            "(needs AuditLog.Read.All and Directory.Read.All).",
        ),
        sign_in_types: list[SignInType] = choice_option(
            SignInType,
            [],
            "--sign-in-type",
            help="With --since: which sign-ins (repeatable; default interactiveUser, read from "
            "v1.0). The others come from the beta endpoint filtered on signInEventTypes; "
            "nonInteractiveUser holds the token refreshes of Power Automate connections.",
        ),
        skip: list[OptionalPart] = choice_option(
            OptionalPart, [], "--skip", help="Do not read this optional part (repeatable)."
        ),
        force: bool = typer.Option(False, "--force", help="Replace an existing --out folder."),
        fmt: TableOrJson = format_option(
            TableOrJson,
            TableOrJson.table,
            help="table: a summary on stderr; json: also pull.json (the manifest) on stdout.",
        ),
        as_json: bool = json_alias_option(),
    ) -> None:
        """Read a live tenant (Microsoft Graph + Power Platform admin API) into a bundle.

        Reads conditional access policies (beta), named locations, authentication strengths
        and contexts, terms of use and acceptances, cross-tenant access settings, the users,
        groups, roles, devices and service principals the policies and connections reference,
        Power Platform environments, connections and flows with their definitions, and
        optionally sign-in logs. Writes the bundle plus pull.json (what was read, when, API
        versions, counts, what could not be read and why).
        """
        with guard():
            as_manifest = pick_format(fmt, as_json, TableOrJson.table) is TableOrJson.json
            if sign_in_types and not since:
                from caflow.errors import InputError

                raise InputError(
                    "missing option",
                    file="--sign-in-type",
                    expected="--since DATE (sign-ins are read only from a start time)",
                )
            _pull(
                out,
                auth,
                tenant,
                cloud,
                client_id,
                certificate,
                all_users,
                since,
                [p.value for p in skip],
                force,
                as_manifest,
                tuple(t.value for t in sign_in_types) or (SignInType.interactiveUser.value,),
            )


def _pull(
    out: Path,
    auth: AuthMethod | None,
    tenant: str | None,
    cloud_name: CloudName,
    client_id: str | None,
    certificate: Path | None,
    all_users: bool,
    since: str | None,
    skip: list[str],
    force: bool,
    as_manifest: bool = False,
    sign_in_types: tuple[str, ...] = ("interactiveUser",),
) -> None:
    import json
    import os
    import sys

    from caflow import __version__
    from caflow.cli.progress import progress_bar
    from caflow.pull.auth import token_source
    from caflow.pull.clouds import CLOUDS
    from caflow.pull.http import Api
    from caflow.pull.tenant import PullOptions, delegated_scopes, pull_tenant, wanted_parts
    from caflow.pull.write import check_out_dir, manifest, write_bundle

    check_out_dir(out, force)
    method = (
        auth
        if auth
        else (
            AuthMethod.environment
            if os.environ.get("CAFLOW_ACCESS_TOKEN")
            else AuthMethod.device_code
        )
    )
    since_at = parse_when(since, option="--since") if since else None
    options = PullOptions(
        all_users=all_users,
        since=since_at,
        skip=frozenset(skip),
        sign_in_types=sign_in_types,
    )
    cloud = CLOUDS[cloud_name]
    tokens = token_source(
        method,
        tenant=tenant,
        client_id=client_id,
        certificate=certificate,
        prompt=lambda message: err_console.print(message, highlight=False, markup=False),
        cloud=cloud,
        delegated=delegated_scopes(options),
    )
    api = Api(tokens, cloud=cloud)
    started = datetime.now(tz=UTC).replace(microsecond=0)
    steps = len(wanted_parts(options))
    with progress_bar("reading the tenant", steps=steps) as advance:
        if advance is None:  # not a terminal (a pipe, CI): no bar
            pulled = pull_tenant(api, options)
        else:
            bar = advance
            counts: dict[str, int] = {}  # part -> items read, in the order the parts start

            def progress(part: str, items: int) -> None:
                counts[part] = counts.get(part, 0) + items
                bar(len(counts) - 1, f"reading {part}: {counts[part]} items")

            pulled = pull_tenant(api, options, progress)
            bar(steps, "read")
    finished = datetime.now(tz=UTC).replace(microsecond=0)
    doc = manifest(
        pulled,
        cloud,
        caflow=__version__,
        startedAt=started.isoformat().replace("+00:00", "Z"),
        finishedAt=finished.isoformat().replace("+00:00", "Z"),
        auth=method.value,
        options={
            "allUsers": all_users,
            "since": since_at.isoformat().replace("+00:00", "Z") if since_at else None,
            "skip": sorted(skip),
            "signInTypes": list(sign_in_types) if since_at else [],
        },
        requests=api.requests,
        retries=api.retries,
    )
    write_bundle(pulled, out, doc, force)
    if as_manifest:
        sys.stdout.write(json.dumps(doc, indent=2) + "\n")
    read = ", ".join(f"{p.count} {p.name}" for p in pulled.parts if p.status == "read")
    err_console.print(f"wrote {out}: {read}", highlight=False, markup=False)
    for note in pulled.notes:
        err_console.print(f"note: {note}", highlight=False, markup=False)
    for item in pulled.not_readable:
        status = f"HTTP {item['status']}: " if item["status"] is not None else ""
        err_console.print(
            f"warning: {item['item']} not read: {item['endpoint']}: {status}{item['why']}",
            highlight=False,
            markup=False,
            style="yellow",
        )
    if pulled.unreadable:
        for p in pulled.unreadable:
            j = p.to_json()
            err_console.print(
                f"warning: {p.name} not read: {j['endpoint']}: {p.reason}"
                + (f" ({p.hint})" if p.hint else ""),
                highlight=False,
                markup=False,
                style="yellow",
            )
        err_console.print(
            f"{len(pulled.unreadable)} optional part(s) unreadable: listed in {out / 'pull.json'}",
            highlight=False,
            markup=False,
        )
    if pulled.unreadable or pulled.not_readable:
        raise typer.Exit(code=int(ExitStatus.FAILURE))
