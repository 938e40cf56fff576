"""The product refers only to files inside the repository (issue 9 part 3): no help text, error
message or docstring in src/ points at the team's design notes or a sibling ``shared`` folder."""

from __future__ import annotations

import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "caflow"
OUTSIDE = re.compile(
    r"DESIGN\.md|STYLE\.md|STACK\.md|\.\./shared|\bshared/(?:DESIGN|data|seeds|reference)"
)


def test_src_refers_to_docs_in_the_repository() -> None:
    hits = [
        f"{path.relative_to(SRC.parent)}:{n}: {line.strip()}"
        for path in sorted(SRC.rglob("*"))
        if path.is_file() and path.suffix in (".py", ".md", ".yaml", ".yml", ".json")
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if OUTSIDE.search(line)
    ]
    assert not hits, "references outside the repository:\n" + "\n".join(hits)


def test_referenced_format_docs_exist() -> None:
    root = SRC.parents[1]
    for doc in ("bundle-format.md", "scenario-format.md", "output.md", "errors.md"):
        assert (root / "docs" / doc).is_file(), doc


SHARED_PATH = re.compile(
    r"\.\./shared|\bshared/(?:seeds|reference|data|DESIGN|STACK|STYLE)|/shared/"
    r"|\bDESIGN\.md|\bSTYLE\.md|\bSTACK\.md"
)


def test_docs_and_readme_do_not_send_users_to_a_shared_folder() -> None:
    """Users have no ``../shared``: the README and docs/ carry the formats and cite public sources."""
    root = SRC.parents[1]
    files = [root / "README.md", root / "SECURITY.md", *sorted((root / "docs").rglob("*.md"))]
    hits = [
        f"{path.relative_to(root)}:{n}: {line.strip()}"
        for path in files
        if path.is_file()
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if SHARED_PATH.search(line)
    ]
    assert not hits, "references to a shared folder:\n" + "\n".join(hits)
