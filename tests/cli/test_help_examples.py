"""Every example in every ``--help`` (``caflow --help`` and each verb's) runs as written on the
copies ``caflow examples`` makes, prints something and exits as documented; help text keeps
its paragraphs and examples whole at 80 columns (no ragged line breaks)."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
import typer.main
from typer.testing import CliRunner

from caflow.cli.main import app

runner = CliRunner()
GROUP = typer.main.get_command(app)
#: Widest example line (with its indent): typer draws the epilog with one space of padding,
#: so these fit an 80-column terminal without wrapping.
EXAMPLE_WIDTH = 78


def _example_lines(text: str) -> list[str]:
    """Command lines of a help text: ``  caflow ...`` (with ``\\``-continued lines joined),
    ``Start with:`` / ``Then try:`` lines, each ``&&`` part on its own; comments dropped."""
    joined: list[str] = []
    for raw in text.splitlines():
        if joined and joined[-1].endswith("\\"):
            joined[-1] = joined[-1][:-1].rstrip() + " " + raw.strip()
        else:
            joined.append(raw)
    found: list[str] = []
    for line in joined:
        line = line.strip()
        for prefix in ("Start with:", "Then try:"):
            line = line.removeprefix(prefix).strip()
        if line.startswith("#") or "caflow " not in line:
            continue
        if not (line.startswith(("caflow ", "curl ")) or "=$(" in line.split(" caflow ")[0]):
            continue  # prose that names a command
        found.extend(part.strip() for part in line.split("&&"))
    return found


def _texts() -> dict[str, str]:
    """Help texts with examples, by verb ("" = ``caflow --help``)."""
    texts = {"": GROUP.help or ""}
    for name, command in GROUP.commands.items():  # type: ignore[attr-defined]
        texts[name] = command.epilog or ""
    return texts


EXAMPLES = [
    (verb, i, line)
    for verb, text in _texts().items()
    for i, line in enumerate(_example_lines(text))
]

#: Examples documented to exit 1 (the change breaks something; a high finding fails).
EXIT_1 = (
    "caflow check ",
    "caflow advise examples/contoso --fail-on high",
)


def _run(line: str, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str, Path | None]:
    """Run one example in-process in the current folder; ``> FILE`` redirects stdout."""
    args = shlex.split(line)
    redirect = None
    if ">" in args:
        redirect = Path(args[args.index(">") + 1])
        args = args[: args.index(">")]
    assert args[0] == "caflow", line
    if args[1] == "serve":
        # Up to listening (options, bundle loaded, app built); serving is tests/web's.
        import socket

        import uvicorn

        import caflow.cli.serve_cmd as serve_cmd

        monkeypatch.setattr(uvicorn.Server, "run", lambda self, sockets=None: None)
        # no port bound by a unit test (the port-in-use path is tests/web/test_web_messages.py)
        monkeypatch.setattr(serve_cmd, "_bind", lambda host, port: socket.socket())
    res = runner.invoke(app, args[1:])
    if redirect is not None:
        redirect.write_text(res.stdout)
    return res.exit_code, res.stdout + res.stderr, redirect


@pytest.mark.parametrize(
    ("verb", "index", "line"), EXAMPLES, ids=[f"{v or 'caflow'}-{i}" for v, i, _ in EXAMPLES]
)
def test_help_example_runs_and_prints_something(
    verb: str, index: int, line: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After ``caflow examples`` (and the examples before it in the same help, which later ones
    may read: ``caflow report check.json``), the example runs as written."""
    if line.startswith("curl "):
        assert verb == "serve" and "/api/whatif" in line  # the API of a running server
        return
    if "caflow pull" in line:
        # No tenant is reachable from a test: the example's options must parse (pull itself is
        # tested against recorded responses in tests/pull).
        args = shlex.split(line.split("caflow pull", 1)[1])
        GROUP.commands["pull"].make_context("pull", args)  # type: ignore[attr-defined]
        return
    monkeypatch.chdir(tmp_path)
    if not line.startswith("caflow examples"):  # that example makes the copies itself
        assert runner.invoke(app, ["examples"]).exit_code == 0
    for other, j, before in EXAMPLES:
        if (
            other == verb
            and j < index
            and before.startswith("caflow ")
            and before.split()[1] != "examples"
        ):
            _run(before, monkeypatch)
    code, output, redirect = _run(line, monkeypatch)
    expected = 1 if line.startswith(EXIT_1) else 0
    assert code == expected, (line, output)
    written = [Path(a) for o in ("-o", "--output") for a in _after(line, o)]
    for path in [*written, *([redirect] if redirect else [])]:
        assert path.is_file() and path.stat().st_size > 0, (line, path)
    # Something on the screen as well: a result, or the summary line / what was written.
    assert output.strip(), f"{line!r} printed nothing"


def _after(line: str, option: str) -> list[str]:
    args = shlex.split(line)
    return [args[i + 1] for i, a in enumerate(args[:-1]) if a == option]


def test_every_verb_with_an_epilog_has_runnable_examples() -> None:
    verbs = {v for v, _, line in EXAMPLES if line.startswith("caflow ")}
    assert verbs >= {"whatif", "simulate", "advise", "check", "matrix", "report", "replay"}
    assert verbs >= {"synth", "apps", "examples", "schema", "serve", "demo", "pull", ""}


@pytest.mark.parametrize("verb", sorted(v for v in _texts() if v))
def test_example_lines_fit_80_columns(verb: str) -> None:
    """Long commands are continued with ``\\`` on indented lines, never wrapped by the
    terminal at column 1."""
    for line in _texts()[verb].splitlines():
        if line.lstrip().startswith(("caflow ", "curl ", "#", "-", "CAFLOW_")) and line.startswith(
            "  "
        ):
            assert len(line) <= EXAMPLE_WIDTH, (verb, line)


@pytest.mark.parametrize("verb", sorted(GROUP.commands))  # type: ignore[attr-defined]
def test_help_paragraphs_have_no_hard_line_breaks(verb: str) -> None:
    """A docstring's source line breaks would land mid-line in the help at any width."""
    text = GROUP.commands[verb].help or ""  # type: ignore[attr-defined]
    for paragraph in text.split("\n\n"):
        assert "\n" not in paragraph, (verb, paragraph)
