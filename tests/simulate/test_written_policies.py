"""Policies a scenario adds are the user's own (review of issue 8): inline or in a policy file
``addPolicy: {file: ...}`` names, an unknown value, a quoted flag, a reference the tenant does
not define or a filter rule that does not parse is exit 2 naming the file, the JSON path and -
where one is close - what was meant."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.examples_paths import CONTOSO
from typer.testing import CliRunner

from caflow.cli.main import app

runner = CliRunner()


def _policy(**changes: Any) -> dict[str, Any]:
    policy: dict[str, Any] = {
        "id": "66666666-0000-0000-0000-000000000101",
        "displayName": "S101",
        "state": "enabled",
        "conditions": {
            "clientAppTypes": ["all"],
            "users": {"includeGroups": ["22222222-0000-0000-0000-000000000009"]},
            "applications": {"includeApplications": ["All"]},
        },
        "grantControls": {"operator": "OR", "builtInControls": ["mfa"]},
    }
    for dotted, value in changes.items():
        node = policy
        keys = dotted.split("__")
        for key in keys[:-1]:
            node = node.setdefault(key, {})
        node[keys[-1]] = value
    return policy


# case -> (changes, JSON pointer inside the policy, code, fragments of the message)
CASES: dict[str, tuple[dict[str, Any], str, str, tuple[str, ...]]] = {
    "misspelt state": (
        {"state": "enabledd"},
        "/state",
        "invalid-value",
        ("unknown value 'enabledd'", "did you mean 'enabled'?"),
    ),
    "state of another product": (
        {"state": "on"},
        "/state",
        "invalid-value",
        ("unknown value 'on'", "one of enabled, disabled, enabledForReportingButNotEnforced"),
    ),
    "misspelt client app type": (
        {"conditions__clientAppTypes": ["alll"]},
        "/conditions/clientAppTypes",
        "invalid-value",
        ("unknown value 'alll'", "did you mean 'all'?"),
    ),
    "misspelt grant control": (
        {"grantControls__builtInControls": ["mfaa"]},
        "/grantControls/builtInControls/0",
        "invalid-value",
        ("did you mean 'mfa'?",),
    ),
    "unknown guest type": (
        {
            "conditions__users__includeGuestsOrExternalUsers": {
                "guestOrExternalUserTypes": "b2bCollaborationGuests",
                "externalTenants": {"membershipKind": "all"},
            }
        },
        "/conditions/users/includeGuestsOrExternalUsers/guestOrExternalUserTypes",
        "invalid-value",
        ("did you mean 'b2bCollaborationGuest'?",),
    ),
    "quoted isEnabled": (
        {
            "sessionControls": {
                "signInFrequency": {"isEnabled": "true", "value": 1, "type": "hours"}
            }
        },
        "/sessionControls/signInFrequency/isEnabled",
        "wrong-type",
        ("expected true or false",),
    ),
    "quoted disableResilienceDefaults": (
        {"sessionControls": {"disableResilienceDefaults": "false"}},
        "/sessionControls/disableResilienceDefaults",
        "wrong-type",
        ("expected true or false",),
    ),
    "misspelt group name": (
        {"conditions__users__includeGroups": ["Financee"]},
        "/conditions/users/includeGroups/0",
        "unknown-reference",
        ("expected a group the tenant defines", "did you mean 'Finance'?"),
    ),
    "misspelt group id": (
        {"conditions__users__excludeGroups": ["22222222-0000-0000-0000-00000000000x"]},
        "/conditions/users/excludeGroups/0",
        "unknown-reference",
        ("did you mean '22222222-0000-0000-0000-0000000000",),
    ),
    "misspelt user": (
        {"conditions__users__includeUsers": ["alicee@contoso.com"]},
        "/conditions/users/includeUsers/0",
        "unknown-reference",
        ("did you mean 'alice@contoso.com'?",),
    ),
    "unknown location": (
        {"conditions__locations": {"includeLocations": ["All"], "excludeLocations": ["HQQ"]}},
        "/conditions/locations/excludeLocations/0",
        "unknown-reference",
        ("expected a named location the tenant defines",),
    ),
    "unparsable device filter": (
        {
            "conditions__devices": {
                "deviceFilter": {"mode": "include", "rule": 'device.trustType -eq "x" -and ('}
            }
        },
        "/conditions/devices/deviceFilter/rule",
        "invalid-device-filter",
        ("invalid filter rule",),
    ),
    "unknown device filter property": (
        {
            "conditions__devices": {
                "deviceFilter": {"mode": "exclude", "rule": 'device.colour -eq "red"'}
            }
        },
        "/conditions/devices/deviceFilter/rule",
        "invalid-device-filter",
        ("invalid filter rule",),
    ),
}


def _scenario(tmp_path: Path, add_policy: dict[str, Any]) -> Path:
    doc = {
        "tenant": str(CONTOSO),
        "start": "2026-01-05T09:00:00Z",
        "end": "2026-01-10T00:00:00Z",
        "events": [
            {"at": "2026-01-05T09:00:00Z", "idle": {}},
            {"at": "2026-01-06T00:00:00Z", "addPolicy": add_policy},
        ],
    }
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return path


@pytest.mark.parametrize("case", sorted(CASES))
def test_inline_policy_slip_is_exit_2(tmp_path: Path, case: str) -> None:
    changes, pointer, code, fragments = CASES[case]
    scenario = _scenario(tmp_path, {"policy": _policy(**changes)})
    res = runner.invoke(app, ["simulate", str(scenario)])
    assert res.exit_code == 2, res.output
    err = res.stderr.strip()
    assert len(err.splitlines()) == 1, err
    assert err.startswith(f"error: {scenario}: /events/1/addPolicy/policy{pointer}: "), err
    assert f"[{code}]" in err and all(f in err for f in fragments), err


@pytest.mark.parametrize("case", sorted(CASES))
def test_policy_file_slip_is_exit_2(tmp_path: Path, case: str) -> None:
    changes, pointer, code, fragments = CASES[case]
    policy_file = tmp_path / "new-policy.json"
    policy_file.write_text(json.dumps(_policy(**changes)), encoding="utf-8")
    scenario = _scenario(tmp_path, {"file": "new-policy.json"})
    res = runner.invoke(app, ["simulate", str(scenario)])
    assert res.exit_code == 2, res.output
    err = res.stderr.strip()
    assert err.startswith(f"error: {policy_file}: {pointer}: "), err
    assert f"[{code}]" in err and all(f in err for f in fragments), err


def test_valid_policy_file_still_runs(tmp_path: Path) -> None:
    """Control: the same policy with Graph's values (any case) and known names loads."""
    policy_file = tmp_path / "new-policy.json"
    policy = _policy(state="ENABLED", conditions__users__includeGroups=["Finance"])
    policy_file.write_text(json.dumps(policy), encoding="utf-8")
    res = runner.invoke(app, ["simulate", str(_scenario(tmp_path, {"file": "new-policy.json"}))])
    assert res.exit_code in (0, 1), res.output


def test_update_of_an_exported_policy_keeps_its_own_values(tmp_path: Path) -> None:
    """``updatePolicy`` checks what the user sets, not the exported rest of the policy."""
    doc = {
        "tenant": str(CONTOSO),
        "start": "2026-01-05T09:00:00Z",
        "end": "2026-01-10T00:00:00Z",
        "events": [
            {
                "at": "2026-01-05T09:00:00Z",
                "updatePolicy": {
                    "id": "66666666-0000-0000-0000-000000000009",
                    "set": {"state": "disabledd"},
                },
            }
        ],
    }
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    res = runner.invoke(app, ["simulate", str(path)])
    assert res.exit_code == 2, res.output
    assert "/events/0/updatePolicy/set/state: unknown value 'disabledd'" in res.stderr
    assert "did you mean 'disabled'?" in res.stderr
    doc["events"][0]["updatePolicy"]["set"] = {"state": "disabled"}
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    assert runner.invoke(app, ["simulate", str(path)]).exit_code in (0, 1)
