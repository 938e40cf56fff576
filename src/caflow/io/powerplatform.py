"""Power Platform admin API JSON -> connections and flows (docs/sources.md PA-1 to PA-2).

Accepts the admin/maker API shape (``properties.apiId``, ``properties.statuses``,
``properties.connectionReferences``, ``properties.definition.triggers``), the PowerShell
flattened shape (``ConnectionName``, ``ConnectorName`` ...), and the short scenario shape
(``{id, connector, owner}`` / ``{id, owner, connections, trigger}``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from caflow.errors import SchemaError, Shown, did_you_mean_hint, enum_token, json_pointer
from caflow.io.fields import Reader
from caflow.model.durations import Duration, parse_iso_duration
from caflow.model.powerplatform import Connection, ConnectionRef, Flow, Trigger

__all__ = ["connector_name", "is_connection_like", "is_flow_like", "parse_connection", "parse_flow"]

Path = tuple[str | int, ...]

_FREQ = {
    "second": Duration(fixed=timedelta(seconds=1)),
    "minute": Duration(fixed=timedelta(minutes=1)),
    "hour": Duration(fixed=timedelta(hours=1)),
    "day": Duration(fixed=timedelta(days=1)),
    "week": Duration(fixed=timedelta(weeks=1)),
    "month": Duration(months=1),  # calendar months: Jan 31 -> Feb 28 -> Mar 31
}
#: Logic Apps Recurrence ``frequency`` members as the designer writes them.
FREQUENCIES = ("Second", "Minute", "Hour", "Day", "Week", "Month")
#: Power Automate's minimum recurrence (docs/sources.md PA-2.5 "minimum recurrence 60 s").
MIN_RECURRENCE = timedelta(seconds=60)
#: Longest recurrence interval read (Logic Apps allows at most 16 months, 500 days ...).
MAX_INTERVAL = 100_000


def _schedule(r: Reader, every: Duration, path: Path) -> tuple[timedelta, Duration | None]:
    """A validated schedule step: at least :data:`MIN_RECURRENCE` (exit 2 naming ``path``
    otherwise); returns its mean length and, for calendar months, the exact step."""
    if every.approx < MIN_RECURRENCE:
        raise r.error(
            path,
            "invalid value",
            "a recurrence of at least 60 seconds (Power Automate's minimum)",
            Shown(f"every {every.approx.total_seconds():g} s"),
        )
    return every.approx, (every if every.months else None)


def _dict(value: Any) -> dict[str, Any]:
    """Optional nested objects of Logic Apps definitions: anything but an object reads as empty."""
    return value if isinstance(value, dict) else {}


def connector_name(api_id: str) -> str:
    """``/providers/Microsoft.PowerApps/apis/shared_office365`` -> ``office365``."""
    tail = api_id.rstrip("/").rsplit("/", 1)[-1]
    return tail[len("shared_") :] if tail.lower().startswith("shared_") else tail


def is_connection_like(obj: Any) -> bool:
    if not isinstance(obj, dict):
        return False
    t = str(obj.get("type", ""))
    props = obj.get("properties")
    return (
        "apis/connections" in t
        or (isinstance(props, dict) and "statuses" in props and "apiId" in props)
        or ("connectionName" in obj and "connectorName" in obj)
    )


def is_flow_like(obj: Any) -> bool:
    if not isinstance(obj, dict):
        return False
    t = str(obj.get("type", ""))
    return t.endswith("environments/flows") or ("flowName" in obj and "internal" in obj)


def parse_connection(obj: dict[str, Any], file: str, path: Path, resolve_user: Any) -> Connection:
    r = Reader(file, path)
    props = r.obj(obj.get("properties"), ("properties",))
    if props:
        name = r.string(obj.get("name"), ("name",), optional=False) or ""
        api = r.string(props.get("apiId"), ("properties", "apiId"), optional=False) or ""
        created_by = r.obj(props.get("createdBy"), ("properties", "createdBy"))
        owner_ref = (
            created_by.get("id") or created_by.get("userPrincipalName") or props.get("accountName")
        )
        statuses = props.get("statuses") or []
        if not isinstance(statuses, list):
            raise r.error(("properties", "statuses"), "wrong type", "a list", statuses)
        status, message = "Connected", None
        for st in statuses:
            if isinstance(st, dict) and str(st.get("status", "")).lower() == "error":
                status = "Error"
                err = _dict(st.get("error"))
                message = err.get("message")
        created = r.moment(props.get("createdTime"), ("properties", "createdTime"))
        # Which environment (model.pulled: what pull could not read there); an export without
        # it leaves the connection in any environment, never guessed out of one.
        env_name = _dict(props.get("environment")).get("name")
        return Connection(
            name=name,
            connector=connector_name(api),
            owner_id=resolve_user(str(owner_ref)) if owner_ref else None,
            status=status,
            created=created,
            error_message=message,
            raw=obj,
            environment=env_name if isinstance(env_name, str) and env_name else None,
        )
    # PowerShell flattened or short form
    name = (
        r.string(
            obj.get("id") or obj.get("connectionName") or obj.get("name"), ("id",), optional=False
        )
        or ""
    )
    connector = (
        r.string(obj.get("connector") or obj.get("connectorName"), ("connector",), optional=False)
        or ""
    )
    owner = obj.get("owner") or obj.get("user")
    if owner is None and isinstance(obj.get("createdBy"), dict):
        owner = obj["createdBy"].get("id")
    return Connection(
        name=name,
        connector=connector_name(connector),
        owner_id=resolve_user(str(owner)) if owner else None,
        status=str(obj.get("status") or "Connected"),
        raw=obj,
    )


def _frequency(
    r: Reader, value: Any, path: Path, written: bool
) -> tuple[Duration | None, str | None]:
    """A Recurrence ``frequency``: (its unit, None), (None, None) when absent, or (None, why)
    for a word outside Logic Apps' set. Such a schedule is never read as "never runs": an
    exported one is undetermined naming the value; one the user wrote (an inline tenant of a
    scenario) is exit 2 with a did-you-mean."""
    if value is not None and not isinstance(value, str):
        raise r.error(path, "wrong type", "a string such as Day", value)  # not a number's digits
    text = value
    if text is None or not text.strip():
        return None, None
    unit = _FREQ.get(text.strip().lower())
    if unit is not None:
        return unit, None
    if written:
        raise SchemaError(
            "invalid value",
            file=r.file,
            path=r.base + path,
            expected="one of " + ", ".join(FREQUENCIES),
            got=Shown(enum_token(text)),
            hint=did_you_mean_hint(text.strip(), FREQUENCIES),
            code="invalid-value",
        )
    return None, (
        f"unknown Recurrence frequency {enum_token(text)} in {r.file} at "
        f"{json_pointer(r.base + path)} "
        f"(not one of {', '.join(FREQUENCIES)}): its schedule is undetermined"
    )


def _trigger_from_definition(
    r: Reader, definition: dict[str, Any], path: Path, written: bool = False
) -> Trigger:
    triggers = r.obj(definition.get("triggers"), (*path, "triggers"))
    for key, trig in triggers.items():
        t = r.obj(trig, (*path, "triggers", key))
        kind = str(t.get("type", "")).lower()
        rec = t.get("recurrence") if isinstance(t.get("recurrence"), dict) else None
        period = None
        every: Duration | None = None
        start = None
        why: str | None = None
        if rec:
            unit, why = _frequency(
                r,
                rec.get("frequency"),
                (*path, "triggers", key, "recurrence", "frequency"),
                written,
            )
            where = (*path, "triggers", key, "recurrence", "interval")
            interval = r.integer(rec.get("interval"), where)
            if interval is None:
                interval = 1
            if not 1 <= interval <= MAX_INTERVAL:
                raise r.error(where, "invalid value", f"an integer 1 .. {MAX_INTERVAL}", interval)
            if unit:
                step = Duration(months=unit.months * interval, fixed=unit.fixed * interval)
                period, every = _schedule(r, step, where)
            start = r.moment(
                rec.get("startTime"), (*path, "triggers", key, "recurrence", "startTime")
            )
        if kind == "recurrence":
            return Trigger("schedule", period=period, start=start, every=every, undetermined=why)
        if kind == "request":
            return Trigger("manual")
        if kind.startswith(("openapiconnection", "apiconnection")):
            inputs = _dict(t.get("inputs"))
            host = _dict(inputs.get("host"))
            params = _dict(inputs.get("parameters"))
            api = str(host.get("apiId") or host.get("connectionName") or "")
            conn = connector_name(api) if api else None
            if conn == "sharepointonline":
                return Trigger(
                    "sharePoint",
                    # No recurrence: SharePoint's default poll (docs/sources.md PA-2.5).
                    period=period or (None if why else timedelta(minutes=5)),
                    start=start,
                    every=every,
                    undetermined=why,
                    site=params.get("dataset"),
                    list=params.get("table"),
                    connector=conn,
                )
            return Trigger(
                "other", period=period, start=start, connector=conn, every=every, undetermined=why
            )
    return Trigger("manual")


def _trigger_from_summary(r: Reader, value: Any) -> Trigger:
    """``properties.definitionSummary.triggers[]`` of the admin API list shape
    (docs/sources.md PA-2.2): ``{type, swaggerOperationId, metadata, api?}``, no recurrence.

    ``Recurrence`` is a scheduled flow whose period is not in the export (it still runs: its
    next run is "at the next run", never "never"); a connector trigger polls or listens on
    that connector; ``Request`` is manual; no summary at all is an unknown trigger."""
    path: Path = ("properties", "definitionSummary")
    summary = r.obj(value, path)
    items = summary.get("triggers")
    if not isinstance(items, list) or not items:
        return Trigger("unknown")
    first = r.obj(items[0], (*path, "triggers", 0))
    kind = str(first.get("type", "")).lower()
    if kind == "recurrence":
        return Trigger("schedule")
    if kind == "request":
        return Trigger("manual")
    if kind.startswith(("openapiconnection", "apiconnection")):
        api = _dict(first.get("api"))
        name = str(api.get("name") or api.get("id") or "")
        return Trigger("other", connector=connector_name(name) if name else None)
    return Trigger("unknown")


def _trigger_short(r: Reader, value: Any, path: Path) -> Trigger:
    t = r.obj(value, path)
    if "schedule" in t:
        text = r.string(t["schedule"], (*path, "schedule")) or ""
        try:
            step = parse_iso_duration(text)
        except ValueError as exc:
            raise r.error(
                (*path, "schedule"),
                "invalid value",
                "an ISO 8601 duration such as P1D, PT15M or P3M",
                Shown(f"a value that is {exc}"),
            ) from None
        period, every = _schedule(r, step, (*path, "schedule"))
        return Trigger(
            "schedule",
            period=period,
            start=r.moment(t.get("startTime"), (*path, "startTime")),
            every=every,
        )
    if "sharePoint" in t:
        sp = r.obj(t["sharePoint"], (*path, "sharePoint"))
        return Trigger(
            "sharePoint",
            period=timedelta(minutes=5),
            start=r.moment(t.get("startTime"), (*path, "startTime")),
            site=r.string(sp.get("site"), (*path, "sharePoint", "site")),
            list=r.string(sp.get("list"), (*path, "sharePoint", "list")),
            connector="sharepointonline",
        )
    if t.get("manual") or not t:
        return Trigger("manual")
    raise r.error(path, "invalid value", "one of schedule, manual, sharePoint", t)


def parse_flow(
    obj: dict[str, Any],
    file: str,
    path: Path,
    resolve_user: Any,
    connections: Mapping[str, Connection],
    *,
    written: bool = False,
) -> Flow:
    """One flow. ``written``: the user wrote it (an inline tenant of a scenario), so a value
    outside a closed set is exit 2 rather than an undetermined schedule."""
    r = Reader(file, path)
    props = r.obj(obj.get("properties"), ("properties",))
    if props:
        name = r.string(obj.get("name"), ("name",), optional=False) or ""
        creator = r.obj(props.get("creator"), ("properties", "creator"))
        owner_ref = creator.get("objectId") or creator.get("userId")
        refs: list[ConnectionRef] = []
        crefs = r.obj(props.get("connectionReferences"), ("properties", "connectionReferences"))
        for key, ref in crefs.items():
            ro = r.obj(ref, ("properties", "connectionReferences", key))
            cname = (
                r.string(
                    ro.get("connectionName"),
                    ("properties", "connectionReferences", key, "connectionName"),
                )
                or ""
            )
            api = str(ro.get("id") or ro.get("apiId") or key)
            refs.append(
                ConnectionRef(
                    key=key,
                    connection=cname,
                    connector=connector_name(api),
                    source=str(ro.get("source") or "Embedded"),
                )
            )
        definition = r.obj(props.get("definition"), ("properties", "definition"))
        if definition:
            trigger = _trigger_from_definition(r, definition, ("properties", "definition"), written)
        else:
            # Admin API *list* responses carry no definition, only definitionSummary.
            trigger = _trigger_from_summary(r, props.get("definitionSummary"))
        reason = props.get("flowSuspensionReason")
        return Flow(
            name=name,
            display_name=r.string(props.get("displayName"), ("properties", "displayName")) or name,
            owner_id=resolve_user(str(owner_ref)) if owner_ref else None,
            state=str(props.get("state") or "Started"),
            suspension_reason=None if reason in (None, "None") else str(reason),
            trigger=trigger,
            connections=tuple(refs),
            raw=obj,
            connections_known=bool(refs) or "connectionReferences" in props or bool(definition),
        )
    # Short scenario form: {id, owner, connections: [names], trigger: {...}}
    name = r.string(obj.get("id") or obj.get("name"), ("id",), optional=False) or ""
    refs = []
    for i, c in enumerate(obj.get("connections") or []):
        if isinstance(c, dict):
            cname = (
                r.string(c.get("connection") or c.get("id"), ("connections", i), optional=False)
                or ""
            )
            source = str(c.get("source") or "Embedded")
        else:
            cname = r.string(c, ("connections", i), optional=False) or ""
            source = "Embedded"
        conn = connections.get(cname.lower())
        refs.append(
            ConnectionRef(
                key=cname, connection=cname, connector=conn.connector if conn else "", source=source
            )
        )
    owner = obj.get("owner")
    return Flow(
        name=name,
        display_name=str(obj.get("displayName") or name),
        owner_id=resolve_user(str(owner)) if owner else None,
        state=str(obj.get("state") or "Started"),
        trigger=_trigger_short(r, obj.get("trigger"), ("trigger",)),
        connections=tuple(refs),
        raw=obj,
    )
