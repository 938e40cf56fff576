"""JSON writer: the versioned model itself (``schemaVersion``)."""

from __future__ import annotations

import json as _json
from typing import Any

__all__ = ["render"]


def render(result: Any) -> str:
    return _json.dumps(result.to_json(), indent=2, ensure_ascii=False, sort_keys=False) + "\n"
