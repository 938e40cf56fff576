"""Review of issue 9, N3: a sign-in frequency whose unit caflow cannot read is never read as
hours. Graph's signInFrequencySessionControl says what ``value`` counts in ``type``
(``days`` | ``hours``): a misspelt ``"typ": "days"`` or no ``type`` at all makes an exported
policy undetermined and is named in the load warning; in a policy the user writes it is
exit 2."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from tests.examples_paths import CONTOSO, EXAMPLES
from tests.signin_args import sign_in_args
from typer.testing import CliRunner

from caflow.cli.main import app
from caflow.engine.session import sif_window

runner = CliRunner()
CA014 = "CA014-Require-MFA-for-Microsoft-Flow-Service.json"
CA014_ID = "66666666-0000-0000-0000-000000000014"
SIF = {
    "isEnabled": True,
    "value": 1,
    "frequencyInterval": "timeBased",
    "authenticationType": "primaryAndSecondaryAuthentication",
}


def _bundle(tmp_path: Path, sif: dict[str, Any]) -> Path:
    """Contoso with CA014 (MFA for Microsoft Flow Service) carrying ``sif``."""
    root = tmp_path / "bundle"
    shutil.copytree(CONTOSO, root)
    path = root / "policies" / CA014
    policy = json.loads(path.read_text(encoding="utf-8"))
    policy["state"] = "enabled"
    policy["sessionControls"] = {"signInFrequency": sif}
    path.write_text(json.dumps(policy), encoding="utf-8")
    return root


def _whatif(bundle: Path):
    return runner.invoke(
        app,
        [
            "whatif",
            str(bundle),
            *sign_in_args("alice@contoso.com", device="unregistered"),
            "--at",
            "2026-02-02T09:00:00Z",
            "--format",
            "json",
        ],
    )


@pytest.mark.parametrize(
    ("sif", "field"),
    [
        pytest.param({**SIF, "typ": "days"}, "sessionControls.signInFrequency.typ (1)", id="typ"),
        pytest.param(SIF, "sessionControls.signInFrequency.type (missing) (1)", id="no type"),
    ],
)
def test_exported_sif_without_unit_is_undetermined(
    tmp_path: Path, sif: dict[str, Any], field: str
) -> None:
    res = _whatif(_bundle(tmp_path, sif))
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["certain"] is False
    reasons = {u["id"]: u["reason"] for u in out["undetermined"]}
    assert "/sessionControls/signInFrequency/type" in reasons[CA014_ID]
    # CA014's 1 (day? hour?) is not in the combined session controls; CA009's 12 hours is.
    assert out["sessionControls"].get("signInFrequency") != "1 hour"
    warned = [line for line in res.stderr.splitlines() if "does not evaluate" in line]
    assert len(warned) == 1 and field in warned[0], res.stderr


def test_exported_sif_with_unit_decides(tmp_path: Path) -> None:
    """Control: the same policy with ``type: days`` applies, certain, with its 1 day."""
    res = _whatif(_bundle(tmp_path, {**SIF, "type": "days"}))
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert CA014_ID not in {u["id"] for u in out["undetermined"]}
    assert CA014_ID in out["policies"]
    assert "does not evaluate" not in res.stderr


def _proposal(tmp_path: Path, sif: dict[str, Any]) -> Path:
    policy = json.loads((EXAMPLES / "proposals" / "CA014-enabled.json").read_text("utf-8"))
    policy["sessionControls"] = {"signInFrequency": sif}
    path = tmp_path / "proposed.json"
    path.write_text(json.dumps(policy), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("sif", "message"),
    [
        pytest.param(
            {**SIF, "typ": "days"},
            "/sessionControls/signInFrequency/typ: unknown key 'typ' (did you mean 'type'?)",
            id="typ",
        ),
        pytest.param(SIF, "/sessionControls/signInFrequency/type: missing field", id="no type"),
    ],
)
def test_written_sif_without_unit_is_exit_2(
    tmp_path: Path, sif: dict[str, Any], message: str
) -> None:
    proposed = _proposal(tmp_path, sif)
    res = runner.invoke(
        app,
        [
            "check",
            "--baseline",
            str(CONTOSO),
            "--proposed",
            str(proposed),
            "--start",
            "2026-02-02T09:00:00Z",
            "--format",
            "json",
        ],
    )
    assert res.exit_code == 2, res.output
    assert message in res.stderr, res.stderr


@pytest.mark.parametrize("unit", [None, "", "fortnights"])
def test_sif_window_never_defaults_the_unit(unit: str | None) -> None:
    assert sif_window(("timeBased", 1, unit)) is None


def test_sif_window_reads_both_units() -> None:
    assert sif_window(("timeBased", 2, "Days")).days == 2  # type: ignore[union-attr]
    assert sif_window(("timeBased", 5, "hours")).total_seconds() == 5 * 3600  # type: ignore[union-attr]
