"""Bytes -> Python objects, tolerant of how real exports are written, bounded against hostile ones.

Real exports are messy (docs/assumptions.md): PowerShell writes UTF-16 LE with a BOM,
other tools UTF-8 with a BOM, Graph docs samples carry trailing commas (``.json5``), and
admins hand-write YAML. Every failure becomes a :class:`~caflow.errors.ParseError` naming
the file, line and column; nothing else escapes.

Bundles come from pull requests (SECURITY.md), so the work a document can cause is bounded
before anything walks it: at most :data:`MAX_DEPTH` levels of nesting (JSON and YAML alike)
and, for YAML, at most :data:`MAX_ALIAS_NODES` nodes added by expanding aliases (a 1 KB
"billion laughs" document would otherwise expand to ~10^9 nodes). Messages never quote the
document's values: a file read by mistake (or by malice) must not end up in a CI log.
"""

from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from caflow.errors import (
    FileTooLargeError,
    InputError,
    LimitError,
    ParseError,
    SchemaError,
    UnsafePathError,
    shown_key,
)
from caflow.model.strict import TwoMeanings, one_meaning

__all__ = [
    "MAX_ALIAS_NODES",
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "decode_text",
    "is_empty_output",
    "is_json_document",
    "load_document",
    "note_read",
    "parse_document",
    "read_regular_file",
    "reads_so_far",
    "track_reads",
]

#: Files larger than this are refused before parsing (a tenant export is a few MB).
MAX_FILE_BYTES = 64 * 1024 * 1024
#: Nesting levels of lists/objects in any document (a Graph policy has ~6, a scenario ~9).
MAX_DEPTH = 100
#: Nodes that YAML aliases may add to a document when expanded (anchors for shared blocks fit).
MAX_ALIAS_NODES = 100_000

# libyaml when PyYAML was built with it (about 2x faster on big bundles), else pure Python.
_YamlLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_YAML_SUFFIXES = {".yaml", ".yml"}
# Trailing commas before a closing bracket, outside strings (Graph docs samples, .json5).
_TRAILING_COMMA = re.compile(r'("(?:[^"\\]|\\.)*")|,(\s*[\]}])', re.DOTALL)
_LINE_COMMENT = re.compile(r'("(?:[^"\\]|\\.)*")|//[^\n]*', re.DOTALL)
_JSON5_HINT = (
    "JSON5 is not supported: caflow reads a .json5 file as JSON, allowing only trailing commas "
    "and // comments (no unquoted keys, single quotes or /* */ comments)"
)
# Quoted fragments in YAML problem texts (tags, alias names): never echoed, except the short
# grammar tokens libyaml names ("did not find expected ',' or ']'").
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")


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


def _too_deep(name: str) -> LimitError:
    return LimitError(
        f"nested more than {MAX_DEPTH} levels deep",
        file=name,
        hint="no tenant export or scenario needs that many; the file is malformed or hostile",
    )


#: Every byte but brackets and the double quote (deleted before the depth scan).
_NOT_STRUCTURAL = bytes(c for c in range(256) if chr(c) not in '[]{}"')


@cache
def _bracket_steps() -> Any:
    import numpy as np  # only for documents big enough to need the scan (keeps start-up fast)

    steps = np.zeros(256, dtype=np.int8)
    steps[[ord("["), ord("{")]] = 1
    steps[[ord("]"), ord("}")]] = -1
    return steps


def _json_depth(text: str) -> int:
    """Deepest bracket nesting outside strings, without recursion (a vectorised scan)."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return 0  # cannot be too deep: the exact figure is not needed
    import numpy as np

    raw = text.encode("utf-8", "surrogatepass")
    if b"\\" in raw:
        # Escapes only occur in strings: drop "\\" pairs, then "\"", so every quote left is real.
        raw = raw.replace(b"\\\\", b"").replace(b'\\"', b"")
    # Only brackets and quotes decide the depth: keep those (a C-speed byte filter), so the
    # array work below runs on a small fraction of a large export.
    raw = raw.translate(None, _NOT_STRUCTURAL)
    b = np.frombuffer(raw, dtype=np.uint8)
    steps = _bracket_steps()[b]
    brackets = np.flatnonzero(steps)
    quotes = np.flatnonzero(b == ord('"'))
    # A bracket lies inside a string when an odd number of quotes precede it.
    outside = (np.searchsorted(quotes, brackets) & 1) == 0
    levels = np.cumsum(steps[brackets[outside]], dtype=np.int64)
    return int(levels.max()) if len(levels) else 0


def _relaxed_json(text: str) -> str:
    text = _LINE_COMMENT.sub(lambda m: m.group(1) or "", text)
    return _TRAILING_COMMA.sub(lambda m: m.group(1) or m.group(2), text)


class _DuplicateKey(Exception):
    """A mapping that writes one key twice (found while parsing; the path is found after)."""

    def __init__(self, key: object, line: int | None = None) -> None:
        super().__init__(key)
        self.key = key
        self.line = line


def _settle_duplicates(pairs: list[tuple[Any, Any]]) -> dict[Any, Any]:
    """Values of the keys ``pairs`` writes more than once, when that is harmless: every copy
    equal, or all but one ``null`` (templates write ``"sessionControls": null`` and later the
    configured object: docs/assumptions.md A-IN-DUP, :func:`~caflow.model.strict.one_meaning`).
    Any other key written twice raises :class:`_DuplicateKey` - which value is meant is unknown."""
    values: dict[Any, list[Any]] = {}
    for key, value in pairs:
        values.setdefault(key, []).append(value)
    settled: dict[Any, Any] = {}
    for key, found in values.items():
        if len(found) == 1:
            continue
        try:
            settled[key] = one_meaning(found)
        except TwoMeanings:
            raise _DuplicateKey(key) from None
    return settled


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """``object_pairs_hook``: a JSON object, refusing a key written twice with two meanings
    (``json`` keeps the last silently, so ``{"state": "disabled", ..., "state": "enabled"}``
    would read as whichever came last)."""
    obj = dict(pairs)
    if len(obj) != len(pairs):
        obj.update(_settle_duplicates(pairs))
    return obj


class _Marked(dict[str, Any]):
    """An object that wrote ``duplicate`` twice (the error path's second parse)."""

    duplicate: str = ""


def _marking_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = _Marked(pairs)
    if len(obj) != len(pairs):
        try:
            _settle_duplicates(pairs)
        except _DuplicateKey as dup:
            obj.duplicate = str(dup.key)
    return obj


def _find_marked(doc: Any) -> tuple[tuple[str | int, ...], str] | None:
    """(JSON path, key) of the first object of ``doc`` (document order) that wrote a key twice."""
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(doc, ())]
    while stack:
        node, path = stack.pop()
        if isinstance(node, _Marked) and node.duplicate:
            return path, node.duplicate
        if isinstance(node, dict):
            stack.extend((v, (*path, k)) for k, v in reversed(list(node.items())))
        elif isinstance(node, list):
            stack.extend((v, (*path, i)) for i, v in reversed(list(enumerate(node))))
    return None


def _duplicate_error(name: str, path: tuple[str | int, ...], key: object, line: str) -> SchemaError:
    return SchemaError(
        f"duplicate key {shown_key(key)}{line}",
        file=name,
        path=(*path, str(key)),
        hint="a key written twice in one object: which value is meant is unknown",
        code="duplicate",
    )


def _json_duplicate(text: str, name: str) -> SchemaError:
    """The error for a JSON document with a key written twice, naming its JSON path."""
    found = _find_marked(json.loads(text, object_pairs_hook=_marking_keys))
    path, key = found if found is not None else ((), "")
    return _duplicate_error(name, path, key, "")


def _parse_json(text: str, name: str) -> Any:
    if _json_depth(text) > MAX_DEPTH:
        raise _too_deep(name)
    try:
        try:
            return json.loads(text, object_pairs_hook=_unique_keys)
        except _DuplicateKey:
            raise _json_duplicate(text, name) from None
    except json.JSONDecodeError as first:
        try:
            try:
                return json.loads(_relaxed_json(text), object_pairs_hook=_unique_keys)
            except _DuplicateKey:
                raise _json_duplicate(_relaxed_json(text), name) from None
        except json.JSONDecodeError as second:
            # A leading // comment fails the strict parse at line 1: the tolerant parse's error
            # (comments and trailing commas removed, lines kept) is where the file goes wrong.
            at = second if second.lineno > first.lineno else first
            raise ParseError(
                f"malformed JSON at line {at.lineno}, column {at.colno}: {at.msg}",
                file=name,
            ) from None
    except RecursionError:
        raise _too_deep(name) from None
    except ValueError:  # an integer longer than Python's 4300-digit limit
        raise ParseError("malformed JSON: a number has too many digits", file=name) from None


def _check_yaml_depth(root: yaml.Node, name: str) -> None:
    """Nesting depth only, for documents without anchors (hence without aliases): a lean walk
    that never pushes scalars (about 5x cheaper than :func:`_check_yaml_graph`)."""
    scalar = yaml.ScalarNode
    stack: list[tuple[yaml.Node, int]] = [(root, 1)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, scalar):
            continue
        if level > MAX_DEPTH:
            raise _too_deep(name)
        if isinstance(node, yaml.SequenceNode):
            stack.extend((c, level + 1) for c in node.value if not isinstance(c, scalar))
        else:
            for k, v in node.value:
                if not isinstance(v, scalar):
                    stack.append((v, level + 1))
                if not isinstance(k, scalar):
                    stack.append((k, level + 1))


def _check_yaml_graph(root: yaml.Node, name: str) -> None:
    """Bound the document YAML *describes*: nesting depth and the nodes aliases add.

    Aliases are shared nodes in the composed graph, so sizes are counted per node once
    (memoised) without expanding anything; a node reachable from itself is refused too.
    """
    written: set[int] = set()
    size: dict[int, int] = {}  # expanded node count below and including each finished node
    depth: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        children: list[yaml.Node] = []
        if isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        elif isinstance(node, yaml.MappingNode):
            children = [n for pair in node.value for n in pair]
        if done:
            on_path.discard(key)
            size[key] = 1 + sum(size[id(c)] for c in children)
            if not isinstance(node, yaml.ScalarNode):
                depth[key] = 1 + max((depth[id(c)] for c in children), default=0)
            else:
                depth[key] = 0
            if depth[key] > MAX_DEPTH:
                raise _too_deep(name)
            if size[key] - len(written) > MAX_ALIAS_NODES:
                raise LimitError(
                    f"YAML aliases expand to more than {MAX_ALIAS_NODES:,} extra nodes",
                    file=name,
                    hint="an alias bomb; write the repeated blocks out or use fewer aliases",
                )
            continue
        if key in size:
            continue  # an alias of a finished node: already counted
        if key in on_path:
            raise LimitError("a YAML alias refers to the node that contains it", file=name)
        written.add(key)
        on_path.add(key)
        stack.append((node, True))
        stack.extend((c, False) for c in children if id(c) not in size)
        if len(on_path) > MAX_DEPTH + 1:
            raise _too_deep(name)


def _yaml_problem(exc: yaml.MarkedYAMLError) -> str:
    problem = _QUOTED.sub(
        lambda m: m.group(0) if len(m.group(0)) <= 4 else "(...)",
        str(exc.problem or "syntax error"),
    )
    if isinstance(exc, yaml.constructor.ConstructorError):
        problem = "unsupported tag or value (only plain YAML data is read)"
    mark = exc.problem_mark
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
    return f"malformed YAML{where}: {problem}"


class _Loader(_YamlLoader):  # type: ignore[valid-type,misc]
    """``yaml.SafeLoader`` (libyaml's ``CSafeLoader`` when available) without YAML 1.1's number surprises: ``0755`` (octal 493) and
    ``12:30:00`` (sexagesimal 45000) stay the strings they were written as (YAML 1.2 reads them
    so too); decimal, ``0x`` and ``0b`` integers and ordinary floats are unchanged. A mapping
    that writes one key twice is refused (PyYAML keeps the last silently); keys a merge
    (``<<: *base``) brings in may still be overridden, as YAML intends."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        mapping = super().construct_mapping(node, deep=deep)
        if len(mapping) < len(node.value):  # fewer keys than written (or merged): look closer
            own = [
                (k, v)
                for k, v in node.value
                if k.tag != "tag:yaml.org,2002:merge" and not getattr(k, "merged", 0)
            ]
            pairs = [
                (self.construct_object(k, deep=True), self.construct_object(v, deep=True))
                for k, v in own
            ]
            try:
                mapping.update(_settle_duplicates(pairs))
            except _DuplicateKey as dup:
                line = max(
                    k.start_mark.line
                    for (k, _), (key, _) in zip(own, pairs, strict=True)
                    if key == dup.key
                )
                raise _DuplicateKey(dup.key, line + 1) from None
            except TypeError:
                pass  # an unhashable key: SafeConstructor has refused it already
        return mapping

    def flatten_mapping(self, node: yaml.MappingNode) -> None:
        """Mark the pairs a merge brings in, so they are not taken for keys written twice."""
        own = {id(pair) for pair in node.value}
        super().flatten_mapping(node)
        for pair in node.value:
            if id(pair) not in own:
                pair[0].merged = 1  # yaml.Node has no __slots__


def _yaml12_numbers(loader: type[Any]) -> None:
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


def _timestamp_or_text(loader: Any, node: yaml.ScalarNode) -> Any:
    """A YAML timestamp; one that is no real moment (``+99:00``, month 13) stays the text it
    was written as, so the field reading it reports the file and JSON path (YAML 1.2 has no
    timestamp type: there it is text anyway)."""
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
    except (ValueError, OverflowError, TypeError):
        return loader.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_or_text)

_INT_TAG = "tag:yaml.org,2002:int"
_FLOAT_TAG = "tag:yaml.org,2002:float"
_yaml12_numbers(_Loader)


def _parse_yaml(text: str, name: str) -> Any:
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        if "&" in text:  # anchors, so maybe aliases: count what they expand to
            _check_yaml_graph(node, name)
        else:
            _check_yaml_depth(node, name)
        return loader.construct_document(node)
    except _DuplicateKey as dup:
        path = _yaml_path(node, dup.key, dup.line)
        raise _duplicate_error(name, path, dup.key, f" (line {dup.line})") from None
    except yaml.MarkedYAMLError as exc:
        if "nesting depth" in str(exc.problem or ""):  # libyaml stops at 1000 levels
            raise _too_deep(name) from None
        raise ParseError(_yaml_problem(exc), file=name) from None
    except RecursionError:
        raise _too_deep(name) from None
    except (yaml.YAMLError, ValueError, TypeError, OverflowError):
        # PyYAML's constructors raise plain ValueError for e.g. 2026-02-30 or "!!int 0x".
        raise ParseError(
            "malformed YAML: a value cannot be read as the type YAML gives it "
            "(an impossible date or number?); quote it to read it as text",
            file=name,
        ) from None
    finally:
        loader.dispose()


def is_empty_output(raw: bytes, name: str) -> bool:
    """What PowerShell saves when a ``Get-Mg*`` call returns nothing: 0 bytes, only a byte
    order mark (``Out-File`` in Windows PowerShell 5.1 writes the UTF-16 BOM), whitespace, or
    ``null`` (``ConvertTo-Json $null``). Export loaders read such a file as an empty list."""
    if len(raw) > 4096:
        return False  # a blank file is short; never decode a real document twice
    text = decode_text(raw, name).lstrip("\ufeff").strip()
    return text in ("", "null")


def is_json_document(raw: bytes, name: str) -> bool:
    """Does ``raw`` parse as JSON (with the tolerance every JSON file gets)? For a file whose
    name does not say JSON, e.g. a policy saved as ``CA015.txt``: the bundle loader does not
    read it, but says that it may hold policies (docs/bundle-format.md)."""
    if len(raw) > MAX_FILE_BYTES:
        return False
    try:
        text = decode_text(raw, name).lstrip("\ufeff")
        stripped = text.lstrip()
        if not stripped or stripped[0] not in "[{":
            return False
        _parse_json(text, name)
    except InputError:
        return False
    return True


def _yaml_path(root: yaml.Node, key: object, line: int | None) -> tuple[str | int, ...]:
    """JSON path of the mapping that writes ``key`` twice, the second time on ``line``."""
    stack: list[tuple[yaml.Node, tuple[str | int, ...]]] = [(root, ())]
    visited: set[int] = set()
    while stack:
        node, path = stack.pop()
        if id(node) in visited:
            continue
        visited.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            stack.extend((c, (*path, i)) for i, c in enumerate(node.value))
        elif isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if (
                    isinstance(k, yaml.ScalarNode)
                    and k.start_mark.line + 1 == line
                    and k.value == str(key)
                ):
                    return path
                stack.append((v, (*path, k.value if isinstance(k, yaml.ScalarNode) else "?")))
    return ()


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
    suffix = Path(name).suffix.lower()
    if suffix in _YAML_SUFFIXES:
        return _parse_yaml(text, name)
    stripped = text.lstrip()
    if not stripped:
        raise ParseError("file is empty", file=name, expected="a JSON or YAML document")
    if suffix == ".json5":
        # JSON5 is not supported: a .json5 file is read as JSON (never as YAML, whose errors
        # would puzzle), with the tolerance every JSON file gets (review of issue 9, L2).
        try:
            return _parse_json(text, name)
        except ParseError as exc:
            exc.hint = _JSON5_HINT
            exc.args = (str(exc),)
            raise
    if stripped[0] in "[{" or stripped.startswith("//"):
        return _parse_json(text, name)
    # Not JSON-looking: accept YAML (a superset of JSON) for hand-written files.
    return _parse_yaml(text, name)


_reads: ContextVar[set[tuple[int, int]] | None] = ContextVar("caflow_reads", default=None)


@contextmanager
def track_reads() -> Iterator[set[tuple[int, int]]]:
    """Collect the (device, inode) of every file read inside the block, so the CLI can refuse
    an ``--output`` that would overwrite one of its own inputs (also through a hard link)."""
    seen: set[tuple[int, int]] = set()
    token = _reads.set(seen)
    try:
        yield seen
    finally:
        _reads.reset(token)


def reads_so_far() -> frozenset[tuple[int, int]]:
    """The files read so far inside the innermost :func:`track_reads` block."""
    return frozenset(_reads.get() or ())


def note_read(st: os.stat_result) -> None:
    """Record a file as an input of the current command (see :func:`track_reads`)."""
    seen = _reads.get()
    if seen is not None:
        seen.add((st.st_dev, st.st_ino))


def read_regular_file(
    path: Path, label: str, *, follow_symlinks: bool = True, limit: int | None = None
) -> bytes:
    """The bytes of a regular file, refusing what is not one *before* blocking on it.

    A FIFO or device named ``policy.json`` would hang a CI job or stream forever: the file is
    opened non-blocking and checked with ``fstat`` on the open descriptor (no race with a
    swapped path). With ``follow_symlinks=False`` a symbolic link itself is refused.
    ``limit`` defaults to :data:`MAX_FILE_BYTES`.
    """
    limit = MAX_FILE_BYTES if limit is None else limit
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    if not follow_symlinks:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if not follow_symlinks and path.is_symlink():
            raise UnsafePathError("a symbolic link is not followed here", file=label) from None
        raise ParseError(f"cannot read file: {exc.strerror}", file=label) from None
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            # A folder named where a file is expected is the user's mix-up, not a hazard.
            raise InputError(
                "a folder, not a file",
                file=label,
                expected="a file (this command reads one document here)",
            )
        if not stat.S_ISREG(st.st_mode):
            raise UnsafePathError(
                "not a regular file (a FIFO, device or socket is never read)", file=label
            )
        if st.st_size > limit:
            raise FileTooLargeError(
                f"file is {st.st_size:,} bytes, larger than the {limit:,}-byte limit",
                file=label,
            )
        note_read(st)
        with os.fdopen(os.dup(fd), "rb") as fh:
            raw = fh.read(limit + 1)
    except OSError as exc:
        raise ParseError(f"cannot read file: {exc.strerror}", file=label) from None
    finally:
        os.close(fd)
    if len(raw) > limit:  # grew while being read
        raise FileTooLargeError(f"file is larger than the {limit:,}-byte limit", file=label)
    return raw


def load_document(path: Path, name: str | None = None) -> Any:
    """Read and parse one file; ``name`` is how errors refer to it (defaults to the path)."""
    label = name or str(path)
    return parse_document(read_regular_file(Path(path), label), label)
