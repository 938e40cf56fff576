"""``caflow serve`` answers only its own address and its own pages (review of issue 12): a
DNS-rebinding page (foreign Host) cannot read the open tenant, a cross-site form cannot drive
the server, and a scenario cannot make it read a policy file outside the served folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.examples_paths import CONTOSO, EXAMPLES

from caflow.web.app import create_app


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    return TestClient(create_app(CONTOSO, root=tmp_path, examples=EXAMPLES))


@pytest.mark.parametrize(
    "host", ["rebind.evil.example:8765", "evil.example", "10.0.0.5:8765", "[fe80::1]:8765"]
)
def test_a_foreign_host_header_is_refused(client: TestClient, host: str) -> None:
    for method, url in (("GET", "/policies"), ("POST", "/api/advise")):
        r = client.request(method, url, headers={"host": host}, json={})
        assert r.status_code == 400, (method, url, r.text)
        assert "Host" in r.json()["error"] and "Contoso" not in r.text


@pytest.mark.parametrize("host", ["127.0.0.1:8765", "localhost:8765", "[::1]:8765", "localhost"])
def test_loopback_host_headers_are_served(client: TestClient, host: str) -> None:
    assert client.get("/policies", headers={"host": host}).status_code == 200


def test_bound_address_is_served_and_others_are_not(tmp_path: Path) -> None:
    c = TestClient(create_app(CONTOSO, root=tmp_path, examples=EXAMPLES, host="192.0.2.7"))
    assert c.get("/policies", headers={"host": "192.0.2.7:8765"}).status_code == 200
    assert c.get("/policies", headers={"host": "evil.example"}).status_code == 400


@pytest.mark.parametrize(
    "headers",
    [
        {"origin": "http://evil.example"},
        {"origin": "http://127.0.0.1:9999"},  # another local port is another origin
        {"sec-fetch-site": "cross-site"},
    ],
)
def test_cross_origin_posts_are_refused(client: TestClient, headers: dict[str, str]) -> None:
    for url, data in (("/open", {"path": "x"}), ("/whatif", {"user": "alice@contoso.com"})):
        r = client.post(url, data=data, headers=headers, follow_redirects=False)
        assert r.status_code == 403, (url, r.text)
        assert "cross-origin" in r.json()["error"]


def test_same_origin_posts_are_served(client: TestClient) -> None:
    r = client.post(
        "/api/advise", json={}, headers={"origin": "http://testserver", "host": "testserver"}
    )
    assert r.status_code == 200, r.text


@pytest.mark.parametrize("where", ["absolute", "relative"])
def test_scenario_naming_a_policy_file_outside_the_root_is_403(
    client: TestClient, tmp_path: Path, where: str
) -> None:
    served = tmp_path / "served"
    shutil.copytree(CONTOSO, served / "contoso")
    outside = tmp_path / "secret-policy.json"
    outside.write_text((CONTOSO / "policies").glob("*.json").__next__().read_text())
    named = str(outside) if where == "absolute" else "../secret-policy.json"
    c = TestClient(create_app(CONTOSO, root=served, examples=EXAMPLES))
    (served / "s.yaml").write_text(
        f"tenant: contoso\nstart: 2026-03-01T00:00:00Z\nend: 2026-03-02T00:00:00Z\n"
        f"events:\n  - at: 2026-03-01T01:00:00Z\n    addPolicy:\n      file: {named}\n"
    )
    r = c.post("/api/simulate", json={"scenario": "s.yaml"})
    assert r.status_code == 403, r.text
    err = r.json()["error"]
    assert err["file"] == "s.yaml" and err["path"] == "/events/0/addPolicy/file"


@pytest.mark.parametrize("names", [("a/p.json", "a/p.json"), ("a", "a/p.json"), ("a/p.json", "a")])
def test_upload_with_clashing_names_is_4xx_and_leaves_nothing(
    tmp_path: Path, names: tuple[str, str]
) -> None:
    c = TestClient(create_app(None, root=tmp_path, examples=EXAMPLES))
    files = [("files", (n, b"{}", "application/json")) for n in names]
    r = c.post("/upload", files=files, follow_redirects=False)
    assert 400 <= r.status_code < 500, r.text
    assert "duplicate file name" in r.text and "Traceback" not in r.text
