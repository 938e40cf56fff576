"""Unknown and unmapped connectors (issue 13 part 2; DESIGN.md "References inside a scenario":
an unknown reference is bad input; "never guess silently": what caflow cannot map is named and
undetermined - a custom connector is not "never breaks")."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from caflow.automation.connectors import ConnectorKind, connector_kind, suggest_connector
from caflow.errors import UnknownReferenceError
from caflow.io.bundle import load_tenant_from_documents
from caflow.simulate import load_scenario, simulate_tenant

OWNER = "11111111-0000-0000-0000-00000000fa01"


def test_kinds() -> None:
    assert connector_kind("SharePointOnline") is ConnectorKind.ENTRA
    assert connector_kind("rss") is ConnectorKind.NON_ENTRA
    assert connector_kind("shared_contoso-5finvoices-5f1234") is ConnectorKind.UNMAPPED
    assert suggest_connector("sharepointonlin") == "sharepointonline"


def _scenario(tmp_path: Path, connector: str) -> Path:
    doc = {
        "tenant": {
            "tenant": {"id": "t", "displayName": "T"},
            "directory": {"users": [{"id": OWNER, "userPrincipalName": "alice@fabrikam.com"}]},
        },
        "start": "2026-01-05T08:00:00Z",
        "end": "2026-01-06T00:00:00Z",
        "events": [
            {
                "at": "2026-01-05T09:00:00Z",
                "createConnection": {
                    "id": "c1",
                    "user": "alice@fabrikam.com",
                    "connector": connector,
                    "signIn": {"user": "alice@fabrikam.com"},
                },
            }
        ],
    }
    p = tmp_path / "s.yaml"
    p.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return p


def test_unknown_connector_in_scenario_is_bad_input_with_did_you_mean(tmp_path: Path) -> None:
    with pytest.raises(UnknownReferenceError) as exc:
        load_scenario(_scenario(tmp_path, "sharepointonlin"))
    err = exc.value
    assert err.json_path == "/events/0/createConnection/connector"
    assert "did you mean 'sharepointonline'" in str(err)
    assert str(err).startswith(str(tmp_path / "s.yaml"))


def test_known_connector_spellings_load(tmp_path: Path) -> None:
    scenario = load_scenario(_scenario(tmp_path, "shared_SharePointOnline"))
    assert scenario.actions[0].args["connector"] == "sharepointonline"


def test_unmapped_connector_in_bundle_is_a_warning_and_undetermined() -> None:
    connections = [
        {"id": "c-custom", "connector": "shared_contoso-5finvoices-5f1234", "owner": OWNER},
        {"id": "c-rss", "connector": "rss", "owner": OWNER},
    ]
    docs = [
        ("tenant.yaml", b"id: t\n"),
        (
            "directory.yaml",
            yaml.safe_dump({"users": [{"id": OWNER, "userPrincipalName": "a@f.com"}]}).encode(),
        ),
        ("powerplatform/connections.json", json.dumps({"value": connections}).encode()),
    ]
    tenant = load_tenant_from_documents([(n, (lambda b=b: b)) for n, b in docs], label="mem:")
    warns = [w for w in tenant.warnings if w.code == "unmapped-connector"]
    assert len(warns) == 1
    assert "contoso-5finvoices-5f1234" in warns[0].message and "c-custom" in warns[0].message
    result = simulate_tenant(
        tenant, datetime(2026, 1, 5, tzinfo=UTC), datetime(2026, 1, 6, tzinfo=UTC)
    )
    by_id = {c["id"]: c for c in result.to_json()["connections"]}
    assert "not mapped" in by_id["c-custom"]["undetermined"]
    assert "undetermined" not in by_id["c-rss"]  # rss is known to use no Entra token


def test_cli_simulate_unknown_connector_exits_2(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from caflow.cli.main import app

    res = CliRunner().invoke(app, ["simulate", str(_scenario(tmp_path, "temas"))])
    assert res.exit_code == 2
    assert "did you mean 'teams'" in res.output
    assert "Traceback" not in res.output
