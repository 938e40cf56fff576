"""Issue 13 part 3, one clock: every verb defaults to now (``--at``/``--start`` pin a time), so
no verb dates a predicted break in the past because of a fixed default date."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.examples_paths import CONTOSO
from tests.proposals import MFA_FOR_ALL, PolicyFile
from typer.testing import CliRunner

from caflow.cli.main import app

runner = CliRunner()


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _near_now(text: str) -> bool:
    return abs(_moment(text) - datetime.now(tz=UTC)) < timedelta(minutes=5)


def _check(proposed: Path, *extra: str):
    args = ["check", "--baseline", str(CONTOSO), "--proposed", str(proposed), "--format", "json"]
    return runner.invoke(app, [*args, *extra])


def test_check_defaults_to_now_and_dates_no_break_in_the_past(policy_file: PolicyFile) -> None:
    res = _check(policy_file(MFA_FOR_ALL), "--horizon", "P7D")
    assert res.exit_code == 1, res.output
    out = json.loads(res.stdout)
    assert _near_now(out["start"])
    start = _moment(out["start"])
    dated = [c["at"] for c in out["connectionsBreaking"] if c["at"]]
    dated += [f["firstFailureAt"] for f in out["flowsFailing"] if f["firstFailureAt"]]
    assert dated, "the change breaks scheduled flows: their dates must be checked"
    assert all(_moment(d) >= start for d in dated)


def test_check_start_pins_the_moment(policy_file: PolicyFile) -> None:
    res = _check(policy_file(MFA_FOR_ALL), "--start", "2030-06-01T08:00:00Z", "--horizon", "P2D")
    assert json.loads(res.stdout)["start"] == "2030-06-01T08:00:00Z"


def test_advise_and_whatif_default_to_now() -> None:
    advise = runner.invoke(app, ["advise", str(CONTOSO), "--format", "json"])
    assert advise.exit_code == 0, advise.output
    assert _near_now(json.loads(advise.stdout)["now"])
    pinned = runner.invoke(
        app, ["advise", str(CONTOSO), "--format", "json", "--at", "2030-06-01T08:00:00Z"]
    )
    assert json.loads(pinned.stdout)["now"] == "2030-06-01T08:00:00Z"
    whatif = runner.invoke(
        app,
        [
            "whatif",
            str(CONTOSO),
            "--user",
            "alice@contoso.com",
            "--app",
            "Microsoft Flow Service",
            "--json",
        ],
    )
    assert whatif.exit_code == 0, whatif.output
    assert _near_now(json.loads(whatif.stdout)["now"])


def test_matrix_defaults_to_now_and_at_pins_it() -> None:
    """Issue 13 review: matrix used a fixed 2026-01-05 default (advise.context.DEFAULT_NOW)."""
    base = ["matrix", str(CONTOSO), "--user", "alice@contoso.com", "--format", "json"]
    res = runner.invoke(app, base)
    assert res.exit_code in (0, 1), res.output
    assert _near_now(json.loads(res.stdout)["now"])
    pinned = runner.invoke(app, [*base, "--at", "2026-03-01T08:00:00Z"])
    assert json.loads(pinned.stdout)["now"] == "2026-03-01T08:00:00Z"
    helptext = runner.invoke(app, ["matrix", "--help"]).stdout
    flat = " ".join(helptext.replace("│", " ").split())  # the help box wraps lines
    assert "2026-01-05" not in flat and "default now" in flat


def test_serve_matrix_defaults_to_now_and_at_pins_it(tmp_path: Path) -> None:
    import pytest

    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from caflow.web.app import create_app

    client = TestClient(create_app(CONTOSO, root=tmp_path))
    now = client.post("/api/matrix", json={"user": ["alice@contoso.com"]})
    assert now.status_code == 200, now.text
    assert _near_now(now.json()["now"])
    pinned = client.post("/api/matrix", json={"user": ["alice@contoso.com"], "at": "2026-03-01"})
    assert pinned.json()["now"] == "2026-03-01T00:00:00Z"
