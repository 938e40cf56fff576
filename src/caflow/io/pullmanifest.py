"""Read a bundle's ``pull.json`` (the manifest ``caflow pull`` writes, docs/export.md): what the
pull could not read becomes :class:`~caflow.model.pulled.NotPulled` gaps and ``not-pulled``
load warnings.

The manifest decides verdicts (what is missing is counted undetermined), so it is read like
every other bundle file: strictly, as its published schema (docs/schema/pull.schema.json) says.
A top-level key this version does not know (a typo such as ``notreadable`` would hide every
gap), a missing one, a ``null`` list, a part name pull does not have (``powerplatfrom`` would
hide the gap), or a wrong type in an entry of ``parts[]``, ``unreadable[]``, ``notReadable[]``
(``status: "403"``) is exit 2 with the file, the JSON path and a did-you-mean
(docs/errors.md); tests/pull/test_not_pulled.py runs each refused edit through the schema too.
The size limit is the one of every bundle file (io.decode.MAX_FILE_BYTES). The contents of
fields the loader does not read (``counts``, ``options``, ...) are caflow's record of the pull
and left as written.
"""

from __future__ import annotations

from typing import Any

from caflow.errors import LoadWarning, SchemaError, did_you_mean_hint, shown_key
from caflow.model.pulled import PART_NAMES, Gap, NotPulled

__all__ = ["MANIFEST_KEYS", "OPTIONAL_KEYS", "read_pull_manifest"]

#: Every top-level key of pull.json (report.contracts.PullManifest: a test keeps them equal).
MANIFEST_KEYS = (
    "schemaVersion",
    "caflow",
    "startedAt",
    "finishedAt",
    "auth",
    "options",
    "requests",
    "retries",
    "tenant",
    "cloud",
    "parts",
    "counts",
    "unreadable",
    "notReadable",
    "notAvailable",
    "notes",
)
#: The top-level keys a pull.json may leave out (not ``required`` in the schema).
OPTIONAL_KEYS = ("cloud",)
_STATUSES = ("read", "unreadable", "skipped")

#: What each entry must hold (report.contracts.PullPart / PullItemNotRead; the schema's
#: ``required``, a test keeps them equal): key -> the JSON type expected. ``name``/``part`` is a
#: part of PART_NAMES, ``status`` of ``parts[]`` one of _STATUSES.
_Kind = str
_PART_FIELDS: dict[str, _Kind] = {
    "name": "part",
    "status": "part status",
    "required": "boolean",
    "endpoint": "string",
    "apiVersion": "string",
    "permission": "string",
    "count": "integer",
}
_PART_OPTIONAL: dict[str, _Kind] = {"reason": "string or null", "httpStatus": "integer or null"}
_ITEM_FIELDS: dict[str, _Kind] = {
    "part": "part",
    "item": "string",
    "endpoint": "string",
    "status": "integer or null",
    "why": "string",
}


def read_pull_manifest(doc: Any, file: str) -> tuple[tuple[NotPulled, ...], list[LoadWarning]]:
    """The gaps of ``doc`` (a parsed pull.json) and one ``not-pulled`` warning per gap."""
    if not isinstance(doc, dict):
        raise _wrong(file, "", "an object (caflow pull's manifest)", doc)
    for key in doc:
        if key not in MANIFEST_KEYS:
            raise SchemaError(
                f"unknown key {shown_key(str(key))}",
                file=file,
                path=f"/{key}",
                hint=did_you_mean_hint(str(key), MANIFEST_KEYS),
                code="unknown-key",
            )
    for key in MANIFEST_KEYS:
        if key not in doc and key not in OPTIONAL_KEYS:
            raise SchemaError(
                f"missing key {shown_key(key)}",
                file=file,
                path=f"/{key}",
                expected="every key caflow pull writes (docs/schema/pull.schema.json)",
                code="missing-field",
            )
    version = doc.get("schemaVersion")
    if version != 1 or isinstance(version, bool):
        raise SchemaError(
            "invalid value",
            file=file,
            path="/schemaVersion",
            expected="1 (the pull.json version this caflow reads)",
            got=version,
            code="invalid-value",
        )
    gaps: list[NotPulled] = []
    listed: set[str] = set()
    for i, entry in enumerate(_list(doc, "unreadable", file)):
        where = f"/unreadable/{i}"
        _check_fields(entry, _PART_FIELDS, _PART_OPTIONAL, file, where)
        name = _text(entry, "name", file, where)
        _never_missing(name, "unreadable", file, f"{where}/name")
        listed.add(name)
        gaps.append(
            NotPulled(file, where, name, None, _text(entry, "reason", file, where, "unreadable"))
        )
    for i, entry in enumerate(_list(doc, "notReadable", file)):
        where = f"/notReadable/{i}"
        _check_fields(entry, _ITEM_FIELDS, {}, file, where)
        gaps.append(
            NotPulled(
                file,
                where,
                _text(entry, "part", file, where),
                _text(entry, "item", file, where),
                _text(entry, "why", file, where),
            )
        )
    for i, entry in enumerate(_list(doc, "parts", file)):
        where = f"/parts/{i}"
        _check_fields(entry, _PART_FIELDS, _PART_OPTIONAL, file, where)
        name = _text(entry, "name", file, where)
        status = _text(entry, "status", file, where)
        if status == "read" or (status == "unreadable" and name in listed):
            continue
        _never_missing(name, status, file, f"{where}/status")
        # A part the user skipped (--skip) or that depends on one not read is as missing as
        # one the API refused; one marked unreadable only here is still unreadable.
        reason = _text(entry, "reason", file, where, status)
        gaps.append(NotPulled(file, where, name, None, reason, status))
    return tuple(gaps), _warnings(gaps)


#: Single flows not read are said in one warning past this many (a tenant where the admin
#: was not shared thousands of flows must not print thousands of lines on every verb).
_FLOWS_SAID_ONE_BY_ONE = 3


def _warnings(gaps: list[NotPulled]) -> list[LoadWarning]:
    """One warning per gap; single flows (``flow NAME``) once, counted, past a few."""
    flows = [g for g in gaps if g.gap is Gap.FLOW]
    if len(flows) <= _FLOWS_SAID_ONE_BY_ONE:
        return [_warning(g) for g in gaps]
    out = [_warning(g) for g in gaps if g.gap is not Gap.FLOW]
    first = flows[0]
    names = ", ".join(g.what.removeprefix("flow ") for g in flows[:_FLOWS_SAID_ONE_BY_ONE])
    out.append(
        LoadWarning(
            first.file,
            first.json_path,
            f"caflow pull could not read {len(flows)} flow(s) (notReadable, e.g. {names}; "
            f"first: {first.reason}): kept from the list without their connections, "
            "check and simulate count each started one undetermined",
            code="not-pulled",
        )
    )
    return out


def _warning(g: NotPulled) -> LoadWarning:
    verb = "did not read" if g.status == "skipped" else "could not read"
    return LoadWarning(
        g.file,
        g.json_path,
        f"caflow pull {verb} {g.what} ({g.reason}): what depends on it is missing from this "
        "bundle, not empty",
        code="not-pulled",
    )


#: Parts a bundle cannot be evaluated without: caflow pull refuses to skip them and exits
#: with an error when it cannot read them, so it never records them as not read
#: (pull.tenant._Puller.run / part).
REQUIRED_PARTS = {"policies": "policies", "namedLocations": "named locations"}


def _never_missing(name: str, status: str, file: str, path: str) -> None:
    """A manifest recording a required part as not read is a hand edit or an inconsistency,
    never a gap to count: with the policies (or the locations they name) unread there is
    nothing to evaluate, while the bundle's files would still be read as if complete (review
    9c F4). Exit 2 naming the entry (docs/errors.md#not-pulled)."""
    if name in REQUIRED_PARTS:
        raise SchemaError(
            "invalid value",
            file=file,
            path=path,
            expected=(
                f"read ({name} is required: a bundle whose {REQUIRED_PARTS[name]} were not read "
                "cannot be evaluated; caflow pull exits with an error instead of writing this)"
            ),
            got=status,
            code="invalid-value",
        )


def _wrong(file: str, path: str, expected: str, got: object) -> SchemaError:
    return SchemaError("wrong type", file=file, path=path, expected=expected, got=got)


def _check_fields(
    entry: dict[str, Any],
    required: dict[str, _Kind],
    optional: dict[str, _Kind],
    file: str,
    where: str,
) -> None:
    """Each field of an entry as the schema has it: present when required, of its type
    (``true`` is no integer: JSON keeps them apart), a part name pull has, a known status."""
    for key, kind in (*required.items(), *optional.items()):
        if key not in entry:
            if key in required:
                raise _wrong(file, f"{where}/{key}", _EXPECTED[kind], None)
            continue
        value = entry[key]
        if kind in ("part", "part status"):
            choices = PART_NAMES if kind == "part" else _STATUSES
            if isinstance(value, str) and value in choices:
                continue
            raise SchemaError(
                "invalid value",
                file=file,
                path=f"{where}/{key}",
                expected=" | ".join(choices),
                got=value,
                hint=did_you_mean_hint(value, choices) if isinstance(value, str) else None,
                code="invalid-value",
            )
        if not _is(value, kind):
            raise _wrong(file, f"{where}/{key}", _EXPECTED[kind], value)


_EXPECTED = {
    "part": "a part name",
    "part status": "a part status",
    "boolean": "true or false",
    "string": "a string",
    "integer": "an integer",
    "integer or null": "an integer (the HTTP status) or null",
    "string or null": "a string or null",
}


def _is(value: object, kind: _Kind) -> bool:
    if value is None:
        return kind.endswith(" or null")
    if kind == "boolean":
        return isinstance(value, bool)
    if kind.startswith("integer"):
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, str)


def _list(doc: dict[str, Any], key: str, file: str) -> list[dict[str, Any]]:
    value = doc.get(key)
    if not isinstance(value, list):
        raise _wrong(file, f"/{key}", "a list of objects", value)
    for i, item in enumerate(value):
        if not isinstance(item, dict):
            raise _wrong(file, f"/{key}/{i}", "an object", item)
    return value


def _text(entry: dict[str, Any], key: str, file: str, where: str, default: str = "") -> str:
    value = entry.get(key)
    if value is None and default:
        return default
    if not isinstance(value, str) or not value.strip():
        raise _wrong(file, f"{where}/{key}", "a non-empty string", value)
    return value
