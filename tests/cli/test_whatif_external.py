"""``whatif --external-tenant``: the What If ``userSignIn.externalTenantId`` from the command line
(reference §4.2, https://learn.microsoft.com/graph/api/resources/usersignin; §1.3 enumerated
``externalTenants``; docs/assumptions.md A-SIG-5)."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from typer.testing import CliRunner

from caflow.cli.main import app

GINA = "gina_fabrikam.com#EXT#@contoso.onmicrosoft.com"


def _bundle(tmp_path: Path) -> Path:
    (tmp_path / "policies").mkdir()
    directory = {
        "users": [
            {
                "userPrincipalName": GINA,
                "userType": "Guest",
                "guestOrExternalUserType": "b2bCollaborationGuest",
                "externalTenantId": "f0f0f0f0-0000-0000-0000-000000000001",
            }
        ]
    }
    (tmp_path / "directory.yaml").write_text(yaml.safe_dump(directory), encoding="utf-8")
    policy = {
        "id": "p-fabrikam",
        "displayName": "Block Fabrikam guests",
        "state": "enabled",
        "conditions": {
            "users": {
                "includeGuestsOrExternalUsers": {
                    "guestOrExternalUserTypes": "b2bCollaborationGuest",
                    "externalTenants": {
                        "membershipKind": "enumerated",
                        "members": ["f0f0f0f0-0000-0000-0000-000000000001"],
                    },
                }
            },
            "applications": {"includeApplications": ["All"]},
            "clientAppTypes": ["all"],
        },
        "grantControls": {"operator": "OR", "builtInControls": ["block"]},
    }
    (tmp_path / "policies" / "p.json").write_text(json.dumps(policy), encoding="utf-8")
    return tmp_path


def _decision(*args: str) -> str:
    res = CliRunner().invoke(app, ["whatif", *args, "--json"])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)["decision"]


def test_external_tenant_flag_decides_enumerated_tenants(tmp_path: Path) -> None:
    bundle = str(_bundle(tmp_path))
    base = [bundle, "--user", GINA, "--app", "Office 365 Exchange Online"]
    assert _decision(*base) == "block"  # directory: home tenant ...0001 is listed
    other = "f0f0f0f0-0000-0000-0000-000000000003"
    assert _decision(*base, "--external-tenant", other) == "allow"
