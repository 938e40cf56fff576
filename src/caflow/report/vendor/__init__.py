"""The Vega runtime vendored for ``caflow report --interactive`` (vega, vega-lite, vega-embed:
BSD-3-Clause, their licenses and the notices of the code their builds bundle beside them;
``scripts/vendor_vega.py`` refreshes them from the npm registry). Inlined into the page, never
fetched: the report must open offline (issue 12)."""

from __future__ import annotations

from functools import cache
from importlib.resources import files

__all__ = ["VEGA_FILES", "VERSIONS", "vega_scripts"]

#: The vendored versions: vega-lite is the one altair's specs are written for
#: (``altair.VEGALITE_VERSION``), vega and vega-embed the releases it works with.
VERSIONS = {"vega": "6.4.0", "vega-lite": "6.4.1", "vega-embed": "7.3.0"}

#: In load order: vega-embed finds ``vega`` and ``vegaLite`` as globals.
VEGA_FILES = ("vega.min.js", "vega-lite.min.js", "vega-embed.min.js")


@cache
def vega_scripts() -> list[str]:
    """The three builds' text, ready for inline ``<script>`` elements (checked: a build holding
    ``</script`` would end its element early)."""
    out = []
    for name in VEGA_FILES:
        text = files(__name__).joinpath(name).read_text(encoding="utf-8")
        if "</script" in text.lower():
            raise ValueError(f"{name} cannot be inlined: it contains '</script'")
        out.append(text)
    return out
