"""``.ci/run`` installs Debian's chromium before the tests (the browser tests fail under CI
without it) and runs exactly the README's test command."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_chromium_before_the_readme_test_command() -> None:
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    (test_cmd,) = re.findall(
        r"```bash\n\. \.venv/bin/activate && (python -m pytest[^\n]*)\n", readme
    )
    runs = [i for i, line in enumerate(script) if line.strip() == test_cmd]
    assert len(runs) == 1, f"{test_cmd!r} must be in .ci/run exactly once"
    install = [
        i for i, line in enumerate(script) if "apt-get install" in line and "chromium" in line
    ]
    guard = [i for i, line in enumerate(script) if "/usr/bin/chromium" in line]
    assert install and guard and guard[0] < install[0] < runs[0]
    assert any("DEBIAN_FRONTEND=noninteractive" in script[i] for i in install)
    assert not any("playwright install" in line for line in script)
