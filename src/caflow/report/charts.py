"""Charts for the HTML report: Vega-Lite specs built with altair, rendered to inline SVG by
vl-convert (no JavaScript, nothing fetched; prints as drawn). Both are optional
(``pip install 'caflow[report]'``); without them :func:`available` is False and the report keeps
the data tables that always accompany a chart.

The specs themselves (:func:`bar_spec`, :func:`timeline_spec`) are also what
``caflow report --interactive`` inlines for vega-embed to draw in the browser (tooltips), the
SVG staying in the page until vega-embed replaces it.
"""

from __future__ import annotations

import html
import importlib.util
import re
from typing import Any

__all__ = ["available", "bar_spec", "svg", "timeline_spec"]


def available() -> bool:
    return all(importlib.util.find_spec(m) is not None for m in ("altair", "vl_convert"))


_SVG_OPEN = re.compile(r"<svg\b[^>]*>")


def svg(spec: dict[str, Any], title: str) -> str:
    """The chart as SVG, named for assistive technology: vl-convert labels marks and axes but
    leaves the ``<svg>`` itself unnamed, so the root gets ``role="img"``, an ``aria-label`` and
    a ``<title>`` (WAI-ARIA Graphics: an image needs an accessible name; the data table beside
    every chart carries the numbers)."""
    import vl_convert

    drawn = str(vl_convert.vegalite_to_svg(spec))
    name = html.escape(title, quote=True)
    match = _SVG_OPEN.search(drawn)
    if match is None:  # vl-convert always writes one root <svg>; keep its output if not
        return drawn
    opening = match.group(0)[:-1] + f' role="img" aria-label="{name}">'
    return drawn[: match.start()] + opening + f"<title>{name}</title>" + drawn[match.end() :]


#: Axis of a count: whole numbers only (a domain of 0..1 would otherwise label 0.1, 0.2, ...).
_WHOLE: dict[str, Any] = {
    "tickMinStep": 1,
    "format": "d",
    "labelExpr": "datum.value % 1 ? '' : datum.label",
}


def bar_spec(
    rows: list[dict[str, Any]], *, label: str, value: str, title: str, detail: str | None = None
) -> dict[str, Any]:
    """Horizontal bars, each labelled with its number (colour is never the only cue); the
    tooltip (interactive report) shows the label, ``detail`` (e.g. the policy id) and value.
    ``description`` names the chart for assistive technology where vega draws it."""
    import altair as alt

    data = alt.Data(values=rows)
    tip = [f"{label}:N", *([f"{detail}:N"] if detail else []), f"{value}:Q"]
    base = alt.Chart(data, title=title).encode(
        y=alt.Y(
            f"{label}:N",
            sort=alt.EncodingSortField(field=value, op="sum", order="descending"),
            title=None,
            axis=alt.Axis(labelLimit=360),
        ),
        x=alt.X(f"{value}:Q", title=value, axis=_WHOLE),
        tooltip=tip,
    )
    bars = base.mark_bar(color="#9b2226")
    text = base.mark_text(align="left", dx=3).encode(text=f"{value}:Q")
    return dict((bars + text).properties(width=420, description=title).to_dict())


def timeline_spec(rows: list[dict[str, Any]], *, title: str) -> dict[str, Any]:
    """Daily counts per kind (``day``, ``kind``, ``count``): one panel per kind, named in text
    above it, on a shared day axis. Panels rather than coloured lines on one plot: kinds
    happening the same day with the same count would hide each other's points, and the kind
    would be told by colour (and a duplicated legend) only."""
    import altair as alt

    data = alt.Data(values=rows)
    chart = (
        alt.Chart(data, title=alt.Title(title, anchor="start"))
        .mark_line(point=True)
        .encode(
            x=alt.X("day:T", title="day"),
            y=alt.Y(
                "count:Q",
                title="events",
                scale=alt.Scale(domainMin=0),
                axis=_WHOLE,
            ),
            color=alt.Color("kind:N", legend=None),
            tooltip=["kind:N", alt.Tooltip("day:T", title="day"), "count:Q"],
            row=alt.Row(
                "kind:N",
                title=None,
                header=alt.Header(
                    labelAngle=0,
                    labelOrient="top",
                    labelAnchor="start",
                    labelFontWeight="bold",
                    labelFontSize=11,
                ),
            ),
        )
        .properties(width=560, height=90, description=title)
        .resolve_scale(y="independent")
    )
    return dict(chart.to_dict())
