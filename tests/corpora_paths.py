"""Where the test corpora live: ``tests/data/``, openly licensed files with their sources and
licence texts beside them (``tests/data/SOURCES.md``, each folder's SOURCES.md/LICENSE), so a
fresh clone needs no sibling folder."""

from __future__ import annotations

from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
POLICY_DATA = DATA / "policies"
SIGNIN_DATA = DATA / "signins"
POWERPLATFORM_DATA = DATA / "powerplatform"
