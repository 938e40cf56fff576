"""The one record schema every sign-in loader produces (Graph ``signIn`` names, flattened).

Flat Arrow columns keep the evaluator columnar (dictionary encoding, Parquet, DuckDB) and cost
nothing to carry through batches; nested Graph objects are flattened to the fields a Conditional
Access replay and its report need (docs/sources.md TS-6).
``appliedConditionalAccessPolicies`` stays JSON text (``[{"id", "displayName", "result"}]``):
only the agreement report parses it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa

__all__ = ["BATCH_ROWS", "EVENT_TYPES", "FIELDS", "SCHEMA", "TIME", "build_batch", "iso_utc"]

#: Rows per batch: bounded memory whatever the log size.
BATCH_ROWS = 65_536

#: ``signInEventTypes`` values (one per record here), Graph beta signIn.
EVENT_TYPES = ("interactiveUser", "nonInteractiveUser", "servicePrincipal", "managedIdentity")

_STR = pa.string()
FIELDS: tuple[tuple[str, pa.DataType], ...] = (
    ("id", _STR),
    ("createdDateTime", pa.timestamp("us", tz="UTC")),
    ("userId", _STR),
    ("userPrincipalName", _STR),
    ("userDisplayName", _STR),
    ("userType", _STR),
    ("homeTenantId", _STR),
    ("resourceTenantId", _STR),
    ("crossTenantAccessType", _STR),
    ("appId", _STR),
    ("appDisplayName", _STR),
    ("resourceId", _STR),
    ("resourceDisplayName", _STR),
    ("servicePrincipalId", _STR),
    ("servicePrincipalName", _STR),
    ("ipAddress", _STR),
    ("countryOrRegion", _STR),
    ("city", _STR),
    ("clientAppUsed", _STR),
    ("isInteractive", pa.bool_()),
    ("signInEventType", _STR),
    ("operatingSystem", _STR),
    ("browser", _STR),
    ("deviceId", _STR),
    ("deviceDisplayName", _STR),
    ("isCompliant", pa.bool_()),
    ("isManaged", pa.bool_()),
    ("trustType", _STR),
    ("errorCode", pa.int64()),
    ("conditionalAccessStatus", _STR),
    ("authenticationRequirement", _STR),
    ("authenticationMethods", _STR),
    ("riskLevelDuringSignIn", _STR),
    ("riskLevelAggregated", _STR),
    ("authenticationProtocol", _STR),
    ("originalTransferMethod", _STR),
    ("incomingTokenType", _STR),
    ("appliedConditionalAccessPolicies", _STR),
)
SCHEMA = pa.schema([pa.field(name, typ) for name, typ in FIELDS])
NAMES = tuple(name for name, _ in FIELDS)
TIME = NAMES.index("createdDateTime")


def iso_utc(moment: datetime) -> str:
    """A datetime as the ISO text the batch builder casts (naive = UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat()


def _times(values: Sequence[Any]) -> tuple[pa.Array, list[int]]:
    """ISO 8601 strings -> UTC timestamps; indexes of values that are not timestamps."""
    arr = pa.array(values, type=pa.string())
    try:
        ts = arr.cast(pa.timestamp("ns", tz="UTC"))
        return ts.cast(pa.timestamp("us", tz="UTC"), safe=False), []
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    from caflow.io.fields import parse_moment

    out: list[datetime | None] = []
    bad: list[int] = []
    for i, v in enumerate(values):
        try:
            out.append(parse_moment(v) if isinstance(v, str) else None)
        except ValueError:
            out.append(None)
        if out[-1] is None:
            bad.append(i)
    return pa.array(out, type=pa.timestamp("us", tz="UTC")), bad


def build_batch(rows: list[tuple[Any, ...]]) -> tuple[pa.RecordBatch, list[int]]:
    """Row tuples (``NAMES`` order, time as ISO text) -> a batch; the rows whose time is not a
    timestamp are returned by index and left out of the batch."""
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in NAMES]
    arrays: list[pa.Array] = []
    bad: list[int] = []
    for (_name, typ), col in zip(FIELDS, columns, strict=True):
        if typ == pa.timestamp("us", tz="UTC"):
            arr, bad = _times(col)
            arrays.append(arr)
        else:
            arrays.append(pa.array(col, type=typ))
    batch = pa.RecordBatch.from_arrays(arrays, schema=SCHEMA)
    if bad:
        import pyarrow.compute as pc

        keep = pa.array([True] * len(rows))
        mask = keep.to_pylist()
        for i in bad:
            mask[i] = False
        batch = batch.filter(pc.equal(pa.array(mask), True))
    return batch, bad
