"""Screenshots of caflow's main pages for the README (``docs/img/*.png``), reproducibly.

    . .venv/bin/activate && python scripts/screenshots.py            # writes docs/img/
    python scripts/screenshots.py --out /tmp/img --only report-check

Everything comes from the example tenant shipped in the package (copied by ``caflow examples``
into a temporary folder, so the pages show the same relative paths a newcomer sees) at fixed
times, driven through Debian's Chromium exactly as the browser tests do (tests/browser/harness.py:
the real ``caflow serve`` in a subprocess, nothing fetched from the internet). Needs the dev
install and ``apt-get install -y chromium``.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.browser.harness import caflow_serve, launch  # noqa: E402  (after the path)

AT = "2026-02-01T09:00:00Z"
START = "2026-01-05T09:00:00Z"
WIDTH, MAX_HEIGHT = 1280, 1500


def caflow(*args: str, cwd: Path) -> None:
    cmd = [sys.executable, "-c", "from caflow.cli.main import main; main()", *args]
    res = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)
    if res.returncode not in (0, 1):  # 1 = "something breaks", still a result
        raise SystemExit(f"caflow {' '.join(args)}: exit {res.returncode}\n{res.stderr}")


def shoot(page: Any, path: Path, *, scroll_to: str | None = None) -> None:
    """The page from the top (or from ``scroll_to``), at most MAX_HEIGHT pixels tall."""
    top = 0
    if scroll_to:
        box = page.locator(scroll_to).first.bounding_box()
        top = max(0, int(box["y"]) - 16) if box else 0
    height = page.evaluate("() => document.documentElement.scrollHeight")
    clip = {"x": 0, "y": top, "width": WIDTH, "height": min(MAX_HEIGHT, height - top)}
    page.screenshot(path=str(path), full_page=True, clip=clip, animations="disabled")
    print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


def report_check(page: Any, work: Path, out: Path, url: str) -> None:
    caflow(
        "check",
        "--baseline",
        "examples/contoso",
        "--enable",
        "CA014 - Require MFA for Microsoft Flow Service",
        "--start",
        START,
        "--format",
        "json",
        "-o",
        "check.json",
        cwd=work,
    )
    caflow("report", "check.json", "-o", "check.html", cwd=work)
    page.goto((work / "check.html").as_uri())
    shoot(page, out / "report-check.png")


def serve_whatif(page: Any, work: Path, out: Path, url: str) -> None:
    page.goto(url + "/whatif")
    page.get_by_label("User", exact=True).fill("alice@contoso.com")
    page.get_by_label("Cloud app").fill("Office 365 SharePoint Online")
    page.get_by_label("IP address").fill("8.8.8.8")
    page.get_by_label("Device platform").select_option("windows")
    page.get_by_label("Client app", exact=True).select_option("browser")
    page.get_by_label("Time").fill(AT)
    page.get_by_role("button", name="What if").click()
    page.locator("#result .verdict").wait_for()
    shoot(page, out / "serve-whatif.png", scroll_to="#result")


def serve_simulate(page: Any, work: Path, out: Path, url: str) -> None:
    page.goto(url + "/simulate")
    page.get_by_label("Scenario file").fill("examples/scenarios/effect1-future-runs.yaml")
    page.get_by_role("button", name="Run").click()
    page.locator("#result .report").wait_for()
    shoot(page, out / "serve-simulate.png", scroll_to="#result")


def serve_matrix(page: Any, work: Path, out: Path, url: str) -> None:
    page.goto(url + "/matrix")
    page.get_by_label("Time").fill(AT)
    page.get_by_role("button", name="Build the matrix").click()
    page.locator("#result .report").wait_for()
    shoot(page, out / "serve-matrix.png", scroll_to="#result")


def serve_advise(page: Any, work: Path, out: Path, url: str) -> None:
    page.goto(url + "/advise")
    page.get_by_label("Time").fill(AT)
    page.get_by_role("button", name="Run the advisor").click()
    page.locator("#result .report").wait_for()
    shoot(page, out / "serve-advise.png", scroll_to="#result")


def serve_policies(page: Any, work: Path, out: Path, url: str) -> None:
    page.goto(url + "/policies")
    shoot(page, out / "serve-policies.png")


SHOTS: dict[str, Callable[[Any, Path, Path, str], None]] = {
    "report-check": report_check,
    "serve-whatif": serve_whatif,
    "serve-simulate": serve_simulate,
    "serve-matrix": serve_matrix,
    "serve-advise": serve_advise,
    "serve-policies": serve_policies,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "img")
    parser.add_argument("--only", action="append", choices=sorted(SHOTS), default=[])
    args = parser.parse_args()
    out: Path = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="caflow-shots-") as tmp:
        work = Path(tmp)
        caflow("examples", "examples", cwd=work)
        with (
            caflow_serve("examples/contoso", "--root", ".", cwd=work) as url,
            sync_playwright() as pw,
        ):
            browser = launch(pw)
            context = browser.new_context(
                viewport={"width": WIDTH, "height": 900}, device_scale_factor=1
            )
            # nothing but the server and local files (the same rule as the browser tests)
            context.route(
                "**/*",
                lambda r: (
                    r.continue_()
                    if r.request.url.startswith((url, "file:", "data:"))
                    else r.abort()
                ),
            )
            page = context.new_page()
            for name, shot in SHOTS.items():
                if not args.only or name in args.only:
                    shot(page, work, out, url)
            browser.close()


if __name__ == "__main__":
    main()
