"""``caflow whatif``: what happens when this user signs in to this app from here?"""

from __future__ import annotations

import io
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from caflow.cli.common import emit, err_console, guard, load_tenant, out_console, parse_when
from caflow.cli.exit import EXIT_CODES_HELP
from caflow.cli.options import (
    TableOrJson,
    choice_option,
    format_option,
    json_alias_option,
    pick_format,
    signal_list_option,
    signal_option,
)

if TYPE_CHECKING:
    from caflow.engine.signin import SignIn
    from caflow.errors import InputError
    from caflow.model.tenant import Tenant

__all__ = ["build_signin", "register"]


class Explain(StrEnum):
    off = "off"
    fails = "fails"
    full = "full"


_EPILOG = (
    "Examples:\n\n"
    "  caflow whatif examples/contoso --user alice@contoso.com \\\n"
    "      --app 'Microsoft Flow Service' --ip 8.8.8.8\n\n"
    "  caflow whatif examples/contoso --user alice@contoso.com \\\n"
    "      --app 'Office 365 SharePoint Online' --ip 8.8.8.8 --platform windows \\\n"
    "      --client-app browser --device LAPTOP-ALICE --mfa --json\n\n"
    "  caflow whatif examples/contoso \\\n"
    "      --request examples/requests/alice-sharepoint-from-home.json\n\n"
    "A signal a policy needs but you did not give (IP, platform, device ...) makes that policy "
    "'notEnoughInformation' - listed as undetermined, never silently ignored: the headline then "
    "says how many enforced policies are undetermined (e.g. 'ALLOW - 3 policies undetermined') "
    "and the JSON adds certain: false (a determined BLOCK stays certain: block wins).\n\n"
    "A --user or --member-of group name (or a --request userId) that the bundle's directory "
    "does not hold is a warning "
    "with a did-you-mean (exit 2 with --strict).\n\n" + EXIT_CODES_HELP
)


def build_signin(tenant: Tenant, **o: Any) -> SignIn:
    """``caflow whatif`` options -> SignIn (resolution and checks: :mod:`caflow.io.whatif`)."""
    from caflow.engine.signin import SignIn
    from caflow.io.whatif import signin_kwargs

    return SignIn(**signin_kwargs(tenant, **o))


def register(app: typer.Typer) -> None:
    @app.command(epilog=_EPILOG)
    def whatif(
        bundle: Path = typer.Argument(
            ...,
            help="Tenant bundle folder or .zip (or any folder of policy exports).",
            show_default=False,
        ),
        user: str | None = typer.Option(
            None, "--user", "-u", help="User UPN, object id or display name."
        ),
        member_of: list[str] = typer.Option(
            [],
            "--member-of",
            help="For a user NOT in the bundle: a group (name or id) it belongs to (repeatable); "
            "its memberships are then known.",
        ),
        role: list[str] = typer.Option(
            [],
            "--role",
            help="For a user NOT in the bundle: an active directory role (repeatable).",
        ),
        guest_type: str | None = signal_option(
            "guestOrExternalUserType",
            "--guest-type",
            "For a user NOT in the bundle: its guest type.",
        ),
        external_tenant: str | None = typer.Option(
            None,
            "--external-tenant",
            help="Home tenant id of an external user (What If externalTenantId); decides "
            "enumerated externalTenants and cross-tenant trust, also for a directory user.",
        ),
        service_principal: str | None = typer.Option(
            None, "--service-principal", help="Workload identity (service principal id)."
        ),
        app_: str | None = typer.Option(
            None,
            "--app",
            "-a",
            help="Target app id or well-known name ('Microsoft Flow Service', 'Office 365 SharePoint Online').",
        ),
        user_action: str | None = signal_option(
            "userAction", "--user-action", "User action instead of an app."
        ),
        auth_context: str | None = typer.Option(None, help="Authentication context c1..c99."),
        ip: str | None = typer.Option(None, help="Public IP seen by Entra (IPv4 or IPv6)."),
        country: str | None = typer.Option(
            None, help="Two-letter country (needed for GPS-based country locations)."
        ),
        platform: str | None = signal_option("devicePlatform", "--platform", "Device platform."),
        client_app: str | None = signal_option("clientAppType", "--client-app", "Client app type."),
        device: str | None = typer.Option(
            None, help="Directory device (name or id), inline JSON properties, or 'unregistered'."
        ),
        compliant: bool = typer.Option(
            False, "--compliant", help="The device is marked compliant."
        ),
        sign_in_risk: str | None = signal_option(
            "riskLevel", "--sign-in-risk", "Sign-in risk (default none)."
        ),
        user_risk: str | None = signal_option(
            "riskLevel", "--user-risk", "User risk (default none)."
        ),
        insider_risk: str | None = signal_option(
            "insiderRiskLevel", "--insider-risk", "Insider risk."
        ),
        sp_risk: str | None = signal_option(
            "riskLevel", "--sp-risk", "Service principal risk (with --service-principal)."
        ),
        auth_flow: str | None = signal_option(
            "transferMethod", "--auth-flow", "Authentication flow."
        ),
        mfa: bool = typer.Option(False, "--mfa/--no-mfa", help="The sign-in has completed MFA."),
        method: list[str] = signal_list_option(
            "authenticationMethod",
            "--method",
            "Authentication method used (repeatable; Graph authenticationMethodModes).",
        ),
        accepted_terms: list[str] = typer.Option(
            [], "--accepted-terms", help="Agreement id the user has accepted (repeatable)."
        ),
        approved_app: bool = typer.Option(
            False, "--approved-app", help="Client is an approved client app."
        ),
        app_protection: bool = typer.Option(
            False, "--app-protection", help="Client has an app protection policy."
        ),
        at: str | None = typer.Option(
            None,
            "--at",
            help="Evaluate at this time (ISO 8601, default now) - matters for ToU expiry.",
        ),
        request: Path | None = typer.Option(
            None, "--request", help="Graph evaluate request body (JSON) instead of the flags."
        ),
        fmt: TableOrJson = format_option(
            TableOrJson,
            TableOrJson.table,
            help="table, or json: the JSON contract (schemaVersion 1).",
        ),
        as_json: bool = json_alias_option(),
        explain: Explain = choice_option(
            Explain, Explain.off, "--explain", help="Per-condition outcomes of each policy."
        ),
        only_applied: bool = typer.Option(
            False,
            "--only-applied",
            help="List only policies that apply (the What If API's appliedPoliciesOnly).",
        ),
        output: Path | None = typer.Option(
            None, "--output", "-o", help="Write the result to this file (atomically)."
        ),
        strict: bool = typer.Option(
            False,
            "--strict",
            help="A --user or --member-of group name the bundle's directory does not hold is "
            "bad input (exit 2) instead of a warning.",
        ),
    ) -> None:
        """What happens when THIS user signs in to THIS app from HERE? Per-policy applies/why-not, combined decision, and the AADSTS code a background (non-interactive) request would get."""
        from caflow.engine.evaluate import evaluate

        with guard():
            tenant = load_tenant(bundle)
            now = parse_when(at)
            from caflow.io.whatif import REQUEST_PATHS, unresolved_references

            def warn(problems: list[InputError]) -> None:
                """A name that resolves to nothing: a warning, exit 2 under --strict."""
                for problem in problems:
                    if strict:
                        raise problem
                    err_console.print(
                        "warning: " + str(problem), highlight=False, markup=False, style="yellow"
                    )

            if request is not None:
                from caflow.engine.signin import SignIn
                from caflow.io.decode import load_document
                from caflow.io.request import parse_evaluate_request

                body = load_document(request)
                parsed = parse_evaluate_request(body, tenant, str(request))
                # The request's userId / servicePrincipalId are checked like --user /
                # --service-principal (one check, naming the file and JSON path).
                subject = parsed.get("user")
                warn(
                    unresolved_references(
                        tenant,
                        field=lambda _name: str(request),
                        paths=REQUEST_PATHS,
                        user=subject.id if subject is not None else None,
                        # an external identity the request describes is deliberate, as --guest-type
                        guest_type=subject.guest_type if subject is not None else None,
                        service_principal=parsed.get("service_principal_id"),
                    )
                )
                signin = SignIn(**parsed)
                # The request's appliedPoliciesOnly means what --only-applied means (docs/sources.md CA-4.2).
                only_applied = only_applied or (
                    isinstance(body, dict) and body.get("appliedPoliciesOnly") is True
                )
            else:
                warn(
                    unresolved_references(
                        tenant,
                        user=user,
                        member_of=member_of,
                        role=role,
                        guest_type=guest_type,
                        service_principal=service_principal,
                    )
                )
                signin = build_signin(
                    tenant,
                    user=user,
                    member_of=member_of,
                    role=role,
                    guest_type=guest_type,
                    external_tenant=external_tenant,
                    service_principal=service_principal,
                    app=app_,
                    user_action=user_action,
                    auth_context=auth_context,
                    ip=ip,
                    country=country,
                    platform=platform,
                    client_app=client_app,
                    device=device,
                    compliant=compliant,
                    sign_in_risk=sign_in_risk,
                    user_risk=user_risk,
                    insider_risk=insider_risk,
                    sp_risk=sp_risk,
                    auth_flow=auth_flow,
                    mfa=mfa,
                    method=method,
                    accepted_terms=accepted_terms,
                    approved_app=approved_app,
                    app_protection=app_protection,
                )
            ev = evaluate(tenant, signin, now, explain=explain.value != "off")
            from caflow.report.whatif import incomplete_parts

            # Policies (or what they name) on export pages not saved: the decision is open.
            gaps = incomplete_parts(tenant.not_pulled)
            fmt = pick_format(fmt, as_json, TableOrJson.table)
            if fmt is TableOrJson.json or (output is not None and output.suffix.lower() == ".json"):
                from caflow.report.whatif import render_json

                emit(render_json(ev, explain.value, only_applied, gaps), output)
            else:
                from caflow.report.whatif import render_rich

                shown = render_rich(
                    ev, only_applied=only_applied, explain=explain.value, incomplete=gaps
                )
                if output is not None:
                    from caflow.report.terminal import SafeConsole

                    console = SafeConsole(record=True, width=140, file=io.StringIO())
                    console.print(shown)
                    emit(console.export_text(), output)
                else:
                    out_console.print(shown)
