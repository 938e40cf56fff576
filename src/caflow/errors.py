"""One error family for caflow.

Hierarchy::

    CaflowError                       base: catch this one
     └── InputError                   bad input -> CLI exit code 2, message names file + JSON path
          ├── ParseError              the bytes are not JSON/YAML (code: parse-error)
          ├── MissingExtraError       an optional extra (web, dask) is not installed (code:
          │                           missing-extra)
          ├── FileTooLargeError       refused before parsing (code: file-too-large)
          ├── LimitError              a bound on work exceeded: nesting, aliases, archive expansion,
          │                           horizon (code: limit-exceeded)
          ├── UnsafePathError         a file outside the bundle, an output onto an input or a
          │                           symlink (code: unsafe-path)
          ├── SchemaError             wrong type / missing field / invalid value (codes: wrong-type,
          │                           missing-field, invalid-value, invalid-device-filter, unknown-action,
          │                           event-out-of-order, unknown-key, duplicate)
          └── UnknownReferenceError   a reference the user wrote cannot be resolved (code: unknown-reference)

``LoadWarning`` is *data*, not an exception: a policy's reference to an object the bundle does
not define (real exports are full of them) is attached to that policy's result.

Every ``code`` has a heading in ``docs/errors.md``; a test keeps the two equal.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = [
    "CaflowError",
    "FileTooLargeError",
    "InputError",
    "LimitError",
    "LoadWarning",
    "MissingExtraError",
    "ParseError",
    "SchemaError",
    "Shown",
    "UnknownReferenceError",
    "UnsafePathError",
    "describe",
    "did_you_mean",
    "did_you_mean_hint",
    "enum_token",
    "json_pointer",
    "require_extra",
    "shown_key",
    "shown_pointer",
]


def did_you_mean(word: str, candidates: Iterable[str]) -> str | None:
    """The candidate closest to ``word`` (case-insensitive), or None: for "did you mean" hints.

    A candidate equal to ``word`` but for case wins outright (``rememberMFA`` -> ``rememberMfa``).
    """
    names = [c for c in candidates if c]
    lowered = {c.lower(): c for c in reversed(names)}
    key = word.lower()
    if key in lowered:
        return lowered[key]
    close = difflib.get_close_matches(key, list(lowered), n=1, cutoff=0.6)
    return lowered[close[0]] if close else None


def did_you_mean_hint(word: str, candidates: Iterable[str]) -> str | None:
    """The hint of an error whose ``word`` names none of ``candidates``: ``did you mean 'x'?``
    with the closest one (:func:`did_you_mean`), or None when none is close."""
    close = did_you_mean(word, candidates)
    return f"did you mean '{close}'?" if close else None


class Shown(str):
    """Text caflow wrote itself (a type name, an OS error): printed as is after "got"."""


def describe(value: object) -> str:
    """What was found, by type and size, never by content (SECURITY.md): a file read by mistake
    or by malice must not end up in a CI log through an error message."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        if not value.strip():
            return "an empty string"
        return f"a string of {len(value)} character{'s' if len(value) != 1 else ''}"
    if isinstance(value, list | tuple):
        return f"a list of {len(value)} item{'s' if len(value) != 1 else ''}"
    if isinstance(value, dict):
        return f"an object with {len(value)} key{'s' if len(value) != 1 else ''}"
    kind = type(value).__name__
    return {"datetime": "a date-time", "date": "a date", "bytes": "binary data"}.get(kind, kind)


#: What an enum member looks like (Graph: camelCase words; user actions: ``urn:user:...``;
#: device filter properties and operators: ``device.trustType``, ``-eq``).
_TOKEN = re.compile(r"-?[A-Za-z][A-Za-z0-9:.]{0,39}")


def enum_token(value: object) -> str:
    """A value found where a closed set of words is expected, for a message: quoted when it
    is a word of at most 40 letters, digits, dots and colons (``'Fortnight'``, ``'-eqq'``) - a
    misspelt member the reader must see to fix - else described by type like any other value
    (SECURITY.md: a secret, a path or a sentence read by mistake is never echoed)."""
    if isinstance(value, str) and (
        _TOKEN.fullmatch(value.strip()) or (0 < len(value.strip()) <= 2 and value.isprintable())
    ):
        return f"'{value.strip()}'"  # a word, or a grammar token such as ')' or '5'
    return describe(value)


#: Longest key quoted in a message; longer keys are cut (a key is structure, not a payload).
_KEY_CHARS = 60


def shown_key(key: object) -> str:
    """A mapping key for a message, quoted: keys are the structure a reader needs to find the
    mistake (SECURITY.md), but one read from a hostile file may be anything - control and
    non-printable characters become ``?`` and it is cut to :data:`_KEY_CHARS` characters."""
    text = "".join(c if c.isprintable() else "?" for c in str(key))
    if len(text) > _KEY_CHARS:
        text = text[: _KEY_CHARS - 3] + "..."
    return f"'{text}'"


def shown_name(value: object) -> Shown:
    """A name of, or reference to, an object the output is about (user, device, app, flow,
    connection, connector, policy) for a message's "got": shown, as outputs show such names
    (SECURITY.md), so the misspelt reference can be found and fixed; sanitised and cut like a
    key. Anything but a string is described by type."""
    return Shown(shown_key(value) if isinstance(value, str) and value.strip() else describe(value))


def shown_pointer(pointer: str) -> str:
    """A JSON pointer for a message: each key in it shown as :func:`shown_key` shows keys (a
    hostile file's keys may hold escape sequences or kilobytes)."""
    if pointer.isprintable() and len(pointer) <= 200:
        return pointer
    return "/".join(shown_key(t)[1:-1] for t in pointer.split("/"))


def json_pointer(path: tuple[str | int, ...] | list[str | int]) -> str:
    """Render a path as an RFC 6901 JSON Pointer (``/conditions/users/includeGroups/0``)."""
    if not path:
        return "/"
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)


class CaflowError(Exception):
    """Base of every error caflow raises on purpose."""


class InputError(CaflowError):
    """Bad input: names the file, the JSON path, what was expected and what was found."""

    code = "invalid-input"

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        path: tuple[str | int, ...] | list[str | int] | str | None = None,
        expected: str | None = None,
        got: object = None,
        hint: str | None = None,
        code: str | None = None,
    ) -> None:
        self.message = message
        self.file = file
        self.json_path: str | None
        if isinstance(path, str):
            self.json_path = path
        else:
            self.json_path = json_pointer(list(path)) if path is not None else None
        self.expected = expected
        self.got = got
        self.hint = hint
        if code:
            self.code = code
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.file or "<input>"
        if self.json_path:
            where += f": {shown_pointer(self.json_path)}"
        text = f"{where}: {self.message}"
        if self.expected:
            text += f": expected {self.expected}"
            if self.got is not None:
                text += f", got {self._got_text()}"
        if self.hint:
            text += f" ({self.hint})"
        return f"{text} [{self.code}]"

    def _got_text(self) -> str:
        """Command-line values are the user's own and quoted; values read from files are
        described by type only; texts caflow wrote (:class:`Shown`) are printed as is."""
        if isinstance(self.got, Shown):
            return str(self.got)
        if self.file and self.file.startswith("-"):
            got = repr(self.got)
            return got if len(got) <= 80 else got[:77] + "..."
        return describe(self.got)


class ParseError(InputError):
    code = "parse-error"


class MissingExtraError(InputError):
    """A verb or option needs an optional extra (pyproject.toml) that cannot be imported: the
    message is the install command, not a value described by its size (exit 2)."""

    code = "missing-extra"

    def __init__(self, what: str, extra: str, missing: str) -> None:
        self.what = what
        self.extra = extra
        self.missing = missing
        super().__init__(f"{what} needs the {extra} extra", file=what)

    def __str__(self) -> str:
        return (
            f"{self.what} needs the {self.extra} extra: pip install 'caflow[{self.extra}]' "
            f"(not importable: {self.missing}) [{self.code}]"
        )


def require_extra(what: str, extra: str, modules: Iterable[str]) -> None:
    """Import ``modules`` (the ``extra``'s packages, by import name) or raise
    :class:`MissingExtraError`: a package that is absent, or present but broken because a
    dependency of it is missing, is named."""
    import importlib
    import warnings

    missing: list[str] = []
    for name in modules:
        try:
            with warnings.catch_warnings():
                # Only importability is asked (python-multipart warns about its old name).
                warnings.simplefilter("ignore", PendingDeprecationWarning)
                importlib.import_module(name)
        except ImportError as exc:
            root = name.split(".")[0]
            broken = exc.name and exc.name.split(".")[0] != root
            missing.append(f"{name} (needs {exc.name})" if broken else name)
    if missing:
        raise MissingExtraError(what, extra, ", ".join(missing))


class FileTooLargeError(InputError):
    code = "file-too-large"


class LimitError(InputError):
    code = "limit-exceeded"


class UnsafePathError(InputError):
    code = "unsafe-path"


class SchemaError(InputError):
    code = "wrong-type"


class UnknownReferenceError(InputError):
    code = "unknown-reference"


@dataclass(frozen=True, slots=True)
class LoadWarning:
    """A non-fatal finding while loading: kept with the object it concerns."""

    file: str
    json_path: str
    message: str
    code: str = "dangling-reference"

    def __str__(self) -> str:
        # A whole file ("/"): no pointer to show.
        where = f"{self.json_path}: " if self.json_path not in ("", "/") else ""
        return f"{self.file}: {where}{self.message} [{self.code}]"
