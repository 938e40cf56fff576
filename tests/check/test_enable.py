"""`caflow check --enable POLICY`: "what breaks if I switch this report-only policy on?" without
editing files - the same answer as proposing the edited policy file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.examples_paths import CONTOSO
from typer.testing import CliRunner

from caflow.check import enable_policies
from caflow.cli.main import app
from caflow.errors import InputError, UnknownReferenceError
from caflow.io.bundle import load_bundle

runner = CliRunner()
START = ["--start", "2026-01-05T09:00:00Z", "--horizon", "P30D"]
CA007_FILE = (
    CONTOSO / "policies/CA007-Require-Finance-Data-Handling-terms-for-Finance-on-Office-365.json"
)
CA014_FILE = CONTOSO / "policies/CA014-Require-MFA-for-Microsoft-Flow-Service.json"


def check(*args: str):
    return runner.invoke(app, ["check", "--baseline", str(CONTOSO), *START, "--json", *args])


def edited(tmp_path: Path, source: Path) -> Path:
    policy = json.loads(source.read_text())
    policy["state"] = "enabled"
    out = tmp_path / source.name
    out.write_text(json.dumps(policy))
    return out


def _without_evidence_files(text: str) -> dict:
    """The plan, minus the evidence's file names: --enable cites the baseline's policy file,
    --proposed the edited copy; everything else must be identical."""
    data = json.loads(text)
    for finding in data["newFindings"] + data["resolvedFindings"]:
        for ev in finding.get("evidence", []):
            ev.pop("file", None)
    return data


@pytest.mark.parametrize(
    ("source", "ref"),
    [
        (CA007_FILE, "CA007 - Require Finance Data Handling terms for Finance on Office 365"),
        (CA007_FILE, "66666666-0000-0000-0000-000000000007"),
        (CA014_FILE, "ca014 - require mfa for microsoft flow service"),
    ],
)
def test_enable_answers_like_the_edited_file(source: Path, ref: str, tmp_path: Path) -> None:
    by_flag = check("--enable", ref)
    by_file = check("--proposed", str(edited(tmp_path, source)))
    assert by_flag.exit_code == by_file.exit_code, by_flag.output
    assert _without_evidence_files(by_flag.stdout) == _without_evidence_files(by_file.stdout)
    changes = json.loads(by_flag.stdout)["policyChanges"]
    assert [c["action"] for c in changes] == ["enable"]


def test_enabling_the_flow_mfa_policy_breaks_a_connection() -> None:
    res = check("--enable", "CA014 - Require MFA for Microsoft Flow Service")
    assert res.exit_code == 1
    data = json.loads(res.stdout)
    assert any(c["errorCode"] == "AADSTS50076" for c in data["connectionsBreaking"])


def test_enable_applies_after_proposed(tmp_path: Path) -> None:
    policy = json.loads(CA014_FILE.read_text())
    policy["displayName"] = "CA014 renamed in the pull request"
    proposed = tmp_path / "CA014.json"
    proposed.write_text(json.dumps(policy))
    res = check("--proposed", str(proposed), "--enable", "CA014 renamed in the pull request")
    assert res.exit_code == 1, res.output
    (change,) = json.loads(res.stdout)["policyChanges"]
    assert change["action"] == "enable"


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        ("CA001 - Block legacy authentication", "policy is already enabled"),
        ("CA007", "did you mean 'CA007 - Require Finance Data Handling terms"),
        ("CA014 Require MFA for Flow", "did you mean 'CA014 - Require MFA for Microsoft Flow"),
        ("no such policy at all", "unknown policy"),
    ],
)
def test_bad_reference_is_exit_2_and_writes_nothing(ref: str, message: str, tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    res = check("--enable", ref, "--output", str(out))
    assert res.exit_code == 2
    assert "--enable" in res.output and message in res.output
    assert not out.exists()


def test_neither_proposed_nor_enable_is_exit_2() -> None:
    res = check()
    assert res.exit_code == 2 and "--proposed/--enable" in res.output


def test_ambiguous_display_name_asks_for_the_id(tmp_path: Path) -> None:
    tenant = load_bundle(CONTOSO)
    policy = json.loads(CA007_FILE.read_text())
    policy["id"] = "77777777-0000-0000-0000-000000000007"
    twin = tmp_path / "twin.json"
    twin.write_text(json.dumps(policy))
    from caflow.check import build_proposed

    proposed = build_proposed(tenant, [twin])
    with pytest.raises(InputError, match="ambiguous policy name") as err:
        enable_policies(proposed, [policy["displayName"]])
    assert "77777777-0000-0000-0000-000000000007" in str(err.value)
    # the id resolves it
    on = enable_policies(proposed, ["77777777-0000-0000-0000-000000000007"])
    states = {p.id: p.state for p in on.policies}
    assert states["77777777-0000-0000-0000-000000000007"] == "enabled"
    assert states["66666666-0000-0000-0000-000000000007"] == "enabledForReportingButNotEnforced"


def test_unknown_reference_is_an_unknown_reference_error() -> None:
    with pytest.raises(UnknownReferenceError):
        enable_policies(load_bundle(CONTOSO), ["CA999"])
