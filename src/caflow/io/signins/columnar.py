"""Graph sign-in JSON Lines read column by column by DuckDB (``read_json``), no Python per record.

The per-record reader (msgspec struct -> :func:`~caflow.io.signins.graph.graph_row` -> row tuple)
managed ~60k records per CPU-second on 1 KB Graph records; DuckDB parses and maps the same
records ~5x faster in C++ on every core. This is the compiled form of ``graph_row`` for
well-formed Graph records: the same fields, trimming, event-type rules and skip rules, checked
equal to the per-record reader by tests/io/signins/test_columnar_jsonl.py.

Anything unusual goes back to the per-record reader, from that record on, so every skip is
counted per reason with its line exactly as before: a line DuckDB cannot parse or type, a record
the per-record reader would skip (no createdDateTime - possibly a Log Analytics or Event Hub line
-, no user, no service principal, no resource), a status.errorCode that is not an integer, a
createdDateTime Arrow cannot cast.

Text fields are trimmed after DuckDB, once per distinct value of an Arrow dictionary
(``pyarrow.compute.dictionary_encode``) rather than once per row in SQL; with ``dictionary`` the
columns stay dictionary-encoded for the replay's encoder. Documented differences (docs/assumptions.md A-REPLAY-7): a
JSON number or boolean where Graph has a string is read as its text, and whitespace beyond U+007F
(e.g. a no-break space) is not trimmed.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from caflow.io.signins.schema import EVENT_TYPES, FIELDS

__all__ = ["read_graph_jsonl"]

_TEXT = "VARCHAR"
#: Graph fields read as they are (trimmed text): one list for the column types and the select.
_PLAIN = (
    "userId",
    "userPrincipalName",
    "userDisplayName",
    "userType",
    "homeTenantId",
    "resourceTenantId",
    "crossTenantAccessType",
    "appId",
    "appDisplayName",
    "resourceId",
    "resourceDisplayName",
    "servicePrincipalId",
    "servicePrincipalName",
    "ipAddress",
)
#: Top-level text fields with a closed set of values (client app, CA status, risk, protocol).
_CLASSIFIERS = (
    "clientAppUsed",
    "conditionalAccessStatus",
    "authenticationRequirement",
    "riskLevelDuringSignIn",
    "riskLevelAggregated",
    "authenticationProtocol",
    "originalTransferMethod",
    "incomingTokenType",
)
#: read_json column types: the GraphSignIn fields (graph.py), nested ones as structs.
_COLUMNS = {
    **{
        name: _TEXT
        for name in (
            "id",
            "createdDateTime",
            *_PLAIN,
            *_CLASSIFIERS,
        )
    },
    "isInteractive": "BOOLEAN",
    "signInEventTypes": "VARCHAR[]",
    "location": "STRUCT(city VARCHAR, countryOrRegion VARCHAR)",
    "deviceDetail": "STRUCT(deviceId VARCHAR, displayName VARCHAR, operatingSystem VARCHAR, "
    "browser VARCHAR, isCompliant BOOLEAN, isManaged BOOLEAN, trustType VARCHAR)",
    "status": "STRUCT(errorCode JSON)",
    "authenticationDetails": "STRUCT(authenticationMethod VARCHAR, succeeded BOOLEAN)[]",
    "appliedConditionalAccessPolicies": "STRUCT(id VARCHAR, displayName VARCHAR, result VARCHAR)[]",
    "appliedConditionalAccessPolicy": "STRUCT(id VARCHAR, displayName VARCHAR, result VARCHAR)[]",
}
#: Record fields graph_row reads with graph._text (stripped, empty -> None).
_TRIMMED = frozenset(
    {
        *_PLAIN,
        "countryOrRegion",
        "city",
        "clientAppUsed",
        "operatingSystem",
        "browser",
        "deviceId",
        "deviceDisplayName",
        "trustType",
        *_CLASSIFIERS,
    }
)
#: What Python's str.strip() removes below U+0080 (graph._text).
_WS = " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"


def _t(expr: str) -> str:
    """graph._text: stripped, empty -> NULL (trim only when an end is <= ' ': 2x faster)."""
    return (
        f"CASE WHEN ascii({expr}) > 32 AND ascii(right({expr}, 1)) > 32 THEN {expr} "
        f"ELSE nullif(trim({expr}, '{_WS}'), '') END"
    )


def _blank(expr: str) -> str:
    """``_t(expr) IS NULL``, trimming only values that start with a control or space (CASE:
    DuckDB evaluates both sides of AND/OR)."""
    return (
        f"(CASE WHEN {expr} IS NULL THEN true WHEN ascii({expr}) > 32 THEN false "
        f"ELSE trim({expr}, '{_WS}') = '' END)"
    )


def _present(expr: str) -> str:
    """Python truthiness of an optional string (``s.userId or ...``)."""
    return f"coalesce({expr}, '') <> ''"


def _sql_string(v: str) -> str:
    return "'" + v.replace("'", "''") + "'"


def _query(path: Path, hint: str | None, fields: Collection[str] | None = None) -> str:
    cols = ", ".join(f"{_sql_string(k)}: {_sql_string(v)}" for k, v in _COLUMNS.items())
    events = ", ".join(_sql_string(e) for e in EVENT_TYPES)
    default = _sql_string(hint) if hint else "NULL"
    has_user = f"({_present('userId')} OR {_present('userPrincipalName')})"
    # graph._event_type, rule by rule
    event = f"""coalesce(
        list_filter(signInEventTypes, lambda e: e IN ({events}))[1],
        CASE WHEN {default} IN ('servicePrincipal', 'managedIdentity') THEN {default} END,
        CASE WHEN isInteractive IS NOT NULL AND {has_user}
             THEN CASE WHEN isInteractive THEN 'interactiveUser' ELSE 'nonInteractiveUser' END
        END,
        {default},
        CASE WHEN {_present("servicePrincipalId")} AND NOT {has_user} THEN 'servicePrincipal' END
    )"""
    applied = "coalesce(appliedConditionalAccessPolicies, appliedConditionalAccessPolicy)"
    code_type = "json_type(status.errorCode)"
    # _TRIMMED fields leave DuckDB as they are: _typed trims each distinct value once.
    select = {
        "id": _t("id"),
        "createdDateTime": "createdDateTime",
        **{n: n for n in _PLAIN},
        "countryOrRegion": "location.countryOrRegion",
        "city": "location.city",
        "clientAppUsed": "clientAppUsed",
        "isInteractive": "isInteractive",
        "signInEventType": "event",
        "operatingSystem": "deviceDetail.operatingSystem",
        "browser": "deviceDetail.browser",
        "deviceId": "deviceDetail.deviceId",
        "deviceDisplayName": "deviceDetail.displayName",
        "isCompliant": "deviceDetail.isCompliant",
        "isManaged": "deviceDetail.isManaged",
        "trustType": "deviceDetail.trustType",
        "errorCode": "TRY_CAST(status.errorCode AS BIGINT)",
        "conditionalAccessStatus": "conditionalAccessStatus",
        "authenticationRequirement": "authenticationRequirement",
        # graph_row: succeeded methods (not False), in order, joined by ","; none -> NULL
        "authenticationMethods": "nullif(array_to_string(list_transform(list_filter("
        "authenticationDetails, lambda a: coalesce(a.authenticationMethod, '') <> '' AND "
        "a.succeeded IS DISTINCT FROM false), lambda a: a.authenticationMethod), ','), '')",
        "riskLevelDuringSignIn": "riskLevelDuringSignIn",
        "riskLevelAggregated": "riskLevelAggregated",
        "authenticationProtocol": "authenticationProtocol",
        "originalTransferMethod": "originalTransferMethod",
        "incomingTokenType": "incomingTokenType",
        "appliedConditionalAccessPolicies": f"CASE WHEN {applied} IS NOT NULL THEN to_json("
        f"list_transform({applied}, lambda a: {{'id': a.id, 'displayName': a.displayName, "
        "'result': a.result})) END",
    }
    assert list(select) == [n for n, _ in FIELDS]
    if fields is not None:  # the rest are not exported (_typed makes them null columns)
        select = {n: e for n, e in select.items() if n in fields}
    no_user = f"({_blank('userId')} AND {_blank('userPrincipalName')})"
    # graph_row's skip rules and anything the per-record reader reads differently
    unusual = f"""(
        {_blank("createdDateTime")}
        OR ({no_user} AND event IN ('interactiveUser', 'nonInteractiveUser'))
        OR ({no_user} AND {_blank("servicePrincipalId")} AND {_blank("appId")})
        OR ({_blank("resourceId")} AND {_blank("appId")})
        OR ({code_type} IS NOT NULL AND {code_type} NOT IN ('NULL', 'BIGINT', 'UBIGINT'))
        OR (status.errorCode IS NOT NULL AND {code_type} <> 'NULL'
            AND TRY_CAST(status.errorCode AS BIGINT) IS NULL)
    )"""
    return f"""
        SELECT {", ".join(f"{expr} AS {name}" for name, expr in select.items())},
               {unusual} AS _unusual
        FROM (
            SELECT *, {event} AS event
            FROM read_json({_sql_string(str(path))}, format = 'newline_delimited',
                           columns = {{{cols}}})
        )
    """


def read_graph_jsonl(
    path: Path,
    batch_rows: int,
    hint: str | None,
    done: list[int],
    *,
    dictionary: bool = False,
    fields: Collection[str] | None = None,
) -> Iterator[pa.RecordBatch]:
    """Record-schema batches of the file's leading well-formed Graph records.

    Stops at the first unusual record or DuckDB error; ``done[0]`` is then the number of
    (non-empty) lines already returned, for the per-record reader to continue after.
    ``dictionary``: text columns (all but ``id``) stay dictionary-encoded, as the replay's
    encoder wants them; ``fields``: the record fields the caller reads (the others are null)."""
    import duckdb

    done[0] = 0
    try:
        con = duckdb.connect()
        reader = con.sql(_query(path, hint, fields)).to_arrow_reader(batch_rows)
        for raw in reader:
            unusual = raw.column("_unusual").fill_null(True)
            stop = raw.num_rows
            if pc.any(unusual).as_py():
                stop = pc.index(unusual, True).as_py()
            batch = _typed(raw.slice(0, stop), dictionary)
            if batch is None:
                return
            if batch.num_rows:
                done[0] += batch.num_rows
                yield batch
            if stop < raw.num_rows:
                return
    except (duckdb.Error, UnicodeDecodeError):
        # Invalid UTF-8 surfaces as UnicodeDecodeError from DuckDB's Arrow export (found by
        # tests/fuzz): like a DuckDB error, the per-record reader continues and names the line.
        return


def _typed(raw: pa.RecordBatch, dictionary: bool) -> pa.RecordBatch | None:
    """DuckDB's Arrow columns -> the record schema (None: a time Arrow cannot cast)."""
    arrays = []
    names = set(raw.schema.names)
    for name, typ in FIELDS:
        if name not in names:
            arrays.append(pa.nulls(raw.num_rows, typ))
            continue
        col = raw.column(name)
        if name == "createdDateTime":
            try:
                col = col.cast(pa.string()).cast(pa.timestamp("ns", tz="UTC"))
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                return None
            arrays.append(col.cast(typ, safe=False))
        elif name in _TRIMMED:
            text = _trimmed(pc.dictionary_encode(col.cast(typ)))
            arrays.append(text if dictionary else text.cast(typ))
        elif dictionary and typ == pa.string() and name != "id":
            arrays.append(pc.dictionary_encode(col.cast(typ)))
        else:
            arrays.append(col.cast(typ))
    schema = pa.schema([pa.field(n, a.type) for (n, _), a in zip(FIELDS, arrays, strict=True)])
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def _trimmed(col: pa.DictionaryArray) -> pa.DictionaryArray:
    """graph._text on a dictionary-encoded column: each distinct value stripped once (what
    Python's str.strip() removes below U+0080), empty -> null."""
    values = col.dictionary
    trimmed = pc.utf8_trim(values, characters=_WS)
    empty = pc.equal(trimmed, "")
    if not (pc.any(pc.not_equal(trimmed, values)).as_py() or pc.any(empty).as_py()):
        return col
    normal = pc.dictionary_encode(pc.if_else(empty, pa.scalar(None, pa.string()), trimmed))
    return pa.DictionaryArray.from_arrays(pc.take(normal.indices, col.indices), normal.dictionary)
