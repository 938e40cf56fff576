"""No internal errors on input (issue 8 part 4): the classes seen before - CIDRs in tenant.yaml,
OverflowError on huge durations/intervals/years, wrongly shaped scenario bodies - are exit 2
with one line; JSON pointers lead into the file as written (PascalCase exports keep their key
case). Lone surrogates, latin-1 and full stdout: tests/cli/test_hostile_output.py."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from tests.examples_paths import CONTOSO
from typer.testing import CliRunner

from caflow.cli.main import app

runner = CliRunner()
CA004 = "policies/CA004-Require-MFA-for-SharePoint-Online.json"


def assert_clean_exit_2(res, *needles: str) -> None:
    assert res.exit_code == 2, res.output
    assert isinstance(res.exception, SystemExit)
    assert "Traceback" not in res.output and "internal error" not in res.output
    assert len(res.stderr.strip().splitlines()) == 1, res.stderr
    for needle in needles:
        assert needle in res.stderr, res.stderr


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    b = tmp_path / "bundle"
    shutil.copytree(CONTOSO, b)
    return b


def _pascal(o: Any) -> Any:
    if isinstance(o, dict):
        return {
            (k if k.startswith("@") else k[0].upper() + k[1:]): _pascal(v) for k, v in o.items()
        }
    if isinstance(o, list):
        return [_pascal(v) for v in o]
    return o


@pytest.mark.parametrize(
    ("path", "value", "pointer"),
    [
        (("Conditions", "Users", "IncludeGroups"), 5, "/Conditions/Users/IncludeGroups"),
        (("GrantControls", "BuiltInControls"), [7], "/GrantControls/BuiltInControls/0"),
        (("Conditions", "ClientAppTypes"), {"a": 1}, "/Conditions/ClientAppTypes"),
    ],
)
@pytest.mark.parametrize("wrapped", [False, True])
def test_pointer_uses_the_keys_as_written(
    bundle: Path, path: tuple[str, ...], value: Any, pointer: str, wrapped: bool
) -> None:
    """A PowerShell (PascalCase) export: the pointer must lead into the file as written."""
    file = bundle / CA004
    doc = _pascal(json.loads(file.read_text()))
    node = doc
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    file.write_text(json.dumps({"Value": [doc]} if wrapped else doc))
    res = runner.invoke(app, ["advise", str(bundle)])
    assert_clean_exit_2(res, CA004, ("/Value/0" if wrapped else "") + pointer + ":")


@pytest.mark.parametrize(
    ("rel", "mutate", "needle"),
    [
        (
            "tenant.yaml",
            lambda t: t + "  mfaTrustedIps: ['10.0.0.0/99']\n",
            "/settings/mfaTrustedIps",
        ),
        (
            "tenant.yaml",
            lambda t: t + "  mfaTrustedIps: ['::ffff:1.2.3.4/200', 7]\n",
            "/settings/mfaTrustedIps",
        ),
        (
            "tenant.yaml",
            lambda t: t.replace('"PT75M"', '"P99999999999Y"').replace("PT75M", "P99999999999Y"),
            "tenant.yaml",
        ),
        (CA004, lambda t: t.replace('"enabled"', '"' + "9" * 5000 + '"', 1), CA004),
        (
            "agreementAcceptances.json",
            lambda t: t.replace("2026-", "99999-", 1),
            "agreementAcceptances.json",
        ),
        (
            "agreementAcceptances.json",
            lambda t: t.replace('"2026-', '"/Date(99999999999999999)/', 1).replace('/"', "/", 0),
            "agreementAcceptances.json",
        ),
        (
            "namedLocations.json",
            lambda t: t.replace('"cidrAddress": "', '"cidrAddress": "999.', 1),
            "namedLocations.json",
        ),
    ],
)
def test_huge_and_malformed_values_are_exit_2(bundle: Path, rel: str, mutate, needle: str) -> None:
    path = bundle / rel
    before = path.read_text()
    text = mutate(before)
    assert text != before or rel == "tenant.yaml"
    path.write_text(text)
    res = runner.invoke(app, ["advise", str(bundle)])
    assert res.exit_code in (0, 1, 2), res.output
    assert "Traceback" not in res.output and "internal error" not in res.output
    if res.exit_code == 2:
        assert needle in res.stderr, res.stderr


def test_number_with_5000_digits_is_a_parse_error(bundle: Path) -> None:
    (bundle / CA004).write_text('{"id": ' + "9" * 5000 + "}")
    assert_clean_exit_2(runner.invoke(app, ["advise", str(bundle)]), CA004, "[parse-error]")


SCENARIO_HEAD = f"""tenant: {CONTOSO}
start: 2026-01-05T09:00:00Z
end: 2026-01-10T00:00:00Z
"""


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ("events:\n  - at: 2026-01-05T09:00:00Z\n    signIn: [1, 2]\n", "/events/0/signIn"),
        ("events:\n  - at: 2026-01-05T09:00:00Z\n    signIn: x\n", "/events/0/signIn"),
        (
            "events:\n  - at: 2026-01-05T09:00:00Z\n    createConnection: 5\n",
            "/events/0/createConnection",
        ),
        (
            "events:\n  - at: 2026-01-05T09:00:00Z\n    addPolicy: {policy: [1]}\n",
            "/events/0/addPolicy",
        ),
        ("events: {a: 1}\n", "/events"),
        ("events:\n  - 17\n", "/events/0"),
        ("flows: x\n", "/flows"),
        ("flows:\n  - {id: f, trigger: [1]}\n", "/flows/0"),
        (
            "events:\n  - at: 99999-01-05T09:00:00Z\n    signIn: {user: alice@contoso.com}\n",
            "/events/0/at",
        ),
    ],
)
def test_wrongly_shaped_scenario_bodies_are_exit_2(tmp_path: Path, body: str, pointer: str) -> None:
    s = tmp_path / "s.yaml"
    s.write_text(SCENARIO_HEAD + body)
    res = runner.invoke(app, ["simulate", str(s)])
    assert_clean_exit_2(res, "s.yaml", pointer)
