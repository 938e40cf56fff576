"""Scenario files are read through their models (issue 8 part 3): an unknown key anywhere, a
wrong scalar type or an unknown value is exit 2 naming the scenario file and the JSON path as
written, with a did-you-mean where one is close; nothing is simulated."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.examples_paths import CONTOSO
from typer.testing import CliRunner

from caflow.cli.main import app
from caflow.simulate.scenario import ACTIONS

HEAD = f"""tenant: {CONTOSO}
start: 2026-01-05T09:00:00Z
end: 2026-01-10T00:00:00Z
flows:
  - {{id: alice-post, owner: alice@contoso.com, connections: [alice-teams], trigger: {{manual: true}}}}
events:
  - {{at: 2026-01-05T09:00:00Z, signIn: {{user: alice@contoso.com, mfa: false}}}}
"""
AT = "  - {at: 2026-01-05T10:00:00Z, "

CASES: dict[str, tuple[str, str, str, list[str]]] = {
    "misspelled sign-in key": (
        HEAD + AT + "signIn: {user: alice@contoso.com, mfA: true}}\n",
        "/events/1/signIn/mfA",
        "unknown-key",
        ["unknown key 'mfA'", "did you mean 'mfa'?"],
    ),
    "misspelled nested sign-in key": (
        HEAD
        + AT
        + "createConnection: {id: c1, user: alice@contoso.com, connector: teams, signIn: {devise: LAPTOP-ALICE}}}\n",
        "/events/1/createConnection/signIn/devise",
        "unknown-key",
        ["did you mean 'device'?"],
    ),
    "unknown authentication method": (
        HEAD
        + AT
        + "signIn: {user: alice@contoso.com, mfa: true, authMethods: [password, sms, fido]}}\n",
        "/events/1/signIn/authMethods/2",
        "invalid-value",
        ["did you mean 'fido2'?"],
    ),
    "misspelled action": (
        HEAD + AT + "signin: {user: alice@contoso.com}}\n",
        "/events/1/signin",
        "unknown-action",
        ["did you mean 'signIn'?"],
    ),
    "misspelled root key": (
        HEAD.replace("flows:", "flow:"),
        "/flow",
        "unknown-key",
        ["did you mean 'flows'?"],
    ),
    "misspelled flow key": (
        HEAD.replace("connections: [alice-teams]", "conections: [alice-teams]"),
        "/flows/0/conections",
        "unknown-key",
        ["did you mean 'connections'?"],
    ),
    "misspelled trigger key": (
        HEAD.replace("{manual: true}", "{schedul: P1D}"),
        "/flows/0/trigger/schedul",
        "unknown-key",
        ["did you mean 'schedule'?"],
    ),
    "quoted boolean": (
        HEAD + AT + 'signIn: {user: alice@contoso.com, mfa: "true"}}\n',
        "/events/1/signIn/mfa",
        "wrong-type",
        ["expected true or false, got a string"],
    ),
    "boolean days": (
        HEAD + AT + "setRememberMfa: {enabled: true, days: true}}\n",
        "/events/1/setRememberMfa/days",
        "wrong-type",
        ["expected an integer, got true"],
    ),
    "quoted days": (
        HEAD + AT + 'setRememberMfa: {enabled: true, days: "30"}}\n',
        "/events/1/setRememberMfa/days",
        "wrong-type",
        [],
    ),
    "unknown host": (
        HEAD + AT + "openEmbedded: {user: alice@contoso.com, host: sharepont, flow: alice-post}}\n",
        "/events/1/openEmbedded/host",
        "invalid-value",
        ["did you mean 'sharepoint'?"],
    ),
    "unknown via": (
        HEAD
        + AT
        + "createConnection: {id: c1, user: alice@contoso.com, connector: teams, via: potral}}\n",
        "/events/1/createConnection/via",
        "invalid-value",
        ["did you mean 'portal'?"],
    ),
    "unknown picker": (
        HEAD + AT + "usePicker: {user: alice@contoso.com, kind: mail}}\n",
        "/events/1/usePicker/kind",
        "invalid-value",
        ["one of share, email, runInput"],
    ),
    "unknown SharePoint template": (
        HEAD + AT + "createSharePointFlow: {user: alice@contoso.com, template: requestSignOf}}\n",
        "/events/1/createSharePointFlow/template",
        "invalid-value",
        ["did you mean 'requestSignoff'?"],
    ),
    "unknown token lifetime key": (
        HEAD + AT + "setTokenLifetimePolicy: {MaxInactivetime: 30.00:00:00}}\n",
        "/events/1/setTokenLifetimePolicy/MaxInactivetime",
        "unknown-key",
        ["did you mean 'MaxInactiveTime'?"],
    ),
    "legacy flag quoted": (
        HEAD + AT + 'setTokenLifetimePolicy: {legacyTokenLifetimes: "yes"}}\n',
        "/events/1/setTokenLifetimePolicy/legacyTokenLifetimes",
        "wrong-type",
        [],
    ),
    "unknown agreement key": (
        HEAD + AT + "addAgreement: {id: tou-2, perDevice: true}}\n",
        "/events/1/addAgreement/perDevice",
        "unknown-key",
        [],
    ),
    "idle with a body": (
        HEAD + AT + "idle: {days: 3}}\n",
        "/events/1/idle/days",
        "unknown-key",
        [],
    ),
    "start is a number": (
        HEAD.replace("start: 2026-01-05T09:00:00Z", "start: 5"),
        "/start",
        "wrong-type",
        ["ISO 8601"],
    ),
    "start is a date without time": (
        HEAD.replace("start: 2026-01-05T09:00:00Z", "start: 2026-01-05"),
        "/start",
        "invalid-value",
        ["a date without a time"],
    ),
    "body is a list": (
        HEAD + AT + "runFlow: [alice-post]}\n",
        "/events/1/runFlow",
        "wrong-type",
        ["expected an object, got a list"],
    ),
    "user is a list": (
        HEAD + AT + "disableUser: {user: [alice@contoso.com]}}\n",
        "/events/1/disableUser/user",
        "wrong-type",
        ["expected a string, got a list"],
    ),
    "PascalCase typo keeps its spelling": (
        HEAD + AT + "runFlow: {Flow: alice-post, Invoke: alice@contoso.com}}\n",
        "/events/1/runFlow/Invoke",
        "unknown-key",
        ["did you mean 'invoker'?"],
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_scenario_is_exit_2_with_file_and_path(tmp_path: Path, case: str) -> None:
    text, pointer, code, fragments = CASES[case]
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(text, encoding="utf-8")
    out = tmp_path / "out.json"
    res = CliRunner().invoke(app, ["simulate", str(scenario), "--json", "--output", str(out)])
    assert res.exit_code == 2, res.output
    err = res.stderr
    assert "Traceback" not in err and "internal error" not in err, err
    assert f"{scenario}: {pointer}:" in err, err
    assert f"[{code}]" in err, err
    for fragment in fragments:
        assert fragment in err, err
    assert not out.exists()


def test_pascal_case_scenario_keys_load(tmp_path: Path) -> None:
    """Body keys may be written in PowerShell PascalCase (action keys are camelCase)."""
    text = (
        HEAD
        + AT
        + "runFlow: {Flow: alice-post}}\n"
        + AT
        + "signIn: {User: bob@contoso.com, Mfa: true}}\n"
    )
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(text, encoding="utf-8")
    res = CliRunner().invoke(app, ["simulate", str(scenario), "--json"])
    assert res.exit_code == 0, res.output
    assert '"schemaVersion"' in res.stdout


def test_required_fields_come_from_the_models() -> None:
    assert ACTIONS["createConnection"] == ("id", "user", "connector")
    assert ACTIONS["signIn"] == ("user",)
    assert ACTIONS["idle"] == ()


# -- review of issue 8: an id given twice in a scenario is exit 2 naming both places -----------

_DUP_HEAD = """tenant: {bundle}
start: 2026-01-05T09:00:00Z
end: 2026-01-20T00:00:00Z
"""
_FLOW = "  - {{id: {id}, owner: alice@contoso.com, connections: [alice-teams], trigger: {{schedule: P1D}}}}\n"


@pytest.mark.parametrize(
    ("body", "pointer", "other"),
    [
        ("flows:\n" + _FLOW.format(id="daily-sales-digest") + "events: []\n", "/flows/0/id", "a flow of the bundle"),
        ("flows:\n" + _FLOW.format(id="f1") + _FLOW.format(id="F1") + "events: []\n", "/flows/1/id", "/flows/0/id"),
        (
            "events:\n  - at: 2026-01-05T09:00:00Z\n"
            "    addAgreement: {id: 55555555-0000-0000-0000-000000000001, displayName: d}\n",
            "/events/0/addAgreement/id",
            "an agreement of the bundle",
        ),
    ],
)  # fmt: skip
def test_an_id_given_twice_is_exit_2(tmp_path: Path, body: str, pointer: str, other: str) -> None:
    """Before, the second flow or agreement silently replaced the first. (A createConnection
    may repeat an id: re-creating a connection after a failed creation, effect 3.)"""
    from tests.examples_paths import CONTOSO
    from typer.testing import CliRunner

    from caflow.cli.main import app

    path = tmp_path / "s.yaml"
    path.write_text(_DUP_HEAD.format(bundle=CONTOSO) + body, encoding="utf-8")
    res = CliRunner().invoke(app, ["simulate", str(path)])
    assert res.exit_code == 2, res.output
    assert res.stderr.startswith(f"error: {path}: {pointer}: duplicate "), res.stderr
    assert f"(also {other}" in res.stderr and res.stderr.strip().endswith("[duplicate]")
