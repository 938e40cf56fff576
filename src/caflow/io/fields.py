"""Typed reads from normalised JSON with errors that name the file and JSON path."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from caflow.errors import InputError, SchemaError
from caflow.io.truncation import is_joined_array, truncated_error
from caflow.model.durations import parse_moment

__all__ = ["Reader", "parse_moment", "parse_when"]

Path = tuple[str | int, ...]


class Reader:
    """Reads fields of one document; every error carries ``file`` and the JSON path."""

    def __init__(self, file: str, base: Path = ()) -> None:
        self.file = file
        self.base = base

    def error(self, path: Path, message: str, expected: str, got: Any) -> SchemaError:
        code = "invalid-value" if message == "invalid value" else None
        return SchemaError(
            message, file=self.file, path=self.base + path, expected=expected, got=got, code=code
        )

    def obj(self, value: Any, path: Path, *, optional: bool = True) -> dict[str, Any]:
        if optional and (value is None or value == [] or value == ""):
            return {}  # exports write [] or "" for an unconfigured object
        if not isinstance(value, dict):
            raise self.error(path, "wrong type", "an object", value)
        return value

    def string(self, value: Any, path: Path, *, optional: bool = True) -> str | None:
        if value is None and optional:
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise self.error(path, "wrong type", "a string", value)
        return str(value)

    def strings(self, value: Any, path: Path, *, flags: bool = False) -> tuple[str, ...]:
        """A list of strings; ``None`` -> (). A lone string is one element (PowerShell unrolls
        one-element arrays), or, for Graph flag enums (``"deviceCodeFlow,authenticationTransfer"``),
        split on commas."""
        if value is None:
            return ()
        if isinstance(value, str):
            if is_joined_array(value):
                # ConvertTo-Json past -Depth joined an array of ids with spaces: not one id.
                raise truncated_error(self.file, self.base + path, value)
            items = [value]
        elif isinstance(value, list):
            items = value
        else:
            raise self.error(path, "wrong type", "a list of strings", value)
        out: list[str] = []
        for i, item in enumerate(items):
            if item is None:
                continue
            if isinstance(item, bool):
                err = self.error((*path, i), "wrong type", "a string", item)
                err.hint = "YAML reads unquoted NO, yes, on, off ... as booleans: quote the value"
                raise err
            if not isinstance(item, str):
                raise self.error((*path, i), "wrong type", "a string", item)
            if flags:
                out.extend(p.strip() for p in item.split(",") if p.strip())
            elif item.strip():
                out.append(item.strip())
        return tuple(out)

    def boolean(self, value: Any, path: Path, default: bool = False) -> bool:
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        # "true" in quotes is a wrong type, not a guess (Graph and ConvertTo-Json write booleans).
        err = self.error(path, "wrong type", "true or false", value)
        if isinstance(value, str):
            err.hint = "write true or false without quotes"
        raise err

    def integer(self, value: Any, path: Path) -> int | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise self.error(path, "wrong type", "an integer", value)
        try:
            return int(value)
        except (ValueError, OverflowError):
            raise self.error(path, "wrong type", "an integer", value) from None

    def moment(self, value: Any, path: Path, *, optional: bool = True) -> datetime | None:
        if value is None and optional:
            return None
        if isinstance(value, datetime):
            return value if value.tzinfo else value.replace(tzinfo=UTC)
        if not isinstance(value, str):
            raise self.error(path, "wrong type", "an ISO 8601 date-time", value)
        return parse_moment(
            value, lambda: self.error(path, "invalid value", "an ISO 8601 date-time", value)
        )


def parse_when(
    value: str | None, default: Callable[[], datetime] | None = None, *, option: str = "--at"
) -> datetime:
    """Time options (``--at``, ``--start``, ``--until`` and their form/API fields): ISO 8601
    date-time (UTC if no offset) or a date; ``None`` is ``default()`` or now (one clock);
    ``option`` names the field in error messages."""
    if value is None or not value.strip():
        if default is None:
            return datetime.now(tz=UTC).replace(microsecond=0)
        return default()
    try:
        return parse_moment(value if "T" in value or " " in value else value + "T00:00:00Z")
    except ValueError:
        raise InputError(
            "invalid time",
            file=option,
            expected="an ISO 8601 date-time such as 2026-02-01T09:00:00Z",
            got=value,
        ) from None
