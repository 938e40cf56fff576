"""Options shared by the verbs: sign-in value choices, `--format` with its `--json` alias, the
summary line printed once, tables at the terminal's width."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rich.console import Console
from tests.examples_paths import CONTOSO, SCENARIOS
from typer.testing import CliRunner

from caflow.cli.main import app
from caflow.model.signals import SIGNALS, signal_choices

runner = CliRunner()
ALICE = ["--user", "alice@contoso.com", "--app", "Microsoft Flow Service", "--ip", "8.8.8.8"]
AT = ["--at", "2026-02-02T09:00:00Z"]
CA007 = "66666666-0000-0000-0000-000000000007"  # report-only
CA014 = "CA014 - Require MFA for Microsoft Flow Service"  # disabled

SIGNAL_OPTIONS = {
    "--platform": "devicePlatform",
    "--client-app": "clientAppType",
    "--user-action": "userAction",
    "--auth-flow": "transferMethod",
    "--guest-type": "guestOrExternalUserType",
    "--sign-in-risk": "riskLevel",
    "--user-risk": "riskLevel",
    "--insider-risk": "insiderRiskLevel",
    "--sp-risk": "riskLevel",
}


def whatif(*args: str):
    return runner.invoke(app, ["whatif", str(CONTOSO), *ALICE, *AT, *args])


def test_help_lists_every_value_of_every_signal_option() -> None:
    res = runner.invoke(app, ["whatif", "--help"], env={"COLUMNS": "400"})
    assert res.exit_code == 0
    for option, kind in SIGNAL_OPTIONS.items():
        line = next(ln for ln in res.output.splitlines() if f"{option} " in ln)
        assert all(v in line for v in signal_choices(kind)), (option, line)


@pytest.mark.parametrize(
    ("option", "typo", "suggestion"),
    [
        ("--platform", "windoes", "windows"),
        ("--platform", "mac", "macOS"),
        ("--client-app", "brwser", "browser"),
        ("--sign-in-risk", "hihg", "high"),
        ("--auth-flow", "devicecode", "deviceCodeFlow"),
    ],
)
def test_typo_is_exit_2_with_did_you_mean(option: str, typo: str, suggestion: str) -> None:
    res = whatif(option, typo)
    assert res.exit_code == 2
    assert f"{option}: invalid value" in res.output
    assert f"did you mean '{suggestion}'?" in res.output
    assert "Traceback" not in res.output


def test_values_are_case_insensitive_and_deprecated_spellings_still_accepted() -> None:
    assert whatif("--platform", "WINDOWS", "--client-app", "Browser").exit_code == 0
    assert whatif("--client-app", "modern").exit_code == 0  # deprecated name (§1.2)


@pytest.mark.parametrize(("option", "kind"), sorted(SIGNAL_OPTIONS.items()))
def test_shell_completes_signal_values(option: str, kind: str) -> None:
    """`caflow --install-completion` installs this: the shell asks caflow for the candidates."""
    first = signal_choices(kind)[0]
    env = {
        "_CAFLOW_COMPLETE": "complete_bash",
        "COMP_WORDS": f"caflow whatif x {option} {first[:2]}",
        "COMP_CWORD": "4",
    }
    res = runner.invoke(app, [], env=env, prog_name="caflow")
    offered = res.output.split()
    assert first in offered
    assert set(offered) <= set(SIGNALS[kind].values())


def test_root_help_offers_completion_install() -> None:
    assert "--install-completion" in runner.invoke(app, ["--help"]).output


@pytest.mark.parametrize(
    "argv",
    [
        ["whatif", str(CONTOSO), *ALICE, *AT],
        ["simulate", str(SCENARIOS / "effect1-future-runs.yaml")],
        ["advise", str(CONTOSO), "--at", "2026-01-05T09:00:00Z"],  # pinned: default is now
        ["check", "--baseline", str(CONTOSO), "--enable", CA007, "--start", "2026-01-05T09:00:00Z"],
        ["apps"],
    ],
    ids=lambda a: a[0],
)
def test_every_verb_spells_json_output_the_same_two_ways(argv: list[str]) -> None:
    by_format = runner.invoke(app, [*argv, "--format", "json"])
    by_alias = runner.invoke(app, [*argv, "--json"])
    assert by_format.exit_code == by_alias.exit_code
    assert by_format.exit_code in (0, 1), by_format.output
    assert json.loads(by_format.stdout) == json.loads(by_alias.stdout)
    assert json.loads(by_format.stdout)["schemaVersion"] == 1


def test_json_alias_with_another_format_is_a_conflict() -> None:
    res = runner.invoke(app, ["advise", str(CONTOSO), "--json", "--format", "sarif"])
    assert res.exit_code == 2 and "conflicting options" in res.output


@pytest.mark.parametrize(
    ("argv", "line_start"),
    [
        (["advise", str(CONTOSO)], "7 failed"),
        (["check", "--baseline", str(CONTOSO), "--enable", CA014], "Impact: 1 connections"),
    ],
    ids=["advise", "check"],
)
def test_summary_line_printed_once(argv: list[str], line_start: str, tmp_path: Path) -> None:
    res = runner.invoke(app, argv)
    assert res.exit_code in (0, 1), res.output
    summary = [ln for ln in res.output.splitlines() if ln.startswith(line_start)]
    assert len(summary) == 1, res.output[-500:]
    # Written to a file, the summary still reaches the terminal (stderr), once.
    res = runner.invoke(app, [*argv, "--output", str(tmp_path / "out.txt")])
    assert [ln for ln in res.output.splitlines() if ln.startswith(line_start)] == summary
    # Machine output on stdout: the summary goes to stderr only.
    res = runner.invoke(app, [*argv, "--format", "json"])
    assert json.loads(res.stdout)
    assert any(ln.startswith(line_start) for ln in res.stderr.splitlines())


@pytest.mark.parametrize("width", [72, 120, 200])
def test_advise_table_uses_the_terminal_width(
    width: int, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import caflow.cli.common as common

    monkeypatch.setattr(common, "out_console", Console(force_terminal=True, width=width))
    res = runner.invoke(app, ["advise", str(CONTOSO), "--at", "2026-02-02T09:00:00Z"])
    table = [ln for ln in res.stdout.splitlines() if ln.startswith(("┏", "│", "└"))]
    assert table and {len(ln) for ln in table} == {width}
    # A file gets the fixed width (reproducible), whatever the terminal.
    out = tmp_path / "advise.txt"
    runner.invoke(app, ["advise", str(CONTOSO), "--at", "2026-02-02T09:00:00Z", "-o", str(out)])
    lines = [ln for ln in out.read_text().splitlines() if ln.startswith("│")]
    assert {len(ln) for ln in lines} == {160}


def _flat(text: str) -> str:
    """Rich's error box without its frame, words joined by single spaces."""
    return " ".join(text.translate({ord(c): " " for c in "│╭╮╰╯─"}).split())


def _commands() -> dict[str, object]:
    import typer.main

    return dict(typer.main.get_command(app).commands)  # type: ignore[attr-defined]


def _choice_params() -> list[tuple[str, str, list[str]]]:
    """(verb, --flag, values) of every closed-choice option, read from --help's metavar."""
    out = []
    for verb, cmd in sorted(_commands().items()):
        for p in cmd.params:  # type: ignore[attr-defined]
            metavar = p.metavar or ""
            if p.param_type_name == "option" and metavar.startswith("[") and "|" in metavar:
                out.append((verb, p.opts[0], metavar.strip("[]").split("|")))
            elif metavar == "<value>" and "One of: " in (p.help or "") and "(case" not in p.help:
                listed = p.help.split("One of: ")[-1].rstrip(".")  # choice_option, long lists
                out.append((verb, p.opts[0], [v.strip() for v in listed.split(",")]))
    return out


def test_every_verb_with_output_has_format_and_the_json_alias() -> None:
    # copy files, write HTML, print schemas, run the web UI
    no_output = {"examples", "report", "schema", "serve"}
    for verb, cmd in _commands().items():
        flags = {o for p in cmd.params for o in p.opts}  # type: ignore[attr-defined]
        if verb in no_output:
            continue
        if verb == "synth":  # writes a log file, in --log-format (--format: deprecated alias)
            assert "--log-format" in flags, verb
            continue
        assert "--format" in flags and "-f" in flags and "--json" in flags, verb


def test_human_readable_output_is_spelled_table_everywhere() -> None:
    formats = {verb: values for verb, flag, values in _choice_params() if flag == "--format"}
    assert set(formats) >= {"whatif", "simulate", "advise", "check", "matrix", "apps", "pull"}
    for verb, values in formats.items():
        assert "text" not in values, verb  # one spelling; text is a hidden alias
        if verb not in ("replay", "synth"):
            assert values[0] == "table", verb


@pytest.mark.parametrize(
    "argv",
    [
        ["simulate", str(SCENARIOS / "effect1-future-runs.yaml")],
        ["apps"],
        ["whatif", str(CONTOSO), *ALICE, *AT],
    ],
    ids=lambda a: a[0],
)
def test_text_is_a_hidden_alias_of_table(argv: list[str]) -> None:
    by_table = runner.invoke(app, [*argv, "--format", "table"])
    by_text = runner.invoke(app, [*argv, "--format", "text"])
    assert by_table.exit_code in (0, 1), by_table.output
    assert (by_text.exit_code, by_text.stdout) == (by_table.exit_code, by_table.stdout)


def test_a_format_typo_is_exit_2_with_did_you_mean_on_every_verb() -> None:
    verbs = [
        (verb, flag, values)
        for verb, flag, values in _choice_params()
        if flag in ("--format", "--log-format")
    ]
    assert len(verbs) >= 10
    for verb, flag, values in verbs:
        res = runner.invoke(app, [verb, flag, "jsn"])
        assert res.exit_code == 2, (verb, res.output)
        expected = "jsonl" if "json" not in values else "json"
        assert f"did you mean '{expected}'" in _flat(res.output), (verb, res.output)


def test_every_choice_option_lists_completes_and_suggests() -> None:
    params = _choice_params()
    flags = {(verb, flag) for verb, flag, _ in params}
    assert {("pull", "--skip"), ("pull", "--sign-in-type"), ("pull", "--auth")} <= flags
    assert {("replay", "--engine"), ("advise", "--fail-on"), ("whatif", "--explain")} <= flags
    for verb, flag, values in params:
        help_text = _flat(runner.invoke(app, [verb, "--help"]).output)
        assert flag in help_text, (verb, flag)
        env = {
            "_CAFLOW_COMPLETE": "complete_bash",
            "COMP_WORDS": f"caflow {verb} {flag} {values[-1][:2]}",
            "COMP_CWORD": "3",
        }
        offered = runner.invoke(app, [], env=env, prog_name="caflow").output.split()
        assert values[-1] in offered and set(offered) <= set(values), (verb, flag, offered)
        typo = values[-1][:-1] + "x"
        res = runner.invoke(app, [verb, flag, typo])
        assert res.exit_code == 2, (verb, flag, res.output)
        assert f"did you mean '{values[-1]}'" in _flat(res.output), (verb, flag)


def test_shared_options_have_the_same_short_flags_on_every_verb() -> None:
    """-u/--user, -a/--app, -f/--format, -o/--output or --out: one letter, one meaning."""
    short = {"--user": "-u", "--app": "-a", "--format": "-f", "--output": "-o", "--out": "-o"}
    for verb, cmd in _commands().items():
        for p in cmd.params:  # type: ignore[attr-defined]
            for long_flag, letter in short.items():
                if long_flag in p.opts:
                    assert letter in p.opts, (verb, long_flag)


def test_every_report_verb_has_table_and_json() -> None:
    """docs/output.md "--format of every verb": ``table`` is the human format everywhere and
    ``json`` the machine one (synth's log file format is --log-format)."""
    values = {verb: v for verb, flag, v in _choice_params() if flag == "--format"}
    assert set(values) >= {"whatif", "simulate", "advise", "check", "matrix", "replay", "apps"}
    assert "synth" not in values
    for verb, formats in values.items():
        assert {"table", "json"} <= set(formats), verb


@pytest.mark.parametrize(
    "verb", sorted({v for v, flag, _ in _choice_params() if flag == "--format"})
)
def test_a_format_typo_is_exit_2_with_did_you_mean(verb: str) -> None:
    args = {"whatif": ["x"], "advise": ["x"], "matrix": ["x"], "simulate": ["x"]}.get(verb, [])
    res = runner.invoke(app, [verb, *args, "--format", "tabel"])
    assert res.exit_code == 2
    assert "did you mean 'table'?" in " ".join(res.output.replace("│", " ").split())


TABLE_VERBS = {
    "matrix": ["matrix", str(CONTOSO), *AT],
    "advise": ["advise", str(CONTOSO), *AT],
}


@pytest.mark.parametrize("verb", sorted(TABLE_VERBS))
@pytest.mark.parametrize("width", [60, 200])
def test_table_follows_the_terminal_width(
    verb: str, width: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """M5 (review of issue 9): matrix drew 200 columns whatever the terminal; every verb's
    table asks ``cli.common.table_width``."""
    import caflow.cli.common as common

    monkeypatch.setattr(common, "out_console", Console(force_terminal=True, width=width))
    res = runner.invoke(app, TABLE_VERBS[verb])
    assert res.exit_code in (0, 1), res.output
    frame = [ln for ln in res.stdout.splitlines() if ln.startswith(("┏", "┃", "│", "└"))]
    assert frame and {len(ln) for ln in frame} == {width}


@pytest.mark.parametrize("verb", sorted(TABLE_VERBS))
@pytest.mark.parametrize("width", [60, 200])
def test_piped_table_honours_columns(verb: str, width: int, tmp_path: Path) -> None:
    """Piped (not a terminal), ``$COLUMNS`` sizes the table (``COLUMNS=60 caflow ... | cat``
    was 160 wide); unset, the fixed default; an ``--output`` file is the fixed default either
    way, so files are reproducible."""
    from caflow.report.terminal import DEFAULT_WIDTH

    def frame(text: str) -> set[int]:
        lines = [ln for ln in text.splitlines() if ln.startswith(("┏", "┃", "│", "└"))]
        assert lines
        return {len(ln) for ln in lines}

    res = runner.invoke(app, TABLE_VERBS[verb], env={"COLUMNS": str(width)})
    assert frame(res.stdout) == {width}
    res = runner.invoke(app, TABLE_VERBS[verb], env={"COLUMNS": None})
    assert frame(res.stdout) == {DEFAULT_WIDTH}
    out = tmp_path / "t.txt"
    runner.invoke(app, [*TABLE_VERBS[verb], "-o", str(out)], env={"COLUMNS": str(width)})
    assert frame(out.read_text(encoding="utf-8")) == {DEFAULT_WIDTH}
