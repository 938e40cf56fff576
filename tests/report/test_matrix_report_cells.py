"""The matrix in ``caflow report`` (and serve, which reuses its sections) marks each cell's
decision and the Flow Service / host mismatches with colour plus text, as ``caflow matrix
--format html`` does (review of issue 12: the report's cells carried text only)."""

from __future__ import annotations

import re
from pathlib import Path

from tests.examples_paths import CONTOSO
from typer.testing import CliRunner

from caflow.cli.main import app

runner = CliRunner()


def test_report_matrix_cells_carry_decision_and_mismatch_classes(tmp_path: Path) -> None:
    data = tmp_path / "m.json"
    res = runner.invoke(
        app, ["matrix", str(CONTOSO), "--at", "2026-02-01T09:00:00Z", "-f", "json", "-o", str(data)]
    )
    assert res.exit_code in (0, 1), res.output
    out = tmp_path / "m.html"
    res = runner.invoke(app, ["report", str(data), "-o", str(out)])
    assert res.exit_code == 0, res.output
    html = out.read_text()
    cells = re.findall(r'<td class="([a-z ]+)">([^<]*)</td>', html)
    assert cells
    for classes, text in cells:
        assert classes.split()[0] == text.split(" ")[0]  # the colour says what the text says
        assert ("mismatch" in classes.split()) == ("⚠" in text)
    assert any("mismatch" in c for c, _ in cells)
