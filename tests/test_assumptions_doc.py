"""docs/assumptions.md stays consistent with what caflow does (issue 13 review): the AADSTS50057
entry for interactive sign-ins of a disabled user exists and cites Microsoft's wording, and no
entry still says an unknown connector is taken as non-Entra (A-AUTO-6 replaced that)."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

DOC = Path(__file__).resolve().parents[1] / "docs" / "assumptions.md"


def _row(entry: str) -> str:
    return next(line for line in DOC.read_text().splitlines() if line.startswith(f"| {entry} |"))


def test_disabled_user_interactive_entry_cites_50057_wording() -> None:
    row = _row("A-TOK-11")
    assert "AADSTS50057" in row and "The user account is disabled." in row
    assert "createConnection" in row and "interactive" in row


def test_unknown_connectors_are_never_said_to_be_non_entra() -> None:
    text = DOC.read_text()
    assert not re.search(r"accepted as a non-Entra connector", text)
    assert "A-AUTO-6" in _row("A-SIM-8") and "undetermined" in _row("A-SIM-8")


def test_scenario_with_unknown_connector_is_exit_2_as_documented(tmp_path: Path) -> None:
    """A-SIM-8/A-AUTO-6 as a user meets them: a scenario's unknown connector is bad input."""
    from tests.examples_paths import CONTOSO

    from caflow.cli.main import app

    f = tmp_path / "s.yaml"
    f.write_text(
        f"tenant: {CONTOSO}\nstart: 2026-01-05T09:00:00Z\nend: 2026-01-06T00:00:00Z\n"
        "events:\n  - at: 2026-01-05T10:00:00Z\n"
        "    createConnection: {id: c1, user: alice@contoso.com, connector: sharepointonlin, via: portal}\n"
    )
    res = CliRunner().invoke(app, ["simulate", str(f)])
    assert res.exit_code == 2, res.output
    assert "did you mean 'sharepointonline'?" in res.stderr
