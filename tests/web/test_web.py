"""``caflow serve``: every page and API endpoint through FastAPI's TestClient (in-process), bad
uploads (malformed JSON, zip bomb, path outside the root, oversize), the CLI's messages for
bad input, and that the API answers exactly what the CLI's ``--json`` prints."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import jsonschema
import pytest
from fastapi.testclient import TestClient
from markupsafe import escape
from tests.examples_paths import CONTOSO, EXAMPLES
from typer.testing import CliRunner

from caflow.cli.main import app as cli
from caflow.report.schemas import schema
from caflow.web.app import create_app

runner = CliRunner()
AT = "2026-02-01T09:00:00Z"
PAGES = ("/", "/policies", "/whatif", "/simulate", "/check", "/matrix", "/advise", "/replay")
FLOW = "Microsoft Flow Service"


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    """A server opened on the example tenant, serving ``tmp_path`` plus the packaged examples."""
    return TestClient(create_app(CONTOSO, root=tmp_path, examples=EXAMPLES))


@pytest.fixture
def empty(tmp_path: Path) -> TestClient:
    """A server with no bundle open, confined to ``tmp_path``."""
    return TestClient(create_app(None, root=tmp_path, examples=EXAMPLES, max_upload=200_000))


def _cli_json(*args: str) -> dict:
    result = runner.invoke(cli, list(args))
    assert result.exit_code in (0, 1), result.output
    out = result.stdout
    return json.loads(out[out.index("{") :])


def _cli_error(*args: str) -> str:
    result = runner.invoke(cli, list(args))
    assert result.exit_code == 2, result.output
    line = next(x for x in result.output.splitlines() if x.startswith("error: "))
    return line.removeprefix("error: ")


# -- pages ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", PAGES)
def test_every_page_renders_accessible_html_with_nothing_external(
    client: TestClient, url: str
) -> None:
    r = client.get(url)
    assert r.status_code == 200, r.text
    page = r.text
    assert page.startswith("<!DOCTYPE html>") and '<html lang="en">' in page
    assert '<main id="main">' in page and re.search(r"<h1>[^<]+</h1>", page)
    assert 'aria-current="page"' in page  # the nav says where we are
    # no tenant data leaves the machine: no external script, style, image, form or link
    assert not re.search(r"""(src|href|action)=["']?(https?:)?//""", page), url
    assert '<script src="/static/htmx.min.js"' in page
    # every form control has a label
    ids = set(re.findall(r'<label for="([^"]+)"', page))
    for control in re.findall(r'<(?:input|select|textarea)\b[^>]*\bid="([^"]+)"', page):
        assert control in ids, f"{url}: #{control} has no label"


def test_htmx_is_served_locally_with_its_licence(client: TestClient) -> None:
    js = client.get("/static/htmx.min.js")
    assert js.status_code == 200 and "htmx" in js.text[:2000]
    assert "Zero-Clause BSD" in client.get("/static/htmx.LICENSE").text


def test_policies_page_explains_each_policy_in_plain_english(client: TestClient) -> None:
    html = client.get("/policies").text
    assert "CA001 - Block legacy authentication" in html
    assert "Applies to all users." in html and "Except group Emergency Access." in html
    assert "Then: block access." in html
    assert "Signing in to Microsoft Flow Service." in html  # CA014
    assert "Off: never evaluated." in html


def test_rule_links_on_result_pages_resolve_to_the_served_rules_page(client: TestClient) -> None:
    """Review of issue 12: rule help links went to an unconfirmed URL. In the UI they go to
    /docs/rules.md, served from the installed rules' metadata, each rule id its anchor."""
    from caflow.advise import load_rules

    page = client.post("/advise", data={"at": AT}).text
    hrefs = set(re.findall(r'href="(/docs/rules\.md#[a-z0-9_]+)"', page))
    assert hrefs and 'href="/docs/rules.md"' in client.get("/advise").text
    doc = client.get("/docs/rules.md")
    assert doc.status_code == 200 and doc.text.startswith("<!DOCTYPE html>")
    ids = set(re.findall(r'<h2 id="([a-z0-9_]+)">', doc.text))
    assert {h.split("#")[1] for h in hrefs} <= ids
    assert {r.id for r in load_rules()} <= ids
    assert "&lt;!--" not in doc.text and "<table>" in doc.text


def test_whatif_form_shows_verdict_and_per_policy_reasons(client: TestClient) -> None:
    form = {"user": "alice@contoso.com", "app": FLOW, "ip": "8.8.8.8", "at": AT}
    r = client.post("/whatif", data=form)
    assert r.status_code == 200
    expected = _cli_json(
        "whatif",
        str(CONTOSO),
        "--user",
        "alice@contoso.com",
        "--app",
        FLOW,
        "--ip",
        "8.8.8.8",
        "--at",
        AT,
        "--json",
    )
    assert f'data-decision="{expected["decision"]}"' in r.text
    for policy in expected["value"]:
        assert policy["displayName"] in r.text
    for u in expected["undetermined"]:
        assert str(escape(u["reason"])) in r.text  # why each undetermined policy is undetermined
    assert 'value="alice@contoso.com"' in r.text  # the form keeps what was typed


def test_whatif_form_named_location_picker_signs_in_from_inside_it(client: TestClient) -> None:
    """Review of issue 12: the form picks a named location of the bundle besides IP/country;
    the page says which address or country stands for it, and the verdict is the CLI's for
    that address."""
    page = client.get("/whatif").text
    for name in ("Contoso HQ", "Branch Office Paris", "Allowed countries"):
        assert f'<option value="{name}">' in page
    form = {"user": "alice@contoso.com", "app": FLOW, "location": "Contoso HQ", "at": AT}
    r = client.post("/whatif", data=form)
    assert r.status_code == 200
    assert (
        "Signing in from 203.0.113.1, the first address of 203.0.113.0/24 in Contoso HQ." in r.text
    )
    cli = _cli_json(
        "whatif", str(CONTOSO), "--user", "alice@contoso.com", "--app", FLOW,
        "--ip", "203.0.113.1", "--at", AT, "--json",
    )  # fmt: skip
    assert f'data-decision="{cli["decision"]}"' in r.text
    assert '<option value="Contoso HQ" selected>' in r.text  # the pick is kept
    country = client.post("/whatif", data={**form, "location": "Allowed countries"})
    assert "Signing in from country " in country.text and " of Allowed countries." in country.text
    both = client.post("/whatif", data={**form, "ip": "8.8.8.8"})
    assert both.status_code == 400 and "not both" in both.text
    typo = client.post("/whatif", data={**form, "location": "Contoso H"})
    assert typo.status_code == 400 and "did you mean &#39;Contoso HQ&#39;?" in typo.text


def test_whatif_form_has_service_principal_risk(client: TestClient) -> None:
    assert '<select id="f-sp_risk" name="sp_risk"' in client.get("/whatif").text
    form = {"service_principal": "Contoso Sync", "app": FLOW, "sp_risk": "high", "at": AT}
    r = client.post("/whatif", data=form)
    assert r.status_code == 200, r.text
    cli = _cli_json(
        "whatif", str(CONTOSO), "--service-principal", "Contoso Sync", "--app", FLOW,
        "--sp-risk", "high", "--at", AT, "--json",
    )  # fmt: skip
    assert f'data-decision="{cli["decision"]}"' in r.text
    assert '<option value="high" selected>' in r.text.split('id="f-sp_risk"', 1)[1]
    bad = client.post("/whatif", data={**form, "sp_risk": "extreme"})
    assert bad.status_code == 400 and "&#39;sp_risk&#39;" in bad.text


def test_whatif_form_bad_value_is_400_with_the_cli_message_and_no_traceback(
    client: TestClient,
) -> None:
    r = client.post("/whatif", data={"user": "alice@contoso.com", "app": "Flow Servce", "ip": "x"})
    assert r.status_code == 400
    message = _cli_error(
        "whatif", str(CONTOSO), "--user", "alice@contoso.com", "--app", "Flow Servce", "--ip", "x"
    )
    # the CLI's message, naming the form's field where the CLI names its option (review of
    # issue 12: a page said "--user")
    assert message.startswith("--app: ")
    assert str(escape(message.replace("--app", "'app'"))) in r.text
    assert "--app" not in r.text
    assert "Traceback" not in r.text and 'role="alert"' in r.text
    assert 'value="Flow Servce"' in r.text  # the page keeps the input to correct


@pytest.mark.parametrize(
    ("url", "form", "marker"),
    [
        ("/simulate", {"scenario": "@examples/scenarios/effect1-future-runs.yaml"}, "Timeline"),
        (
            "/check",
            {"enable": "CA014 - Require MFA for Microsoft Flow Service", "start": AT},
            "Policy changes",
        ),
        ("/matrix", {"user": "alice@contoso.com", "at": AT}, "User × app requirements"),
        ("/advise", {"at": AT}, "Findings and remedies"),
    ],
)
def test_result_pages_show_the_report_sections(
    client: TestClient, url: str, form: dict, marker: str
) -> None:
    r = client.post(url, data=form)
    assert r.status_code == 200, r.text[-2000:]
    assert marker in r.text and 'id="result"' in r.text
    assert "Executive summary" in r.text


def test_scenario_page_lists_the_packaged_scenarios(client: TestClient) -> None:
    assert "@examples/scenarios/effect1-future-runs.yaml" in client.get("/simulate").text


def test_pages_without_a_bundle_say_how_to_open_one(empty: TestClient) -> None:
    r = empty.get("/policies")
    assert r.status_code == 400 and "no bundle is open" in r.text
    assert "Traceback" not in r.text
    assert "No bundle open" in empty.get("/").text


def test_open_the_packaged_example_by_path(empty: TestClient) -> None:
    r = empty.post("/open", data={"path": "@examples/contoso"}, follow_redirects=True)
    assert r.status_code == 200 and "CA001 - Block legacy authentication" in r.text


@pytest.mark.parametrize("path", ["/etc", "../", "../../etc/passwd", "@examples/../../.."])
def test_open_path_outside_the_root_is_403(empty: TestClient, path: str) -> None:
    r = empty.post("/open", data={"path": path})
    assert r.status_code == 403, r.text
    assert "path outside the served folder" in r.text


def test_symlink_out_of_the_root_is_403(empty: TestClient, tmp_path: Path) -> None:
    (tmp_path / "escape").symlink_to("/etc")
    r = empty.post("/open", data={"path": "escape"})
    assert r.status_code == 403


# -- uploads --------------------------------------------------------------------------------------


def _bundle_zip(extra: dict[str, bytes] | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in sorted(CONTOSO.rglob("*")):
            if p.is_file():
                zf.write(p, p.relative_to(CONTOSO).as_posix())
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
    return buf.getvalue()


def test_upload_a_zip_opens_it(empty: TestClient) -> None:
    r = empty.post(
        "/upload",
        files={"files": ("contoso.zip", _bundle_zip(), "application/zip")},
        follow_redirects=True,
    )
    assert r.status_code == 200, r.text
    assert "Bundle: <strong>contoso.zip</strong>" in r.text


def test_upload_files_of_a_folder_opens_it(empty: TestClient) -> None:
    files = [
        ("files", (f"contoso/{p.relative_to(CONTOSO).as_posix()}", p.read_bytes(), "text/plain"))
        for p in sorted(CONTOSO.rglob("*"))
        if p.is_file()
    ]
    r = empty.post("/upload", files=files, follow_redirects=True)
    assert r.status_code == 200, r.text
    assert "CA014 - Require MFA for Microsoft Flow Service" in r.text


def test_upload_malformed_json_names_file_and_position(empty: TestClient) -> None:
    r = empty.post(
        "/upload",
        files=[
            (
                "files",
                ("b/tenant.yaml", b"id: 11111111-1111-1111-1111-111111111111\n", "text/plain"),
            ),
            ("files", ("b/policies/bad.json", b'{"displayName": "x", "state": ', "text/plain")),
        ],
    )
    assert r.status_code == 400, r.text
    assert "bad.json" in r.text and "Traceback" not in r.text
    assert re.search(r"(malformed|invalid|parse)", r.text, re.I)


def test_upload_wrong_type_names_the_json_path(empty: TestClient) -> None:
    policy = json.loads(
        (CONTOSO / "policies" / "CA001-Block-legacy-authentication.json").read_text()
    )
    policy["sessionControls"] = {"signInFrequency": {"isEnabled": "true", "value": 1}}
    r = empty.post(
        "/upload",
        files=[("files", ("b/policies/p.json", json.dumps(policy).encode(), "application/json"))],
    )
    assert r.status_code == 400, r.text
    assert "p.json" in r.text and "/sessionControls/signInFrequency/isEnabled" in r.text


def test_upload_zip_bomb_is_refused_before_expanding(empty: TestClient) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("policies/bomb.json", b" " * (60 * 1024 * 1024))
    data = buf.getvalue()
    assert len(data) < 200_000  # small on the wire
    r = empty.post("/upload", files={"files": ("bomb.zip", data, "application/zip")})
    assert r.status_code in (400, 413), r.text
    assert "bomb" in r.text and "Traceback" not in r.text


def test_upload_over_the_limit_is_413(empty: TestClient) -> None:
    r = empty.post("/upload", files={"files": ("big.zip", b"0" * 300_000, "application/zip")})
    assert r.status_code == 413
    assert "limit" in r.text


@pytest.mark.parametrize(
    "name", ["../evil.json", "/abs/evil.json", "a/../../evil.json", "C:x.json"]
)
def test_upload_names_leaving_the_folder_are_403(empty: TestClient, name: str) -> None:
    r = empty.post("/upload", files={"files": (name, b"{}", "application/json")})
    assert r.status_code == 403, r.text


def test_upload_not_a_zip_is_400(empty: TestClient) -> None:
    r = empty.post("/upload", files={"files": ("x.zip", b"PK not really", "application/zip")})
    assert r.status_code == 400 and "not a readable zip archive" in r.text


# -- API ------------------------------------------------------------------------------------------


def test_api_whatif_is_the_cli_json(client: TestClient) -> None:
    body = {
        "user": "alice@contoso.com",
        "app": FLOW,
        "ip": "8.8.8.8",
        "platform": "windows",
        "client_app": "browser",
        "at": AT,
        "explain": "fails",
    }
    r = client.post("/api/whatif", json=body)
    assert r.status_code == 200
    expected = _cli_json(
        "whatif",
        str(CONTOSO),
        "--user",
        "alice@contoso.com",
        "--app",
        FLOW,
        "--ip",
        "8.8.8.8",
        "--platform",
        "windows",
        "--client-app",
        "browser",
        "--at",
        AT,
        "--explain",
        "fails",
        "--json",
    )
    assert r.json() == expected
    jsonschema.validate(r.json(), schema("whatif"))


def test_api_advise_check_simulate_matrix_are_the_cli_json(client: TestClient) -> None:
    advise = client.post("/api/advise", json={"at": AT})
    assert advise.status_code == 200
    assert advise.json() == _cli_json("advise", str(CONTOSO), "--at", AT, "--json")
    jsonschema.validate(advise.json(), schema("advise"))

    enable = "CA014 - Require MFA for Microsoft Flow Service"
    check = client.post("/api/check", json={"enable": [enable], "start": AT, "horizon": "P30D"})
    assert check.status_code == 200
    assert check.json() == _cli_json(
        "check",
        "--baseline",
        str(CONTOSO),
        "--enable",
        enable,
        "--start",
        AT,
        "--horizon",
        "P30D",
        "--json",
    )
    jsonschema.validate(check.json(), schema("check"))

    scenario = EXAMPLES / "scenarios" / "effect1-future-runs.yaml"
    sim = client.post(
        "/api/simulate", json={"scenario": "@examples/scenarios/effect1-future-runs.yaml"}
    )
    assert sim.status_code == 200
    cli_sim = _cli_json("simulate", str(scenario), "--json")
    assert {k: v for k, v in sim.json().items() if k != "source"} == {
        k: v for k, v in cli_sim.items() if k != "source"
    }
    jsonschema.validate(sim.json(), schema("simulate"))

    matrix = client.post("/api/matrix", json={"user": ["alice@contoso.com"], "at": AT})
    assert matrix.status_code == 200
    assert matrix.json() == _cli_json(
        "matrix", str(CONTOSO), "--user", "alice@contoso.com", "--at", AT, "--json"
    )
    jsonschema.validate(matrix.json(), schema("matrix"))


@pytest.mark.parametrize(
    ("body", "cli_args"),
    [
        ({"user": "alice@contoso.com", "app": "Flow Servce"}, ["--app", "Flow Servce"]),
        (
            {"user": "alice@contoso.com", "app": FLOW, "ip": "999.1.1.1"},
            ["--app", FLOW, "--ip", "999.1.1.1"],
        ),
        (
            {"user": "alice@contoso.com", "app": FLOW, "platform": "Windows10"},
            ["--app", FLOW, "--platform", "Windows10"],
        ),
        (
            {"user": "alice@contoso.com", "app": FLOW, "at": "yesterday"},
            ["--app", FLOW, "--at", "yesterday"],
        ),
        (
            {"user": "alice@contoso.com", "app": FLOW, "device": "{nope"},
            ["--app", FLOW, "--device", "{nope"],
        ),
        ({"user": "alice@contoso.com"}, []),
    ],
)
def test_api_bad_input_is_400_with_the_cli_message(
    client: TestClient, body: dict, cli_args: list[str]
) -> None:
    r = client.post("/api/whatif", json=body)
    assert r.status_code == 400, r.text
    expected = _cli_error("whatif", str(CONTOSO), "--user", "alice@contoso.com", *cli_args)
    assert r.json()["error"]["text"] == expected


def test_api_strict_unknown_user_is_400_and_a_warning_otherwise(client: TestClient) -> None:
    body = {"user": "alcie@contoso.com", "app": FLOW, "at": AT}
    loose = client.post("/api/whatif", json=body)
    assert loose.status_code == 200 and "did you mean" in loose.headers["caflow-warning"]
    strict = client.post("/api/whatif", json={**body, "strict": True})
    assert strict.status_code == 400 and strict.json()["error"]["file"] == "--user"


def test_api_unknown_field_and_malformed_json_are_422(client: TestClient) -> None:
    r = client.post("/api/whatif", json={"usr": "alice"})
    assert r.status_code == 422
    assert r.json()["error"]["text"].startswith("request body: /usr: ")
    r = client.post("/api/whatif", content=b"{bad", headers={"content-type": "application/json"})
    assert r.status_code == 422 and "malformed JSON" in r.json()["error"]["text"]


def test_api_paths_outside_the_root_are_403(client: TestClient) -> None:
    for body in ({"scenario": "/etc/passwd"}, {"scenario": "../../../etc/passwd"}):
        r = client.post("/api/simulate", json=body)
        assert r.status_code == 403 and r.json()["error"]["code"] == "unsafe-path"
    r = client.post("/api/check", json={"proposed": ["/etc"], "start": AT})
    assert r.status_code == 403


def test_api_check_without_a_change_is_the_cli_error(client: TestClient) -> None:
    r = client.post("/api/check", json={"start": AT})
    assert r.status_code == 400
    assert r.json()["error"]["text"] == _cli_error("check", "--baseline", str(CONTOSO))


def test_openapi_document_lists_the_cli_endpoints_with_their_contracts(client: TestClient) -> None:
    doc = client.get("/openapi.json").json()
    for name in ("whatif", "simulate", "advise", "check", "matrix"):
        op = doc["paths"][f"/api/{name}"]["post"]
        assert {"200", "400", "422"} <= op["responses"].keys()
    assert "WhatIfOutput" in json.dumps(doc["paths"]["/api/whatif"]["post"]["responses"]["200"])
    assert client.get("/docs").status_code == 404  # Swagger UI would load a CDN


def test_an_internal_error_is_500_without_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import caflow.web.operations as ops

    def boom(*_: object, **__: object) -> None:
        raise RuntimeError("secret internals /home/admin/tenant")

    import caflow.web.api as api

    monkeypatch.setattr(ops, "run_whatif", boom)
    monkeypatch.setattr(api, "run_whatif", boom)
    c = TestClient(create_app(CONTOSO, root=tmp_path), raise_server_exceptions=False)
    for url, kw in (("/api/whatif", {"json": {}}), ("/whatif", {"data": {}})):
        r = c.post(url, **kw)
        assert r.status_code == 500
        assert "internal error: RuntimeError" in r.text
        assert "secret internals" not in r.text and "Traceback" not in r.text


# -- replay store ---------------------------------------------------------------------------------


def test_replay_pages_show_stored_runs(tmp_path: Path) -> None:
    fixtures = Path(__file__).resolve().parents[1] / "io" / "signins" / "fixtures"
    store = tmp_path / "r.duckdb"
    result = runner.invoke(
        cli,
        [
            "replay",
            "--bundle",
            str(CONTOSO),
            "--logs",
            str(fixtures),
            "--store",
            str(store),
            "--at",
            "2026-03-01",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    c = TestClient(create_app(CONTOSO, root=tmp_path, store=store))
    listing = c.get("/replay")
    assert listing.status_code == 200
    run_id = re.search(r'href="/replay/([0-9a-f]+)"', listing.text)
    assert run_id, listing.text
    page = c.get(f"/replay/{run_id.group(1)}")
    assert page.status_code == 200
    assert "Executive summary" in page.text and "Policies (baseline)" in page.text
    missing = c.get("/replay/000000000000")
    assert missing.status_code == 400 and "no such replay run" in missing.text


def test_replay_page_without_a_store_says_how_to_get_one(client: TestClient) -> None:
    assert "caflow serve --store PATH" in client.get("/replay").text


# -- the command ----------------------------------------------------------------------------------


def test_serve_help_teaches() -> None:
    result = runner.invoke(cli, ["serve", "--help"], terminal_width=200)
    assert result.exit_code == 0
    for needle in ("127.0.0.1", "/api/whatif", "/openapi.json", "--store", "--root", "caflow[web]"):
        assert needle in result.output


def test_serve_warns_when_not_loopback() -> None:
    from caflow.cli.serve_cmd import _is_loopback

    assert _is_loopback("127.0.0.1") and _is_loopback("::1") and _is_loopback("localhost")
    assert not _is_loopback("0.0.0.0") and not _is_loopback("192.168.1.4")


def test_api_bundle_field_opens_a_bundle_without_changing_the_page(empty: TestClient) -> None:
    body = {"bundle": "@examples/contoso", "user": "alice@contoso.com", "app": FLOW, "at": AT}
    assert empty.post("/api/whatif", json=body).status_code == 200
    assert empty.get("/policies").status_code == 400  # the page still has no bundle open
    missing = empty.post("/api/whatif", json={**body, "bundle": "nowhere"})
    assert missing.status_code == 400 and missing.json()["error"]["file"] == "bundle"


def test_loader_notes_are_shown_like_the_cli_prints_them(empty: TestClient) -> None:
    files = [
        ("files", (f"b/{p.relative_to(CONTOSO).as_posix()}", p.read_bytes(), "text/plain"))
        for p in sorted(CONTOSO.rglob("*"))
        if p.is_file()
    ] + [("files", ("b/notes/unrelated.json", b'{"hello": "world"}', "application/json"))]
    r = empty.post("/upload", files=files, follow_redirects=False)
    assert r.status_code == 303
    home = empty.get("/").text
    assert "Notes on b" in home and "not read as tenant data" in home
    assert "unrelated.json" in home and "caflow-serve-" not in home  # no server temp path


def test_scenario_naming_a_tenant_outside_the_root_is_403(
    client: TestClient, tmp_path: Path
) -> None:
    scenario = (EXAMPLES / "scenarios" / "effect1-future-runs.yaml").read_text()
    outside = tmp_path.parent / "elsewhere-tenant"
    text = re.sub(r"(?m)^tenant: .*$", f"tenant: {outside}", scenario)
    (tmp_path / "s.yaml").write_text(text)
    r = client.post("/api/simulate", json={"scenario": "s.yaml"})
    assert r.status_code == 403, r.text
    assert r.json()["error"]["file"] == "s.yaml" and r.json()["error"]["path"] == "/tenant"


def test_scenario_list_is_bounded_and_tolerates_unreadable_folders(
    empty: TestClient, tmp_path: Path
) -> None:
    near = tmp_path / "proj" / "scenarios"
    deep = tmp_path / "a" / "b" / "c" / "d" / "scenarios"
    for folder in (near, deep):
        folder.mkdir(parents=True)
        (folder / "s.yaml").write_text("tenant: x\n")
    locked = tmp_path / "locked"
    locked.mkdir(mode=0)
    try:
        page = empty.get("/simulate")
    finally:
        locked.chmod(0o700)
    assert page.status_code == 200
    assert "proj/scenarios/s.yaml" in page.text and "a/b/c/d/scenarios" not in page.text
