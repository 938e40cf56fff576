"""A ``--proposed`` policy file is bound to the baseline's directory like a bundle's own policies:
a group named by display name resolves (docs/bundle-format.md), and a name the tenant does not
define is the user's typo, exit 2 with a did-you-mean (issue 13: user-written policies stay
strict; before, both evaluated as "not a member" and the change looked safe)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.examples_paths import CONTOSO
from typer.testing import CliRunner

from caflow.cli.main import app

runner = CliRunner()
CA014 = CONTOSO / "policies" / "CA014-Require-MFA-for-Microsoft-Flow-Service.json"
START = "2026-01-05T09:00:00Z"


def _policy(tmp_path: Path, users: dict[str, list[str]]) -> Path:
    doc = json.loads(CA014.read_text(encoding="utf-8"))
    doc["state"] = "enabled"
    doc["conditions"]["users"] = users
    doc["conditions"]["applications"] = {"includeApplications": ["All"]}
    out = tmp_path / "proposed.json"
    out.write_text(json.dumps(doc), encoding="utf-8")
    return out


def _check(path: Path) -> tuple[int, str]:
    res = runner.invoke(
        app, ["check", "--baseline", str(CONTOSO), "--proposed", str(path), "--start", START]
    )
    return res.exit_code, res.output


def test_group_display_name_resolves_like_its_id(tmp_path: Path) -> None:
    by_name = _check(_policy(tmp_path, {"includeGroups": ["Finance"]}))
    by_id = _check(_policy(tmp_path, {"includeGroups": ["22222222-0000-0000-0000-000000000001"]}))
    assert by_name[0] == by_id[0] == 1
    assert by_name[1].splitlines()[-1] == by_id[1].splitlines()[-1]
    assert "connections break" in by_name[1] and "0 connections break" not in by_name[1]


@pytest.mark.parametrize(
    ("users", "pointer", "suggestion"),
    [
        ({"includeGroups": ["Financ"]}, "/conditions/users/includeGroups/0", "Finance"),
        ({"excludeGroups": ["finance-team"]}, "/conditions/users/excludeGroups/0", None),
        (
            {"includeUsers": ["alice@contoso.co"]},
            "/conditions/users/includeUsers/0",
            "alice@contoso.com",
        ),
    ],
)
def test_unknown_reference_in_a_proposed_file_is_exit_2(
    tmp_path: Path, users: dict[str, list[str]], pointer: str, suggestion: str | None
) -> None:
    code, out = _check(_policy(tmp_path, users))
    assert code == 2, out
    assert "proposed.json" in out and pointer in out and "unknown-reference" in out
    if suggestion:
        assert f"did you mean '{suggestion}'" in out
