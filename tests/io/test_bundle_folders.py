"""Each bundle list file may also be a folder of one object per file (DESIGN.md), and files a
bundle does not know are reported, never dropped silently."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.examples_paths import CONTOSO

from caflow.io.bundle import LoadReport, load_bundle


def _split(bundle: Path, name: str, folder: str) -> None:
    doc = json.loads((bundle / name).read_text())
    items = doc["value"] if isinstance(doc, dict) else doc
    (bundle / folder).mkdir(parents=True)
    for i, item in enumerate(items):
        (bundle / folder / f"{i}.json").write_text(json.dumps(item))
    (bundle / name).unlink()


def test_folder_forms_load_like_the_files(tmp_path: Path) -> None:
    b = tmp_path / "b"
    shutil.copytree(CONTOSO, b)
    _split(b, "namedLocations.json", "namedLocations")
    _split(b, "agreements.json", "agreements")
    _split(b, "powerplatform/flows.json", "powerplatform/flows")
    a, c = load_bundle(CONTOSO), load_bundle(b)
    assert set(a.named_locations) == set(c.named_locations)
    assert set(a.agreements) == set(c.agreements)
    assert {f.name for f in a.flows} == {f.name for f in c.flows}


def test_unknown_files_are_reported(tmp_path: Path) -> None:
    b = tmp_path / "b"
    shutil.copytree(CONTOSO, b)
    (b / "notes.json").write_text('{"todo": "review CA004"}')
    report = LoadReport()
    load_bundle(b, report)
    assert any("notes.json" in s for s in report.skipped)
