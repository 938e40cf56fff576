"""Review of issue 9, N4: ``check`` says the policy fields caflow does not evaluate - on
stderr and in ``warnings[]`` (so in markdown, SARIF, JUnit and GitHub output) - like whatif
and advise: a typo in a proposed policy's session control is not silent in CI."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from tests.examples_paths import CONTOSO, EXAMPLES
from typer.testing import CliRunner

from caflow.cli.main import app

runner = CliRunner()
CA014 = "CA014-Require-MFA-for-Microsoft-Flow-Service.json"
START = "2026-02-02T09:00:00Z"
TYPO = {"signInFrequncy": {"isEnabled": True, "type": "days", "value": 1}}
GSA = {"globalSecureAccessFilteringProfile": {"isEnabled": True, "profileId": "p1"}}


def _bundle(tmp_path: Path, session: dict[str, Any]) -> Path:
    root = tmp_path / "proposed"
    shutil.copytree(CONTOSO, root)
    path = root / "policies" / CA014
    policy = json.loads(path.read_text(encoding="utf-8"))
    policy["state"] = "enabled"
    policy["sessionControls"] = session
    path.write_text(json.dumps(policy), encoding="utf-8")
    return root


def _check(baseline: Path, proposed: Path, fmt: str):
    return runner.invoke(
        app,
        [
            "check",
            "--baseline",
            str(baseline),
            "--proposed",
            str(proposed),
            "--start",
            START,
            "--format",
            fmt,
        ],
    )


def _unread(lines: list[str]) -> list[str]:
    return [line for line in lines if "does not evaluate" in line]


def test_proposed_bundle_typo_is_a_check_warning(tmp_path: Path) -> None:
    res = _check(CONTOSO, _bundle(tmp_path, TYPO), "json")
    assert res.exit_code == 1, res.output  # enabling CA014 breaks grace-approvals
    warned = _unread(json.loads(res.stdout)["warnings"])
    assert len(warned) == 1 and "sessionControls.signInFrequncy (1)" in warned[0]
    assert len(_unread(res.stderr.splitlines())) == 1, res.stderr


def test_proposed_policy_file_unread_control_in_every_ci_format(tmp_path: Path) -> None:
    """A user-written policy with a Graph session control caflow does not read (known key,
    so not exit 2) is warned about in the CI formats."""
    policy = json.loads((EXAMPLES / "proposals" / "CA014-enabled.json").read_text("utf-8"))
    policy["sessionControls"] = GSA
    proposed = tmp_path / "gsa.json"
    proposed.write_text(json.dumps(policy), encoding="utf-8")
    field = "sessionControls.globalSecureAccessFilteringProfile (1)"
    res = _check(CONTOSO, proposed, "json")
    assert res.exit_code == 1, res.output  # enabling CA014 breaks grace-approvals
    assert [field in w for w in _unread(json.loads(res.stdout)["warnings"])] == [True]
    for fmt in ("markdown", "sarif", "junit", "github"):
        out = _check(CONTOSO, proposed, fmt)
        assert out.exit_code == 1, out.output
        assert field in out.stdout, fmt


def test_baseline_field_said_once(tmp_path: Path) -> None:
    """A field in both baseline and proposed is one warning, not one per bundle."""
    bundle = _bundle(tmp_path, TYPO)
    res = _check(bundle, bundle, "json")
    assert res.exit_code == 0, res.output
    assert len(_unread(json.loads(res.stdout)["warnings"])) == 1
    assert len(_unread(res.stderr.splitlines())) == 1, res.stderr
