"""The README's screenshots exist and each is one that ``scripts/screenshots.py`` takes (so
re-running the script refreshes every picture the README shows)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_readme_images_are_the_scripts_shots() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = set(re.findall(r"\]\((docs/img/[^)]+\.png)\)", readme))
    tree = ast.parse((ROOT / "scripts" / "screenshots.py").read_text(encoding="utf-8"))
    shots = next(
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.AnnAssign)
        and isinstance(node.target, ast.Name)
        and node.target.id == "SHOTS"
    )
    assert isinstance(shots, ast.Dict)
    taken = {f"docs/img/{k.value}.png" for k in shots.keys if isinstance(k, ast.Constant)}
    assert shown and shown == taken
    for path in shown:
        data = (ROOT / path).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) < 400_000, path
