"""Regressions from an independent review against the seed KB and the references."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from tests.examples_paths import CONTOSO
from typer.testing import CliRunner

from caflow.cli.main import app
from caflow.errors import InputError
from caflow.simulate import load_scenario, run_scenario

runner = CliRunner()


def _scenario(tmp_path: Path, events: list[dict], end: str = "2026-01-06T00:00:00Z") -> Path:
    doc = {"tenant": str(CONTOSO), "start": "2026-01-05T09:00:00Z", "end": end, "events": events}
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def test_blocked_portal_sign_in_cannot_create_connections(tmp_path: Path) -> None:
    """Seed effect 3: "If users don't sign in to Power Automate by using criteria that match the
    policies, they can't create a connection directly". Alice's portal sign-in from an
    unregistered Windows device fails CA008 (compliant device, Office 365 incl. Flow Service):
    every later creation fails with the device code 53000 (power-automate §5), not 50076."""
    path = _scenario(
        tmp_path,
        [
            {
                "at": "2026-01-05T09:00:00Z",
                "signIn": {
                    "user": "alice@contoso.com",
                    "mfa": True,
                    "ip": "8.8.8.8",
                    "platform": "windows",
                },
            },
            {
                "at": "2026-01-05T09:05:00Z",
                "createConnection": {"id": "z", "user": "alice@contoso.com", "connector": "teams"},
            },
            {
                "at": "2026-01-05T09:06:00Z",
                "createConnection": {
                    "id": "z2",
                    "user": "alice@contoso.com",
                    "connector": "sharepointonline",
                },
            },
        ],
    )
    result = run_scenario(load_scenario(path))
    failed = {e.connection: e for e in result.events if e.kind == "connectionCreateFailed"}
    assert set(failed) == {"z", "z2"}
    assert {(e.error_code, e.cause) for e in failed.values()} == {
        ("AADSTS53000", "deviceNotCompliant")
    }


@pytest.mark.parametrize(
    ("event", "pointer"),
    [
        ({"setRememberMfa": {"enabled": True, "days": 0}}, "/events/0/setRememberMfa/days"),
        ({"setRememberMfa": {"enabled": True, "days": "abc"}}, "/events/0/setRememberMfa/days"),
        (
            {"setTokenLifetimePolicy": {"MaxAgeMultiFactor": "bogus"}},
            "/events/0/setTokenLifetimePolicy/MaxAgeMultiFactor",
        ),
        (
            {"setTokenLifetimePolicy": {"MaxAgeMultiFactor": "400.00:00:00"}},
            "/events/0/setTokenLifetimePolicy/MaxAgeMultiFactor",
        ),
        (
            {"setTokenLifetimePolicy": {"MaxInactiveTime": "0.00:00:00"}},
            "/events/0/setTokenLifetimePolicy/MaxInactiveTime",
        ),
        (
            {
                "repairConnection": {
                    "id": "alice-spo",
                    "signIn": {"user": "alice@contoso.com", "ip": "999.1.1.1"},
                }
            },
            "/events/0/repairConnection/signIn/ip",
        ),
        (
            {"signIn": {"user": "alice@contoso.com", "platform": "Windows10"}},
            "/events/0/signIn/platform",
        ),
        (
            {
                "addPolicy": {
                    "policy": {
                        "id": "p",
                        "displayName": "p",
                        "state": "enabled",
                        "conditions": {
                            "users": {"includeUsers": ["All"]},
                            "applications": {"includeApplications": ["All"]},
                        },
                        "grantControls": {"operator": "OR", "termsOfUse": ["no-such-agreement"]},
                    }
                }
            },
            "/events/0/addPolicy/policy/grantControls/termsOfUse/0",
        ),
    ],
)
def test_bad_settings_and_references_are_bad_input(
    tmp_path: Path, event: dict, pointer: str
) -> None:
    """Ranges of tokens §1.4 (10 min .. 365 / 90 days) and §2.3 (remember MFA 1-365 days); an
    inline policy's undefined reference is the user's typo (DESIGN.md: exit 2)."""
    path = _scenario(tmp_path, [{"at": "2026-01-05T10:00:00Z", **event}])
    with pytest.raises(InputError) as err:
        load_scenario(path)
    assert err.value.json_path == pointer
    res = runner.invoke(app, ["simulate", str(path)])
    assert (
        res.exit_code == 2 and "Traceback" not in res.output and "internal error" not in res.output
    )
