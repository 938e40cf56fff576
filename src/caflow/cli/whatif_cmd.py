"""``caflow whatif``: what happens when this user signs in to this app from here?"""

from __future__ import annotations

import io
import json
import re
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from caflow.cli.common import emit, err_console, guard, load_tenant, out_console, parse_when
from caflow.cli.exit import EXIT_CODES_HELP
from caflow.cli.options import json_alias_option, pick_format, signal_option
from caflow.errors import InputError, UnknownReferenceError, did_you_mean
from caflow.model.signals import canonical_signal

if TYPE_CHECKING:
    from caflow.engine.signin import SignIn
    from caflow.model.directory import User
    from caflow.model.tenant import Tenant

if TYPE_CHECKING:
    pass

__all__ = ["build_signin", "register"]


class WhatifFormat(StrEnum):
    table = "table"
    json = "json"


class Explain(StrEnum):
    off = "off"
    fails = "fails"
    full = "full"


_EPILOG = (
    "Examples:\n\n"
    "  caflow whatif examples/contoso --user alice@contoso.com --app 'Microsoft Flow Service' --ip 8.8.8.8\n\n"
    "  caflow whatif examples/contoso --user alice@contoso.com --app 'Office 365 SharePoint Online' "
    "--ip 8.8.8.8 --platform windows --client-app browser --device LAPTOP-ALICE --mfa --json\n\n"
    "  caflow whatif examples/contoso --request examples/requests/alice-sharepoint-from-home.json\n\n"
    "A signal a policy needs but you did not give (IP, platform, device ...) makes that policy "
    "'notEnoughInformation' - listed as undetermined, never silently ignored: the headline then "
    "says how many enforced policies are undetermined (e.g. 'ALLOW - 3 policies undetermined') "
    "and the JSON adds certain: false.\n\n"
    "A --user or --member-of group name that the bundle's directory does not hold is a warning "
    "with a did-you-mean (exit 2 with --strict).\n\n" + EXIT_CODES_HELP
)


def _with_memberships(tenant: Tenant, user: User, o: dict[str, Any]) -> User:
    """``--member-of``/``--role``/``--guest-type`` describe a user the bundle does not define
    (e.g. when evaluating a corpus of policy exports): the memberships become known."""
    from dataclasses import replace

    from caflow.model.wellknown import role_id_for

    groups, roles, guest = o.get("member_of") or (), o.get("role") or (), o.get("guest_type")
    if guest:
        guest = canonical_signal("guestOrExternalUserType", guest, source="--guest-type")
    if not (groups or roles or guest):
        return user
    if not user.unknown:
        raise InputError(
            "user is defined in directory.yaml",
            file="--member-of/--role/--guest-type",
            expected="these options only for a user the bundle does not define",
            got=user.user_principal_name,
        )
    group_ids = []
    for g in groups:
        found = tenant.directory.group(g)
        group_ids.append(found.id if found else g)  # a group id the bundle does not list
    role_ids = []
    for r in roles:
        rid = role_id_for(r)
        if rid is None and not re.fullmatch(r"[0-9a-fA-F-]{36}", r):
            raise UnknownReferenceError(
                "unknown role", file="--role", expected="a built-in role name or template id", got=r
            )
        role_ids.append(rid or r)
    return replace(
        user,
        unknown=False,
        group_ids=frozenset(group_ids),
        role_ids=frozenset(role_ids),
        user_type="Guest" if guest else "Member",
        guest_type=guest,
    )


def unresolved_references(tenant: Tenant, **o: Any) -> list[InputError]:
    """``--user`` / ``--member-of`` values that resolve to nothing in a bundle that has a
    directory: likely typos. Warnings by default, bad input (exit 2) under ``--strict``; without
    a directory nothing can be checked (a corpus of policy exports)."""
    from caflow.errors import did_you_mean

    d = tenant.directory
    out: list[InputError] = []
    ref = o.get("user")
    described = o.get("member_of") or o.get("role") or o.get("guest_type")
    if ref and d.users and d.user(ref) is None and not described:  # described: deliberate
        names = [n for u in d.users for n in (u.user_principal_name, u.display_name) if n]
        close = did_you_mean(ref, names)
        out.append(
            UnknownReferenceError(
                "user is not in the bundle's directory; evaluated as a user whose group and "
                "role memberships are unknown",
                file="--user",
                expected="a user of directory.yaml",
                got=ref,
                hint=f"did you mean '{close}'?" if close else None,
            )
        )
    for g in o.get("member_of") or ():
        if d.group(g) is None and not re.fullmatch(r"[0-9a-fA-F-]{36}", g):
            close = did_you_mean(g, [x.display_name for x in d.groups])
            out.append(
                UnknownReferenceError(
                    "group name resolves to no group of the bundle; it matches no policy",
                    file="--member-of",
                    expected="a group display name of directory.yaml or a group object id",
                    got=g,
                    hint=f"did you mean '{close}'?" if close else None,
                )
            )
    return out


def build_signin(tenant: Tenant, **o: Any) -> SignIn:
    """Turn CLI options into a SignIn, resolving users, apps and devices against the bundle."""
    from caflow.engine.signin import UNREGISTERED, SignIn
    from caflow.io.directory import device_from_graph
    from caflow.io.request import user_for
    from caflow.model.wellknown import app_id_for

    kwargs: dict = {}
    if o.get("user"):
        kwargs["user"] = _with_memberships(tenant, user_for(tenant, o["user"]), o)
        if o.get("external_tenant"):
            from caflow.io.request import with_external_identity

            # What If userSignIn.externalTenantId (§4.2): the user's home tenant for this
            # sign-in, for a directory user too (docs/assumptions.md A-SIG-5).
            kwargs["user"] = with_external_identity(
                kwargs["user"], guest_type=None, tenant_id=o["external_tenant"].strip()
            )
    elif o.get("service_principal"):
        kwargs["service_principal_id"] = o["service_principal"]
    else:
        raise InputError(
            "missing option",
            file="--user",
            expected="--user UPN|id (or --service-principal, or --request FILE)",
        )
    if o.get("app"):
        app = o["app"]
        targets = [k for k in ("app", "user_action", "auth_context") if o.get(k)]
        if len(targets) > 1:
            # signInContext is exactly one of application, user action, auth context (§4.2).
            raise InputError(
                "conflicting options",
                file="--" + "/--".join(t.replace("_", "-") for t in targets),
                expected="exactly one of --app, --user-action, --auth-context",
            )
        app_id = app_id_for(app)
        if app_id is None:
            sp = next(
                (
                    s
                    for s in tenant.directory.service_principals
                    if s.display_name.lower() == app.lower()
                ),
                None,
            )
            app_id = sp.app_id if sp else None
        if app_id is None:
            if not re.fullmatch(r"[0-9a-fA-F-]{36}", app):
                from caflow.model.wellknown import APP_ALIASES, APPS

                names = [*APPS.values(), *APP_ALIASES]
                names += [s.display_name for s in tenant.directory.service_principals]
                close = did_you_mean(app, names)
                raise UnknownReferenceError(
                    "unknown application",
                    file="--app",
                    expected="an appId or a well-known app name such as 'Microsoft Flow Service'",
                    got=app,
                    hint=(f"did you mean '{close}'? " if close else "")
                    + "caflow apps lists the names",
                )
            app_id = app
        kwargs["app_id"] = app_id.lower()
    elif o.get("user_action"):
        if o.get("auth_context"):
            raise InputError(
                "conflicting options",
                file="--user-action/--auth-context",
                expected="exactly one of --app, --user-action, --auth-context",
            )
        kwargs["user_action"] = canonical_signal(
            "userAction", o["user_action"], source="--user-action"
        )
    elif o.get("auth_context"):
        kwargs["auth_context"] = canonical_signal(
            "authenticationContext", o["auth_context"], source="--auth-context"
        )
    else:
        raise InputError(
            "missing option", file="--app", expected="--app, --user-action or --auth-context"
        )
    if o.get("ip"):
        from caflow.engine.networks import parse_ip

        try:
            parse_ip(o["ip"])
        except ValueError:
            raise InputError(
                "invalid IP address", file="--ip", expected="an IPv4 or IPv6 address", got=o["ip"]
            ) from None
        kwargs["ip"] = o["ip"]
    if o.get("country"):
        country = o["country"].strip().upper()
        if not re.fullmatch(r"[A-Z]{2}", country):
            raise InputError(
                "invalid value",
                file="--country",
                expected="a two-letter ISO country code",
                got=o["country"],
            )
        kwargs["country"] = country
    if o.get("platform"):
        kwargs["platform"] = canonical_signal("devicePlatform", o["platform"], source="--platform")
    if o.get("client_app"):
        kwargs["client_app"] = canonical_signal(
            "clientAppType", o["client_app"], source="--client-app"
        )
    device = o.get("device")
    if device:
        if device.lower() == "unregistered":
            kwargs["device"] = UNREGISTERED
        elif device.lstrip().startswith("{"):
            try:
                obj = json.loads(device)
            except json.JSONDecodeError as exc:
                raise InputError(
                    f"malformed JSON: {exc.msg}",
                    file="--device",
                    expected="a JSON object of device properties",
                ) from None
            if not isinstance(obj, dict):
                raise InputError("wrong type", file="--device", expected="a JSON object", got=obj)
            kwargs["device"] = device_from_graph(obj)
        else:
            d = tenant.directory.device(device)
            if d is None:
                raise UnknownReferenceError(
                    "unknown device",
                    file="--device",
                    expected="a device in directory.yaml, inline JSON or 'unregistered'",
                    got=device,
                )
            kwargs["device"] = dict(d.properties)
    if o.get("compliant"):
        dev = dict(kwargs.get("device") or {}) if kwargs.get("device") is not UNREGISTERED else {}
        dev["isCompliant"] = True
        kwargs["device"] = dev
    for key, arg, kind in (
        ("sign_in_risk", "sign_in_risk", "riskLevel"),
        ("user_risk", "user_risk", "riskLevel"),
        ("insider_risk", "insider_risk", "insiderRiskLevel"),
        ("sp_risk", "service_principal_risk", "riskLevel"),
        ("auth_flow", "transfer_method", "transferMethod"),
    ):
        if o.get(key):
            o[key] = canonical_signal(kind, o[key], source="--" + key.replace("_", "-"))
            kwargs[arg] = o[key]
    # --method lists what was used; whether that is MFA is the engine's call (§2.9, §5.3):
    # password alone is single-factor.
    kwargs["mfa"] = bool(o.get("mfa"))
    kwargs["auth_methods"] = frozenset(o.get("method") or ())
    kwargs["accepted_terms"] = frozenset(o.get("accepted_terms") or ())
    kwargs["approved_app"] = bool(o.get("approved_app"))
    kwargs["app_protection"] = bool(o.get("app_protection"))
    return SignIn(**kwargs)


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
        method: list[str] = typer.Option(
            [],
            "--method",
            help="Authentication method used (repeatable), e.g. fido2, password, microsoftAuthenticatorPush.",
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
        fmt: WhatifFormat = typer.Option(
            WhatifFormat.table,
            "--format",
            "-f",
            help="table, or json: the JSON contract (schemaVersion 1).",
        ),
        as_json: bool = json_alias_option(),
        explain: Explain = typer.Option(
            Explain.off, help="off | fails | full: per-condition outcomes."
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
            if request is not None:
                from caflow.engine.signin import SignIn
                from caflow.io.decode import load_document
                from caflow.io.request import parse_evaluate_request

                body = load_document(request)
                signin = SignIn(**parse_evaluate_request(body, tenant, str(request)))
                # The request's appliedPoliciesOnly means what --only-applied means (§4.2).
                only_applied = only_applied or (
                    isinstance(body, dict) and body.get("appliedPoliciesOnly") is True
                )
            else:
                for problem in unresolved_references(
                    tenant, user=user, member_of=member_of, role=role, guest_type=guest_type
                ):
                    if strict:
                        raise problem
                    err_console.print(
                        "warning: " + str(problem), highlight=False, markup=False, style="yellow"
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
            fmt = pick_format(fmt, as_json, WhatifFormat.table)
            if fmt is WhatifFormat.json or (
                output is not None and output.suffix.lower() == ".json"
            ):
                from caflow.report.whatif import render_json

                emit(render_json(ev, explain.value, only_applied), output)
            else:
                from caflow.report.whatif import render_rich

                if output is not None:
                    from caflow.report.terminal import SafeConsole

                    console = SafeConsole(record=True, width=140, file=io.StringIO())
                    console.print(render_rich(ev, only_applied=only_applied, explain=explain.value))
                    emit(console.export_text(), output)
                else:
                    out_console.print(
                        render_rich(ev, only_applied=only_applied, explain=explain.value)
                    )
