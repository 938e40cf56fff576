"""Make Graph v1.0/beta camelCase and PowerShell PascalCase exports look alike.

ScubaGear and ``Get-MgIdentityConditionalAccessPolicy | ConvertTo-Json`` write PascalCase keys
(``IncludeUsers``) and .NET dates (``/Date(1618315427741)/``); Graph writes camelCase. Enum
*values* are left untouched (they are camelCase in both). ``@odata.*`` annotations are kept, so
unknown fields survive a round-trip.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from itertools import islice
from typing import Any

from caflow.model.strict import TwoMeanings, key_twice_error, one_meaning

__all__ = ["as_list", "camel_key", "dotnet_date", "normalize_keys"]

_DOTNET_DATE = re.compile(r"^/Date\((-?\d+)([+-]\d{4})?\)/$")


def camel_key(key: str) -> str:
    """``IncludeUsers`` -> ``includeUsers``; ``ID``/``Id`` -> ``id``; ``@odata.type`` unchanged."""
    if not key or key[0] == "@" or "@" in key:
        return key
    if key.isupper():
        return key.lower()
    if key[0].isupper():
        # Lower a leading acronym too: "IPRanges" -> "ipRanges", "URLs" -> "urls".
        i = 1
        while i < len(key) and key[i].isupper():
            i += 1
        if i > 1 and i < len(key):
            i -= 1
        return key[:i].lower() + key[i:]
    return key


def dotnet_date(value: str) -> str | None:
    """``/Date(1618315427741)/`` -> ISO 8601 UTC, or None if ``value`` is not such a date."""
    m = _DOTNET_DATE.match(value)
    if not m:
        return None
    try:
        moment = datetime.fromtimestamp(int(m.group(1)) / 1000, tz=UTC)
    except (ValueError, OverflowError, OSError):  # beyond year 9999: not a date caflow can use
        return None
    return moment.isoformat().replace("+00:00", "Z")


_EMPTY: tuple[Any, ...] = (None, [], {}, "")
#: camel_key of every key seen (exports repeat a few hundred keys millions of times).
_CAMEL: dict[str, str] = {}


class _Clash(Exception):
    """Two spellings of one key with two meanings; the path to their object is collected while
    the recursion unwinds (innermost first), so the happy path builds no paths."""

    def __init__(self, first: str, second: str) -> None:
        super().__init__(second)
        self.first = first
        self.second = second
        self.up: list[str | int] = []


def normalize_keys(obj: Any, *, file: str, path: tuple[str | int, ...] = ()) -> Any:
    """Recursively camelCase dict keys and convert .NET dates; values otherwise unchanged.

    A dict or list none of whose keys or values change is returned as it is (a Graph export is
    already camelCase): a large export is walked, not copied a second time. One key written in
    two spellings (``State`` and ``state``) is read once when both mean one thing (equal, or
    one ``null``: docs/assumptions.md A-IN-DUP); otherwise a ``duplicate`` error naming ``file``
    and the JSON pointers of both keys (``path``: where ``obj`` sits in the file)."""
    try:
        return _normalize(obj)
    except _Clash as clash:
        where = (*path, *reversed(clash.up))
        raise key_twice_error(file, where, clash.first, clash.second) from None


def _normalize(obj: Any) -> Any:
    if isinstance(obj, dict):
        out: dict[str, Any] | None = None
        for i, (k, v) in enumerate(obj.items()):
            key = _CAMEL.get(k) if isinstance(k, str) else None
            if key is None:
                key = camel_key(str(k))
                if isinstance(k, str) and len(_CAMEL) < 65536:
                    _CAMEL[k] = key
            try:
                new = _normalize(v)
            except _Clash as clash:
                clash.up.append(k)
                raise
            if out is None:
                if key == k and new is v:
                    continue
                # First change: the keys before it were unchanged (and distinct).
                out = dict(islice(obj.items(), i))
            if key in out:
                try:
                    new = one_meaning([out[key], new])
                except TwoMeanings:
                    first = next((o for o in obj if o != k and camel_key(str(o)) == key), key)
                    raise _Clash(str(first), str(k)) from None
            out[key] = new
        result = obj if out is None else out
        extra = result.get("additionalProperties")
        if isinstance(extra, dict) and extra:
            return _lift_additional(result, extra)
        return result
    if isinstance(obj, list):
        items: list[Any] | None = None
        for i, v in enumerate(obj):
            try:
                new = _normalize(v)
            except _Clash as clash:
                clash.up.append(i)
                raise
            if items is None:
                if new is v:
                    continue
                items = obj[:i]
            items.append(new)
        return obj if items is None else items
    if isinstance(obj, str) and obj.startswith("/Date("):
        return dotnet_date(obj) or obj
    return obj


def _lift_additional(obj: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """Graph PowerShell SDK objects typed as a base type (``Get-MgBetaIdentityConditionalAccess
    NamedLocation`` returns ``namedLocation``) carry the derived type's properties -
    ``@odata.type``, ``ipRanges``, ``isTrusted``, ``countriesAndRegions`` - in
    ``AdditionalProperties``: they are the object's own properties, so they are lifted into it
    (a property the object already has wins)."""
    merged = {k: v for k, v in obj.items() if k != "additionalProperties"}
    for k, v in extra.items():
        if k not in merged or merged[k] in _EMPTY:
            merged[k] = v
    return merged


def as_list(
    doc: Any, *, file: str, at: tuple[str | int, ...] = ()
) -> list[tuple[Any, tuple[str | int, ...]]]:
    """Every list file accepts a bare list, ``{"value": [...]}`` or one object (docs/bundle-format.md).

    Returns ``(item, json_path)`` pairs so errors can point at the item. A document with both
    ``value`` and ``Value`` lists that differ is a ``duplicate`` error naming ``file`` (``at``:
    where ``doc`` sits in it).
    """
    if doc is None:
        return []
    if isinstance(doc, list):
        return [(item, (i,)) for i, item in enumerate(doc)]
    if isinstance(doc, dict):
        found = [key for key in ("value", "Value") if isinstance(doc.get(key), list)]
        if len(found) == 2:
            try:
                one_meaning([doc["value"], doc["Value"]])
            except TwoMeanings:
                raise key_twice_error(file, at, "value", "Value") from None
        if found:
            key = found[0]
            return [(item, (key, i)) for i, item in enumerate(doc[key])]
        return [(doc, ())]
    return [(doc, ())]
