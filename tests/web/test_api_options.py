"""API options mirroring the CLI (review of issue 12): ``personas`` for ``/api/matrix``
(``caflow matrix --personas``) and ``suppressions`` for ``/api/advise`` (``caflow advise
--suppressions``): the answer is exactly the CLI's ``--format json`` for the same file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.examples_paths import CONTOSO, EXAMPLES
from typer.testing import CliRunner

from caflow.cli.main import app as cli
from caflow.web.app import create_app

AT = "2026-02-01T09:00:00Z"
PERSONAS = (
    "user,name,app,where,mfa,managed\n"
    "alice@contoso.com,alice-home,Microsoft Flow Service;Office 365 SharePoint Online,"
    "untrusted,false,false\n"
    "dave@contoso.com,dave-office,,trusted,true,true\n"
)
SUPPRESSIONS = """\
- rule: embedded_requirements_mismatch
  policy: 66666666-0000-0000-0000-000000000004
  justification: SharePoint MFA is intended; embedded flows are not used (SEC-1).
- rule: remember_mfa_enabled
  justification: matches nothing in contoso (an unused suppression is warned about).
"""


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    (tmp_path / "personas.csv").write_text(PERSONAS)
    (tmp_path / "accepted.yaml").write_text(SUPPRESSIONS)
    return TestClient(create_app(CONTOSO, root=tmp_path, examples=EXAMPLES))


def _cli(*args: str) -> tuple[dict, str]:
    res = CliRunner().invoke(cli, list(args))
    assert res.exit_code in (0, 1), res.output
    return json.loads(res.stdout), res.stderr


def test_api_matrix_personas_is_the_cli_json(client: TestClient, tmp_path: Path) -> None:
    r = client.post("/api/matrix", json={"personas": "personas.csv", "at": AT})
    assert r.status_code == 200, r.text
    want, _ = _cli(
        "matrix", str(CONTOSO), "--personas", str(tmp_path / "personas.csv"), "--at", AT, "--json"
    )
    assert r.json() == want
    assert {c["context"] for c in r.json()["cells"]} == {"alice-home", "dave-office"}


def test_api_matrix_personas_errors_are_the_clis(client: TestClient, tmp_path: Path) -> None:
    both = client.post("/api/matrix", json={"personas": "personas.csv", "user": ["x"]})
    assert both.status_code == 400 and both.json()["error"]["file"] == "--personas/--user"
    (tmp_path / "bad.csv").write_text("user,nme\nalice@contoso.com,x\n")
    bad = client.post("/api/matrix", json={"personas": "bad.csv"})
    assert bad.status_code == 400
    error = bad.json()["error"]
    assert error["file"] == "bad.csv" and error["path"] == "/0/nme"  # relative, not /tmp/...
    assert "did you mean 'name'" in (error["hint"] or "")
    outside = client.post("/api/matrix", json={"personas": "/etc/hosts"})
    assert outside.status_code == 403


def test_api_advise_suppressions_is_the_cli_json(client: TestClient, tmp_path: Path) -> None:
    r = client.post("/api/advise", json={"suppressions": "accepted.yaml", "at": AT})
    assert r.status_code == 200, r.text
    want, stderr = _cli(
        "advise",
        str(CONTOSO),
        "--suppressions",
        str(tmp_path / "accepted.yaml"),
        "--at",
        AT,
        "--json",
    )
    assert r.json() == want
    assert any(f["status"] == "SUPPRESSED" for f in r.json()["findings"])
    # the CLI's stderr warning for the suppression that matched nothing, in the header
    assert "unused-suppression" in stderr
    assert "remember_mfa_enabled" in r.headers["caflow-warning"]


def test_api_advise_bad_suppressions_file_is_400_naming_it(
    client: TestClient, tmp_path: Path
) -> None:
    (tmp_path / "bad.yaml").write_text("- rule: remember_mfa_enabled\n")
    r = client.post("/api/advise", json={"suppressions": "bad.yaml"})
    assert r.status_code == 400
    error = r.json()["error"]
    assert error["file"] == "bad.yaml" and error["path"] == "/0/justification"
    assert str(tmp_path) not in r.text


def test_openapi_documents_the_new_options(client: TestClient) -> None:
    doc = client.get("/openapi.json").json()
    schemas = doc["components"]["schemas"]
    assert "personas" in schemas["MatrixRequest"]["properties"]
    assert "suppressions" in schemas["AdviseRequest"]["properties"]
