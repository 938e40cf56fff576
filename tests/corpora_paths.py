"""Where the test corpora live: ``tests/data/``, a byte-identical copy of the openly licensed
files of ``shared/data/`` (see ``tests/data/SOURCES.md`` and each folder's LICENSE), so a
fresh clone needs no sibling folder."""

from __future__ import annotations

from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
POLICY_DATA = DATA / "policies"
SIGNIN_DATA = DATA / "signins"
POWERPLATFORM_DATA = DATA / "powerplatform"
