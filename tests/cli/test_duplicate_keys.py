"""A key written twice in one object (review of issue 8): JSON and YAML parsers keep the last
value silently, so ``state: disabled ... state: enabled`` would read as whichever came last.
Every such document is exit 2 naming the key, the file and the JSON path."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from tests.examples_paths import CONTOSO
from typer.testing import CliRunner

from caflow.cli.main import app

runner = CliRunner()
CA004 = "policies/CA004-Require-MFA-for-SharePoint-Online.json"


def _edit(root: Path, rel: str, old: str, new: str) -> Path:
    path = root / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, (rel, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


# case -> (file, text to find, its replacement, JSON path of the key written twice)
BUNDLE_CASES = {
    "policy state twice (JSON)": (
        CA004,
        '"state": "enabled",',
        '"state": "disabled", "state": "enabled",',
        "/state",
    ),
    "nested grant operator twice (JSON)": (
        CA004,
        '"operator": "OR",',
        '"operator": "AND", "operator": "OR",',
        "/grantControls/operator",
    ),
    "connection in a Graph list (JSON)": (
        "powerplatform/connections.json",
        '"name": "alice-outlook",',
        '"name": "alice-outlook", "name": "bob-outlook",',
        "/value/1/name",
    ),
    "directory user id (YAML)": (
        "directory.yaml",
        "    userPrincipalName: alice@contoso.com\n",
        "    userPrincipalName: alice@contoso.com\n    id: 11111111-0000-0000-0000-000000000002\n",
        "/users/0/id",
    ),
    "tenant settings (YAML)": (
        "tenant.yaml",
        "settings:\n",
        "settings:\n  legacyTokenLifetimes: false\n  legacyTokenLifetimes: true\n",
        "/settings/legacyTokenLifetimes",
    ),
}


@pytest.mark.parametrize("case", sorted(BUNDLE_CASES))
def test_key_written_twice_in_a_bundle_is_exit_2(tmp_path: Path, case: str) -> None:
    rel, old, new, pointer = BUNDLE_CASES[case]
    root = tmp_path / "bundle"
    shutil.copytree(CONTOSO, root)
    path = _edit(root, rel, old, new)
    key = pointer.rsplit("/", 1)[1]
    for args in (["advise", str(root)], ["whatif", str(root), "--user", "alice@contoso.com"]):
        res = runner.invoke(app, args)
        assert res.exit_code == 2, res.output
        err = res.stderr.strip()
        assert err.startswith(f"error: {path}: {pointer}: duplicate key '{key}'"), err
        assert err.endswith("[duplicate]") and len(err.splitlines()) == 1, err


SCENARIO = """tenant: {bundle}
start: 2026-01-05T09:00:00Z
end: 2026-01-10T00:00:00Z
events:
  - at: 2026-01-05T09:00:00Z
    signIn: {{user: alice@contoso.com, mfa: false, mfa: true}}
"""


@pytest.mark.parametrize(
    ("text", "pointer"),
    [
        (SCENARIO, "/events/0/signIn/mfa"),
        (SCENARIO.replace("end: 2026", "start: 2026-01-06T00:00:00Z\nend: 2026"), "/start"),
        ('{{"tenant": "{bundle}", "tenant": "x", "start": "2026-01-05T09:00:00Z"}}', "/tenant"),
    ],
)
def test_key_written_twice_in_a_scenario_is_exit_2(tmp_path: Path, text: str, pointer: str) -> None:
    suffix = ".json" if text.startswith("{{") else ".yaml"
    scenario = tmp_path / f"s{suffix}"
    scenario.write_text(text.format(bundle=CONTOSO), encoding="utf-8")
    res = runner.invoke(app, ["simulate", str(scenario)])
    assert res.exit_code == 2, res.output
    assert res.stderr.startswith(f"error: {scenario}: {pointer}: duplicate key"), res.stderr


def test_yaml_merge_keys_may_be_overridden(tmp_path: Path) -> None:
    """Control: a key a merge (``<<: *base``) brings in may be set again - that is what merges
    are for - and equal keys in different objects are fine."""
    text = SCENARIO.replace(
        "    signIn: {{user: alice@contoso.com, mfa: false, mfa: true}}\n",
        "    signIn: &s {{user: alice@contoso.com, mfa: false}}\n"
        "  - at: 2026-01-05T10:00:00Z\n"
        "    signIn:\n      <<: *s\n      mfa: true\n",
    )
    scenario = tmp_path / "s.yaml"
    scenario.write_text(text.format(bundle=CONTOSO), encoding="utf-8")
    res = runner.invoke(app, ["simulate", str(scenario)])
    assert res.exit_code in (0, 1), res.output


def test_long_or_hostile_key_is_cut_and_sanitised(tmp_path: Path) -> None:
    root = tmp_path / "bundle"
    shutil.copytree(CONTOSO, root)
    key = "\\u001b]52;c;" + "A" * 200  # JSON escape of ESC: the parsed key holds ESC
    _edit(root, CA004, '"state": "enabled",', f'"{key}": 1, "{key}": 2, "state": "enabled",')
    res = runner.invoke(app, ["advise", str(root)])
    assert res.exit_code == 2, res.output
    assert "\x1b" not in res.stderr and "A" * 100 not in res.stderr
    assert "duplicate key '?]52;c;AAA" in res.stderr


@pytest.mark.parametrize(
    "insert",
    [
        '"sessionControls": null, "sessionControls": {"persistentBrowser": {"isEnabled": true, "mode": "never"}},',
        '"sessionControls": {"persistentBrowser": {"isEnabled": true, "mode": "never"}}, "sessionControls": null,',
        '"description": "x", "description": "x",',
    ],
)
def test_copies_that_cannot_mean_two_things_load(tmp_path: Path, insert: str) -> None:
    """docs/assumptions.md A-IN-DUP: all copies equal, or all but one null (templates)."""
    root = tmp_path / "bundle"
    shutil.copytree(CONTOSO, root)
    _edit(root, CA004, '"state": "enabled",', '"state": "enabled", ' + insert)
    res = runner.invoke(app, ["advise", str(root), "--format", "json"])
    assert res.exit_code in (0, 1), res.output
    from caflow.io.bundle import load_bundle

    policy = next(p for p in load_bundle(root).policies if p.id.endswith("0004"))
    if "sessionControls" in insert:
        assert policy.session is not None and policy.session.persistent_browser == "never"
