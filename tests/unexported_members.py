"""Directory objects, a policy and the checks shared by the tests of exports that record no
memberships (tests/io/test_memberships_not_exported.py, tests/io/test_dynamic_groups.py).

Object shapes follow tests/graph_contoso.py: users and groups as a Graph list returns them
(no per-item ``@odata.type``); directoryObject collections (``members``) add ``@odata.type``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from click.testing import Result
from tests.graph_contoso import NOW
from typer.testing import CliRunner

from caflow.cli.main import app
from caflow.cli.whatif_cmd import build_signin
from caflow.engine.evaluate import PolicyResult, evaluate
from caflow.model.tenant import Tenant

USER_TYPE = "#microsoft.graph.user"
ALICE = {
    "id": "11111111-0000-0000-0000-00000000000a",
    "userPrincipalName": "alice@contoso.com",
    "displayName": "Alice",
    "userType": "Member",
    "accountEnabled": True,
}
BOB = {
    **ALICE,
    "id": "11111111-0000-0000-0000-00000000000b",
    "userPrincipalName": "bob@contoso.com",
}
DYNAMIC = {
    "id": "22222222-0000-0000-0000-0000000000d1",
    "displayName": "Sales (dynamic)",
    "securityEnabled": True,
    "groupTypes": ["DynamicMembership"],
    "membershipRule": 'user.department -eq "Sales"',
    "membershipRuleProcessingState": "On",
}
#: The sign-in every check evaluates: SharePoint in a browser on Windows from a public IP.
APP = "Office 365 SharePoint Online"
IP = "203.0.113.10"
PLATFORM = "windows"


def mfa_policy(pid: str, users: dict[str, Any], name: str | None = None) -> dict[str, Any]:
    """An enabled policy requiring MFA for ``users`` on every app and client."""
    return {
        "id": pid,
        "displayName": name or pid,
        "state": "enabled",
        "conditions": {
            "users": users,
            "applications": {"includeApplications": ["All"]},
            "clientAppTypes": ["all"],
        },
        "grantControls": {"operator": "OR", "builtInControls": ["mfa"]},
    }


def policy_results(tenant: Tenant, upn: str) -> tuple[PolicyResult, ...]:
    """Every policy's result for ``upn``'s sign-in (APP, IP, PLATFORM) at NOW."""
    signin = build_signin(tenant, user=upn, app=APP, ip=IP, platform=PLATFORM)
    return evaluate(tenant, signin, NOW).results


def whatif_json(root: Path) -> Result:
    """``caflow whatif root`` for alice's sign-in, as JSON."""
    return CliRunner().invoke(
        app,
        [
            "whatif",
            str(root),
            "--user",
            "alice@contoso.com",
            "--app",
            APP,
            "--ip",
            IP,
            "--platform",
            PLATFORM,
            "--format",
            "json",
        ],
    )
