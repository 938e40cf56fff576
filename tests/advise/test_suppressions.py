"""Suppressions (STYLE.md "For caflow" 2, 7): justification required, SUPPRESSED in every
writer, SARIF ``suppressions[{kind: external, justification}]``, never counted for --fail-on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from advise_support import CONTOSO
from typer.testing import CliRunner

from caflow.advise import Severity, load_suppressions, run_advise
from caflow.advise.suppressions import Suppression
from caflow.cli.main import app
from caflow.errors import SchemaError, UnknownReferenceError
from caflow.io.bundle import load_bundle

runner = CliRunner()
CA004 = "66666666-0000-0000-0000-000000000004"
RULES = {
    "connection_requirements_mismatch": "connection_requirements_mismatch",
    "embedded_requirements_mismatch": "embedded_requirements_mismatch",
}
#: Every high FAIL of contoso: CA004 (both rules) and CA005 (connection rule).
ACCEPT_HIGH = """\
- rule: embedded_requirements_mismatch
  policy: 66666666-0000-0000-0000-000000000004
  justification: SharePoint MFA is intended; embedded flows are not used (SEC-1).
- rule: connection_requirements_mismatch
  justification: Owners sign in with MFA before repairing (SEC-2).
"""


def _write(tmp_path: Path, text: str, name: str = "accepted.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_load_valid_file(tmp_path):
    got = load_suppressions(_write(tmp_path, ACCEPT_HIGH), RULES)
    assert got[0] == Suppression(
        rule="embedded_requirements_mismatch",
        justification="SharePoint MFA is intended; embedded flows are not used (SEC-1).",
        policy=CA004,
        file="accepted.yaml",
        pointer="/0",
    )
    assert got[1].policy is None and got[1].pointer == "/1"


def test_empty_file_is_no_suppression(tmp_path):
    assert load_suppressions(_write(tmp_path, "")) == ()


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("- rule: remember_mfa_enabled\n", "/0/justification"),
        ("- rule: remember_mfa_enabled\n  justification: '  '\n", "/0/justification"),
        ("- {rule: remember_mfa_enabled, justification: ok}\n- {justification: ok}\n", "/1/rule"),
        ("rule: remember_mfa_enabled\n", "/"),
        ("- rule: remember_mfa_enabled\n  justfication: typo\n", "/0/justfication"),
    ],
)
def test_bad_entries_name_file_and_json_path(tmp_path, text, where):
    with pytest.raises(SchemaError) as exc:
        load_suppressions(_write(tmp_path, text))
    assert str(exc.value).startswith(f"{tmp_path / 'accepted.yaml'}: {where}: ")


def test_unknown_rule_suggests_the_close_one(tmp_path):
    text = "- rule: embedded_requirement_mismatch\n  justification: x\n"
    with pytest.raises(
        UnknownReferenceError, match="did you mean 'embedded_requirements_mismatch'"
    ):
        load_suppressions(_write(tmp_path, text), RULES)


def test_matching_findings_are_suppressed_with_their_justification(tmp_path):
    tenant = load_bundle(CONTOSO)
    result = run_advise(tenant, suppressions=load_suppressions(_write(tmp_path, ACCEPT_HIGH)))
    suppressed = [f for f in result.findings if f.status.value == "SUPPRESSED"]
    assert {(f.rule_id, f.policies[0][-2:]) for f in suppressed} == {
        ("embedded_requirements_mismatch", "04"),
        ("connection_requirements_mismatch", "04"),
        ("connection_requirements_mismatch", "05"),
    }
    assert all(f.justification.endswith(("(SEC-1).", "(SEC-2).")) for f in suppressed)
    assert result.counts()["SUPPRESSED"] == 3 and "3 suppressed" in result.summary_line()
    assert not result.exceeds(Severity.HIGH) and result.exceeds(Severity.MEDIUM)


def test_policy_by_display_name_and_unused_entry_warns(tmp_path):
    text = (
        "- rule: embedded_requirements_mismatch\n"
        '  policy: "CA004 - Require MFA for SharePoint Online"\n'
        "  justification: accepted\n"
        "- rule: remember_mfa_enabled\n"
        "  justification: nothing to suppress\n"
    )
    result = run_advise(
        load_bundle(CONTOSO), suppressions=load_suppressions(_write(tmp_path, text))
    )
    assert [f.rule_id for f in result.findings if f.status.value == "SUPPRESSED"] == [
        "embedded_requirements_mismatch"
    ]
    assert result.warnings[-1] == (
        "accepted.yaml: /1: suppression (rule remember_mfa_enabled) matched no finding "
        "[unused-suppression]"
    )


def test_cli_suppressed_never_counts_for_fail_on(tmp_path):
    accepted = str(_write(tmp_path, ACCEPT_HIGH))
    assert runner.invoke(app, ["advise", str(CONTOSO), "--fail-on", "high"]).exit_code == 1
    res = runner.invoke(
        app, ["advise", str(CONTOSO), "--fail-on", "high", "--suppressions", accepted]
    )
    assert res.exit_code == 0, res.output
    assert "SUPPRESSED" in res.stdout and "(suppressed:" in res.stdout  # table folds long text
    # The summary line is printed once: the table ends with it, so not repeated on stderr.
    assert "3 suppressed." in res.stdout and "3 suppressed." not in res.stderr


def test_cli_json_markdown_and_sarif_show_suppressions(tmp_path):
    accepted = str(_write(tmp_path, ACCEPT_HIGH))
    base = ["advise", str(CONTOSO), "--suppressions", accepted, "--format"]
    data = json.loads(runner.invoke(app, [*base, "json"]).stdout)
    assert data["summary"]["SUPPRESSED"] == 3
    assert {f["justification"] for f in data["findings"] if f["status"] == "SUPPRESSED"} == {
        "SharePoint MFA is intended; embedded flows are not used (SEC-1).",
        "Owners sign in with MFA before repairing (SEC-2).",
    }
    md = runner.invoke(app, [*base, "markdown"]).stdout
    assert "🔇 SUPPRESSED" in md and "_(suppressed: SharePoint MFA is intended" in md
    sarif = json.loads(runner.invoke(app, [*base, "sarif"]).stdout)
    results = sarif["runs"][0]["results"]
    suppressed = [r for r in results if r["properties"]["status"] == "SUPPRESSED"]
    assert len(suppressed) == 3 and all(
        r["suppressions"][0]["kind"] == "external" and r["suppressions"][0]["justification"]
        for r in suppressed
    )
    assert all("suppressions" not in r for r in results if r not in suppressed)


def test_cli_missing_justification_is_bad_input(tmp_path):
    bad = _write(tmp_path, "- rule: remember_mfa_enabled\n", name="bad.yaml")
    out = tmp_path / "report.json"
    res = runner.invoke(
        app, ["advise", str(CONTOSO), "--suppressions", str(bad), "-f", "json", "-o", str(out)]
    )
    assert res.exit_code == 2
    assert f"{bad}: /0/justification: suppression without a justification" in res.stderr
    assert "[missing-field]" in res.stderr and "Traceback" not in res.output
    assert not out.exists()


def test_cli_unknown_rule_and_missing_file_are_bad_input(tmp_path):
    typo = _write(tmp_path, "- rule: remember_mfa\n  justification: x\n")
    res = runner.invoke(app, ["advise", str(CONTOSO), "--suppressions", str(typo)])
    assert res.exit_code == 2 and "/0/rule: unknown rule" in res.stderr
    res = runner.invoke(
        app, ["advise", str(CONTOSO), "--suppressions", str(tmp_path / "missing.yaml")]
    )
    assert res.exit_code == 2 and "no such file" in res.stderr


def test_cli_unused_suppression_warns_on_stderr(tmp_path):
    unused = _write(tmp_path, "- rule: remember_mfa_enabled\n  justification: x\n")
    res = runner.invoke(app, ["advise", str(CONTOSO), "--suppressions", str(unused)])
    assert res.exit_code == 0
    assert "warning: accepted.yaml: /0: suppression (rule remember_mfa_enabled) matched no" in (
        res.stderr
    )
