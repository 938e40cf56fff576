"""Issue 13 review, advise: a rule without the data it looks at is NOT_EVALUATED with the exact
reason (``needs:`` in its meta.yaml), never PASS; and an UNDETERMINED reason says what is
really missing. Run through the CLI as a user would, on copies of the example bundle.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from tests.examples_paths import CONTOSO
from typer.testing import CliRunner

from caflow.cli.main import app

runner = CliRunner()
AT = "2026-01-05T09:00:00Z"


def _bundle(tmp: Path, *drop: str) -> Path:
    b = tmp / "b"
    shutil.copytree(CONTOSO, b)
    for name in drop:
        target = b / name
        shutil.rmtree(target) if target.is_dir() else target.unlink()
    return b


def _advise(b: Path, *extra: str) -> dict[str, Any]:
    res = runner.invoke(app, ["advise", str(b), "--at", AT, "-f", "json", *extra])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def _by_rule(data: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for f in data["findings"]:
        out.setdefault(f["ruleId"], []).append(f)
    return out


@pytest.mark.parametrize(
    "rule", ["connection_requirements_mismatch", "embedded_requirements_mismatch"]
)
def test_without_directory_users_user_rules_are_not_evaluated(tmp_path: Path, rule: str) -> None:
    b = _bundle(tmp_path, "directory.yaml")
    (f,) = _by_rule(_advise(b))[rule]
    assert f["status"] == "NOT_EVALUATED"
    assert "no enabled directory user (directory.yaml)" in f["reason"]
    table = runner.invoke(app, ["advise", str(b), "--at", AT, "--select", rule])
    assert "NOT_EVALUATED" in table.stdout and "PASS" not in table.stdout
    strict = runner.invoke(
        app, ["advise", str(b), "--at", AT, "--select", rule, "--fail-on", "low", "--strict"]
    )
    assert strict.exit_code == 1, strict.output


def test_a_directory_of_disabled_users_is_no_users(tmp_path: Path) -> None:
    b = _bundle(tmp_path)
    text = (
        (b / "directory.yaml").read_text().replace("accountEnabled: true", "accountEnabled: false")
    )
    (b / "directory.yaml").write_text(text)
    rules = _by_rule(_advise(b))
    assert rules["embedded_requirements_mismatch"][0]["status"] == "NOT_EVALUATED"


def test_without_connections_connection_rule_is_not_evaluated(tmp_path: Path) -> None:
    b = _bundle(tmp_path, "powerplatform")
    rules = _by_rule(_advise(b))
    (f,) = rules["connection_requirements_mismatch"]
    assert f["status"] == "NOT_EVALUATED"
    assert f["reason"] == (
        "the bundle holds no Power Platform connection (powerplatform/connections.json)"
    )
    # The embedded rule compares users' sign-ins to Flow Service and its hosts: connections
    # are not what it looks at, so with users it is evaluated.
    assert {x["status"] for x in rules["embedded_requirements_mismatch"]} == {"FAIL"}


@pytest.mark.parametrize("rule", ["terms_of_use_per_device", "terms_of_use_short_consent_expiry"])
def test_without_agreements_json_terms_rules_are_not_evaluated(tmp_path: Path, rule: str) -> None:
    b = _bundle(tmp_path, "agreements.json", "agreementAcceptances.json")
    (f,) = _by_rule(_advise(b))[rule]
    assert f["status"] == "NOT_EVALUATED"
    assert f["reason"] == "a policy requires Terms of Use but the bundle holds no agreements.json"


def test_agreement_missing_from_agreements_json_is_undetermined(tmp_path: Path) -> None:
    b = _bundle(tmp_path)
    agreements = json.loads((b / "agreements.json").read_text())
    (b / "agreements.json").write_text(json.dumps(agreements[:1]))
    per_device = _by_rule(_advise(b))["terms_of_use_per_device"]
    assert [f["status"] for f in per_device] == ["UNDETERMINED"]
    assert "not in agreements.json" in per_device[0]["reason"]


def test_without_terms_policies_agreements_are_not_needed(tmp_path: Path) -> None:
    b = _bundle(tmp_path, "agreements.json", "agreementAcceptances.json")
    for p in (b / "policies").glob("*.json"):
        if "termsOfUse" in p.read_text() and '"termsOfUse": []' not in p.read_text():
            p.unlink()
    (f,) = _by_rule(_advise(b))["terms_of_use_per_device"]
    assert f["status"] == "PASS"  # nothing requires Terms of Use: nothing to look at is fine


def test_service_account_rule_names_the_exact_gap(tmp_path: Path) -> None:
    # No directory at all: the reason says so (not "no powerplatform connections": they exist).
    b = _bundle(tmp_path, "directory.yaml")
    reasons = {
        f["reason"] for f in _by_rule(_advise(b))["terms_of_use_without_service_account_exclusion"]
    }
    assert reasons == {
        "the bundle holds no enabled directory user (directory.yaml): no service account or "
        "connection owner can be named"
    }
    # A directory without tags whose users own none of the connections.
    shutil.rmtree(b)
    b = _bundle(tmp_path)
    text = (
        (b / "directory.yaml")
        .read_text()
        .replace("tags: [serviceAccount, flowConnectionOwner]", "tags: []")
    )
    text = text.replace("11111111-0000-0000-0000-0000000000", "11111111-0000-0000-0000-0000000009")
    (b / "directory.yaml").write_text(text)
    findings = _by_rule(_advise(b))["terms_of_use_without_service_account_exclusion"]
    assert {f["status"] for f in findings} == {"UNDETERMINED"}
    assert all("no owner of the bundle's" in f["reason"] for f in findings), findings


@pytest.mark.parametrize("fmt", ["table", "json", "markdown", "sarif", "junit", "github"])
def test_probe_users_never_appear_in_advise_output(tmp_path: Path, fmt: str) -> None:
    b = _bundle(tmp_path, "directory.yaml")
    res = runner.invoke(app, ["advise", str(b), "--at", AT, "-f", fmt])
    assert res.exit_code == 0, res.output
    assert "representative" not in res.stdout
    assert " 1 user(s)" not in res.stdout
