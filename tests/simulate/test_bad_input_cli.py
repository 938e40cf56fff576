"""Every kind of bad scenario through the CLI: exit 2, the message names the file and the JSON
path (DESIGN.md "Exit codes ... 2 bad input (message names the file, the JSON path and what
was expected; nothing half-written)"), and ``--output`` is never written."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.examples_paths import CONTOSO
from typer.testing import CliRunner

from caflow.cli.main import app

HEAD = f"""tenant: {CONTOSO}
start: 2026-01-05T09:00:00Z
end: 2026-01-10T00:00:00Z
flows:
  - {{id: alice-post, owner: alice@contoso.com, connections: [alice-teams], trigger: {{manual: true}}}}
events:
"""
SIGN = "  - {at: 2026-01-05T09:00:00Z, signIn: {user: alice@contoso.com, mfa: false}}\n"

CASES = {
    "unknown action key": (
        SIGN + "  - {at: 2026-01-05T10:00:00Z, explode: {}}\n",
        "/events/1/explode",
        "unknown-action",
    ),
    "two action keys in one event": (
        "  - {at: 2026-01-05T10:00:00Z, idle: {}, runFlow: {flow: alice-post}}\n",
        "/events/0/runFlow",
        "unknown-action",
    ),
    "event without an action": (
        "  - {at: 2026-01-05T10:00:00Z}\n",
        "/events/0",
        "unknown-action",
    ),
    "event out of order": (
        "  - {at: 2026-01-06T00:00:00Z, idle: {}}\n" + SIGN,
        "/events/1/at",
        "event-out-of-order",
    ),
    "event before start": (
        "  - {at: 2026-01-05T08:59:59Z, idle: {}}\n",
        "/events/0/at",
        "event-out-of-order",
    ),
    "event after end": (
        "  - {at: 2026-01-10T00:00:01Z, idle: {}}\n",
        "/events/0/at",
        "event-out-of-order",
    ),
    "unknown user": (
        "  - {at: 2026-01-05T09:00:00Z, signIn: {user: alise@contoso.com}}\n",
        "/events/0/signIn/user",
        "unknown-reference",
    ),
    "unknown invoker": (
        "  - {at: 2026-01-05T09:00:00Z, runFlow: {flow: alice-post, invoker: mallory@contoso.com}}\n",
        "/events/0/runFlow/invoker",
        "unknown-reference",
    ),
    "unknown connection": (
        "  - {at: 2026-01-05T09:00:00Z, repairConnection: {id: alice-team}}\n",
        "/events/0/repairConnection/id",
        "unknown-reference",
    ),
    "unknown flow": (
        "  - {at: 2026-01-05T09:00:00Z, runFlow: {flow: alice-pots}}\n",
        "/events/0/runFlow/flow",
        "unknown-reference",
    ),
    "unknown policy": (
        "  - {at: 2026-01-05T09:00:00Z, updatePolicy: {id: CA999, set: {state: disabled}}}\n",
        "/events/0/updatePolicy/id",
        "unknown-reference",
    ),
    "unknown agreement": (
        "  - {at: 2026-01-05T09:00:00Z, acceptAgreement: {user: alice@contoso.com, agreement: tou-x}}\n",
        "/events/0/acceptAgreement/agreement",
        "unknown-reference",
    ),
    "unknown device": (
        "  - {at: 2026-01-05T09:00:00Z, signIn: {user: alice@contoso.com, device: LAPTOP-ALISE}}\n",
        "/events/0/signIn/device",
        "unknown-reference",
    ),
    "unknown app": (
        "  - {at: 2026-01-05T09:00:00Z, signIn: {user: alice@contoso.com, app: Flow Srevice}}\n",
        "/events/0/signIn/app",
        "unknown-reference",
    ),
    "unknown connector": (
        SIGN
        + "  - {at: 2026-01-05T10:00:00Z, createConnection: {id: c1, user: alice@contoso.com, connector: teamz}}\n",
        "/events/1/createConnection/connector",
        "unknown-reference",
    ),
    "missing required field": (
        "  - {at: 2026-01-05T09:00:00Z, createConnection: {id: c1, connector: teams}}\n",
        "/events/0/createConnection/user",
        "missing-field",
    ),
}


def _invoke(tmp_path: Path, text: str):
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(text)
    out = tmp_path / "out.json"
    res = CliRunner().invoke(app, ["simulate", str(scenario), "--json", "--output", str(out)])
    return scenario, out, res


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_scenario_exit_2_names_file_and_path(tmp_path, case):
    events, path, code = CASES[case]
    scenario, out, res = _invoke(tmp_path, HEAD + events)
    assert res.exit_code == 2, res.output
    message = res.stderr
    assert f"{scenario}: {path}:" in message, message
    assert f"[{code}]" in message
    assert "Traceback" not in res.output
    assert not out.exists()


#: The reference each "unknown ..." case wrote: the message names it (SECURITY.md: names of and
#: references to the objects the output is about are shown), not "a string of N characters".
WRITTEN = {
    "unknown user": "alise@contoso.com",
    "unknown invoker": "mallory@contoso.com",
    "unknown connection": "alice-team",
    "unknown flow": "alice-pots",
    "unknown policy": "CA999",
    "unknown agreement": "tou-x",
    "unknown device": "LAPTOP-ALISE",
    "unknown app": "Flow Srevice",
    "unknown connector": "teamz",
}


@pytest.mark.parametrize("case", sorted(WRITTEN))
def test_unknown_reference_names_the_value_written(tmp_path, case):
    _, _, res = _invoke(tmp_path, HEAD + CASES[case][0])
    assert res.exit_code == 2, res.output
    assert f"got '{WRITTEN[case]}'" in res.stderr, res.stderr
    assert "a string of" not in res.stderr


def test_unknown_connector_names_the_value_and_the_closest_connector(tmp_path):
    """A user-written scenario naming a connector caflow does not know (review of issue 13)."""
    _, _, res = _invoke(tmp_path, HEAD + CASES["unknown connector"][0])
    assert res.exit_code == 2, res.output
    assert "unknown connector" in res.stderr
    assert "got 'teamz' (did you mean 'teams'?)" in res.stderr


def test_unknown_connection_in_scenario_flow(tmp_path):
    text = HEAD.replace("connections: [alice-teams]", "connections: [ghost]") + SIGN
    scenario, out, res = _invoke(tmp_path, text)
    assert res.exit_code == 2
    assert f"{scenario}: /flows/0/connections/0: unknown connection" in res.stderr
    assert not out.exists()


def test_malformed_yaml(tmp_path):
    scenario, out, res = _invoke(tmp_path, HEAD + "  - {at: 2026-01-05T09:00:00Z, idle: {}\n")
    assert res.exit_code == 2
    assert str(scenario) in res.stderr and "malformed YAML at line" in res.stderr
    assert "[parse-error]" in res.stderr
    assert not out.exists()


def test_failed_run_leaves_an_existing_output_untouched(tmp_path):
    out = tmp_path / "out.json"
    out.write_text("previous")
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(HEAD + "  - {at: 2026-01-05T10:00:00Z, explode: {}}\n")
    res = CliRunner().invoke(app, ["simulate", str(scenario), "--output", str(out)])
    assert res.exit_code == 2
    assert out.read_text() == "previous"
    assert {p.name for p in tmp_path.iterdir()} == {"out.json", "scenario.yaml"}  # no temp file


@pytest.mark.parametrize(
    ("text", "path", "suggested"),
    [
        (HEAD + CASES["unknown user"][0], "/events/0/signIn/user", "alice@contoso.com"),
        (
            HEAD.replace("owner: alice@", "owner: alcie@") + SIGN,
            "/flows/0/owner",
            "alice@contoso.com",
        ),
        (HEAD + CASES["unknown device"][0], "/events/0/signIn/device", "LAPTOP-ALICE"),
    ],
)
def test_unknown_user_or_device_suggests_the_closest(tmp_path, text, path, suggested):
    """Review of issue 9 (L1): ``whatif --user alcie@...`` suggested alice; a scenario did not."""
    scenario, _, res = _invoke(tmp_path, text)
    assert res.exit_code == 2, res.output
    assert f"{scenario}: {path}: unknown " in res.stderr
    assert f"(did you mean '{suggested}'?)" in res.stderr, res.stderr


def test_unknown_user_far_from_every_name_gets_no_suggestion(tmp_path):
    _, _, res = _invoke(tmp_path, HEAD + SIGN.replace("alice@contoso.com", "zz@example.org"))
    assert res.exit_code == 2 and "unknown user" in res.stderr
    assert "did you mean" not in res.stderr
