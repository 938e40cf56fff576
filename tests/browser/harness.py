"""What the browser tests and ``scripts/screenshots.py`` share: Debian's Chromium launched by
Playwright (``playwright install`` cannot download browsers here, so it is never used), and the
real ``caflow serve`` (a subprocess, exactly what a user runs) on a free loopback port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

__all__ = ["CHROMIUM", "CHROMIUM_ARGS", "caflow_serve", "launch"]

CHROMIUM = Path(os.environ.get("CAFLOW_CHROMIUM", "/usr/bin/chromium"))
#: Debian's package headless; --no-sandbox because CI runs as root in a container.
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu"]


def launch(playwright: Any) -> Any:
    """Chromium from ``CHROMIUM`` (``apt-get install -y chromium``)."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def caflow_serve(*args: str, cwd: Path, timeout: float = 30.0) -> Iterator[str]:
    """``caflow serve ARGS --port N`` running in ``cwd``; yields its base URL. The process is
    stopped (terminate, then kill) on exit; if it dies or never answers, the error names its
    output."""
    import httpx

    port = _free_port()
    cmd = [sys.executable, "-c", "from caflow.cli.main import main; main()", "serve", *args]
    cmd += ["--port", str(port)]
    log = cwd / f"serve-{port}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            cmd,
            cwd=cwd,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, "NO_COLOR": "1"},
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(
                    f"caflow serve exited with {proc.returncode}: {log.read_text(errors='replace')}"
                )
            try:
                if httpx.get(url + "/", timeout=1.0).status_code < 500:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"caflow serve did not answer in {timeout:.0f} s: {log.read_text()}"
                )
            time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
