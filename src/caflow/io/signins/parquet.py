"""Parquet sign-in logs with Graph field names: flat (the record schema, as ``caflow synth``
writes it) or nested like the Graph object (``deviceDetail.operatingSystem``, ``status.errorCode``,
``location.countryOrRegion``). Read in row groups; the flat form is converted without a Python
loop (>= 1M rows/s), the nested form through the Graph mapping."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from caflow.errors import ParseError
from caflow.io.signins.graph import graph_row, lenient_signin
from caflow.io.signins.schema import FIELDS, build_batch
from caflow.io.signins.stats import LoadStats

__all__ = ["dictionary_columns", "flat_batch", "read_parquet", "row_group_spans"]


def read_parquet(
    path: Path,
    stats: LoadStats,
    batch_rows: int,
    *,
    dictionary: bool = False,
    fields: Collection[str] | None = None,
) -> Iterator[pa.RecordBatch]:
    """``dictionary``: keep string columns dictionary-encoded as Parquet stores them (the
    replay's encoder uses the dictionaries directly; 2-3x faster than decoding the strings).
    ``fields``: the record fields the caller reads; the others of a flat file are not read
    (null columns), except those :func:`flat_batch` checks."""
    name = str(path)
    strings = dictionary_columns() if dictionary else None
    try:
        pf = pq.ParquetFile(path, read_dictionary=strings)
    except (OSError, pa.ArrowException) as exc:
        raise ParseError(f"cannot read Parquet: {exc}", file=name) from None
    names = set(pf.schema_arrow.names)
    flat = "createdDateTime" in names and not ({"deviceDetail", "status", "location"} & names)
    wanted = (
        [n for n, _ in FIELDS if n in names and (fields is None or n in fields or n in _CHECKED)]
        if flat
        else None
    )
    try:
        offset = 0
        for span in row_group_spans(pf.metadata, batch_rows):
            # A reader per span of row groups: one reader over the whole file keeps what it
            # decoded, so Arrow's memory grew with the log (~25 MB per million rows, measured
            # with pyarrow 26); per span it stays flat.
            for batch in pf.iter_batches(batch_size=batch_rows, row_groups=span, columns=wanted):
                yield (
                    flat_batch(batch, stats, name, offset)
                    if flat
                    else _nested(batch, stats, name, offset)
                )
                offset += batch.num_rows
    except (OSError, pa.ArrowException) as exc:
        raise ParseError(f"cannot read Parquet: {exc}", file=name) from None


def row_group_spans(meta: pq.FileMetaData, rows: int) -> Iterator[list[int]]:
    """Consecutive row groups of about ``rows`` rows (at least one group each)."""
    span: list[int] = []
    count = 0
    for g in range(meta.num_row_groups):
        span.append(g)
        count += meta.row_group(g).num_rows
        if count >= rows:
            yield span
            span, count = [], 0
    if span:
        yield span


#: Columns flat_batch checks (a row without them is skipped): always read.
_CHECKED = frozenset(
    {"createdDateTime", "userId", "userPrincipalName", "servicePrincipalId", "appId", "resourceId"}
)


def dictionary_columns() -> list[str]:
    """String columns read dictionary-encoded (all but ``id``: unique per record, a dictionary
    of it costs 3x the whole read, measured)."""
    return [n for n, t in FIELDS if t == pa.string() and n != "id"]


def flat_batch(batch: pa.RecordBatch, stats: LoadStats, name: str, offset: int) -> pa.RecordBatch:
    """A batch with (a subset of) the record schema's columns -> the record schema; rows that
    cannot be used are counted and dropped."""
    n = batch.num_rows
    stats.read += n
    arrays = []
    fields = []
    for field_name, typ in FIELDS:
        if field_name in batch.schema.names:
            col = batch.column(field_name)
            if col.type != typ and not (
                pa.types.is_dictionary(col.type) and col.type.value_type == typ
            ):
                col = col.cast(typ)
            arrays.append(col)
            fields.append(pa.field(field_name, col.type))
        else:
            arrays.append(pa.nulls(n, type=typ))
            fields.append(pa.field(field_name, typ))
    out = pa.RecordBatch.from_arrays(arrays, schema=pa.schema(fields))
    checks = (
        ("missing createdDateTime", pc.is_null(out.column("createdDateTime"))),
        (
            "no user and no service principal",
            pc.and_(
                pc.and_(
                    pc.is_null(out.column("userId")), pc.is_null(out.column("userPrincipalName"))
                ),
                pc.and_(
                    pc.is_null(out.column("servicePrincipalId")), pc.is_null(out.column("appId"))
                ),
            ),
        ),
        (
            "no resource and no application id",
            pc.and_(pc.is_null(out.column("resourceId")), pc.is_null(out.column("appId"))),
        ),
    )
    bad = pa.array(np.zeros(n, dtype=bool))
    for reason, mask in checks:
        mask = pc.and_(mask, pc.invert(bad))
        count = pc.sum(mask).as_py() or 0
        if count:
            first = pc.index(mask, True).as_py()
            for _ in range(count):
                stats.skip(reason, f"{name}: row {offset + first}")
        bad = pc.or_(bad, mask)
    if pc.any(bad).as_py():
        out = out.filter(pc.invert(bad))
    stats.kept += out.num_rows
    return out


def _nested(batch: pa.RecordBatch, stats: LoadStats, name: str, offset: int) -> pa.RecordBatch:
    rows = []
    for i, obj in enumerate(batch.to_pylist()):
        stats.read += 1
        where = f"{name}: row {offset + i}"
        created = obj.get("createdDateTime")
        if created is not None and not isinstance(created, str):
            obj["createdDateTime"] = created.isoformat()
        try:
            row = graph_row(lenient_signin(obj))
        except Exception as exc:  # msgspec.ValidationError: impossible field type
            stats.skip(f"field of the wrong type ({str(exc)[:60]})", where)
            continue
        if isinstance(row, str):
            stats.skip(row, where)
            continue
        rows.append(row)
    out, bad = build_batch(rows)
    for _ in bad:
        stats.skip("invalid createdDateTime", f"{name}: row group at {offset}")
    stats.kept += out.num_rows
    return out
