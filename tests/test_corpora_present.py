"""The corpora must be there: tests that load them must never pass by finding nothing.

They are copied into ``tests/data`` (a fresh clone needs no sibling folder); when the team's
``../shared/data`` is beside the repository, the copy must be byte-identical to it.
"""

from __future__ import annotations

from pathlib import Path

from tests.corpora_paths import DATA

EXPECTED = (
    "policies/j0eyv-ConditionalAccessBaseline",
    "policies/AlexFilipin-ConditionalAccess",
    "policies/cisagov-ScubaGear",
    "policies/msgraph-docs",
    "signins/msgraph-docs",
    "signins/msticpy-aad-logons",
    "powerplatform",
)
#: Test data made in this repository, not copied from the team's corpora: graph/ is extracted
#: from Microsoft Graph's metadata by scripts/graph_keys.py (graph/SOURCES.md).
GENERATED_HERE = frozenset({"graph"})
#: Files this repository rewrote or added so that every statement and licence holds inside the
#: repository (M7 of the issue-9 review): the team copy's SOURCES.md files pointed at sibling
#: folders, and powerplatform/ had no licence texts. The data files stay byte-identical.
CHANGED_HERE = frozenset(
    {
        Path("SOURCES.md"),
        Path("powerplatform/SOURCES.md"),
        Path("powerplatform/LICENSE-MPL-2.0"),
        Path("powerplatform/LICENSE-MIT-cli-microsoft365"),
        Path("powerplatform/LICENSE-MIT-coe-starter-kit"),
        Path("powerplatform/LICENSE-MIT-MicrosoftDocs"),
    }
)
SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def test_corpora_are_in_the_repository() -> None:
    missing = [p for p in EXPECTED if not (DATA / p).is_dir()]
    assert not missing, f"{DATA} lacks {missing}"
    data_files = [p for p in DATA.rglob("*") if p.suffix in (".json", ".json5")]
    assert len(data_files) >= 250, len(data_files)
    licences = [p for p in DATA.rglob("LICENSE")]
    assert len(licences) >= 6, licences


def test_copy_matches_the_shared_corpora_when_present() -> None:
    if not SHARED_DATA.is_dir():  # a fresh clone without the team folder: the copy is the source
        assert (DATA / "SOURCES.md").is_file()
        return
    ours = {
        p.relative_to(DATA): p.read_bytes()
        for p in DATA.rglob("*")
        if p.is_file()
        and p.relative_to(DATA).parts[0] not in GENERATED_HERE
        and p.relative_to(DATA) not in CHANGED_HERE
    }
    theirs = {
        p.relative_to(SHARED_DATA): p.read_bytes()
        for p in SHARED_DATA.rglob("*")
        if p.is_file() and p.relative_to(SHARED_DATA) not in CHANGED_HERE
    }
    assert ours.keys() == theirs.keys()
    assert [k for k in ours if ours[k] != theirs[k]] == []
