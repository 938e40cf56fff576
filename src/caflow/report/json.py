"""JSON writer: the versioned model itself (``schemaVersion``).

Written a piece at a time (:func:`chunks`): the long lists of a result (a year's events, every
connection) are serialised item by item straight to the output, never as one string holding the
whole document. The bytes are exactly ``json.dumps(doc, indent=2)``'s plus a newline.
"""

from __future__ import annotations

import json as _json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

__all__ = ["chunks", "render"]

_END = object()


def render(result: Any) -> str:
    return "".join(chunks(result.to_json()))


def chunks(doc: Mapping[str, Any], *, ensure_ascii: bool = False) -> Iterator[str]:
    """``json.dumps(doc, indent=2, ensure_ascii=...) + "\\n"`` in pieces: each top-level list
    (or iterator, for items made on demand) is written one item at a time."""
    enc = _json.JSONEncoder(indent=2, ensure_ascii=ensure_ascii)
    if not doc:
        yield "{}\n"
        return
    sep = "{\n  "
    for key, value in doc.items():
        yield f"{sep}{enc.encode(key)}: "
        sep = ",\n  "
        if isinstance(value, list | tuple | Iterator):
            yield from _items(enc, value)
        else:
            yield enc.encode(value).replace("\n", "\n  ")  # JSON strings hold no raw newline
    yield "\n}\n"


def _items(enc: _json.JSONEncoder, values: Iterable[Any]) -> Iterator[str]:
    it = iter(values)
    head = next(it, _END)
    if head is _END:
        yield "[]"
        return
    yield "[\n    " + enc.encode(head).replace("\n", "\n    ")
    for item in it:
        yield ",\n    " + enc.encode(item).replace("\n", "\n    ")
    yield "\n  ]"
