"""Every error code caflow raises has a heading in docs/errors.md, and vice versa (STYLE.md §6)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _codes_in_source() -> set[str]:
    codes: set[str] = set()
    for path in (ROOT / "src" / "caflow").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        codes |= set(re.findall(r'\bcode\s*=\s*"([a-z][a-z-]+)"', text))
    return codes


def _headings() -> set[str]:
    text = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    return set(re.findall(r"^## ([a-z][a-z-]+)\s*$", text, flags=re.M))


def test_every_raised_code_is_documented() -> None:
    missing = _codes_in_source() - _headings()
    assert not missing, f"codes without a heading in docs/errors.md: {sorted(missing)}"


def test_every_documented_code_exists() -> None:
    codes = _codes_in_source() | {"dangling-reference"}
    stale = _headings() - codes
    assert not stale, f"docs/errors.md documents codes nothing raises: {sorted(stale)}"
