"""Every file of ``tests/data`` has a named source and a licence text inside the repository.

The corpora are redistributed with caflow's source (sdist, clones), so each upstream licence's
notice condition applies (MIT: "this permission notice shall be included"; MPL-2.0 §3.1: tell
recipients the licence and how to get it). Each ``SOURCES.md`` under ``tests/data`` carries a
``## Licences`` table ``| file | licence | licence file |``: a row names a file or a folder
(``…/``) relative to that ``SOURCES.md`` and the licence file(s) that cover it.
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.corpora_paths import DATA

ROOT = Path(__file__).resolve().parents[1]
_CODE = re.compile(r"`([^`]+)`")
#: A statement in a SOURCES.md that sends the reader outside the repository (the team's
#: reference notes or corpora folder); ``api-reference/`` (Graph docs paths) is not one.
_OUTSIDE = re.compile(
    r"\.\./shared|\bshared/(?:data|seeds|reference)|(?<![\w-])reference/[\w-]+\.md"
    r"|\bDESIGN\.md|\bSTACK\.md|\bSTYLE\.md"
)


def _rows(sources: Path) -> list[tuple[str, list[str]]]:
    """The ``## Licences`` rows of one SOURCES.md: (covered path, licence files)."""
    text = sources.read_text(encoding="utf-8")
    section = text.split("## Licences", 1)
    assert len(section) == 2, f"{sources.relative_to(ROOT)} has no '## Licences' section"
    rows = []
    for line in section[1].split("\n## ", 1)[0].splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 3 or not cells[0].startswith("`"):
            continue
        rows.append((_CODE.findall(cells[0])[0], _CODE.findall(cells[2])))
    assert rows, f"{sources.relative_to(ROOT)}: empty '## Licences' table"
    return rows


def _all_sources() -> list[Path]:
    return sorted(DATA.rglob("SOURCES.md"))


def test_every_licence_file_named_exists_inside_the_repository() -> None:
    problems = []
    for sources in _all_sources():
        for covered, licences in _rows(sources):
            if not (sources.parent / covered).exists():
                problems.append(f"{sources.relative_to(ROOT)}: {covered} does not exist")
            if not licences:
                problems.append(f"{sources.relative_to(ROOT)}: {covered} names no licence file")
            for name in licences:
                path = (sources.parent / name).resolve()
                if not path.is_file() or not path.is_relative_to(ROOT):
                    problems.append(f"{sources.relative_to(ROOT)}: licence file {name} missing")
    assert not problems, "\n".join(problems)


def test_every_data_file_has_a_source_and_licence_entry() -> None:
    covered_files: set[Path] = set()
    covered_dirs: set[Path] = set()
    licence_files: set[Path] = set()
    for sources in _all_sources():
        for covered, licences in _rows(sources):
            target = (sources.parent / covered).resolve()
            (covered_dirs if covered.endswith("/") else covered_files).add(target)
            licence_files.update((sources.parent / n).resolve() for n in licences)
    uncovered = [
        str(p.relative_to(DATA))
        for p in sorted(DATA.rglob("*"))
        if p.is_file()
        and p.name != "SOURCES.md"
        and p.resolve() not in covered_files | licence_files
        and not any(p.resolve().is_relative_to(d) for d in covered_dirs)
    ]
    # every top-level folder is checked, including ones added later (graph/ came last)
    assert {p.name for p in DATA.iterdir() if p.is_dir()} >= {"graph", "policies", "powerplatform"}
    assert not uncovered, "files under tests/data with no SOURCES.md licence row:\n" + "\n".join(
        uncovered
    )


def test_sources_statements_stay_inside_the_repository() -> None:
    hits = [
        f"{md.relative_to(ROOT)}:{n}: {line.strip()}"
        for md in sorted(DATA.rglob("*.md"))
        for n, line in enumerate(md.read_text(encoding="utf-8").splitlines(), 1)
        if _OUTSIDE.search(line)
    ]
    assert not hits, "tests/data documents point outside the repository:\n" + "\n".join(hits)
