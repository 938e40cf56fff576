"""Every `caflow ...` command in the README's shell blocks runs as written (exit 0 or 1, never
2 = bad input) after `caflow examples`, so the README cannot drift from the product. Commands
on the reader's own files (placeholders below) or a live tenant are the only ones not run."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from caflow.cli.main import app

ROOT = Path(__file__).resolve().parents[2]
#: Names in README commands that stand for the reader's own files / tenant.
PLACEHOLDERS = ("my-tenant", "my-policy-change.json")
#: Verbs that need a live tenant (recorded-response tests cover them: tests/pull).
LIVE = ("pull",)


def _readme_commands() -> list[list[str]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = []
    for block in re.findall(r"```(?:bash|sh)\n(.*?)```", text, flags=re.S):
        for line in block.replace("\\\n", " ").splitlines():
            line = line.split(" #", 1)[0].strip()
            if line.startswith("caflow "):
                commands.append(shlex.split(line)[1:])
    return commands


def _runnable(argv: list[str]) -> bool:
    return argv[0] not in LIVE and not any(a in PLACEHOLDERS for a in argv)


def test_readme_has_runnable_commands_for_every_main_verb() -> None:
    verbs = {argv[0] for argv in _readme_commands() if _runnable(argv)}
    assert {"examples", "whatif", "simulate", "advise"} <= verbs


@pytest.mark.parametrize(
    "argv", [a for a in _readme_commands() if _runnable(a)], ids=lambda a: " ".join(a)[:70]
)
def test_readme_command_runs(
    argv: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The reader's working directory: a clone's root (tests/data is the repository's) after
    # `caflow examples`; outputs land in tmp_path, not in the repository.
    (tmp_path / "tests").symlink_to(ROOT / "tests", target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    if argv[0] != "examples":
        assert CliRunner().invoke(app, ["examples"]).exit_code == 0
    if argv[0] == "serve":
        # Everything up to listening runs (options, bundle loaded, app built); the server
        # itself is tests/web's (in-process), not a socket left open by a unit test.
        import uvicorn

        served: list[object] = []
        import socket

        import caflow.cli.serve_cmd as serve_cmd

        monkeypatch.setattr(
            uvicorn.Server, "run", lambda self, sockets=None: served.append(self.config.app)
        )
        # no port bound by a unit test (the port-in-use path is tests/web/test_web_messages.py)
        monkeypatch.setattr(serve_cmd, "_bind", lambda host, port: socket.socket())
    res = CliRunner().invoke(app, argv)
    if argv[0] == "serve":
        assert len(served) == 1, res.output
    assert res.exit_code in (0, 1), (argv, res.output[-800:])
