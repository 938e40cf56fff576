"""The shared corpora must be there: tests that load them must never pass by finding nothing.

CI runs on a clean clone with ../shared beside the repository (developers' brief).
"""

from __future__ import annotations

from pathlib import Path

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
EXPECTED = (
    "data/policies/j0eyv-ConditionalAccessBaseline",
    "data/policies/AlexFilipin-ConditionalAccess",
    "data/policies/cisagov-ScubaGear",
    "data/policies/msgraph-docs",
    "data/signins/msgraph-docs",
    "data/powerplatform",
    "seeds",
    "reference",
)


def test_shared_folder_is_beside_the_repository() -> None:
    missing = [p for p in EXPECTED if not (SHARED / p).is_dir()]
    assert not missing, f"{SHARED} lacks {missing}"
    data_files = [p for p in (SHARED / "data").rglob("*") if p.suffix in (".json", ".json5")]
    assert len(data_files) >= 250, len(data_files)
