"""Sign-in logs nested deeper than the stack (review of issue 8): msgspec recursed into
``[`` x 100,000 and raised RecursionError (an internal error). A deep document is exit 2
(``limit-exceeded``) like any other file; one deep line among JSON Lines is a malformed line,
skipped and counted like any other."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.examples_paths import CONTOSO
from typer.testing import CliRunner

from caflow.cli.main import app

LINE = (Path(__file__).parent / "flow-service-refresh.jsonl").read_text(encoding="utf-8").strip()
DEEP = "[" * 100_000 + "]" * 100_000


def _replay(log: Path):
    args = ["replay", "--logs", str(log), "--bundle", str(CONTOSO), "--no-store", "--json"]
    return CliRunner().invoke(app, args)


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("one.jsonl", '{"id": "x", "a": ' + DEEP + "}\n"),
        ("bare.jsonl", DEEP + "\n"),
        ("page.json", '{"value": [' + DEEP + "]}"),
        ("list.json", "[" + DEEP + "]"),
        ("second.jsonl", LINE + "\n" + DEEP + "\n"),
    ],
)
def test_deep_log_document_is_exit_2(tmp_path: Path, name: str, text: str) -> None:
    log = tmp_path / name
    log.write_text(text, encoding="utf-8")
    res = _replay(log)
    assert res.exit_code == 2, res.output
    assert "internal error" not in res.output and "Traceback" not in res.output
    assert res.stderr.startswith(f"error: {log}: nested more than 100 levels deep"), res.stderr


def test_deep_line_among_json_lines_is_skipped_and_counted(tmp_path: Path) -> None:
    log = tmp_path / "signins.jsonl"
    log.write_text("\n".join([LINE, LINE, '{"a": ' + DEEP + "}", LINE]) + "\n", encoding="utf-8")
    res = _replay(log)
    assert res.exit_code == 0, res.output
    result = json.loads(res.stdout)
    assert result["evaluated"] == 3
    assert result["input"]["skipped"] == {"malformed JSON line": 1}
