"""Non-Graph record shapes -> Graph ``signIn`` dicts (then one mapping, graph.py).

- Log Analytics tables (docs/sources.md TS-6.7): PascalCase columns; in
  ``AADNonInteractiveUserSignInLogs`` the ``ConditionalAccessPolicies``, ``DeviceDetail``,
  ``LocationDetails``, ``Status`` and ``MfaDetail`` columns are JSON *strings*; CSV exports of a
  union carry ``<Col>_dynamic`` / ``<Col>_string`` pairs and ``<Col> [UTC]`` headers with
  ``4/28/2021, 2:08:45.221 PM`` timestamps.
- Diagnostic-settings / Event Hub records: ``{time, category, properties{...}}`` envelope whose
  ``properties`` is the Graph object (TS-6.7).
- The Entra portal CSV download (header in tests/data/signins/fixtures/README.md).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from caflow.io.signins.graph import decode_any
from caflow.io.signins.schema import iso_utc

__all__ = [
    "LA_TABLES",
    "eventhub_to_graph",
    "is_eventhub",
    "is_loganalytics",
    "loganalytics_to_graph",
    "parse_log_time",
    "portal_csv_to_graph",
]

#: Log Analytics table / diagnostic category -> signInEventTypes value.
LA_TABLES = {
    "signinlogs": "interactiveUser",
    "aadnoninteractiveusersigninlogs": "nonInteractiveUser",
    "aadserviceprincipalsigninlogs": "servicePrincipal",
    "aadmanagedidentitysigninlogs": "managedIdentity",
    "noninteractiveusersigninlogs": "nonInteractiveUser",
    "serviceprincipalsigninlogs": "servicePrincipal",
    "managedidentitysigninlogs": "managedIdentity",
}

#: Log Analytics column -> Graph field where the rule "lower-case the first letter" is wrong.
_LA_RENAME = {
    "IPAddress": "ipAddress",
    "ResourceIdentity": "resourceId",  # the resource's app id; LA ``ResourceId`` is an ARM path
    "ResourceId": None,
    "ConditionalAccessPolicies": "appliedConditionalAccessPolicies",
    "LocationDetails": "location",
    "Location": None,  # two-letter country; used when LocationDetails has none
    "TimeGenerated": None,
    "ResultType": None,
    "Type": None,
    "Category": None,
    "AADTenantId": None,
    "TenantId": None,
}
_JSON_COLUMNS = {
    "appliedConditionalAccessPolicies",
    "deviceDetail",
    "location",
    "status",
    "mfaDetail",
    "authenticationDetails",
    "signInEventTypes",
    "networkLocationDetails",
}
_LA_MARKERS = ("TimeGenerated", "UserPrincipalName", "CreatedDateTime", "AppDisplayName")
_SUFFIX = re.compile(r"\s*\[UTC\]$|_(?:dynamic|string)$")
_US_TIME = ("%m/%d/%Y, %I:%M:%S.%f %p", "%m/%d/%Y, %I:%M:%S %p", "%m/%d/%Y %I:%M:%S %p")


def parse_log_time(value: Any) -> str | None:
    """ISO text of a log timestamp: ISO 8601 as is, or Log Analytics' US export format."""
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    if "/" in text:
        for fmt in _US_TIME:
            try:
                return iso_utc(datetime.strptime(text, fmt).replace(tzinfo=UTC))
            except ValueError:
                continue
        return text  # left for the batch builder to reject and count
    return text


def _maybe_json(value: Any) -> Any:
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        if text[0] in "[{":
            try:
                return decode_any(text)
            except Exception:  # malformed JSON text inside a cell: keep as missing
                return None
    return value


def is_loganalytics(obj: dict[str, Any]) -> bool:
    return any(k in obj for k in _LA_MARKERS) and "createdDateTime" not in obj


def is_eventhub(obj: dict[str, Any]) -> bool:
    return isinstance(obj.get("properties"), dict) and ("category" in obj or "time" in obj)


def _la_key(column: str) -> str | None:
    column = _SUFFIX.sub("", column)
    if column in _LA_RENAME:
        return _LA_RENAME[column]
    return column[:1].lower() + column[1:] if column else None


def loganalytics_to_graph(row: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    """A Log Analytics row (JSON or CSV) -> (Graph-shaped dict, event type from ``Type``)."""
    out: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for column, value in row.items():
        if value is None or value == "":
            continue
        base = _SUFFIX.sub("", column)
        key = _la_key(column)
        if key is None:
            extra[base] = value
            continue
        if key in _JSON_COLUMNS:
            value = _maybe_json(value)
            if value is None:
                continue
        if key in out and out[key] not in (None, "", [], {}):
            continue  # the other half of a <Col>_dynamic/<Col>_string pair already filled it
        out[key] = value
    if "createdDateTime" in out:
        out["createdDateTime"] = parse_log_time(out["createdDateTime"])
    elif "TimeGenerated" in extra:
        out["createdDateTime"] = parse_log_time(extra["TimeGenerated"])
    status = out.get("status")
    if (not isinstance(status, dict) or status.get("errorCode") in (None, "")) and (
        "ResultType" in extra
    ):
        out["status"] = {"errorCode": extra["ResultType"]}
    loc = out.get("location")
    if not isinstance(loc, dict):
        loc = {}
    if not loc.get("countryOrRegion") and isinstance(extra.get("Location"), str):
        loc["countryOrRegion"] = extra["Location"]
    out["location"] = loc or None
    if "resourceTenantId" not in out and isinstance(extra.get("AADTenantId"), str):
        out["resourceTenantId"] = extra["AADTenantId"]
    table = extra.get("Type") or extra.get("Category")
    event = LA_TABLES.get(str(table).lower()) if table else None
    _coerce_bools(out)
    return out, event


def _coerce_bools(out: dict[str, Any]) -> None:
    """CSV cells write booleans as ``True``/``true``/``Yes``."""
    device = out.get("deviceDetail")
    pairs = [(out, "isInteractive")]
    if isinstance(device, dict):
        pairs += [(device, "isCompliant"), (device, "isManaged")]
    for holder, key in pairs:
        value = holder.get(key)
        if isinstance(value, str):
            holder[key] = {"true": True, "yes": True, "false": False, "no": False}.get(
                value.strip().lower()
            )


def eventhub_to_graph(rec: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    """A diagnostic-settings record -> (Graph dict, event type from ``category``)."""
    props = dict(rec["properties"])
    if not props.get("createdDateTime") and rec.get("time"):
        props["createdDateTime"] = rec["time"]
    if not props.get("ipAddress") and rec.get("callerIpAddress"):
        props["ipAddress"] = rec["callerIpAddress"]
    if not isinstance(props.get("status"), dict) and rec.get("resultType") is not None:
        props["status"] = {"errorCode": rec["resultType"]}
    category = str(rec.get("category") or "").lower()
    return props, LA_TABLES.get(category)


# -- Entra portal CSV download ----------------------------------------------------------------

#: Portal column (stripped, lower-case) -> Graph path. The real header has quirks kept verbatim
#: in the fixture: ``Application ID `` / ``Resource ID `` end in a space, ``Autonomous system
#: number`` has two spaces, ``Incoming token type`` appears twice (the first one is used).
_PORTAL: dict[str, tuple[str, ...]] = {
    "date (utc)": ("createdDateTime",),
    "request id": ("id",),
    "user id": ("userId",),
    "user": ("userDisplayName",),
    "username": ("userPrincipalName",),
    "user type": ("userType",),
    "cross tenant access type": ("crossTenantAccessType",),
    "incoming token type": ("incomingTokenType",),
    "authentication protocol": ("authenticationProtocol",),
    "original transfer method": ("originalTransferMethod",),
    "application": ("appDisplayName",),
    "application id": ("appId",),
    "resource": ("resourceDisplayName",),
    "resource id": ("resourceId",),
    "resource tenant id": ("resourceTenantId",),
    "home tenant id": ("homeTenantId",),
    "ip address": ("ipAddress",),
    "location": ("location",),
    "sign-in error code": ("status", "errorCode"),
    "client app": ("clientAppUsed",),
    "device id": ("deviceDetail", "deviceId"),
    "browser": ("deviceDetail", "browser"),
    "operating system": ("deviceDetail", "operatingSystem"),
    "compliant": ("deviceDetail", "isCompliant"),
    "managed": ("deviceDetail", "isManaged"),
    "join type": ("deviceDetail", "trustType"),
    "authentication requirement": ("authenticationRequirement",),
    "conditional access": ("conditionalAccessStatus",),
    "service principal id": ("servicePrincipalId",),
    "service principal name": ("servicePrincipalName",),
}
_PORTAL_TEXT = {
    # portal display text -> Graph enum member
    "single-factor authentication": "singleFactorAuthentication",
    "multifactor authentication": "multiFactorAuthentication",
    "multi-factor authentication": "multiFactorAuthentication",
    "not applied": "notApplied",
    "success": "success",
    "failure": "failure",
    "azure ad joined": "AzureAD",
    "microsoft entra joined": "AzureAD",
    "hybrid azure ad joined": "ServerAD",
    "microsoft entra hybrid joined": "ServerAD",
    "azure ad registered": "Workplace",
    "microsoft entra registered": "Workplace",
}
PORTAL_MARKERS = ("date (utc)", "request id")


def portal_columns(header: list[str]) -> list[tuple[int, tuple[str, ...]]]:
    """(column index, Graph path) for the columns caflow reads; first occurrence wins."""
    seen: set[str] = set()
    out: list[tuple[int, tuple[str, ...]]] = []
    for i, name in enumerate(header):
        key = " ".join(name.split()).lower()
        if key in _PORTAL and key not in seen:
            seen.add(key)
            out.append((i, _PORTAL[key]))
    return out


def portal_csv_to_graph(
    cells: list[str], columns: list[tuple[int, tuple[str, ...]]]
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for i, path in columns:
        if i >= len(cells):
            continue
        value: Any = cells[i].strip()
        if not value:
            continue
        if path[-1] in ("authenticationRequirement", "conditionalAccessStatus", "trustType"):
            value = _PORTAL_TEXT.get(value.lower(), value)
        if path[0] == "createdDateTime":
            value = parse_log_time(value)
        elif path[0] == "location":
            out["location"] = portal_location(value)
            continue
        holder = out
        for part in path[:-1]:
            holder = holder.setdefault(part, {})
        holder[path[-1]] = value
    _coerce_bools(out)
    return out


def portal_location(text: str) -> dict[str, Any]:
    """``City, State, CC`` (portal ``Location`` column) -> Graph ``location``."""
    parts = [p.strip() for p in text.split(",")]
    loc: dict[str, Any] = {}
    if parts and len(parts[-1]) == 2 and parts[-1].isalpha():
        loc["countryOrRegion"] = parts[-1].upper()
    if len(parts) > 1 and parts[0]:
        loc["city"] = parts[0]
    return loc
