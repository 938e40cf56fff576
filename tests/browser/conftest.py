"""One real Chromium for the browser tests (Playwright for Python driving Debian's ``chromium``
package; ``playwright install`` cannot download browsers here, so it is never used).

The browser is shared by the whole session (starting it costs ~1 s); each test gets a fresh
context and page whose :class:`Watch` records console errors, page errors and every request
outside the allowed origins - a test fails on any of them at teardown, so "no console errors,
nothing fetched" is checked by every browser test, not only by the ones that say so.

Without Chromium (or Playwright) the tests skip locally but fail under CI (``CI=true``): CI
installs the browser (``.ci/run``), so a missing one there is a broken build, not a skip.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from tests.browser.harness import CHROMIUM, launch


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _unavailable(why: str) -> None:
    if in_ci():
        pytest.fail(f"browser tests cannot run in CI: {why}", pytrace=False)
    pytest.skip(f"browser tests need {why} (they fail instead of skipping when CI=true)")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright (pip install -e '.[dev]')")
    if not (CHROMIUM.is_file() or shutil.which(str(CHROMIUM))):
        _unavailable(f"{CHROMIUM} (apt-get install -y chromium)")
    with sync_playwright() as pw:
        b = launch(pw)
        try:
            yield b
        finally:
            b.close()


@dataclass
class Watch:
    """What a page did that a test must not allow: console errors, uncaught exceptions, requests
    to anywhere but ``allowed`` URL prefixes (``file:``/``data:`` for a report; the server's
    origin for ``caflow serve``)."""

    allowed: tuple[str, ...]
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)

    def ok(self, url: str) -> bool:
        return url.startswith(self.allowed)

    def refuse(self, url: str) -> None:
        """Seen by the route and the request event both: recorded once."""
        if url not in self.refused:
            self.refused.append(url)

    def problems(self) -> list[str]:
        return (
            [f"console error: {m}" for m in self.console_errors]
            + [f"page error: {m}" for m in self.page_errors]
            + [f"request outside {self.allowed}: {u}" for u in self.refused]
        )


def open_page(browser: Any, allowed: tuple[str, ...]) -> tuple[Any, Any, Watch]:
    """A new context + page that records problems and aborts any request outside ``allowed``."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    watch = Watch(allowed=(*allowed, "data:", "about:", "blob:"))

    def route(r: Any) -> None:
        url = r.request.url
        if watch.ok(url):
            r.continue_()
        else:
            watch.refuse(url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on(
        "console",
        lambda m: watch.console_errors.append(m.text) if m.type == "error" else None,
    )
    page.on("pageerror", lambda e: watch.page_errors.append(str(e)))

    def seen(req: Any) -> None:
        watch.requests.append(req.url)
        if not watch.ok(req.url):
            watch.refuse(req.url)

    page.on("request", seen)
    return context, page, watch


def replay_store(tmp: Path) -> Path:
    """A DuckDB store holding one replay run of the example tenant with a proposal that breaks
    svc-outlook's Flow Service refresh (what ``caflow replay --store`` writes)."""
    import json

    from tests.examples_paths import CONTOSO
    from tests.proposals import FLOW_REFRESH, MFA_O365
    from typer.testing import CliRunner

    from caflow.cli.main import app

    proposal = tmp / "mfa-o365.json"
    proposal.write_text(json.dumps(MFA_O365), encoding="utf-8")
    store = tmp / "replay.duckdb"
    args = ["replay", "--bundle", str(CONTOSO), "--logs", str(FLOW_REFRESH)]
    args += ["--proposed", str(proposal), "--at", "2026-03-01", "--store", str(store)]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    return store
