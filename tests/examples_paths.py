"""Where the bundled example tenant and scenarios are: the package data ``caflow/examples``.

Located through the imported ``caflow`` package (``importlib.resources``), so the tests read
exactly what ``caflow demo`` and ``caflow examples`` ship, in an editable or a plain install.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

EXAMPLES = Path(str(files("caflow") / "examples"))
CONTOSO = EXAMPLES / "contoso"
SCENARIOS = EXAMPLES / "scenarios"
REQUESTS = EXAMPLES / "requests"

__all__ = ["CONTOSO", "EXAMPLES", "REQUESTS", "SCENARIOS"]
