"""Read a bundle's ``pull.json`` (the manifest ``caflow pull`` writes, docs/export.md): what the
pull could not read becomes :class:`~caflow.model.pulled.NotPulled` gaps and ``not-pulled``
load warnings.

The manifest decides verdicts (what is missing is counted undetermined), so it is read like
every other bundle file: strictly. A top-level key this version does not know (a typo such as
``notreadable`` would hide every gap), or a wrong type in what the loader reads
(``parts[]``, ``unreadable[]``, ``notReadable[]``), is exit 2 with the file, the JSON path and a
did-you-mean (docs/errors.md). The size limit is the one of every bundle file
(io.decode.MAX_FILE_BYTES). Fields the loader does not read (``counts``, ``options``, ...) are
caflow's record of the pull and left as written.
"""

from __future__ import annotations

from typing import Any

from caflow.errors import LoadWarning, SchemaError, did_you_mean_hint, shown_key
from caflow.model.pulled import Gap, NotPulled

__all__ = ["MANIFEST_KEYS", "read_pull_manifest"]

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
_STATUSES = ("read", "unreadable", "skipped")


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
    version = doc.get("schemaVersion", 1)
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
        name = _text(entry, "name", file, where)
        listed.add(name)
        gaps.append(
            NotPulled(file, where, name, None, _text(entry, "reason", file, where, "unreadable"))
        )
    for i, entry in enumerate(_list(doc, "notReadable", file)):
        where = f"/notReadable/{i}"
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
        name = _text(entry, "name", file, where)
        status = _text(entry, "status", file, where)
        if status not in _STATUSES:
            raise SchemaError(
                "invalid value",
                file=file,
                path=f"{where}/status",
                expected=" | ".join(_STATUSES),
                got=status,
                hint=did_you_mean_hint(status, _STATUSES),
                code="invalid-value",
            )
        if status == "read" or (status == "unreadable" and name in listed):
            continue
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


def _wrong(file: str, path: str, expected: str, got: object) -> SchemaError:
    return SchemaError("wrong type", file=file, path=path, expected=expected, got=got)


def _list(doc: dict[str, Any], key: str, file: str) -> list[dict[str, Any]]:
    value = doc.get(key)
    if value is None:
        return []
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
