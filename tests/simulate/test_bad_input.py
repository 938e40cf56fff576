"""Bad scenarios raise caflow.errors naming the file and the JSON path; nothing is simulated."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from tests.examples_paths import CONTOSO, SCENARIOS
from typer.testing import CliRunner

from caflow.cli.main import app
from caflow.errors import SchemaError, UnknownReferenceError
from caflow.simulate import load_scenario

HEAD = {
    "tenant": str(CONTOSO),
    "start": "2026-01-05T09:00:00Z",
    "end": "2026-01-10T00:00:00Z",
}
SIGN = {"at": "2026-01-05T09:00:00Z", "signIn": {"user": "alice@contoso.com", "mfa": False}}


def _write(tmp_path: Path, events, **extra) -> Path:
    p = tmp_path / "bad.yaml"
    p.write_text(yaml.safe_dump({**HEAD, **extra, "events": events}))
    return p


@pytest.mark.parametrize(
    ("events", "error", "code", "path"),
    [
        (
            [SIGN, {"at": "2026-01-05T10:00:00Z", "explode": {}}],
            SchemaError,
            "unknown-action",
            "/events/1/explode",
        ),
        (
            [{"at": "2026-01-06T00:00:00Z", "idle": {}}, SIGN],
            SchemaError,
            "event-out-of-order",
            "/events/1/at",
        ),
        (
            [
                SIGN,
                {
                    "at": "2026-01-05T10:00:00Z",
                    "createConnection": {
                        "id": "x",
                        "user": "alise@contoso.com",
                        "connector": "teams",
                    },
                },
            ],
            UnknownReferenceError,
            "unknown-reference",
            "/events/1/createConnection/user",
        ),
        (
            [{"at": "2026-01-05T10:00:00Z", "repairConnection": {"id": "nope"}}],
            UnknownReferenceError,
            "unknown-reference",
            "/events/0/repairConnection/id",
        ),
        (
            [{"at": "2026-01-05T10:00:00Z", "removePolicy": {"id": "CA999"}}],
            UnknownReferenceError,
            "unknown-reference",
            "/events/0/removePolicy/id",
        ),
        (
            [{"at": "2026-01-05T10:00:00Z", "runFlow": {"flow": "nope"}}],
            UnknownReferenceError,
            "unknown-reference",
            "/events/0/runFlow/flow",
        ),
        (
            [
                {
                    "at": "2026-01-05T10:00:00Z",
                    "signIn": {"user": "alice@contoso.com", "device": "LAPTOP-X"},
                }
            ],
            UnknownReferenceError,
            "unknown-reference",
            "/events/0/signIn/device",
        ),
        (
            [
                {
                    "at": "2026-01-05T10:00:00Z",
                    "acceptAgreement": {"user": "alice@contoso.com", "agreement": "nope"},
                }
            ],
            UnknownReferenceError,
            "unknown-reference",
            "/events/0/acceptAgreement/agreement",
        ),
    ],
)
def test_bad_events(tmp_path, events, error, code, path):
    p = _write(tmp_path, events)
    with pytest.raises(error) as exc:
        load_scenario(p)
    assert exc.value.code == code
    assert exc.value.json_path == path
    assert str(p) in str(exc.value)


def test_unknown_connection_in_flow(tmp_path):
    p = _write(
        tmp_path,
        [],
        flows=[
            {
                "id": "f",
                "owner": "alice@contoso.com",
                "connections": ["ghost"],
                "trigger": {"manual": True},
            }
        ],
    )
    with pytest.raises(UnknownReferenceError) as exc:
        load_scenario(p)
    assert exc.value.json_path == "/flows/0/connections/0"


def test_cli_exit_2_and_nothing_written(tmp_path):
    p = _write(tmp_path, [SIGN, {"at": "2026-01-05T10:00:00Z", "explode": {}}])
    out = tmp_path / "out.json"
    res = CliRunner().invoke(app, ["simulate", str(p), "--json", "--output", str(out)])
    assert res.exit_code == 2
    assert "unknown-action" in res.output or "unknown-action" in (
        res.stderr if res.stderr_bytes else ""
    )
    assert not out.exists()


def test_cli_json_contract(tmp_path):
    scen = SCENARIOS / "effect3-direct-creation.yaml"
    out = tmp_path / "out.json"
    res = CliRunner().invoke(
        app,
        ["simulate", str(scen), "--json", "--output", str(out), "--until", "2026-01-05T10:00:00Z"],
    )
    assert res.exit_code == 0, res.output
    import json

    data = json.loads(out.read_text())
    assert data["schemaVersion"] == 1
    assert set(data["events"][0]) == {
        "at",
        "kind",
        "connection",
        "flow",
        "user",
        "errorCode",
        "policies",
        "cause",
        "message",
    }
    assert data["end"] == "2026-01-05T10:00:00Z"
    text = CliRunner().invoke(app, ["simulate", str(scen)])
    assert "Fix (seed recommendation)" in text.output and "connectionCreateFailed" in text.output
