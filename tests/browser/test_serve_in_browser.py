"""``caflow serve`` on the example tenant, used through a real Chromium the way a newcomer would:
the What If form (verdict and per-policy reasons equal to ``caflow whatif``), a scenario's
timeline, the matrix (the embedded Flow Service / host mismatch), the advisor, a bad upload (4xx
naming file and JSON path, no stack trace), a stored replay run; every page reached from the
navigation has one h1, labelled fields and table headers. Every page: no console error, no request to any
host but the server (the page watch in conftest fails the test otherwise)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.browser.checks import (
    assert_charts_drawn,
    assert_tables_have_headers,
    assert_wide_tables_scroll,
)
from tests.browser.conftest import open_page, replay_store
from tests.browser.harness import caflow_serve
from tests.examples_paths import CONTOSO, SCENARIOS
from typer.testing import CliRunner

from caflow.cli.main import app

pytest.importorskip("fastapi", reason="caflow serve needs the web extra (part of the dev install)")

AT = "2026-02-01T09:00:00Z"
SCENARIO = "effect1-future-runs.yaml"
WHATIF = {
    "user": "alice@contoso.com",
    "app": "Microsoft Flow Service",
    "ip": "8.8.8.8",
    "platform": "windows",
    "client_app": "browser",
}


def _cli_json(*args: str) -> dict[str, Any]:
    res = CliRunner().invoke(app, [*args, "--format", "json"])
    assert res.exit_code in (0, 1), res.output
    return json.loads(res.stdout)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("served")
    store = replay_store(root)
    with caflow_serve(str(CONTOSO), "--root", str(root), "--store", str(store), cwd=root) as url:
        yield url


@pytest.fixture
def served(browser: Any, server: str) -> Iterator[tuple[Any, Any, str]]:
    context, page, watch = open_page(browser, allowed=(server + "/",))
    yield page, watch, server
    context.close()
    assert not watch.problems(), watch.problems()


def _result(page: Any) -> Any:
    """The result section once the htmx swap has filled it."""
    result = page.locator("#result")
    result.locator("h2").first.wait_for()
    return result


def test_whatif_form_gives_the_cli_verdict_and_reasons(served: Any) -> None:
    page, _, url = served
    page.goto(url + "/whatif")
    page.get_by_label("User", exact=True).fill(WHATIF["user"])
    page.get_by_label("Cloud app").fill(WHATIF["app"])
    page.get_by_label("IP address").fill(WHATIF["ip"])
    page.get_by_label("Device platform").select_option(WHATIF["platform"])
    page.get_by_label("Client app", exact=True).select_option(WHATIF["client_app"])
    page.get_by_label("Time").fill(AT)
    page.get_by_role("button", name="What if").click()
    verdict = page.locator("#result .verdict")
    verdict.wait_for()

    cli = _cli_json(
        "whatif",
        str(CONTOSO),
        "--user",
        WHATIF["user"],
        "--app",
        WHATIF["app"],
        "--ip",
        WHATIF["ip"],
        "--platform",
        WHATIF["platform"],
        "--client-app",
        WHATIF["client_app"],
        "--at",
        AT,
    )
    assert verdict.get_attribute("data-decision") == cli["decision"]
    assert verdict.inner_text().startswith(cli["decision"].upper())
    rows = page.locator("#per-policy tbody tr").all()
    assert len(rows) == len(cli["value"]) > 0
    for row, policy in zip(rows, cli["value"], strict=True):
        cells = [c.inner_text().strip() for c in row.locator("th, td").all()]
        assert cells[0] == policy["displayName"]
        assert cells[3].startswith(policy["grantResult"])
        assert cells[4].startswith(policy["analysisReasons"])  # the per-policy reason
    assert_tables_have_headers(page.locator("#result"))


def test_whatif_form_named_location_and_service_principal_risk(served: Any) -> None:
    """Review of issue 12: a named location picked from the bundle's list (instead of typing
    an IP) gives the CLI's verdict for the address the page says it used; the service
    principal risk field is there under More."""
    page, _, url = served
    page.goto(url + "/whatif")
    page.get_by_label("User", exact=True).fill(WHATIF["user"])
    page.get_by_label("Cloud app").fill(WHATIF["app"])
    page.get_by_label("Or from a named location").select_option("Contoso HQ")
    page.get_by_label("Time").fill(AT)
    page.get_by_role("button", name="What if").click()
    verdict = page.locator("#result .verdict")
    verdict.wait_for()
    origin = page.locator("#origin").inner_text()
    assert origin.startswith("Signing in from 203.0.113.1")
    cli = _cli_json(
        "whatif", str(CONTOSO), "--user", WHATIF["user"], "--app", WHATIF["app"],
        "--ip", "203.0.113.1", "--at", AT,
    )  # fmt: skip
    assert verdict.get_attribute("data-decision") == cli["decision"]
    page.locator("summary", has_text="More").click()
    risk = page.get_by_label("Service principal risk")
    assert risk.is_visible() and "high" in risk.locator("option").all_inner_texts()


def test_scenario_run_draws_the_timeline(served: Any) -> None:
    page, _, url = served
    page.goto(url + "/simulate")
    page.get_by_label("Scenario file").fill(f"@examples/scenarios/{SCENARIO}")
    page.get_by_role("button", name="Run").click()
    result = _result(page)
    result.locator(".report").wait_for()
    assert_charts_drawn(result, {"timeline", "bars"})
    cli = _cli_json("simulate", str(SCENARIOS / SCENARIO))
    broken = [c for c in cli["connections"] if c.get("brokenAt")]
    assert broken, "the scenario breaks connections"
    body = result.inner_text()
    for c in broken:
        assert c["id"] in body and c["brokenAt"] in body
    assert assert_tables_have_headers(result) > 0


def test_scenario_upload_runs_and_draws_the_timeline(served: Any) -> None:
    """Review of issue 12: a scenario file uploaded from the page (an inline tenant, so it
    needs nothing else) runs as the CLI runs it."""
    page, _, url = served
    page.goto(url + "/simulate")
    scenario = SCENARIOS / "inline-tenant-trusted-egress.yaml"
    page.get_by_label("Or upload a scenario").set_input_files(str(scenario))
    page.get_by_role("button", name="Upload and simulate").click()
    result = _result(page)
    result.locator(".report").wait_for()
    cli = _cli_json("simulate", str(scenario))
    body = result.inner_text()
    assert cli["connections"] and all(c["id"] in body for c in cli["connections"])
    assert assert_tables_have_headers(result) > 0


def test_matrix_page_highlights_the_embedded_mismatch(served: Any) -> None:
    page, _, url = served
    page.goto(url + "/matrix")
    page.get_by_label("Time").fill(AT)
    page.get_by_role("button", name="Build the matrix").click()
    result = _result(page)
    result.locator(".report").wait_for()
    cli = _cli_json("matrix", str(CONTOSO), "--at", AT)
    mismatches = cli["mismatches"]
    assert mismatches, "the example tenant embeds a Flow Service / host mismatch"
    caption = result.get_by_text(re.compile(r"^Flow Service / host mismatches \(\d+\)$"))
    assert caption.inner_text() == f"Flow Service / host mismatches ({len(mismatches)})"
    grid = result.locator(
        "table", has=page.locator("caption", has_text=re.compile(r"^Decision per user"))
    )
    assert grid.locator("tbody tr").count() > 0
    flagged = grid.locator("td", has_text="⚠")
    assert flagged.count() > 0  # the mismatch is marked in the grid, in text not only colour
    assert_tables_have_headers(result)
    assert_wide_tables_scroll(page, result, "Decision per user")


def test_advise_page_lists_the_findings(served: Any) -> None:
    page, _, url = served
    page.goto(url + "/advise")
    page.get_by_label("Time").fill(AT)
    page.get_by_role("button", name="Run the advisor").click()
    result = _result(page)
    result.locator(".report").wait_for()
    cli = _cli_json("advise", str(CONTOSO), "--at", AT)
    findings = result.locator(
        "table", has=page.locator("caption", has_text=re.compile(r"^Findings \("))
    )
    assert findings.locator("tbody tr").count() == len(cli["findings"])
    for status in {f["status"] for f in cli["findings"]}:
        assert findings.locator(f"tbody tr.status-{status}").count() == sum(
            f["status"] == status for f in cli["findings"]
        )
    assert_tables_have_headers(result)


def test_invalid_upload_is_a_4xx_naming_file_and_path(served: Any, tmp_path: Path) -> None:
    page, watch, url = served
    tenant = tmp_path / "tenant.yaml"
    tenant.write_text("displayName: Typo Corp\n", encoding="utf-8")
    directory = tmp_path / "directory.yaml"
    directory.write_text(
        "users:\n  - id: u1\n    userPrincipalName: a@typo.example\n    acountEnabled: true\n",
        encoding="utf-8",
    )
    page.goto(url + "/")
    page.get_by_label(re.compile("or the files of a bundle")).set_input_files(
        [str(tenant), str(directory)]
    )
    with page.expect_navigation() as nav:
        page.get_by_role("button", name="Upload and open").click()
    response = nav.value
    assert 400 <= response.status < 500
    text = page.get_by_role("alert").inner_text()
    # the CLI's message: file, JSON path, the unknown key and the did-you-mean
    assert "directory.yaml" in text and "/users/0/acountEnabled" in text
    assert "did you mean 'accountEnabled'?" in text
    content = page.content()
    assert "Traceback" not in content and 'File "' not in content
    # the browser logs the 4xx document itself as a console error: that one is expected
    watch.console_errors[:] = [
        m for m in watch.console_errors if f"status of {response.status}" not in m
    ]


def test_every_page_from_the_navigation_is_usable(served: Any) -> None:
    page, _, url = served
    page.goto(url + "/")
    links = page.get_by_role("navigation", name="Pages").get_by_role("link")
    names = [link.inner_text() for link in links.all()]
    assert len(names) >= 8
    for name in names:
        page.get_by_role("navigation", name="Pages").get_by_role("link", name=name).click()
        page.wait_for_load_state("load")
        assert page.locator("h1").count() == 1, name
        current = page.get_by_role("navigation", name="Pages").locator("[aria-current=page]")
        assert current.inner_text() == name
        # every field has a label a screen reader announces
        unlabelled = page.evaluate(
            """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
                 .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label'))
                 .map(e => e.name || e.id)"""
        )
        assert unlabelled == [], f"{name}: {unlabelled}"
        assert_tables_have_headers(page.locator("main"))


def test_stored_replay_run_opens_with_its_charts(served: Any) -> None:
    page, _, url = served
    page.goto(url + "/replay")
    runs = page.locator("main table tbody tr")
    assert runs.count() == 1
    runs.first.get_by_role("link").click()
    page.wait_for_load_state("load")
    result = _result(page)
    assert_charts_drawn(result, {"timeline", "bars"})
    body = result.inner_text()
    assert "svc-outlook" in body and "Proposed: MFA for Office 365" in body
