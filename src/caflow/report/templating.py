"""Self-contained HTML pages from the Jinja2 templates in ``caflow/report/templates``.

Autoescaping is on (tenant data is never markup); the stylesheet is inlined so a page opens
offline and prints (nothing is fetched).
"""

from __future__ import annotations

from functools import cache
from typing import Any

__all__ = ["render_template"]


@cache
def _env() -> Any:
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("caflow.report", "templates"),
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_template(name: str, **context: Any) -> str:
    return str(_env().get_template(name).render(**context))
