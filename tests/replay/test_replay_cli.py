"""``caflow replay`` end to end: real rows and every fixture shape, outputs, DuckDB store, the
change a proposal makes (Flow Service refreshes linked to the bundle's connections), agreement
with recorded results, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from tests.corpora_paths import SIGNIN_DATA
from tests.examples_paths import CONTOSO
from tests.proposals import FLOW_REFRESH, MFA_O365
from typer.testing import CliRunner

from caflow.cli.main import app

FIX = Path(__file__).resolve().parents[1] / "io" / "signins" / "fixtures"
MSTICPY = SIGNIN_DATA / "msticpy-aad-logons"
runner = CliRunner()


def _replay(tmp_path: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(
        app,
        ["replay", "--bundle", str(CONTOSO), "--store", str(tmp_path / "r.duckdb"), *args],
    )
    return result.exit_code, result.output


def test_real_rows_and_every_fixture_shape_as_json(tmp_path: Path) -> None:
    code, out = _replay(
        tmp_path, "--logs", str(MSTICPY), "--logs", str(FIX), "--at", "2026-03-01", "--json"
    )
    assert code == 0, out
    result = json.loads(out[out.index("{") :])
    assert result["schemaVersion"] == 1
    assert result["input"]["read"] == 111 and result["evaluated"] == 103
    assert result["notEvaluated"] == {"managed identity (not covered by Conditional Access)": 1}
    base = result["baseline"]
    assert sum(base["decisions"].values()) == 103
    by_name = {p["displayName"]: p for p in base["policies"]}
    # msticpy users are not in the Contoso bundle: their group policies are undetermined, named
    assert by_name["CA002 - Require MFA for admins"]["undetermined"] >= 86
    assert "unknown" in next(iter(by_name["CA002 - Require MFA for admins"]["undeterminedReasons"]))
    # logs carry no user risk: never "not matched"
    assert by_name["CA011 - Require password change for high user risk"]["undetermined"] == 100
    assert "breakdown" in by_name["CA004 - Require MFA for SharePoint Online"]
    with duckdb.connect(str(tmp_path / "r.duckdb")) as con:
        assert con.execute("select count(*) from replay_signins").fetchone() == (103,)
        assert con.execute("select count(*) from replay_runs").fetchone() == (1,)
        assert con.execute("select count(*) from replay_policies").fetchone() == (14,)


def test_proposal_breaks_flow_service_refresh_linked_to_connection(tmp_path: Path) -> None:
    policy = tmp_path / "mfa-o365.json"
    policy.write_text(json.dumps(MFA_O365))
    code, out = _replay(
        tmp_path,
        "--logs",
        str(FLOW_REFRESH),
        "--logs",
        str(FIX / "AADNonInteractiveUserSignInLogs.jsonl"),
        "--proposed",
        str(policy),
        "--format",
        "json",
        "--at",
        "2026-03-01",
    )
    assert code == 0, out
    result = json.loads(out[out.index("{") :])
    flows = result["flowConnections"]
    # a service account's non-interactive Microsoft Flow Service refresh to Exchange, single
    # factor, allowed today: the proposal breaks it, and with it svc-outlook and its flow
    assert flows["count"] == 1
    (row,) = flows["rows"]
    assert row["errorCode"] == "AADSTS50076" and row["policies"] == [MFA_O365["id"]]
    assert (row["connections"], row["flows"]) == (["svc-outlook"], ["daily-sales-digest"])
    # alice's SharePoint refreshes need MFA already (CA004): not a change
    assert result["changes"]["count"] == 0
    with duckdb.connect(str(tmp_path / "r.duckdb")) as con:
        n = con.execute("select count(*) from replay_changes where flow").fetchone()
    assert n == (flows["count"],)


def test_agreement_with_recorded_results(tmp_path: Path) -> None:
    """Rows recording CA results for policies the bundle has: agreement rate and disagreements."""
    rec = json.loads((FIX / "graph-beta.jsonl").read_text().splitlines()[0])
    ca002 = "66666666-0000-0000-0000-000000000002"  # Contoso "Require MFA for admins"
    rows = []
    for i, (user, recorded) in enumerate(
        [
            ("11111111-0000-0000-0000-000000000002", "notApplied"),
            ("11111111-0000-0000-0000-000000000002", "success"),
        ]
    ):
        r = dict(rec, id=f"ag{i}", userId=user, userPrincipalName=None)
        r["appliedConditionalAccessPolicies"] = [
            {"id": ca002, "displayName": "CA002", "result": recorded}
        ]
        rows.append(json.dumps(r))
    log = tmp_path / "ag.jsonl"
    log.write_text("\n".join(rows) + "\n")
    code, out = _replay(tmp_path, "--logs", str(log), "--format", "json", "--at", "2026-03-01")
    assert code == 0, out
    ag = json.loads(out[out.index("{") :])["agreement"]
    assert (ag["agree"], ag["disagree"], ag["rate"]) == (1, 1, 0.5)
    assert ag["disagreements"][0]["recorded"] == "success"
    assert ag["disagreements"][0]["caflow"] == "notApplied"


@pytest.mark.parametrize("fmt", ["markdown", "csv"])
def test_text_formats(tmp_path: Path, fmt: str) -> None:
    code, out = _replay(tmp_path, "--logs", str(MSTICPY), "--format", fmt, "--no-store")
    assert code == 0, out
    assert ("# caflow replay" in out) if fmt == "markdown" else "side,id,displayName" in out
    assert not (tmp_path / "r.duckdb").exists()


def test_table_format_draws_the_markdown_summary(tmp_path: Path) -> None:
    """``--format table`` (the human format of every verb; ``text`` is its alias): the Markdown
    summary's headings and per-policy table drawn for a terminal, no Markdown syntax left."""
    code, md = _replay(tmp_path, "--logs", str(MSTICPY), "--format", "markdown", "--no-store")
    assert code == 0, md
    for fmt in ("table", "text"):
        code, out = _replay(tmp_path, "--logs", str(MSTICPY), "-f", fmt, "--no-store")
        assert code == 0, out
        assert "caflow replay" in out and "# caflow replay" not in out and "|---|" not in out
        first_policy = md.split("|---|", 1)[1].splitlines()[1].split("|")[1].strip()
        assert first_policy[:20] in out  # the rows are drawn, not dropped
        assert "Agreement with the log's recorded Conditional Access results" in out


def test_a_format_typo_lists_the_formats_with_a_did_you_mean(tmp_path: Path) -> None:
    res = runner.invoke(app, ["replay", "--bundle", str(CONTOSO), "--logs", "x", "-f", "tabel"])
    assert res.exit_code == 2
    text = " ".join(res.output.replace("│", " ").split())
    assert "'tabel' is not one of markdown, table, json, csv, parquet" in text
    assert "did you mean 'table'?" in text


def test_parquet_rows_and_window(tmp_path: Path) -> None:
    out_file = tmp_path / "rows.parquet"
    code, out = _replay(
        tmp_path,
        "--logs",
        str(MSTICPY),
        "--since",
        "2020-05-20T12:00:00Z",
        "--until",
        "2020-05-21",
        "--format",
        "parquet",
        "-o",
        str(out_file),
    )
    assert code == 0, out
    table = pq.read_table(out_file)
    assert 0 < table.num_rows < 86
    assert {"baselineDecision", "createdDateTime", "userPrincipalName"} <= set(table.column_names)


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--logs", "nope.jsonl"], "nope.jsonl"),
        (["--logs", str(MSTICPY), "--format", "parquet"], "--output"),
        (["--logs", str(MSTICPY), "--since", "yesterday"], "--since"),
    ],
)
def test_bad_input_exit_2_nothing_stored(tmp_path: Path, args: list[str], words: str) -> None:
    code, out = _replay(tmp_path, *args)
    assert code == 2 and words in out
    if (tmp_path / "r.duckdb").exists():
        with duckdb.connect(str(tmp_path / "r.duckdb")) as con:
            assert con.execute("select count(*) from replay_runs").fetchone() == (0,)
