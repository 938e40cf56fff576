"""The product refers only to files inside the repository (issue 9 part 3): no help text, error
message, docstring or comment in src/, docs/ or the README points at the team's design notes,
seeds, reference notes or a sibling ``shared`` folder. Facts are cited as ``docs/sources.md CA-2.6``
(a heading of docs/sources.md, which lists the Microsoft pages behind it)."""

from __future__ import annotations

import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "caflow"
OUTSIDE = re.compile(
    r"DESIGN\.md|STYLE\.md|STACK\.md|\.\./shared|\bshared/(?:DESIGN|data|seeds|reference)"
    # the team's reference notes and seeds, by folder or by name (``api-reference/`` of the Graph
    # docs and Learn's ``/conditional-access/`` paths are public pages, not these)
    r"|(?<![\w/-])(?:reference|seeds)/"
    r"|(?<![\w/-])(?:conditional-access|tokens-and-signins|power-automate)\.md"
    # a bare section sign cites a section of a document the reader cannot see; other standards
    # are named on the same line (SARIF 2.1.0 §3.14)
    r"|(?<!SARIF 2\.1\.0 )§(?=\d)"
)
#: Files whose every line is checked: the product, its docs (also the generated JSON Schemas and
#: rules.md) and the README. Help texts and error messages live in src/.
ROOT = Path(__file__).resolve().parents[1]


def _product_files() -> list[Path]:
    files = [ROOT / "README.md", ROOT / "SECURITY.md"]
    files += [p for p in sorted(SRC.rglob("*")) if p.is_file()]
    files += [p for p in sorted((ROOT / "docs").rglob("*")) if p.is_file()]
    return [p for p in files if p.suffix in (".py", ".md", ".yaml", ".yml", ".json", ".toml")]


def test_product_cites_no_team_notes() -> None:
    """The reference notes, seeds and design notes will not ship; a citation of them is a dead
    end for a reader (review of issue 9, L11). ``docs/sources.md CA-2.6`` replaces them."""
    hits = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()[:160]}"
        for path in _product_files()
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if OUTSIDE.search(line)
    ]
    assert not hits, "citations of files outside the repository:\n" + "\n".join(hits)


_CITED = re.compile(r"(?<![\w-])(CA|TS|PA)-(\d+(?:\.\d+)?)\b")


def test_every_cited_source_entry_exists() -> None:
    """Every ``CA-2.6`` / ``TS-1.4`` / ``PA-4.3`` the product cites is a heading (or a numbered
    point) of docs/sources.md, and each heading lists at least one public page or says why not."""
    sources = (ROOT / "docs" / "sources.md").read_text(encoding="utf-8")
    entries = set(re.findall(r"^### ((?:CA|TS|PA)-[\d.]+) ", sources, re.M))
    entries |= set(re.findall(r"\*\*((?:CA|TS|PA)-[\d.]+)\*\*", sources))
    cited = {
        f"{m.group(1)}-{m.group(2)}": f"{path.relative_to(ROOT)}"
        for path in _product_files()
        if path.name != "sources.md"
        for m in _CITED.finditer(path.read_text(encoding="utf-8"))
    }
    assert len(cited) >= 40, cited
    missing = {c: where for c, where in cited.items() if c not in entries}
    assert not missing, f"cited but not in docs/sources.md: {missing}"
    for block in re.split(r"\n(?=### )", sources)[1:]:
        assert "https://" in block or "assumptions.md" in block, block.splitlines()[0]


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
