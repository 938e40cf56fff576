"""`caflow examples DIR`: the packaged examples copied out, and every `--help` example run on them."""

from __future__ import annotations

import filecmp
import shlex
from pathlib import Path

import pytest
import typer.main
from tests.examples_paths import EXAMPLES
from typer.testing import CliRunner

from caflow.cli.main import app

runner = CliRunner()


def _help_examples() -> list[tuple[str, list[str]]]:
    """Each `caflow ...` line of every verb's help epilog that uses the bundled examples."""
    group = typer.main.get_command(app)
    found: list[tuple[str, list[str]]] = []
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        for line in (command.epilog or "").splitlines():
            line = line.split("#", 1)[0].strip()
            if line.startswith("caflow ") and "examples/" in line:
                found.append((name, shlex.split(line)[1:]))
    return found


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


def test_help_lists_examples_that_use_the_copies() -> None:
    verbs = {name for name, _ in _help_examples()}
    assert {"whatif", "simulate", "advise", "check"} <= verbs


@pytest.mark.parametrize(
    "argv", [argv for _, argv in _help_examples()], ids=lambda a: " ".join(a)[:60]
)
def test_help_example_runs_on_the_copies(
    argv: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The `--help` examples are not decoration: after `caflow examples` they run as written
    (exit 0, or 1 where the example shows a finding; never 2 = bad input)."""
    monkeypatch.chdir(tmp_path)
    assert runner.invoke(app, ["examples"]).exit_code == 0
    served: list[object] = []
    if argv[0] == "serve":
        # Up to listening (options, bundle loaded, app built); serving is tests/web's.
        import uvicorn

        monkeypatch.setattr(uvicorn.Server, "run", lambda self: served.append(self.config.app))
    res = runner.invoke(app, argv)
    assert res.exit_code in (0, 1), (argv, res.output)
    assert len(served) == (argv[0] == "serve"), res.output
