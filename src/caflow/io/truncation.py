"""Detect a PowerShell export truncated by ``ConvertTo-Json`` without ``-Depth``.

``ConvertTo-Json`` serialises only two levels of nested objects by default ("-Depth: Specifies
how many levels of contained objects are included in the JSON representation. The default value
is 2", Microsoft Learn, ConvertTo-Json); deeper objects become their .NET type name or their
``@{Key=...}`` rendering. ``Get-MgIdentityConditionalAccessPolicy | ConvertTo-Json`` thus writes
``"Users": "Microsoft.Graph.PowerShell.Models.MicrosoftGraphConditionalAccessUsers"``: read as
data it would silently be an empty condition, so it is bad input with the fix named.
"""

from __future__ import annotations

import re
from typing import Any

from caflow.errors import SchemaError, Shown

__all__ = [
    "check_not_truncated",
    "find_truncated",
    "is_joined_array",
    "is_joined_enum",
    "truncated_error",
]

Path = tuple[str | int, ...]

#: What a nested object becomes once ``ConvertTo-Json`` has run out of depth.
_TRUNCATED = re.compile(
    r"^(?:Microsoft\.Graph\.PowerShell\.Models\.\w+"
    r"|Microsoft\.Graph\.Beta\.PowerShell\.Models\.\w+"
    r"|System\.Collections\.(?:Hashtable|Generic\.\w+(?:`\d+)?(?:\[.*\])?)"
    r"|System\.Object\[\]"
    r"|@\{[A-Za-z_]\w*=.*\})$",
    re.DOTALL,
)


_GUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
#: An array of ids at the depth limit: PowerShell writes ``"$array"``, the items joined by
#: spaces (``"ExcludeGroups": "2222...0001 2222...0002"``); read as one id it would be a
#: dangling reference with a space in it.
_JOINED = re.compile(rf"{_GUID}(?: {_GUID})+")


def is_joined_array(value: str) -> bool:
    """Is ``value`` an array of ids PowerShell joined into one string at the depth limit?
    Checked where the readers expect a list of ids (:meth:`caflow.io.fields.Reader.strings`),
    which costs nothing on files without it, unlike a search through every export's bytes."""
    return " " in value and _JOINED.fullmatch(value.strip()) is not None


def is_joined_enum(value: str, allowed: frozenset[str]) -> bool:
    """Is ``value`` a list of enum values PowerShell joined into one string at the depth limit
    (``"ClientAppTypes": "exchangeActiveSync other"``)? ``allowed``: the lower-cased closed set
    of the field; checked where a value is outside it, so it costs nothing on sound files."""
    words = value.split()
    return len(words) > 1 and all(w.lower() in allowed for w in words)


def find_truncated(doc: Any, path: Path = ()) -> tuple[Path, str] | None:
    """The JSON path and value of the first string that is a truncated nested object (or an
    array of ids joined into one string)."""
    stack: list[tuple[Any, Path]] = [(doc, path)]
    while stack:
        value, where = stack.pop()
        if isinstance(value, str):
            if value[:1] in "MS@" and _TRUNCATED.match(value):
                return where, value
            if is_joined_array(value):
                return where, value
        elif isinstance(value, dict):
            stack.extend((v, (*where, str(k))) for k, v in reversed(value.items()))
        elif isinstance(value, list):
            stack.extend((v, (*where, i)) for i, v in reversed(list(enumerate(value))))
    return None


#: Every truncated value contains one of these (see ``_TRUNCATED``); ``\\u`` because JSON may
#: escape any character.
_MARKERS = (b"Microsoft.Graph", b"System.", b"@{", b"\\u")


def _may_hold_truncated(raw: bytes) -> bool:
    """False when the file's bytes cannot hold a truncated value: an ASCII-compatible encoding
    (no NUL byte, which UTF-16/32 text always has) without any marker. A substring search over
    the bytes is far cheaper than walking every value of a large export."""
    return b"\x00" in raw or any(m in raw for m in _MARKERS)


def check_not_truncated(doc: Any, file: str, raw: bytes | None = None) -> None:
    """Raise ``SchemaError`` (exit 2) naming the file and path when ``doc`` is truncated;
    ``raw``: the bytes ``doc`` was parsed from, to skip the walk when no marker is there."""
    if raw is not None and not _may_hold_truncated(raw):
        return
    found = find_truncated(doc)
    if found is None:
        return
    raise truncated_error(file, *found)


def truncated_error(file: str, where: Path, value: str, *, words: bool = False) -> SchemaError:
    """The bad-input error for a truncated value at ``where`` in ``file``, with the fix.
    ``words``: every word of ``value`` is a member of the field's closed set (an enum list), so
    it is quoted; anything else is described, never echoed (SECURITY.md)."""
    joined = _TRUNCATED.match(value) is None  # else a list of ids or of enum values
    return SchemaError(
        "PowerShell export truncated by ConvertTo-Json: "
        + (
            "an array was written as its items joined by spaces"
            if joined
            else "a nested object was written as its type name"
        ),
        file=file,
        path=where,
        expected="the array itself" if joined else "the object itself",
        got=Shown(f"'{' '.join(value.split())}'") if words else value,
        hint="re-export with ConvertTo-Json -Depth 10",
        code="truncated-export",
    )
