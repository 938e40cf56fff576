"""``caflow report --store PATH [--run ID]``: a page for a replay kept in DuckDB, without
recomputing it; the same page from replay's ``--format json`` file; bad input is exit 2 naming
the option or file."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from tests.examples_paths import CONTOSO
from tests.proposals import FLOW_REFRESH, MFA_O365
from typer.testing import CliRunner

from caflow.cli.main import app

runner = CliRunner()


def _replay(tmp_path: Path, store: Path, *extra: str) -> dict:
    out = tmp_path / f"replay-{len(list(tmp_path.glob('replay-*.json')))}.json"
    res = runner.invoke(
        app,
        [
            "replay",
            "--bundle",
            str(CONTOSO),
            "--logs",
            str(FLOW_REFRESH),
            "--at",
            "2026-03-01",
            "--store",
            str(store),
            "--format",
            "json",
            "-o",
            str(out),
            *extra,
        ],
    )
    assert res.exit_code == 0, res.output
    return json.loads(out.read_text(encoding="utf-8"))


def _run_ids(html: str) -> list[str]:
    return re.findall(r"<dt>stored run</dt><dd>([0-9a-f]+) \(", html)


def test_newest_run_or_the_one_named(tmp_path: Path) -> None:
    store = tmp_path / "r.duckdb"
    _replay(tmp_path, store)  # baseline only
    policy = tmp_path / "mfa.json"
    policy.write_text(json.dumps(MFA_O365), encoding="utf-8")
    _replay(tmp_path, store, "--proposed", str(policy))

    res = runner.invoke(app, ["report", "--store", str(store)])
    assert res.exit_code == 0, res.output
    newest = res.stdout
    # the newest run is the one with the proposal: its Flow Service refresh and connection
    assert "The proposal would fail or prompt 0 sign-ins and 1 Flow Service" in newest
    assert "svc-outlook" in newest and "Proposed: MFA for Office 365" in newest
    assert str(FLOW_REFRESH) in newest and str(policy) in newest
    (newest_id,) = _run_ids(newest)

    import duckdb

    with duckdb.connect(str(store), read_only=True) as con:
        ids = {r[0] for r in con.execute("select run_id from replay_runs").fetchall()}
    (older_id,) = ids - {newest_id}
    res = runner.invoke(app, ["report", "--store", str(store), "--run", older_id])
    assert res.exit_code == 0, res.output
    assert _run_ids(res.stdout) == [older_id]
    assert "sign-ins replayed:" in res.stdout and "svc-outlook" not in res.stdout


def test_replay_json_file_makes_the_same_page(tmp_path: Path) -> None:
    store = tmp_path / "r.duckdb"
    policy = tmp_path / "mfa.json"
    policy.write_text(json.dumps(MFA_O365), encoding="utf-8")
    result = _replay(tmp_path, store, "--proposed", str(policy))
    source = next(tmp_path.glob("replay-*.json"))
    from_file = runner.invoke(app, ["report", str(source)])
    from_store = runner.invoke(app, ["report", "--store", str(store)])
    assert from_file.exit_code == from_store.exit_code == 0
    # the store's page adds where the run came from; the rest is the same page
    drop = re.compile(r"<dt>(stored run|logs|bundle|proposed)</dt><dd>[^<]*</dd>\n")
    assert drop.sub("", from_store.stdout) == drop.sub("", from_file.stdout)
    assert f"{result['evaluated']:,} sign-ins replayed" in from_file.stdout


@pytest.mark.parametrize(
    ("args", "words"),
    [
        ([], "RESULT: give one input: expected either RESULT"),
        (["x.json", "--store", "r.duckdb"], "--store: give one input"),
        (["--store", "missing.duckdb"], "missing.duckdb: no result store here"),
        (["--run", "abc"], "--run: option needs --store"),
    ],
)
def test_bad_input_is_exit_2(tmp_path: Path, monkeypatch, args: list[str], words: str) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "x.json").write_text("{}", encoding="utf-8")
    (tmp_path / "r.duckdb").write_bytes(b"")
    res = runner.invoke(app, ["report", *args])
    assert res.exit_code == 2, res.output
    assert words in res.stderr and "Traceback" not in res.output


def test_unknown_run_suggests_the_stored_one(tmp_path: Path) -> None:
    store = tmp_path / "r.duckdb"
    _replay(tmp_path, store)
    html = runner.invoke(app, ["report", "--store", str(store)]).stdout
    (run_id,) = _run_ids(html)
    typo = run_id[:-1] + ("0" if run_id[-1] != "0" else "1")
    res = runner.invoke(app, ["report", "--store", str(store), "--run", typo])
    assert res.exit_code == 2
    assert f"did you mean '{run_id}'?" in res.stderr and str(store) in res.stderr


def test_a_store_without_runs_or_not_duckdb_is_exit_2(tmp_path: Path) -> None:
    import duckdb

    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    res = runner.invoke(app, ["report", "--store", str(empty)])
    assert res.exit_code == 2 and "holds no replay run" in res.stderr
    bogus = tmp_path / "bogus.duckdb"
    bogus.write_text("not a database", encoding="utf-8")
    res = runner.invoke(app, ["report", "--store", str(bogus)])
    assert res.exit_code == 2 and "cannot open the result store" in res.stderr
    assert "Traceback" not in res.output
