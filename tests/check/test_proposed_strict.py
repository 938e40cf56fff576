"""Issue 13 review (D1): a policy the user wrote for ``check --proposed`` or ``replay
--proposed`` is read as strictly as the same file named by a scenario's ``addPolicy`` - an
unknown key (top level or nested in a condition) or a value outside its Graph set is exit 2
with the file, the JSON path and a did-you-mean (docs/errors.md "Written or exported")."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from tests.examples_paths import CONTOSO
from tests.replay.test_replay_cli import FIX
from typer.testing import CliRunner

from caflow.cli.main import app

_MFA_FOR_ALL: dict[str, Any] = {
    "id": "aaaaaaaa-0000-0000-0000-0000000000f1",
    "displayName": "MFA for all",
    "state": "enabled",
    "conditions": {
        "clientAppTypes": ["all"],
        "applications": {"includeApplications": ["All"]},
        "users": {"includeUsers": ["All"]},
    },
    "grantControls": {"operator": "OR", "builtInControls": ["mfa"]},
}


def _rename_grant(p: dict[str, Any]) -> None:
    p["grantControl"] = p.pop("grantControls")


def _rename_include_users(p: dict[str, Any]) -> None:
    users = p["conditions"]["users"]
    users["includeUser"] = users.pop("includeUsers")


def _misspell_control(p: dict[str, Any]) -> None:
    p["grantControls"]["builtInControls"] = ["mfaa"]


def _misspell_state(p: dict[str, Any]) -> None:
    p["state"] = "enabeld"


# (typo, JSON path, the did-you-mean, error code)
TYPOS: list[tuple[Callable[[dict[str, Any]], None], str, str, str]] = [
    (_rename_grant, "/grantControl", "did you mean 'grantControls'?", "unknown-key"),
    (
        _rename_include_users,
        "/conditions/users/includeUser",
        "did you mean 'includeUsers'?",
        "unknown-key",
    ),
    (_misspell_control, "/grantControls/builtInControls/0", "did you mean 'mfa'?", "invalid-value"),
    (_misspell_state, "/state", "did you mean 'enabled'?", "invalid-value"),
]


def _written(tmp_path: Path, typo: Callable[[dict[str, Any]], None] | None) -> Path:
    policy = copy.deepcopy(_MFA_FOR_ALL)
    if typo is not None:
        typo(policy)
    path = tmp_path / "typo.json"
    path.write_text(json.dumps(policy))
    return path


def _check(path: Path) -> tuple[int, str]:
    res = CliRunner().invoke(
        app,
        [
            *("check", "--baseline", str(CONTOSO), "--proposed", str(path), "--strict"),
            *("--start", "2026-01-05T00:00:00Z"),
        ],
    )
    return res.exit_code, res.output


def _replay(path: Path, tmp_path: Path) -> tuple[int, str]:
    res = CliRunner().invoke(
        app,
        [
            *("replay", "--bundle", str(CONTOSO), "--store", str(tmp_path / "r.duckdb")),
            *("--logs", str(FIX / "AADNonInteractiveUserSignInLogs.jsonl")),
            *("--proposed", str(path), "--at", "2026-03-01"),
        ],
    )
    return res.exit_code, res.output


@pytest.mark.parametrize(("typo", "pointer", "hint", "code"), TYPOS)
@pytest.mark.parametrize("verb", ["check", "replay"])
def test_typo_in_a_proposed_file_is_exit_2(
    tmp_path: Path,
    verb: str,
    typo: Callable[[dict[str, Any]], None],
    pointer: str,
    hint: str,
    code: str,
) -> None:
    path = _written(tmp_path, typo)
    exit_code, out = _check(path) if verb == "check" else _replay(path, tmp_path)
    assert exit_code == 2, out
    assert f"error: {path}: {pointer}: " in out and hint in out and f"[{code}]" in out


def test_the_same_file_in_a_scenario_gives_the_same_error(tmp_path: Path) -> None:
    """One code path: the scenario's addPolicy file and --proposed give one message."""
    path = _written(tmp_path, _rename_include_users)
    scenario = tmp_path / "s.yaml"
    scenario.write_text(
        f"tenant: {CONTOSO}\nstart: 2026-01-05T08:00:00Z\nend: 2026-01-08T00:00:00Z\n"
        f"events:\n  - {{at: 2026-01-06T08:00:00Z, addPolicy: {{file: {path}}}}}\n"
    )
    res = CliRunner().invoke(app, ["simulate", str(scenario)])
    assert res.exit_code == 2, res.output
    line = next(x for x in res.output.splitlines() if x.startswith("error:"))
    assert line in _check(path)[1]


def test_the_correct_file_still_runs(tmp_path: Path) -> None:
    exit_code, out = _check(_written(tmp_path, None))
    assert exit_code == 1 and "connections break" in out, out
