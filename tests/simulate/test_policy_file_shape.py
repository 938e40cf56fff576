"""``addPolicy: {file: ...}`` naming a file that is not one policy object (text, a list, a
number, null) is exit 2 naming that file - never an internal error (review of issue 12/8)."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.examples_paths import CONTOSO
from typer.testing import CliRunner

from caflow.cli.main import app

runner = CliRunner()


@pytest.mark.parametrize(
    ("name", "content", "found"),
    [
        ("notjson.txt", "just text\n", "text"),
        ("arr.json", "[1, 2]", "a list"),
        ("num.json", "42", "a value"),
        ("null.yaml", "null\n", "nothing"),
    ],
)
def test_policy_file_that_is_not_an_object_is_exit_2(
    tmp_path: Path, name: str, content: str, found: str
) -> None:
    (tmp_path / name).write_text(content)
    scenario = tmp_path / "s.yaml"
    scenario.write_text(
        f"tenant: {CONTOSO}\nstart: 2026-03-01T00:00:00Z\nend: 2026-03-02T00:00:00Z\n"
        f"events:\n  - at: 2026-03-01T01:00:00Z\n    addPolicy:\n      file: {name}\n"
    )
    result = runner.invoke(app, ["simulate", str(scenario)])
    assert result.exit_code == 2, result.output
    assert name in result.output and f"holds {found}" in result.output
    assert "internal error" not in result.output
