from __future__ import annotations

from advise_support import make_bundle  # noqa: F401  (fixture)
