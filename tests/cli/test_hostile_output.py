"""Output safety through the CLI (issue 8 part 1, SECURITY.md): ``-o`` never overwrites an
input nor replaces a symbolic link / FIFO / device; names from a bundle are never obeyed as
markup or terminal control sequences; a broken stdout is a clean exit 1; CAFLOW_DEBUG."""

from __future__ import annotations

import io
import json
import os
import shutil
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from tests.examples_paths import CONTOSO, REQUESTS, SCENARIOS
from typer.testing import CliRunner

from caflow.cli.common import write_stdout
from caflow.cli.main import app

ROOT = Path(__file__).resolve().parents[2]
REQUEST = REQUESTS / "alice-sharepoint-from-home.json"
SCENARIO = SCENARIOS / "effect1-future-runs.yaml"
CA004 = "policies/CA004-Require-MFA-for-SharePoint-Online.json"
runner = CliRunner()


def run(*args: str, env: dict[str, str] | None = None):
    return runner.invoke(app, [*args], env=env)


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    b = tmp_path / "bundle"
    shutil.copytree(CONTOSO, b)
    return b


def assert_unsafe_output(res, target: Path, before: bytes | None) -> None:
    assert res.exit_code == 2, res.output
    assert "[unsafe-path]" in res.stderr and "Traceback" not in res.output
    assert len(res.stderr.strip().splitlines()) == 1
    if before is not None:
        assert target.read_bytes() == before  # untouched


# -- -o onto an input -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "member", ["tenant.yaml", CA004, "powerplatform/connections.json", "directory.yaml"]
)
def test_output_onto_a_bundle_file_is_refused(bundle: Path, member: str) -> None:
    target = bundle / member
    before = target.read_bytes()
    res = run("advise", str(bundle), "-o", str(target))
    assert_unsafe_output(res, target, before)
    assert "input" in res.stderr


def test_output_onto_the_zip_or_request_or_scenario_is_refused(
    tmp_path: Path, bundle: Path
) -> None:
    z = tmp_path / "b.zip"
    shutil.make_archive(str(z.with_suffix("")), "zip", bundle)
    before = z.read_bytes()
    assert_unsafe_output(run("advise", str(z), "-o", str(z)), z, before)

    req = tmp_path / "req.json"
    shutil.copy(REQUEST, req)
    before = req.read_bytes()
    res = run("whatif", str(bundle), "--request", str(req), "--json", "-o", str(req))
    assert_unsafe_output(res, req, before)

    scen = tmp_path / "s.yaml"
    scen.write_text(SCENARIO.read_text().replace("../contoso", str(CONTOSO)))
    before = scen.read_bytes()
    assert_unsafe_output(run("simulate", str(scen), "--json", "-o", str(scen)), scen, before)

    prop = tmp_path / "p.json"
    shutil.copy(bundle / CA004, prop)
    before = prop.read_bytes()
    res = run("check", "--baseline", str(bundle), "--proposed", str(prop), "-o", str(prop))
    assert_unsafe_output(res, prop, before)


def test_output_onto_a_hard_link_or_symlink_of_an_input_is_refused(
    tmp_path: Path, bundle: Path
) -> None:
    target = bundle / "tenant.yaml"
    before = target.read_bytes()
    hard = tmp_path / "report.txt"
    os.link(target, hard)
    assert_unsafe_output(run("advise", str(bundle), "-o", str(hard)), target, before)
    soft = tmp_path / "report2.txt"
    soft.symlink_to(target)
    assert_unsafe_output(run("advise", str(bundle), "-o", str(soft)), target, before)


# -- symlinks, FIFOs, devices, directories -----------------------------------------------------


LOG = ROOT / "tests" / "replay" / "flow-service-refresh.jsonl"


def _replay(bundle: Path, logs: Path, fmt: str, output: Path):
    return run(
        "replay", "--logs", str(logs), "--bundle", str(bundle), "--no-store",
        "--format", fmt, "-o", str(output),
    )  # fmt: skip


@pytest.mark.parametrize("fmt", ["markdown", "json", "csv", "parquet"])
@pytest.mark.parametrize("where", ["given", "in a folder", "bundle file"])
def test_replay_output_onto_an_input_is_refused(
    tmp_path: Path, bundle: Path, fmt: str, where: str
) -> None:
    """Review of issue 8: the sign-in logs are read by DuckDB / pyarrow / csv, not through the
    bundle reader, so ``-o`` onto a log file overwrote it (and ``--format parquet`` renamed its
    file over any path: an input, a symbolic link, a FIFO)."""
    folder = tmp_path / "logs"
    folder.mkdir()
    log = folder / "signins.jsonl"
    shutil.copy(LOG, log)
    logs = folder if where == "in a folder" else log
    target = bundle / "tenant.yaml" if where == "bundle file" else log
    before = target.read_bytes()
    assert_unsafe_output(_replay(bundle, logs, fmt, target), target, before)
    assert sorted(p.name for p in target.parent.iterdir() if p.name.startswith(".")) == []


def test_replay_parquet_output_follows_the_output_rules(tmp_path: Path, bundle: Path) -> None:
    victim = tmp_path / "victim.parquet"
    link = tmp_path / "link.parquet"
    link.symlink_to(victim)
    assert_unsafe_output(_replay(bundle, LOG, "parquet", link), link, None)
    assert link.is_symlink() and not victim.exists()

    out = tmp_path / "out.parquet"
    res = _replay(bundle, LOG, "parquet", out)
    assert res.exit_code == 0, res.output
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(out.stat().st_mode) == 0o666 & ~umask  # not mkstemp's 0600
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []

    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    res = _replay(bundle, LOG, "parquet", fifo)
    reader.join()
    assert res.exit_code == 0, res.output
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and got[0] == out.read_bytes()[: len(got[0])]
    assert got[0].startswith(b"PAR1") and got[0].endswith(b"PAR1")


def test_output_symlink_is_never_replaced_nor_followed(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    for link_target in (victim, tmp_path / "missing.txt"):
        link = tmp_path / f"out-{link_target.name}"
        link.symlink_to(link_target)
        res = run("advise", str(CONTOSO), "-o", str(link))
        assert_unsafe_output(res, victim, b"precious")
        assert link.is_symlink()
        assert not (tmp_path / "missing.txt").exists()


def test_output_to_a_fifo_is_written_through(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    res = run("advise", str(CONTOSO), "--format", "json", "-o", str(fifo))
    reader.join(timeout=10)
    assert res.exit_code in (0, 1), res.output
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)  # still a FIFO, not replaced by a file
    assert json.loads(got[0])["tenant"]


def test_output_to_dev_null_keeps_the_device() -> None:
    res = run("advise", str(CONTOSO), "-o", "/dev/null")
    assert res.exit_code in (0, 1), res.output
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_output_to_a_directory_is_refused(tmp_path: Path) -> None:
    for path in (tmp_path, Path("/dev/null/x")):
        res = run("whatif", str(CONTOSO), "--request", str(REQUEST), "--json", "-o", str(path))
        assert res.exit_code == 2, res.output
        assert "Traceback" not in res.output


def test_regular_output_is_atomic_and_keeps_its_mode(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    out.write_text("old")
    out.chmod(0o640)
    res = run("advise", str(CONTOSO), "--format", "json", "-o", str(out))
    assert res.exit_code in (0, 1), res.output
    assert json.loads(out.read_text())["tenant"]
    assert stat.S_IMODE(out.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]  # no temp file left


# -- displayed strings ------------------------------------------------------------------------

HOSTILE_NAMES = [
    "[bold red]Block everything[/]",
    "[/]",  # invalid markup: used to be a MarkupError (internal error)
    "[link=https://evil.example]click[/link]",
    "\x1b]52;c;ZXZpbA==\x07clipboard",
    "\x1b[2J\x1b[Hcleared",
    "tab\tcr\rbell\x07",
    "rtl \u202eexe.txt",
    "lone \udc80 surrogate",
]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_policy_names_are_shown_not_obeyed(bundle: Path, name: str) -> None:
    path = bundle / CA004
    doc = json.loads(path.read_text())
    doc["displayName"] = name
    path.write_text(json.dumps(doc))
    res = run("whatif", str(bundle), "--request", str(REQUEST))
    assert res.exit_code == 0, res.output
    assert "\x1b" not in res.stdout and "\x07" not in res.stdout and "\u202e" not in res.stdout
    if name.startswith("["):
        assert name in res.stdout  # shown literally, not interpreted
    for fmt in ("table", "markdown") if name in HOSTILE_NAMES[:2] + HOSTILE_NAMES[-1:] else ():
        res = run("advise", str(bundle), "--format", fmt)
        assert res.exit_code in (0, 1), res.output
        assert "Traceback" not in res.output


def test_stdout_on_a_terminal_gets_visible_control_characters() -> None:
    class Tty(io.StringIO):
        encoding = "utf-8"

        def isatty(self) -> bool:
            return True

    for raw, shown in (("a\x1b[31mb", "a\u241b[31mb"), ("x\x07", "x\u2407"), ("\udc80", "\ufffd")):
        fake = Tty()
        old, sys.stdout = sys.stdout, fake
        try:
            write_stdout(raw + "\n")
        finally:
            sys.stdout = old
        assert fake.getvalue() == shown + "\n"


# -- broken stdout, encodings -----------------------------------------------------------------


def _caflow(*args: str, stdout=subprocess.PIPE, env: dict[str, str] | None = None):
    return subprocess.run(
        [sys.executable, "-m", "caflow.cli.main", *args],
        stdout=stdout,
        stderr=subprocess.PIPE,
        env={**os.environ, **(env or {})},
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    "args",
    [
        ("advise", str(CONTOSO), "--format", "json"),
        ("whatif", str(CONTOSO), "--request", str(REQUEST)),
        ("whatif", str(CONTOSO), "--request", str(REQUEST), "--json"),
    ],
)
def test_full_stdout_is_a_clean_exit_1(args: tuple[str, ...]) -> None:
    with open("/dev/full", "w") as full:
        proc = _caflow(*args, stdout=full)
    err = proc.stderr.decode()
    assert proc.returncode == 1, err
    assert "Traceback" not in err and "internal error" not in err and "Exception ignored" not in err
    assert err.strip().startswith("error: cannot write to")


def test_closed_pipe_is_a_clean_exit(tmp_path: Path) -> None:
    r, w = os.pipe()
    os.close(r)
    try:
        proc = _caflow("advise", str(CONTOSO), "--format", "json", stdout=w)
    finally:
        os.close(w)
    err = proc.stderr.decode()
    assert proc.returncode == 1, err
    assert "Traceback" not in err and "Exception ignored" not in err


@pytest.mark.parametrize("encoding", ["latin-1", "ascii"])
def test_non_utf8_stdout_and_lone_surrogates(bundle: Path, encoding: str) -> None:
    path = bundle / CA004
    doc = json.loads(path.read_text())
    doc["displayName"] = "MFA \u2192 SharePoint \U0001f512 \udc80"
    path.write_text(json.dumps(doc))
    for args in (
        ("whatif", str(bundle), "--request", str(REQUEST)),
        ("advise", str(bundle)),
        ("advise", str(bundle), "--format", "markdown"),
    ):
        proc = _caflow(*args, env={"PYTHONIOENCODING": encoding})
        err = proc.stderr.decode(encoding, "replace")
        assert proc.returncode in (0, 1), err
        assert "Traceback" not in err and "internal error" not in err


# -- CAFLOW_DEBUG ---------------------------------------------------------------------------


def _boom(*args: object, **kwargs: object) -> object:
    raise RuntimeError("boom: a deliberate bug")


@pytest.mark.parametrize("value", ["", "0", "false", "FALSE", "no", "off"])
def test_debug_off_values_mean_off(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setattr("caflow.advise.run_advise", _boom)
    res = run("advise", str(CONTOSO), env={"CAFLOW_DEBUG": value})
    assert res.exit_code == 2
    assert "internal error: RuntimeError" in res.stderr
    assert "Traceback" not in res.output
    assert "boom" not in res.output  # exception text may hold input values: never shown


@pytest.mark.parametrize("value", ["1", "true", "yes"])
def test_internal_error_exits_2_also_under_debug(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setattr("caflow.advise.run_advise", _boom)
    res = run("advise", str(CONTOSO), env={"CAFLOW_DEBUG": value})
    assert res.exit_code == 2
    assert "Traceback" in res.stderr and "boom" in res.stderr
