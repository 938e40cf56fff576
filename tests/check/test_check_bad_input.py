"""``caflow check`` bad input: exit 2 with one clear line naming the file, never a traceback,
and ``--output`` never half-written (STYLE.md "For caflow" 9: temp file, rename at the end)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from tests.examples_paths import CONTOSO
from typer.testing import CliRunner

from caflow.cli.main import app

ROOT = Path(__file__).resolve().parents[2]
CA014_ENABLED = Path(__file__).parent / "fixtures" / "CA014-enabled.json"
SAME = CONTOSO / "policies/CA001-Block-legacy-authentication.json"
runner = CliRunner()


def _check(*args: str):
    return runner.invoke(
        app, ["check", "--baseline", str(CONTOSO), "--start", "2026-01-05T09:00:00Z", *args]
    )


def _bad_input(res, *needles: str) -> None:
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output and isinstance(res.exception, SystemExit)
    for needle in needles:
        assert needle in res.stderr, res.stderr
    assert res.stdout == ""


def test_proposed_bundle_of_another_tenant(tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    (other / "tenant.yaml").write_text(
        "id: 00000000-0000-0000-0000-0000000000ff\ndisplayName: Other\n"
    )
    _bad_input(
        _check("--proposed", str(other)),
        f"error: {other}: baseline and proposed belong to different tenants",
        "got a string of 36 characters",  # values read from files are described, not echoed
        "[invalid-value]",
    )


def test_baseline_and_proposed_swapped_tenants_after_a_good_overlay(tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    (other / "tenant.yaml").write_text("id: 00000000-0000-0000-0000-0000000000ff\n")
    res = _check("--proposed", str(CA014_ENABLED), "--proposed", str(other))
    _bad_input(res, "different tenants")


@pytest.mark.parametrize(
    ("name", "content", "needle"),
    [
        ("broken.json", "{not json", "malformed JSON at line 1, column 2"),
        ("broken.yaml", "a: [\n", "malformed YAML"),
        ("truncated.json", CA014_ENABLED.read_text()[:200], "malformed JSON"),
    ],
)
def test_proposed_policy_file_that_does_not_parse(tmp_path, name, content, needle):
    bad = tmp_path / name
    bad.write_text(content)
    _bad_input(_check("--proposed", str(bad)), f"error: {bad}: ", needle, "[parse-error]")


@pytest.mark.parametrize("content", ['{"foo": 1}', "[]"])
def test_proposed_file_without_any_policy(tmp_path, content):
    empty = tmp_path / "nothing.json"
    empty.write_text(content)
    _bad_input(
        _check("--proposed", str(empty)),
        f"error: {empty}: no Conditional Access policy in the proposed file(s)",
        "[invalid-value]",
    )


def test_proposed_path_that_does_not_exist(tmp_path):
    missing = tmp_path / "changes" / "CA099.json"
    _bad_input(_check("--proposed", str(missing)), f"error: {missing}: no such file or folder")


def test_baseline_that_does_not_exist(tmp_path):
    res = runner.invoke(
        app, ["check", "--baseline", str(tmp_path / "nope"), "--proposed", str(SAME)]
    )
    _bad_input(res, "no such file or folder")


def test_invalid_horizon_and_start():
    _bad_input(_check("--proposed", str(SAME), "--horizon", "90 days"), "invalid horizon")
    res = runner.invoke(
        app, ["check", "--baseline", str(CONTOSO), "--proposed", str(SAME), "--start", "soon"]
    )
    _bad_input(res, "invalid time")


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_output_untouched_on_bad_input(tmp_path):
    out = tmp_path / "plan.md"
    out.write_text("previous plan\n")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    _bad_input(_check("--proposed", str(bad), "-f", "markdown", "-o", str(out)), "parse-error")
    assert out.read_text() == "previous plan\n" and _leftovers(tmp_path) == []
    fresh = tmp_path / "new" / "plan.json"
    _check("--proposed", str(bad), "-f", "json", "-o", str(fresh))
    assert not fresh.exists()


def test_output_written_whole_when_something_breaks(tmp_path):
    out = tmp_path / "plan.json"
    res = _check("--proposed", str(CA014_ENABLED), "-f", "json", "-o", str(out))
    assert res.exit_code == 1 and res.stdout == ""
    assert json.loads(out.read_text())["breaks"] is True
    assert _leftovers(tmp_path) == []


def test_failed_write_keeps_the_old_file_and_exits_2(tmp_path, monkeypatch):
    out = tmp_path / "plan.md"
    out.write_text("previous plan\n")

    def refuse(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    res = _check("--proposed", str(SAME), "-f", "markdown", "-o", str(out))
    _bad_input(res, f"error: {out}: cannot write the output", "No space left on device")
    assert out.read_text() == "previous plan\n" and _leftovers(tmp_path) == []


def test_output_that_is_a_directory_is_a_usage_error(tmp_path):
    res = _check("--proposed", str(SAME), "-o", str(tmp_path))
    assert res.exit_code == 2 and "'--output'" in res.output  # click: "... is a directory."
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize("state", ["enabledd", "on", "reportOnly", "ENABLED-ish"])
def test_unknown_state_in_a_proposed_file_is_exit_2(tmp_path, state) -> None:
    """Issue 13: a policy file the user wrote for ``--proposed`` is read strictly - a state
    outside Graph's three is exit 2 naming the file and /state, never a guess."""
    import json as _json

    from tests.examples_paths import CONTOSO as _CONTOSO

    src = _json.loads(
        (_CONTOSO / "policies" / "CA004-Require-MFA-for-SharePoint-Online.json").read_text()
    )
    src["state"] = state
    proposed = tmp_path / "ca004.json"
    proposed.write_text(_json.dumps(src))
    args = ["check", "--baseline", str(_CONTOSO), "--proposed", str(proposed)]
    res = CliRunner().invoke(app, [*args, "--start", "2026-01-05T00:00:00Z"])
    assert res.exit_code == 2, res.output
    assert f"{proposed}: /state: unknown value" in res.output and "[invalid-value]" in res.output


@pytest.mark.parametrize("state", ["enabledd", "on", "reportOnly", "ENABLED-ish"])
def test_unknown_state_in_a_proposed_bundle_is_undetermined(tmp_path, state) -> None:
    """Review of issue 8: in a proposed *bundle* (an export Entra wrote) a state outside Graph's
    three is no "report-only" guess; the change is labelled undetermined, counted, and --strict
    fails (docs/errors.md "Written or exported")."""
    import json as _json
    import shutil

    from tests.examples_paths import CONTOSO as _CONTOSO

    bundle = tmp_path / "proposed"
    shutil.copytree(_CONTOSO, bundle)
    proposed = bundle / "policies" / "CA004-Require-MFA-for-SharePoint-Online.json"
    src = _json.loads(proposed.read_text())
    src["state"] = state
    proposed.write_text(_json.dumps(src))
    proposed = bundle
    args = ["check", "--baseline", str(_CONTOSO), "--proposed", str(proposed)]
    args += ["--start", "2026-01-05T00:00:00Z"]
    res = CliRunner().invoke(app, [*args, "--json"])
    assert res.exit_code in (0, 1), res.output
    out = _json.loads(res.stdout)
    (change,) = out["policyChanges"]
    assert change["action"] == "undetermined"
    policies = [u for u in out["undetermined"] if u["kind"] == "policy"]
    assert [u["id"] for u in policies] == [src["id"]]
    shown = f"'{state}'" if state.isalnum() else "a string of"
    assert shown in policies[0]["reason"] and "/state" in policies[0]["reason"]
    text = CliRunner().invoke(app, args)
    assert "switched to report-only" not in text.stdout
    assert "will get a state caflow does not know (undetermined)" in text.stdout
    assert CliRunner().invoke(app, [*args, "--strict"]).exit_code == 1
