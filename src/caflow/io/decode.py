"""Bytes -> Python objects, tolerant of how real exports are written.

Real exports are messy (DESIGN.md "Fidelity rules"): PowerShell writes UTF-16 LE with a BOM,
other tools UTF-8 with a BOM, Graph docs samples carry trailing commas (``.json5``), and
admins hand-write YAML. Every failure becomes a :class:`~caflow.errors.ParseError` naming
the file, line and column; nothing else escapes.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

from caflow.errors import FileTooLargeError, ParseError

__all__ = ["MAX_FILE_BYTES", "decode_text", "load_document", "parse_document"]

#: Files larger than this are refused before parsing (a tenant export is a few MB).
MAX_FILE_BYTES = 64 * 1024 * 1024

_YAML_SUFFIXES = {".yaml", ".yml"}
# Trailing commas before a closing bracket, outside strings (Graph docs samples, .json5).
_TRAILING_COMMA = re.compile(r'("(?:[^"\\]|\\.)*")|,(\s*[\]}])', re.DOTALL)
_LINE_COMMENT = re.compile(r'("(?:[^"\\]|\\.)*")|//[^\n]*', re.DOTALL)


def decode_text(raw: bytes, name: str) -> str:
    """Decode by sniffing the BOM (UTF-8, UTF-16 LE/BE), else UTF-16 without BOM, else UTF-8."""
    if raw.startswith(b"\xef\xbb\xbf"):
        encoding = "utf-8-sig"
    elif raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    elif len(raw) >= 4 and raw[1] == 0 and raw[3] == 0 and raw[0] != 0:
        encoding = "utf-16-le"
    elif len(raw) >= 4 and raw[0] == 0 and raw[2] == 0 and raw[1] != 0:
        encoding = "utf-16-be"
    else:
        encoding = "utf-8"
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        raise ParseError(
            f"cannot decode the file as {encoding} (byte {exc.start})",
            file=name,
            expected="UTF-8 or UTF-16 text",
        ) from None


def _relaxed_json(text: str) -> str:
    text = _LINE_COMMENT.sub(lambda m: m.group(1) or "", text)
    return _TRAILING_COMMA.sub(lambda m: m.group(1) or m.group(2), text)


def _parse_json(text: str, name: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as first:
        try:
            return json.loads(_relaxed_json(text))
        except json.JSONDecodeError:
            raise ParseError(
                f"malformed JSON at line {first.lineno}, column {first.colno}: {first.msg}",
                file=name,
            ) from None
    except RecursionError:
        raise ParseError("JSON nested too deeply", file=name) from None
    except ValueError as exc:  # e.g. an integer longer than Python's 4300-digit limit
        raise ParseError(f"malformed JSON: {exc}", file=name) from None


class _Loader(yaml.SafeLoader):
    """``yaml.SafeLoader`` without YAML 1.1's number surprises: ``0755`` (octal 493) and
    ``12:30:00`` (sexagesimal 45000) stay the strings they were written as (YAML 1.2 reads them
    so too); decimal, ``0x`` and ``0b`` integers and ordinary floats are unchanged."""


def _yaml12_numbers(loader: type[yaml.SafeLoader]) -> None:
    resolvers = {
        first: [(tag, rx) for tag, rx in found if tag not in (_INT_TAG, _FLOAT_TAG)]
        for first, found in loader.yaml_implicit_resolvers.items()
    }
    loader.yaml_implicit_resolvers = resolvers
    loader.add_implicit_resolver(
        _INT_TAG,
        re.compile(r"^(?:[-+]?0b[0-1_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+)$"),
        list("-+0123456789"),
    )
    loader.add_implicit_resolver(
        _FLOAT_TAG,
        re.compile(
            r"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?|\.[0-9_]+(?:[eE][-+]?[0-9]+)?"
            r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
        ),
        list("-+0123456789."),
    )


_INT_TAG = "tag:yaml.org,2002:int"
_FLOAT_TAG = "tag:yaml.org,2002:float"
_yaml12_numbers(_Loader)


def _parse_yaml(text: str, name: str) -> Any:
    try:
        return yaml.load(text, Loader=_Loader)  # a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ParseError(f"malformed YAML{where}: {exc.problem or exc}", file=name) from None
    except (yaml.YAMLError, RecursionError, ValueError, TypeError, OverflowError) as exc:
        # PyYAML's constructors raise plain ValueError for e.g. 2026-02-30 or "!!int 0x".
        raise ParseError(f"malformed YAML: {exc}", file=name) from None


def parse_document(raw: bytes, name: str) -> Any:
    """Parse ``raw`` as JSON or YAML; the file name's suffix picks YAML, content decides otherwise."""
    if len(raw) > MAX_FILE_BYTES:
        raise FileTooLargeError(
            f"file is {len(raw):,} bytes, larger than the {MAX_FILE_BYTES:,}-byte limit",
            file=name,
        )
    text = decode_text(raw, name)
    if text.startswith("\ufeff"):
        text = text[1:]
    if Path(name).suffix.lower() in _YAML_SUFFIXES:
        return _parse_yaml(text, name)
    stripped = text.lstrip()
    if not stripped:
        raise ParseError("file is empty", file=name, expected="a JSON or YAML document")
    if stripped[0] in "[{":
        return _parse_json(text, name)
    # Not JSON-looking: accept YAML (a superset of JSON) for hand-written files.
    return _parse_yaml(text, name)


def load_document(path: Path, name: str | None = None) -> Any:
    """Read and parse one file; ``name`` is how errors refer to it (defaults to the path)."""
    label = name or str(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise FileTooLargeError(
                f"file is {size:,} bytes, larger than the {MAX_FILE_BYTES:,}-byte limit",
                file=label,
            )
        raw = path.read_bytes()
    except OSError as exc:
        raise ParseError(f"cannot read file: {exc.strerror}", file=label) from None
    return parse_document(raw, label)
