"""Issue 13 "Done when", every verb on data these tests did not write: a bundle without users
(the example minus directory.yaml), a bundle of admin-API *list* exports (the real samples in
tests/data/powerplatform), a truncated PowerShell export, an empty folder, a typo'd rule id.

Each must give the honest answer: exit 2 naming what is wrong, or a counted, named
undetermined - never "safe", PASS or a certain ALLOW without the data; ``--strict`` exits 1 on
undetermined (docs/output.md, check --help).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from tests.corpora_paths import POWERPLATFORM_DATA
from tests.examples_paths import CONTOSO
from tests.proposals import MFA_FOR_ALL
from typer.testing import CliRunner

from caflow.cli.main import app

runner = CliRunner()
START = "2026-01-05T09:00:00Z"
FLOW = "Microsoft Flow Service"


def _run(*args: object):
    return runner.invoke(app, [str(a) for a in args])


def _admin_lists(tmp: Path) -> Path:
    b = tmp / "bundle"
    (b / "powerplatform").mkdir(parents=True)
    shutil.copytree(CONTOSO / "policies", b / "policies")
    shutil.copy(
        POWERPLATFORM_DATA / "connections-admin-list.json", b / "powerplatform" / "connections.json"
    )
    shutil.copy(
        POWERPLATFORM_DATA / "flows-admin-list-suspended.json", b / "powerplatform" / "flows.json"
    )
    return b


def _scenario(tmp: Path, events: bool = True) -> Path:
    f = tmp / "scenario.yaml"
    text = f"tenant: bundle\nstart: {START}\nend: 2026-01-20T00:00:00Z\n"
    if events:
        text += (
            "events:\n  - at: 2026-01-10T00:00:00Z\n    addPolicy:\n      policy: "
            + json.dumps(MFA_FOR_ALL)
            + "\n"
        )
    f.write_text(text)
    return f


def _proposed(tmp: Path) -> Path:
    f = tmp / "proposed.json"
    f.write_text(json.dumps(MFA_FOR_ALL))
    return f


def _check(b: Path, tmp: Path, *extra: object):
    return _run(
        "check",
        "--baseline",
        b,
        "--proposed",
        _proposed(tmp),
        "--start",
        START,
        "--horizon",
        "P7D",
        *extra,
    )


@pytest.mark.parametrize("kind", ["no-users", "admin-lists"])
def test_partial_bundles_are_honest_in_every_verb(
    tmp_path: Path, request: pytest.FixtureRequest, kind: str
) -> None:
    b = (
        request.getfixturevalue("bundle_without_users")
        if kind == "no-users"
        else _admin_lists(tmp_path)
    )
    # whatif: a user the bundle cannot place is not a certain ALLOW.
    wi = _run("whatif", b, "--user", "admin@contoso.com", "--app", FLOW, "--at", START, "--json")
    assert wi.exit_code == 0, wi.output
    out = json.loads(wi.stdout)
    assert out["certain"] is False and out["undetermined"]
    # simulate: every connection it cannot evaluate is counted and shown.
    sim = _run("simulate", _scenario(tmp_path))
    assert sim.exit_code == 0, sim.output
    data = json.loads(_run("simulate", _scenario(tmp_path), "--json").stdout)
    assert data["summary"]["undetermined"] >= 1
    assert f"{data['summary']['undetermined']} undetermined" in sim.stdout
    assert "representative" not in sim.stdout
    # advise: the rules about users' sign-ins are not evaluated, never PASS.
    adv = json.loads(_run("advise", b, "--at", START, "-f", "json").stdout)
    status = {f["ruleId"]: f["status"] for f in adv["findings"]}
    assert status["connection_requirements_mismatch"] == "NOT_EVALUATED"
    assert status["embedded_requirements_mismatch"] == "NOT_EVALUATED"
    # check: nothing known to break, but never "safe": undetermined counted, --strict fails.
    chk = _check(b, tmp_path, "--format", "json")
    assert chk.exit_code == 0, chk.output
    res = json.loads(chk.stdout)
    assert res["summary"]["undetermined"] == len(res["undetermined"]) >= 1
    assert res["usersBlocked"] == []
    md = _check(b, tmp_path, "--format", "markdown")
    assert "✅ safe" not in md.stdout and "undetermined" in md.stdout.splitlines()[0]
    assert _check(b, tmp_path, "--strict").exit_code == 1


def test_admin_list_connection_broken_in_the_export_is_broken_not_undetermined(
    tmp_path: Path,
) -> None:
    b = _admin_lists(tmp_path)
    data = json.loads(_run("simulate", _scenario(tmp_path, events=False), "--json").stdout)
    errors = {c["id"] for c in data["connections"] if c["status"] == "Error"}
    doubtful = {u["id"] for u in data["undetermined"]}
    assert errors and doubtful and not errors & doubtful
    assert b.exists()


def _truncated(tmp: Path) -> Path:
    b = tmp / "bundle"
    b.mkdir()
    (b / "policies.json").write_text(
        json.dumps(
            [
                {
                    "Id": "7a1b0b5e-0000-0000-0000-000000000001",
                    "DisplayName": "Require MFA",
                    "State": "enabled",
                    "Conditions": "Microsoft.Graph.PowerShell.Models.MicrosoftGraphConditionalAccessConditionSet",
                    "GrantControls": "Microsoft.Graph.PowerShell.Models.MicrosoftGraphConditionalAccessGrantControls",
                }
            ]
        )
    )
    return b


def _empty(tmp: Path) -> Path:
    b = tmp / "bundle"
    b.mkdir()
    return b


@pytest.mark.parametrize(
    ("make", "code", "hint"),
    [(_truncated, "[truncated-export]", "-Depth 10"), (_empty, "[no-tenant-data]", "empty folder")],
    ids=["truncated", "empty"],
)
def test_unusable_input_is_exit_2_in_every_verb(tmp_path: Path, make, code: str, hint: str) -> None:
    b = make(tmp_path)
    for res in (
        _run("whatif", b, "--user", "a@b.c", "--app", FLOW),
        _run("simulate", _scenario(tmp_path)),
        _run("advise", b),
        _check(b, tmp_path),
    ):
        assert res.exit_code == 2, res.output
        assert code in res.stderr and hint in res.stderr, res.stderr
        assert "Traceback" not in res.output and "ALLOW" not in res.stdout
    # As the proposed side of a check it is bad input too (a policy file or folder is expected).
    res = _run(
        "check", "--baseline", CONTOSO, "--proposed", b, "--start", START, "--horizon", "P1D"
    )
    assert res.exit_code == 2 and str(b) in res.stderr, res.output


def test_typod_rule_id_is_exit_2_with_did_you_mean(tmp_path: Path) -> None:
    res = _run("advise", CONTOSO, "--select", "terms_of_use_per_devise")
    assert res.exit_code == 2, res.output
    assert "did you mean 'terms_of_use_per_device'?" in res.stderr
    sup = tmp_path / "accepted.yaml"
    sup.write_text("- rule: terms_of_use_per_devise\n  justification: reviewed\n")
    res = _run("advise", CONTOSO, "--suppressions", sup)
    assert res.exit_code == 2, res.output
    assert "accepted.yaml: /0/rule" in res.stderr
    assert "did you mean 'terms_of_use_per_device'?" in res.stderr
