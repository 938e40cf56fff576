"""Files caflow does not read are named, never dropped (review of issue 9, M1).

A policy saved under an extension caflow does not read (``policies/CA015.jsn``) was skipped
without a word and the what-if said "allow"; renamed ``.json`` it said "requires". Every file
of the bundle that is not JSON/YAML is now named in a ``not-read`` warning (stderr of every
verb, ``warnings[]`` of the JSON outputs that have one); one in a policies folder that may hold
policies also makes the results uncertain: whatif ``certain: false`` naming it, check and
simulate an undetermined item (``kind: file``), so ``check --strict`` exits 1. The well-known
harmless files (README, LICENSE, Thumbs.db, hidden files) are not named
(docs/bundle-format.md).
"""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest
from tests.examples_paths import CONTOSO, SCENARIOS
from typer.testing import CliRunner

from caflow.cli.main import app
from caflow.io.bundle import LoadReport, load_bundle
from caflow.model.tenant import Tenant

FLOW = "Microsoft Flow Service"
#: alice, Microsoft Flow Service, from outside the trusted locations, on a known device: CA014
#: (disabled in Contoso) decides; enabled, it requires MFA.
WHATIF = (
    "--user", "alice@contoso.com", "--app", FLOW, "--ip", "8.8.8.8",
    "--platform", "windows", "--client-app", "browser", "--device", "LAPTOP-ALICE", "--json",
)  # fmt: skip
HARMLESS = ("README.md", "policies/README.md", "LICENSE", "Thumbs.db", ".gitkeep", ".DS_Store")
NOT_READ = ("users.csv", "notes.txt", "policies/notes.txt")
MAY_HOLD_POLICIES = ("policies/CA015.jsn", "policies/CA001.json.bak", "policies/CA016.txt")


def _enabled_copy_of_ca014() -> str:
    ca014 = next((CONTOSO / "policies").glob("CA014-*.json"))
    policy = json.loads(ca014.read_text(encoding="utf-8"))
    assert policy["state"] != "enabled"
    policy.update(id="aaaaaaaa-0000-0000-0000-000000000015", state="enabled")
    return json.dumps(policy)


def _bundle(tmp_path: Path, *, extra: bool = True) -> Path:
    """Contoso plus CA014 enabled under a name caflow does not read, and other stray files."""
    root = tmp_path / "b"
    shutil.copytree(CONTOSO, root)
    (root / "policies" / "CA015.jsn").write_text(_enabled_copy_of_ca014())
    if extra:
        ca001 = next((root / "policies").glob("CA001-*.json"))
        (root / "policies" / "CA001.json.bak").write_bytes(ca001.read_bytes())
        (root / "policies" / "CA016.txt").write_text('{"id": "x", "conditions": {}}')
        (root / "policies" / "notes.txt").write_text("ask Bob about CA016")
        (root / "users.csv").write_text("upn\nalice@contoso.com\n")
        (root / "notes.txt").write_text("exported on Monday")
        for name in HARMLESS:
            (root / name).write_text("harmless")
    return root


def _not_read(tenant: Tenant) -> dict[str, str]:
    return {w.file: w.message for w in tenant.warnings if w.code == "not-read"}


def test_every_file_not_read_is_named_and_policy_files_make_results_uncertain(
    tmp_path: Path,
) -> None:
    root = _bundle(tmp_path)
    report = LoadReport()
    tenant = load_bundle(root, report)
    named = _not_read(tenant)
    assert sorted(named) == sorted(f"{root}/{n}" for n in NOT_READ + MAY_HOLD_POLICIES)
    assert sorted(w.file for w in tenant.unread_policies) == sorted(
        f"{root}/{n}" for n in MAY_HOLD_POLICIES
    )
    assert all("may hold policies" in named[w.file] for w in tenant.unread_policies)
    assert "may hold policies" not in named[f"{root}/policies/notes.txt"]
    assert sorted(report.not_read) == sorted(named)
    # The policies read are Contoso's: nothing was guessed out of the files not read.
    assert len(tenant.policies) == len(load_bundle(CONTOSO).policies)


def test_a_zip_names_the_same_files(tmp_path: Path) -> None:
    root = _bundle(tmp_path)
    archive = tmp_path / "b.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for p in sorted(root.rglob("*")):
            if p.is_file():
                zf.write(p, "b/" + p.relative_to(root).as_posix())
    tenant = load_bundle(archive)
    assert sorted(_not_read(tenant)) == sorted(
        f"{archive}!{n}" for n in NOT_READ + MAY_HOLD_POLICIES
    )
    assert len(tenant.unread_policies) == len(MAY_HOLD_POLICIES)


def test_harmless_files_are_not_named(tmp_path: Path) -> None:
    root = tmp_path / "b"
    shutil.copytree(CONTOSO, root)
    for name in HARMLESS:
        (root / name).write_text("harmless")
    tenant = load_bundle(root)
    assert not _not_read(tenant) and not tenant.unread_policies
    res = CliRunner().invoke(app, ["whatif", str(root), *WHATIF])
    assert res.exit_code == 0, res.output
    assert "not-read" not in res.stderr


def test_whatif_is_uncertain_naming_the_file(tmp_path: Path) -> None:
    """The reviewer's reproducer: 'allow' and certain, with stderr empty, before the fix."""
    root = _bundle(tmp_path, extra=False)
    res = CliRunner().invoke(app, ["whatif", str(root), *WHATIF])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["decision"] == "allow" and out["certain"] is False
    unread = [u for u in out["undetermined"] if u["id"] == f"{root}/policies/CA015.jsn"]
    assert len(unread) == 1 and "may hold policies" in unread[0]["reason"]
    assert f"warning: {root}/policies/CA015.jsn: not read" in res.stderr
    # What the file holds, once caflow can read it: the answer the uncertainty stood for.
    (root / "policies" / "CA015.jsn").rename(root / "policies" / "CA015.json")
    renamed = json.loads(CliRunner().invoke(app, ["whatif", str(root), *WHATIF]).stdout)
    assert renamed["decision"] == "requires" and renamed["certain"] is True
    # The table says so too.
    (root / "policies" / "CA015.json").rename(root / "policies" / "CA015.jsn")
    table = CliRunner().invoke(app, ["whatif", str(root), *WHATIF[:-1]])
    assert "1 policy file(s) not read (the decision could change)" in table.stdout


def test_check_counts_it_undetermined_and_strict_exits_1(tmp_path: Path) -> None:
    root = _bundle(tmp_path)
    args = ["check", "--baseline", str(CONTOSO), "--proposed", str(root), "--format", "json"]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    files = sorted(u["id"] for u in out["undetermined"] if u["kind"] == "file")
    assert files == sorted(f"{root}/{n}" for n in MAY_HOLD_POLICIES)
    assert out["summary"]["undetermined"] >= len(MAY_HOLD_POLICIES)
    warned = [w for w in out["warnings"] if "[not-read]" in w]
    assert len(warned) == len(NOT_READ + MAY_HOLD_POLICIES)
    assert CliRunner().invoke(app, [*args, "--strict"]).exit_code == 1
    clean = ["check", "--baseline", str(CONTOSO), "--proposed", str(CONTOSO), "--strict"]
    assert CliRunner().invoke(app, clean).exit_code == 0


def test_advise_carries_the_warnings(tmp_path: Path) -> None:
    root = _bundle(tmp_path)
    res = CliRunner().invoke(app, ["advise", str(root), "--format", "json"])
    assert res.exit_code in (0, 1), res.output
    warned = [w for w in json.loads(res.stdout)["warnings"] if "[not-read]" in w]
    assert len(warned) == len(NOT_READ + MAY_HOLD_POLICIES)
    assert "policies/CA015.jsn: not read" in res.stderr


def test_simulate_counts_it_undetermined(tmp_path: Path) -> None:
    root = _bundle(tmp_path, extra=False)
    scenario = tmp_path / "s.yaml"
    text = (SCENARIOS / "flow-turned-off.yaml").read_text(encoding="utf-8")
    assert "tenant: ../contoso\n" in text
    scenario.write_text(text.replace("tenant: ../contoso\n", f"tenant: {root}\n"))
    res = CliRunner().invoke(app, ["simulate", str(scenario), "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    files = [u for u in out["undetermined"] if u["kind"] == "file"]
    assert [u["id"] for u in files] == [f"{root}/policies/CA015.jsn"]
    assert out["summary"]["undetermined"] >= 1
    assert "policies/CA015.jsn: not read" in res.stderr


@pytest.mark.parametrize("name", ["users.csv", "policies/CA015.jsn"])
def test_an_export_folder_of_only_unread_files_says_what_it_found(
    tmp_path: Path, name: str
) -> None:
    f = tmp_path / "e" / name
    f.parent.mkdir(parents=True)
    f.write_text(_enabled_copy_of_ca014())
    res = CliRunner().invoke(app, ["advise", str(tmp_path / "e")])
    assert res.exit_code == 2, res.output
    assert "no tenant data found" in res.stderr
    assert f"1 other file(s): {tmp_path / 'e' / name}" in res.stderr
