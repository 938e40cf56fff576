"""``caflow serve`` error messages (review of issue 12): paths as the page shows them (never the
server's folders), a folder given as a scenario, JSON sent to a form page, the request body
limit, and a port in use as one exit-2 line."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.examples_paths import CONTOSO, EXAMPLES
from typer.testing import CliRunner

from caflow.cli.main import app as cli
from caflow.web.app import MAX_BODY_BYTES, create_app


def _broken_bundle(folder: Path) -> Path:
    bundle = folder / "tenant"
    shutil.copytree(CONTOSO, bundle)
    (bundle / "policies" / "broken.json").write_text('{"id": "x", "conditions": {"users": 5}}')
    return bundle


def test_errors_name_files_relative_to_the_served_folder(tmp_path: Path) -> None:
    _broken_bundle(tmp_path)
    c = TestClient(create_app(None, root=tmp_path, examples=EXAMPLES))
    r = c.post("/api/advise", json={"bundle": "tenant"})
    assert r.status_code == 400
    error = r.json()["error"]
    assert error["file"] == "tenant/policies/broken.json" and error["path"] == "/conditions/users"
    assert str(tmp_path) not in r.text
    for bundle in ("/etc", "missing"):
        r = c.post("/api/advise", json={"bundle": bundle})
        assert r.status_code in (400, 403) and str(tmp_path) not in r.text, r.text
        assert "served folder" in r.json()["error"]["expected"]
    page = c.post("/open", data={"path": "tenant"})
    alert = page.text.split('role="alert"', 1)[1].split("</div>", 1)[0]
    assert page.status_code == 400 and "tenant/policies/broken.json" in alert
    assert str(tmp_path) not in alert


def test_a_bundle_opened_outside_the_folder_is_named_by_its_label(tmp_path: Path) -> None:
    outside = _broken_bundle(tmp_path / "elsewhere")
    (outside / "policies" / "broken.json").unlink()
    scenario = tmp_path / "served" / "s.yaml"
    scenario.parent.mkdir()
    scenario.write_text("events: []\nunknownKey: 1\n")
    c = TestClient(create_app(outside, root=scenario.parent, examples=EXAMPLES))
    r = c.post("/api/simulate", json={"scenario": "s.yaml"})
    assert r.status_code == 400 and r.json()["error"]["file"] == "s.yaml", r.text
    assert str(tmp_path) not in r.text
    home = c.get("/").text
    assert str(outside) not in home.replace(f'value="{outside}"', "")


def test_a_folder_given_as_scenario_says_it_is_a_folder(tmp_path: Path) -> None:
    (tmp_path / "scenarios").mkdir()
    c = TestClient(create_app(CONTOSO, root=tmp_path, examples=EXAMPLES))
    for ref in ("scenarios", "@examples/scenarios"):
        r = c.post("/api/simulate", json={"scenario": ref})
        assert r.status_code == 400, r.text
        error = r.json()["error"]
        assert error["message"] == "a folder, not a scenario file" and error["file"] == "scenario"
        assert "@examples/scenarios/" in error["expected"] and ".yaml" in error["expected"]
        assert "regular file" not in r.text and str(tmp_path) not in r.text
    page = c.post("/simulate", data={"scenario": "scenarios"})
    assert page.status_code == 400 and "a folder, not a scenario file" in page.text


def test_reading_a_folder_as_a_file_says_folder(tmp_path: Path) -> None:
    from caflow.errors import InputError
    from caflow.io.decode import load_document

    with pytest.raises(InputError) as info:
        load_document(tmp_path)
    assert info.value.message == "a folder, not a file" and info.value.code == "invalid-input"


def test_json_sent_to_a_form_page_names_the_api_not_a_missing_field() -> None:
    c = TestClient(create_app(CONTOSO, examples=EXAMPLES))
    r = c.post("/whatif", json={"user": "alice@contoso.com", "app": "Microsoft Flow Service"})
    assert r.status_code == 400
    assert "this page reads HTML form fields" in r.text and "/api/whatif" in r.text
    assert "application/json" in r.text
    assert "missing" not in r.text.split('role="alert"', 1)[1]


def test_form_page_errors_name_the_forms_fields_not_cli_options() -> None:
    c = TestClient(create_app(CONTOSO, examples=EXAMPLES))
    r = c.post("/whatif", data={"app": "Microsoft Flow Service"})
    assert r.status_code == 400
    alert = r.text.split('role="alert"', 1)[1]
    assert "&#39;user&#39;: missing option" in alert and "--user" not in alert
    # the API keeps the CLI's wording (docs/web.md: the same messages as the CLI)
    api = c.post("/api/whatif", json={"app": "Microsoft Flow Service"}).json()["error"]
    assert api["file"] == "--user"


def test_request_body_over_the_limit_is_413_with_a_clear_body() -> None:
    c = TestClient(create_app(CONTOSO, examples=EXAMPLES, max_body=4096))
    big = json.dumps({"user": "a" * 5000})
    r = c.post("/api/whatif", content=big, headers={"content-type": "application/json"})
    assert r.status_code == 413
    error = r.json()["error"]
    assert error["file"] == "request body" and error["code"] == "file-too-large"
    assert "4,096-byte limit" in error["message"] and "--max-body-kb" in error["expected"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: refused while reading
        yield b'{"user": "'
        for _ in range(10):
            yield b"a" * 1000
        yield b'"}'

    r = c.post("/api/whatif", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413 and r.json()["error"]["code"] == "file-too-large"
    page = c.post("/whatif", data={"user": "a" * 5000})
    assert page.status_code == 413 and 'role="alert"' in page.text
    assert "4,096-byte limit" in page.text and "--max-body-kb" in page.text
    # under the limit, chunked or not, the request is served as before
    small = c.post(
        "/api/whatif", json={"user": "alice@contoso.com", "app": "Microsoft Flow Service"}
    )
    assert small.status_code == 200


def test_default_body_limit_and_the_serve_option() -> None:
    assert MAX_BODY_BYTES == 1024 * 1024
    c = TestClient(create_app(CONTOSO, examples=EXAMPLES))
    body = json.dumps({"user": "a" * (MAX_BODY_BYTES + 1)})
    r = c.post("/api/whatif", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 413
    help_text = CliRunner().invoke(cli, ["serve", "--help"], terminal_width=200).output
    assert "--max-body-kb" in help_text


def test_port_in_use_is_one_clean_exit_2_line(tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        res = subprocess.run(
            [sys.executable, "-m", "caflow.cli.main", "serve", "--port", str(port)],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,  # never hangs the suite: a port in use must exit at once
            env={"NO_COLOR": "1", "PATH": "/usr/bin:/bin", "PYTHONPATH": ":".join(sys.path)},
        )
    assert res.returncode == 2, res.stderr
    lines = [line for line in res.stderr.splitlines() if line.strip()]
    assert lines == [
        f"error: --port: port {port} is in use on 127.0.0.1: expected a free port (another "
        f"program, or another caflow serve, listens on this one), got {port} [invalid-input]"
    ], res.stderr
