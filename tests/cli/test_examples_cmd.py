"""`caflow examples DIR`: the packaged examples copied out (every `--help` example is run on
the copies in tests/cli/test_help_examples.py)."""

from __future__ import annotations

import filecmp
from pathlib import Path

from tests.examples_paths import EXAMPLES
from typer.testing import CliRunner

from caflow.cli.main import app

runner = CliRunner()


def test_copies_every_example_folder(tmp_path: Path) -> None:
    res = runner.invoke(app, ["examples", str(tmp_path / "ex")])
    assert res.exit_code == 0, res.output
    names = {p.name for p in EXAMPLES.iterdir() if not p.name.startswith((".", "__"))}
    assert {"contoso", "scenarios", "requests", "ci"} <= names
    for name in names:
        cmp = filecmp.dircmp(EXAMPLES / name, tmp_path / "ex" / name)
        assert not (cmp.left_only or cmp.right_only or cmp.diff_files), name
    assert not [p for p in (tmp_path / "ex").iterdir() if p.name.startswith(".")]  # no temp left


def test_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    target = tmp_path / "ex"
    assert runner.invoke(app, ["examples", str(target)]).exit_code == 0
    mine = target / "contoso" / "tenant.yaml"
    mine.write_text("edited by me\n")
    res = runner.invoke(app, ["examples", str(target)])
    assert res.exit_code == 2
    assert "already exists" in res.output and "--force" in res.output
    assert mine.read_text() == "edited by me\n"  # nothing touched
    res = runner.invoke(app, ["examples", str(target), "--force"])
    assert res.exit_code == 0, res.output
    assert mine.read_text() == (EXAMPLES / "contoso" / "tenant.yaml").read_text()


def test_target_that_is_a_file_is_bad_input(tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("x")
    res = runner.invoke(app, ["examples", str(target)])
    assert res.exit_code == 2 and "not a folder" in res.output
