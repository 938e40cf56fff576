"""Find, sniff and stream sign-in log files as record batches.

One file = one format, told from its suffix and first bytes: ``.parquet``; ``.csv`` (portal
download or Log Analytics export, by header); JSON Lines (one record per line: Graph, Log
Analytics or Event Hub, by keys); or one JSON document (Graph page ``{"value": [...]}``, Event Hub
``{"records": [...]}``, Log Analytics API ``{"tables": [...]}``, or an array). JSON Lines, CSV and
Parquet are streamed; a JSON document is one Graph page and is read whole (up to
:data:`~caflow.io.decode.MAX_FILE_BYTES`). An unreadable file is bad input (exit 2) naming it; a
record that cannot be mapped is counted in :class:`LoadStats` and skipped.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
from collections.abc import Collection, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import msgspec
import pyarrow as pa

from caflow.errors import FileTooLargeError, InputError, ParseError
from caflow.io.decode import MAX_FILE_BYTES, note_read, parse_document
from caflow.io.signins.columnar import read_graph_jsonl
from caflow.io.signins.graph import (
    GraphSignIn,
    decode_any,
    decode_page,
    decode_record,
    graph_row,
    lenient_signin,
)
from caflow.io.signins.reshape import (
    PORTAL_MARKERS,
    eventhub_to_graph,
    is_eventhub,
    is_loganalytics,
    loganalytics_to_graph,
    portal_columns,
    portal_csv_to_graph,
)
from caflow.io.signins.schema import BATCH_ROWS, build_batch
from caflow.io.signins.stats import LoadStats

__all__ = ["SUFFIXES", "expand_paths", "read_signins"]

SUFFIXES = (".json", ".json5", ".jsonl", ".ndjson", ".csv", ".parquet")
# Portal download file names tell the sign-in type (docs/sources.md TS-6.8).
_NAME_EVENT = (
    ("noninteractive", "nonInteractiveUser"),
    ("interactive", "interactiveUser"),
    ("applicationsignins", "servicePrincipal"),
    ("serviceprincipal", "servicePrincipal"),
    ("msisignins", "managedIdentity"),
    ("managedidentity", "managedIdentity"),
)


def expand_paths(paths: Sequence[Path]) -> list[tuple[Path, bool]]:
    """Files and folders (searched recursively for known suffixes), in a stable order; the flag
    says the file was found in a folder (a non-log file there is noted, not an error)."""
    out: list[tuple[Path, bool]] = []
    for p in paths:
        _note_input(p)
        if p.is_dir():
            found = sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in SUFFIXES)
            if not found:
                raise InputError(
                    "no sign-in log files in folder",
                    file=str(p),
                    expected="files ending in " + ", ".join(SUFFIXES),
                )
            for f in found:
                _note_input(f)
            out.extend((f, True) for f in found)
        elif p.is_file():
            out.append((p, False))
        else:
            raise ParseError("cannot read file: no such file or folder", file=str(p))
    return out


def _note_input(path: Path) -> None:
    """Record a log file as an input of the command (``note_read``), so ``--output`` can never
    overwrite it: the log readers (DuckDB, pyarrow, csv) open files themselves."""
    with contextlib.suppress(OSError):
        if path.is_file():
            note_read(os.stat(path))


def read_signins(
    paths: Sequence[Path],
    stats: LoadStats,
    *,
    batch_rows: int = BATCH_ROWS,
    dictionary: bool = False,
    fields: Collection[str] | None = None,
) -> Iterator[pa.RecordBatch]:
    """Stream every record of ``paths`` as batches of the record schema (``dictionary``: string
    columns of Parquet and Graph JSON Lines inputs may stay dictionary-encoded; ``fields``: the
    record fields the caller reads - columnar readers may leave the others null)."""
    for path, in_folder in expand_paths(paths):
        name = str(path)
        suffix = path.suffix.lower()
        if suffix == ".parquet":
            from caflow.io.signins.parquet import read_parquet

            stats.files[name] = "parquet"
            yield from read_parquet(path, stats, batch_rows, dictionary=dictionary, fields=fields)
            continue
        if suffix == ".csv":
            yield from _batches(_csv_rows(path, stats), stats, name, batch_rows)
            continue
        try:
            yield from _batches(
                _json_rows(path, stats, batch_rows, dictionary, fields), stats, name, batch_rows
            )
        except NotASignInLog as exc:
            if not in_folder:
                raise
            stats.skipped_files[name] = exc.message


class NotASignInLog(InputError):
    """A JSON document of another kind (e.g. an INDEX.json beside the pages)."""


def _event_hint(path: Path) -> str | None:
    low = path.name.lower().replace("-", "").replace("_", "")
    for needle, event in _NAME_EVENT:
        if needle in low:
            return event
    return None


def _batches(
    rows: Iterable[tuple[tuple[Any, ...], str] | pa.RecordBatch],
    stats: LoadStats,
    name: str,
    batch_rows: int,
) -> Iterator[pa.RecordBatch]:
    """Row tuples -> batches; batches already built (the columnar JSON Lines reader) pass."""
    pending: list[tuple[Any, ...]] = []
    where: list[str] = []

    def flush() -> pa.RecordBatch:
        batch, bad = build_batch(pending)
        for i in bad:
            stats.skip("invalid createdDateTime", where[i])
        stats.kept += batch.num_rows
        _count_tenants(batch, stats)
        pending.clear()
        where.clear()
        return batch

    for item in rows:
        if isinstance(item, pa.RecordBatch):
            if pending:
                yield flush()
            stats.read += item.num_rows
            stats.kept += item.num_rows
            _count_tenants(item, stats)
            yield item
            continue
        row, loc = item
        pending.append(row)
        where.append(loc)
        if len(pending) >= batch_rows:
            yield flush()
    if pending:
        yield flush()


def _count_tenants(batch: pa.RecordBatch, stats: LoadStats) -> None:
    for tid, n in _value_counts(batch.column("resourceTenantId")):
        stats.tenants[tid] += n


def _value_counts(arr: pa.Array) -> list[tuple[str, int]]:
    counts = arr.drop_null().value_counts()
    return [(str(v["values"]), int(v["counts"])) for v in counts.to_pylist()]


def _map(
    obj: Any, stats: LoadStats, where: str, event_hint: str | None
) -> tuple[tuple[Any, ...], str] | None:
    """A decoded record (any shape) -> row, or count why not."""
    stats.read += 1
    if not isinstance(obj, dict):
        stats.skip("record is not an object", where)
        return None
    event = event_hint
    if is_eventhub(obj):
        obj, event = eventhub_to_graph(obj)
        event = event or event_hint
    elif is_loganalytics(obj):
        obj, table_event = loganalytics_to_graph(obj)
        event = table_event or event_hint
    try:
        signin = lenient_signin(obj)
    except msgspec.ValidationError as exc:
        stats.skip(f"field of the wrong type ({_short(exc)})", where)
        return None
    return _finish(signin, stats, where, event)


def _finish(
    signin: GraphSignIn, stats: LoadStats, where: str, event: str | None
) -> tuple[tuple[Any, ...], str] | None:
    row = graph_row(signin, event)
    if isinstance(row, str):
        stats.skip(row, where)
        return None
    return row, where


def _short(exc: Exception) -> str:
    text = str(exc)
    return text.split(" - at ")[-1] if " - at " in text else text[:60]


# -- JSON --------------------------------------------------------------------------------------


def _open(path: Path) -> Any:
    try:
        return path.open("rb")
    except OSError as exc:
        raise ParseError(f"cannot read file: {exc.strerror}", file=str(path)) from None


def _json_rows(
    path: Path,
    stats: LoadStats,
    batch_rows: int = BATCH_ROWS,
    dictionary: bool = False,
    fields: Collection[str] | None = None,
) -> Iterator[tuple[tuple[Any, ...], str] | pa.RecordBatch]:
    name = str(path)
    hint = _event_hint(path)
    with _open(path) as fh:
        head = fh.read(4)
        if head.startswith((b"\xff\xfe", b"\xfe\xff")) or (len(head) > 1 and head[1] == 0):
            raise ParseError(
                "UTF-16 sign-in logs are not supported; save the export as UTF-8", file=name
            )
        fh.seek(3 if head.startswith(b"\xef\xbb\xbf") else 0)
        first = fh.readline()
        second = fh.readline()
        while second and not second.strip():
            second = fh.readline()
        fh.seek(3 if head.startswith(b"\xef\xbb\xbf") else 0)
        if not first.strip():
            if path.suffix.lower() in (".jsonl", ".ndjson"):
                # JSON Lines holding no line is a log of no sign-ins (jsonlines.org: one value
                # per line) - what `caflow pull --since` writes when none happened; counted as
                # a file read, its 0 sign-ins are in every summary.
                stats.files[name] = "jsonl"
                return
            raise ParseError("file is empty", file=name, expected="a sign-in log")
        if _is_json_lines(first, second):
            if not _looks_like_signin(decode_any(first.strip())):
                raise _not_a_log(name, "JSON Lines of another kind")
            stats.files[name] = "jsonl"
            done = [0]
            if _graph_shaped(first):
                # Well-formed Graph records column by column; the rest record by record.
                yield from read_graph_jsonl(
                    path, batch_rows, hint, done, dictionary=dictionary, fields=fields
                )
            yield from _jsonl_rows(fh, stats, name, hint, skip=done[0])
            return
    yield from _document_rows(path, stats, hint)


_SIGNIN_KEYS = frozenset(
    {
        "createdDateTime",
        "userPrincipalName",
        "ipAddress",
        "appId",
        "TimeGenerated",
        "CreatedDateTime",
    }
)


def _looks_like_signin(obj: Any) -> bool:
    return isinstance(obj, dict) and (bool(_SIGNIN_KEYS & obj.keys()) or is_eventhub(obj))


def _not_a_log(name: str, got: str) -> NotASignInLog:
    return NotASignInLog(
        "not a sign-in log",
        file=name,
        expected='a Graph page {"value": [...]}, an Event Hub {"records": [...]}, a Log '
        "Analytics result, a JSON array of sign-ins or JSON Lines",
        got=got,
    )


def _is_json_lines(first: bytes, second: bytes) -> bool:
    text = first.strip()
    if not text.startswith(b"{"):
        return False
    try:
        decode_any(text)
    except msgspec.DecodeError:
        return False  # a pretty-printed document
    return True if not second.strip() else second.strip().startswith(b"{")


def _graph_shaped(line: bytes) -> bool:
    try:
        return decode_record(line.strip()).createdDateTime is not None
    except msgspec.DecodeError:
        return False


def _jsonl_rows(
    fh: Any, stats: LoadStats, name: str, hint: str | None, skip: int = 0
) -> Iterator[tuple[tuple[Any, ...], str]]:
    """Record by record, after the first ``skip`` records (read column by column already)."""
    for lineno, line in enumerate(fh, 1):
        if not line.strip():
            continue
        if skip:
            skip -= 1
            continue
        where = f"{name}:{lineno}"
        try:
            signin = decode_record(line)  # typed fast path: Graph-shaped lines
        except msgspec.DecodeError:
            try:
                obj = decode_any(line)
            except msgspec.DecodeError:
                stats.read += 1
                stats.skip("malformed JSON line", where)
                continue
            mapped = _map(obj, stats, where, hint)
        else:
            if signin.createdDateTime is None:
                # Not Graph-shaped (Log Analytics / Event Hub line): take the general path.
                mapped = _map(decode_any(line), stats, where, hint)
            else:
                stats.read += 1
                mapped = _finish(signin, stats, where, hint)
        if mapped is not None:
            yield mapped


def _document_rows(
    path: Path, stats: LoadStats, hint: str | None
) -> Iterator[tuple[tuple[Any, ...], str]]:
    name = str(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ParseError(f"cannot read file: {exc.strerror}", file=name) from None
    if size > MAX_FILE_BYTES:
        raise FileTooLargeError(
            f"a single JSON document of {size:,} bytes is larger than the "
            f"{MAX_FILE_BYTES:,}-byte limit; export JSON Lines or Parquet to stream it",
            file=name,
        )
    raw = path.read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        records = decode_page(raw)  # typed fast path: a Graph list page
    except msgspec.DecodeError:
        pass
    else:
        if records and not any(r.createdDateTime or r.userPrincipalName for r in records):
            raise _not_a_log(name, "a list of other objects")  # e.g. What If results
        stats.files[name] = "graph-page"
        for i, signin in enumerate(records):
            stats.read += 1
            mapped = _finish(signin, stats, f"{name}: /value/{i}", hint)
            if mapped is not None:
                yield mapped
        return
    try:
        doc = decode_any(raw)
    except msgspec.DecodeError:
        # Graph docs samples carry trailing commas (.json5): the tolerant bundle decoder
        # reads them, and names file, line and column when the bytes really are not JSON.
        doc = parse_document(raw, name)
    items, base, kind = _records_of(doc, name)
    stats.files[name] = kind
    for i, obj in enumerate(items):
        mapped = _map(obj, stats, f"{name}: {base}/{i}", hint)
        if mapped is not None:
            yield mapped


def _records_of(doc: Any, name: str) -> tuple[list[Any], str, str]:
    if isinstance(doc, list):
        return doc, "", "json-array"
    if isinstance(doc, dict):
        if isinstance(doc.get("value"), list):
            return doc["value"], "/value", "graph-page"
        if isinstance(doc.get("records"), list):
            return doc["records"], "/records", "eventhub"
        if isinstance(doc.get("tables"), list):
            return _la_api_rows(doc, name), "/tables/0/rows", "loganalytics-api"
        if _looks_like_signin(doc):
            return [doc], "", "json-record"
    raise _not_a_log(name, type(doc).__name__)


def _la_api_rows(doc: dict[str, Any], name: str) -> list[dict[str, Any]]:
    """Log Analytics query API result: ``{"tables": [{"columns": [{name}], "rows": [[...]]}]}``."""
    out: list[dict[str, Any]] = []
    for table in doc["tables"]:
        if not isinstance(table, dict):
            continue
        cols = [c.get("name") if isinstance(c, dict) else None for c in table.get("columns", [])]
        for row in table.get("rows", []):
            if isinstance(row, list):
                out.append({c: v for c, v in zip(cols, row, strict=False) if c})
            else:
                out.append(row)
    return out


# -- CSV ---------------------------------------------------------------------------------------


def _csv_rows(path: Path, stats: LoadStats) -> Iterator[tuple[tuple[Any, ...], str]]:
    name = str(path)
    hint = _event_hint(path)
    with _open(path) as raw:
        head = raw.read(4)
        raw.seek(0)
        encoding = "utf-16" if head.startswith((b"\xff\xfe", b"\xfe\xff")) else "utf-8-sig"
        text = io.TextIOWrapper(raw, encoding=encoding, newline="")
        reader = csv.reader(text)
        try:
            header = next(reader)
        except StopIteration:
            raise ParseError("file is empty", file=name, expected="a CSV header") from None
        except (UnicodeDecodeError, csv.Error) as exc:
            raise ParseError(f"cannot read CSV: {exc}", file=name) from None
        keys = [" ".join(h.split()).lower() for h in header]
        portal = all(m in keys for m in PORTAL_MARKERS)
        la = not portal and any(
            h.split(" [")[0] in ("TimeGenerated", "CreatedDateTime", "UserPrincipalName")
            for h in header
        )
        if not portal and not la:
            raise InputError(
                "unrecognised CSV header",
                file=name,
                expected="an Entra portal sign-in download (Date (UTC), Request ID, ...) or a "
                "Log Analytics export (TimeGenerated [UTC], ...)",
                got=",".join(header[:4]),
            )
        stats.files[name] = "portal-csv" if portal else "loganalytics-csv"
        columns = portal_columns(header) if portal else []
        try:
            for lineno, cells in enumerate(reader, 2):
                where = f"{name}: row {lineno}"
                if not any(c.strip() for c in cells):
                    continue
                if portal:
                    stats.read += 1
                    obj = portal_csv_to_graph(cells, columns)
                    try:
                        signin = lenient_signin(obj)
                    except msgspec.ValidationError as exc:
                        stats.skip(f"field of the wrong type ({_short(exc)})", where)
                        continue
                    mapped = _finish(signin, stats, where, hint)
                else:
                    record = dict(zip(header, cells, strict=False))
                    mapped = _map(record, stats, where, hint)
                if mapped is not None:
                    yield mapped
        except (UnicodeDecodeError, csv.Error) as exc:
            raise ParseError(f"cannot read CSV: {exc}", file=name) from None
