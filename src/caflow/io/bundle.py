"""Load a tenant bundle (folder or ``.zip``) or any folder of exports into a :class:`Tenant`.

Two modes, chosen by what the folder holds:

* **bundle** (docs/bundle-format.md): ``tenant.yaml``, ``policies/``, ``namedLocations.json``
  ... Each file has a role; items of the wrong shape are bad input (exit 2).
* **corpus** (any other folder, e.g. ``tests/data/policies/j0eyv-...``): every JSON/YAML file
  is read and each object is classified by shape (policy, What If result, template, named
  location, authentication strength, group, migration table, agreement, connection, flow).
  Objects that are none of these are counted as skipped, never silently dropped.

A policy's reference to an object the bundle does not define becomes a
:class:`~caflow.errors.LoadWarning` on that policy (evaluated as "not a member").
"""

from __future__ import annotations

import io
import os
import re
import stat
import uuid
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import timedelta
from functools import partial
from pathlib import Path, PurePosixPath
from typing import Any

from caflow.errors import (
    FileTooLargeError,
    InputError,
    LimitError,
    LoadWarning,
    ParseError,
    SchemaError,
    Shown,
    UnknownReferenceError,
    UnsafePathError,
    did_you_mean,
    json_pointer,
    shown_key,
)
from caflow.io.crosstenant import (
    is_cross_tenant_default,
    is_cross_tenant_partner,
    merge_cross_tenant_access,
    parse_cross_tenant_access,
    unknown_cross_tenant_keys,
)
from caflow.io.decode import (
    MAX_FILE_BYTES,
    is_empty_output,
    is_json_document,
    parse_document,
    read_regular_file,
)
from caflow.io.directory import parse_directory, stable_id
from caflow.io.directory_export import (
    MEMBERSHIP_FOLDERS,
    DirectoryObjects,
    directory_kind,
    membership_context,
)
from caflow.io.fields import Reader
from caflow.io.normalize import as_list, camel_key, normalize_keys
from caflow.io.policies import (
    check_written_policy,
    is_policy_like,
    not_a_policy_error,
    parse_policy,
    parse_strength,
    shape_typo,
)
from caflow.io.powerplatform import is_connection_like, is_flow_like, parse_connection, parse_flow
from caflow.io.pullmanifest import read_pull_manifest
from caflow.io.tokenlifetime import is_token_lifetime_policy, read_org_default
from caflow.io.truncation import check_not_truncated
from caflow.model.agreements import Agreement, AgreementAcceptance
from caflow.model.connectors import unmapped_connectors, unmapped_reason
from caflow.model.crosstenant import CrossTenantAccess
from caflow.model.directory import Directory, Group
from caflow.model.durations import parse_iso_duration
from caflow.model.locations import (
    COMPLIANT_NETWORK_ID,
    CountryNamedLocation,
    IpNamedLocation,
    NamedLocation,
    OtherNamedLocation,
)
from caflow.model.policy import Policy, StrengthRef
from caflow.model.powerplatform import Connection, Flow
from caflow.model.pulled import ACCEPTANCES, NotPulled, paged_gap
from caflow.model.strict import read_model
from caflow.model.tenant import Settings, Tenant, TenantFile, acceptances_reason
from caflow.model.wellknown import BUILTIN_STRENGTHS, role_id_for

__all__ = [
    "LoadReport",
    "bind_written_policy",
    "load_bundle",
    "load_tenant_from_documents",
    "parse_agreement",
    "resolve_references",
]

_DATA_SUFFIXES = (".json", ".json5", ".yaml", ".yml")
_USER_KEYWORDS = {"all", "none", "guestsorexternalusers"}
_LOCATION_KEYWORDS = {"all", "alltrusted"}


@dataclass
class LoadReport:
    """What a load found, for ``caflow load``-style summaries and tests."""

    files: int = 0
    kinds: Counter[str] = field(default_factory=Counter)
    skipped: list[str] = field(default_factory=list)
    #: Read, with a caveat the user should know: dynamic groups without members (A-DIR-3).
    caveats: list[str] = field(default_factory=list)
    #: Empty JSON files of an export folder (0 bytes, a BOM, whitespace or ``null``): read as
    #: empty lists.
    empty: list[str] = field(default_factory=list)
    #: Files of the folder or archive caflow does not read (not JSON/YAML), each named in a
    #: ``not-read`` warning; the well-known harmless ones (README, LICENSE ...) are not here.
    not_read: list[str] = field(default_factory=list)

    def notes(self, path: object, tenant: Tenant) -> list[str]:
        """What the user should know about this load, one sentence each (the CLI prints them
        on stderr, ``caflow serve`` on the page): never drop input silently."""
        out = []
        if not tenant.policies and self.kinds.total():
            out.append(
                f"{path} holds no Conditional Access policy (a tenant may have none); "
                "every sign-in is evaluated against zero policies"
            )
        out.extend(self.caveats)
        if self.empty:
            # What PowerShell saves when a Get-Mg* call returned nothing (docs/export.md).
            shown = ", ".join(self.empty[:3])
            more = f" (+{len(self.empty) - 3} more)" if len(self.empty) > 3 else ""
            out.append(f"{len(self.empty)} empty file(s) read as empty lists: {shown}{more}")
        if self.skipped:
            shown = "; ".join(self.skipped[:3])
            more = f" (+{len(self.skipped) - 3} more)" if len(self.skipped) > 3 else ""
            out.append(
                f"{len(self.skipped)} file(s)/object(s) not read as tenant data: {shown}{more}"
            )
        return out


def load_warnings(tenant: Tenant, already: Iterable[LoadWarning] = ()) -> list[str]:
    """What loading made undetermined, one sentence each, for every front end: one per policy
    whose filter rule caflow cannot parse; the policy fields caflow does not evaluate once,
    each counted by policies; one per part or item ``caflow pull`` could not read
    (pull.json); one per file of the bundle caflow does not read (``not-read``); unmapped
    connectors once, each named with its number
    of connections (A-AUTO-6); connection owners missing from directory.yaml once, counted.
    Warnings in ``already`` (e.g. the baseline's, said before) are left out."""
    from caflow.model.connectors import unmapped_connectors

    seen = list(already)
    new = [w for w in tenant.warnings if w not in seen]
    codes = ("unparsable-rule", "not-pulled", "not-read", "incomplete-page", "acceptances-unknown")
    out = [str(w) for w in new if w.code in codes]
    unread = Counter(w.message.split(": ", 1)[1] for w in new if w.code == "unread-field")
    if unread:
        # Fields Graph added (or a typo in an exported policy) that caflow does not read: kept
        # as written, said once, counted by policies (review of issue 9, N4: check too).
        listed = ", ".join(f"{k} ({n})" for k, n in sorted(unread.items()))
        out.append(f"policy fields caflow does not evaluate (kept as written; policies): {listed}")
    if any(w.code == "unmapped-connector" for w in new):
        unmapped = unmapped_connectors((c.name, c.connector) for c in tenant.connections)
        n = sum(len(v) for v in unmapped.values())
        out.append(
            f"{len(unmapped)} connector(s) caflow does not map to an Entra resource app (custom "
            f"or unknown), {n} connection(s) undetermined: "
            + ", ".join(f"{k} ({len(v)})" for k, v in unmapped.items())
        )
    orphans = [w.json_path or "" for w in new if "is not in directory.yaml" in w.message]
    if orphans:
        shown = ", ".join(orphans[:5]) + (
            f" (+{len(orphans) - 5} more)" if len(orphans) > 5 else ""
        )
        out.append(
            f"{len(orphans)} connection(s) whose owner is not in directory.yaml, undetermined: "
            + shown
        )
    return out


Source = list[tuple[str, Callable[[], bytes]]]


def _folder_source(root: Path) -> tuple[Source, Source]:
    """(the data files, the other files) of a folder, confined to it (SECURITY.md): a symbolic
    link whose real path lies outside the folder is refused, never followed; special files are
    refused. The other files are only named (:func:`_with_not_read`), read only to tell whether
    one in a policies folder holds JSON; hidden files are neither."""
    real_root = root.resolve()
    out: Source = []
    other: Source = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        here = Path(dirpath)
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for d in list(dirnames):
            if (here / d).is_symlink():
                # A linked folder is read where it really is (if that is inside), never twice.
                _confined(here / d, real_root, f"{root}/{(here / d).relative_to(root).as_posix()}")
                dirnames.remove(d)
        for name in sorted(filenames):
            p = here / name
            rel = p.relative_to(root).as_posix()
            if name.startswith("."):
                continue
            label = f"{root}/{rel}"
            if p.suffix.lower() not in _DATA_SUFFIXES:
                other.append((rel, partial(_read, p, real_root, label)))
                continue
            _confined(p, real_root, label)
            out.append((rel, partial(_read, p, real_root, label)))
    return sorted(out, key=lambda item: item[0]), sorted(other, key=lambda item: item[0])


def _confined(p: Path, real_root: Path, label: str) -> Path:
    """``p``'s real path, which must lie inside the bundle folder (exit 2 otherwise)."""
    try:
        real = p.resolve(strict=True)
    except (OSError, RuntimeError):  # dangling or looping symbolic link
        raise UnsafePathError(
            "a symbolic link that leads nowhere (or in a loop)", file=label
        ) from None
    if real != real_root and real_root not in real.parents:
        raise UnsafePathError(
            "a symbolic link to a file outside the bundle folder (not followed)",
            file=label,
            hint="bundles are read as untrusted input; copy the file into the bundle",
        )
    return real


def _read(p: Path, real_root: Path, label: str) -> bytes:
    """Read one bundle file, re-checking confinement at read time."""
    return read_regular_file(_confined(p, real_root, label), label)


#: Zip archives: compression methods zipfile decompresses.
_ZIP_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
#: Total expanded size of an archive's data members (a tenant bundle is tens of MB at most).
MAX_ARCHIVE_BYTES = 256 * 1024 * 1024
#: Expanded : compressed ratio above which a member is a decompression bomb (JSON reaches ~30).
MAX_COMPRESSION_RATIO = 200
#: The archive file itself.
MAX_ARCHIVE_FILE_BYTES = 64 * 1024 * 1024
#: Members in one archive (each costs a little even when skipped).
MAX_ARCHIVE_MEMBERS = 100_000


def _zip_source(path: Path) -> tuple[Source, Source]:
    """(data members, other members) of a bundle archive, every limit of a data member checked
    from the central directory *before* anything is decompressed (a 10 MB archive declaring GiBs
    is refused at once); another member is checked only if it is read (:func:`_with_not_read`)."""
    try:
        raw = read_regular_file(path, str(path), limit=MAX_ARCHIVE_FILE_BYTES)
        zf = zipfile.ZipFile(io.BytesIO(raw))
        all_infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError):
        raise ParseError("not a readable zip archive", file=str(path)) from None
    if len(all_infos) > MAX_ARCHIVE_MEMBERS:
        raise LimitError(
            f"archive has {len(all_infos):,} members, more than {MAX_ARCHIVE_MEMBERS:,}",
            file=str(path),
        )
    # Windows tools write backslashes; Finder adds __MACOSX/ and .DS_Store entries.
    infos = [
        (i, i.filename.replace("\\", "/"))
        for i in all_infos
        if not i.is_dir() and not i.filename.replace("\\", "/").endswith("/")
    ]
    infos = [
        (i, n)
        for i, n in infos
        if not n.startswith("__MACOSX/") and not PurePosixPath(n).name.startswith(".")
    ]
    names = [PurePosixPath(n) for _, n in infos]
    prefix = ""
    tops = {n.parts[0] for n in names if len(n.parts) > 1}
    # Strip one wrapper folder ("contoso/tenant.yaml"), but never a bundle's own folder.
    if len(tops) == 1 and all(len(n.parts) > 1 for n in names):
        top = tops.pop()
        if top.lower() not in ("policies", "powerplatform"):
            prefix = top + "/"
    out: Source = []
    other: Source = []
    total = 0
    for info, name in sorted(infos, key=lambda item: item[1]):
        rel = name[len(prefix) :]
        member = f"{path}!{name}"
        if PurePosixPath(rel).suffix.lower() not in _DATA_SUFFIXES:
            other.append((rel, partial(_read_checked_member, zf, info, name, member)))
            continue
        _check_member(info, name, member)
        total += info.file_size
        if total > MAX_ARCHIVE_BYTES:
            raise LimitError(
                f"archive members expand to more than {MAX_ARCHIVE_BYTES:,} bytes",
                file=str(path),
                hint="a decompression bomb, or not a tenant bundle",
            )
        out.append((rel, partial(_read_member, zf, info, member)))
    return out, other


def _read_checked_member(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, member: str
) -> bytes:
    _check_member(info, name, member)
    return _read_member(zf, info, member)


def _check_member(info: zipfile.ZipInfo, name: str, member: str) -> None:
    parts = PurePosixPath(name).parts
    if name.startswith("/") or ".." in parts or (parts and ":" in parts[0]):
        raise UnsafePathError(
            "archive member path leaves the archive (absolute or ..)", file=member
        )
    if stat.S_ISLNK(info.external_attr >> 16):
        raise UnsafePathError("archive member is a symbolic link (not followed)", file=member)
    if info.flag_bits & 0x1:
        raise UnsafePathError("archive member is encrypted", file=member)
    if info.compress_type not in _ZIP_METHODS:
        raise UnsafePathError(
            f"archive member uses an unsupported compression method ({info.compress_type})",
            file=member,
        )
    if info.file_size > MAX_FILE_BYTES:
        raise FileTooLargeError(
            f"archive member is {info.file_size:,} bytes, "
            f"larger than the {MAX_FILE_BYTES:,}-byte limit",
            file=member,
        )
    if info.file_size > 1024 * 1024 and info.file_size > MAX_COMPRESSION_RATIO * max(
        info.compress_size, 1
    ):
        raise LimitError(
            f"archive member compresses {info.file_size // max(info.compress_size, 1):,}:1, "
            f"more than {MAX_COMPRESSION_RATIO}:1",
            file=member,
            hint="a decompression bomb",
        )


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, member: str) -> bytes:
    """Decompress one member, never more than it declared (a lying header is corrupt)."""
    try:
        with zf.open(info) as fh:
            data = fh.read(info.file_size + 1)
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError, RuntimeError):
        raise ParseError(
            "archive member is corrupt or cannot be decompressed", file=member
        ) from None
    except Exception as exc:  # zlib.error, lzma.LZMAError ... (corrupt data)
        raise ParseError(f"archive member is corrupt ({type(exc).__name__})", file=member) from None
    if len(data) != info.file_size:
        raise ParseError("archive member is corrupt (size differs from its header)", file=member)
    return data


def _is_bundle(names: list[str]) -> bool:
    """Bundle mode when the root holds tenant/directory files or policy files directly in
    ``policies/``; a folder of corpora (``policies/<corpus>/...``) is read in corpus mode."""
    markers = {
        "tenant.yaml",
        "tenant.yml",
        "tenant.json",
        "directory.yaml",
        "directory.yml",
        "directory.json",
    }
    return any(n in markers or (n.startswith("policies/") and n.count("/") == 1) for n in names)


def load_bundle(
    path: str | Path, report: LoadReport | None = None, *, require_data: bool = True
) -> Tenant:
    """Load a bundle folder, a ``.zip`` of one, a corpus folder, or a single export file.

    Input holding no tenant data at all is bad input (``no-tenant-data``) unless
    ``require_data`` is false (callers with a more specific message of their own)."""
    p = Path(path)
    if not p.exists():
        raise InputError("no such file or folder", file=str(p), code="parse-error")
    other: Source = []  # files of a folder or archive caflow does not read: named, never dropped
    if p.is_dir():
        source, other = _folder_source(p)
        label = str(p) + "/"
    elif p.suffix.lower() == ".zip":
        source, other = _zip_source(p)
        label = f"{p}!"
    else:
        source = [(p.name, partial(read_regular_file, p, str(p)))]
        label = str(p.parent) + "/"
    report = report if report is not None else LoadReport()
    tenant = load_tenant_from_documents(source, label=label, report=report, source_name=str(p))
    tenant = _with_not_read(tenant, other, label, report)
    if require_data:
        _require_tenant_data(p, report)
    return tenant


#: Files caflow does not read and does not name either (docs/bundle-format.md): a folder's
#: documentation and licence, the files Windows and macOS leave behind, and the sign-in log
#: ``caflow pull --since`` writes into a bundle (``caflow replay --logs`` reads it). Hidden
#: files (``.gitkeep``, ``.DS_Store``) are never listed at all.
_HARMLESS = re.compile(
    r"(?:readme|license|licence|copying|notice|thirdpartynotices)(?:[.\-_].*)?"
    r"|thumbs\.db|desktop\.ini|signins\.jsonl",
    re.IGNORECASE,
)
#: Folders whose files are Conditional Access policies: a bundle's ``policies/``,
#: EntraExporter's ``Identity/Conditional/AccessPolicies/``.
_POLICY_FOLDERS = {"policies", "accesspolicies"}
#: A name that says JSON or YAML somewhere (``CA001.json.bak``, ``CA015.jsn``, ``p.jsonc``).
_DATA_NAME = re.compile(r"\.(?:json|jsn|yaml|yml)", re.IGNORECASE)


def _with_not_read(tenant: Tenant, other: Source, label: str, report: LoadReport) -> Tenant:
    """``tenant`` with a ``not-read`` warning naming each file of ``other`` caflow does not read
    (review of issue 9, M1: a policy saved as ``CA015.jsn`` was dropped without a word and the
    what-if said "allow"); one that may hold policies also makes the results uncertain
    (``Tenant.unread_policies``: whatif ``certain: false``, check/simulate undetermined)."""
    warnings: list[LoadWarning] = []
    policies: list[LoadWarning] = []
    for rel, read in other:
        if _HARMLESS.fullmatch(PurePosixPath(rel).name):
            continue
        file = label + rel
        report.not_read.append(file)
        may_hold = _may_hold_policies(rel, read, file)
        message = "not read: caflow reads .json, .json5, .yaml and .yml files only" + (
            ", and this file in a policies folder may hold policies, so every result is "
            "uncertain (rename it to .json, or move it out of the folder)"
            if may_hold
            else ""
        )
        warnings.append(LoadWarning(file, "/", message, code="not-read"))
        if may_hold:
            policies.append(warnings[-1])
    if not warnings:
        return tenant
    return replace(
        tenant, warnings=tenant.warnings + tuple(warnings), unread_policies=tuple(policies)
    )


def _may_hold_policies(rel: str, read: Callable[[], bytes], file: str) -> bool:
    """A file in a policies folder whose name says JSON/YAML or whose content is JSON - or that
    cannot be read to tell (never guessed "not a policy")."""
    parts = PurePosixPath(rel).parts
    if not any(p.lower() in _POLICY_FOLDERS for p in parts[:-1]):
        return False
    if _DATA_NAME.search(parts[-1]):
        return True
    try:
        return is_json_document(read(), file)
    except UnsafePathError:
        raise  # a link out of the bundle is refused wherever it is (SECURITY.md)
    except InputError:
        return True


def _require_tenant_data(path: Path, report: LoadReport) -> None:
    """Input that held no tenant data at all is bad input (exit 2), never an empty tenant that
    every verb would call safe. A bundle with ``tenant.yaml`` but zero policies is valid."""
    if report.kinds.total():
        return
    if not report.files:
        got = "an empty folder" if path.is_dir() and not report.not_read else "no JSON or YAML file"
        if report.not_read:
            got += f" ({len(report.not_read)} other file(s): {report.not_read[0]})"
    else:
        got = f"{report.files} file(s), none of them tenant data"
        if report.empty:
            got += f" ({len(report.empty)} empty: {report.empty[0]})"
    first = report.skipped[0] if report.skipped else None
    raise InputError(
        "no tenant data found",
        file=str(path),
        expected="a tenant bundle (tenant.yaml, policies/*.json, ...), a .zip of one, or "
        "export files holding Conditional Access policies, named locations or Power Platform "
        "connections/flows",
        got=Shown(got),
        hint=f"first skipped: {first}" if first else None,
        code="no-tenant-data",
    )


def load_tenant_from_documents(
    source: Source,
    *,
    label: str = "",
    report: LoadReport | None = None,
    source_name: str = "",
    written: bool = False,
) -> Tenant:
    """``written``: the documents are the user's own (an inline tenant of a scenario): a value
    outside a closed set is exit 2 with a did-you-mean instead of "undetermined"."""
    try:
        return _load_documents(source, label, report, source_name, written)
    except InputError as exc:
        _point_as_written(exc, source, label)
        raise


def _point_as_written(exc: InputError, source: Source, label: str) -> None:
    """Rewrite an error's JSON pointer from the normalised keys caflow reads (``conditions``)
    to the keys as the file writes them (``Conditions`` in a PowerShell export), so the pointer
    leads into the file. Only on the error path: the file is read and parsed again."""
    if not exc.json_path or not exc.file or not exc.file.startswith(label):
        return
    rel = exc.file[len(label) :]
    read = next((r for n, r in source if n == rel), None)
    if read is None:
        return
    try:
        doc = parse_document(read(), exc.file)
    except InputError:
        return
    tokens = [t.replace("~1", "/").replace("~0", "~") for t in exc.json_path.split("/")[1:]]
    written: list[str | int] = []
    node: Any = doc
    for i, token in enumerate(tokens):
        if isinstance(node, list) and token.isdigit() and int(token) < len(node):
            written.append(int(token))
            node = node[int(token)]
        elif isinstance(node, dict):
            key = (
                token
                if token in node
                else next((k for k in node if isinstance(k, str) and camel_key(k) == token), None)
            )
            if key is None:
                written.extend(tokens[i:])
                break
            written.append(key)
            node = node[key]
        else:
            written.extend(tokens[i:])
            break
    if exc.code == "unknown-key" and written and tokens and written[-1] != tokens[-1]:
        # The key as the file writes it (``Usres``), not as caflow normalised it (``usres``).
        exc.message = exc.message.replace(shown_key(tokens[-1]), shown_key(written[-1]))
    exc.json_path = json_pointer(written)
    exc.args = (str(exc),)


def _load_documents(
    source: Source, label: str, report: LoadReport | None, source_name: str, written: bool = False
) -> Tenant:
    report = report if report is not None else LoadReport()
    names = [n for n, _ in source]
    bundle_mode = _is_bundle(names)
    b = _Builder(label, strict=bundle_mode, written=written)
    pull_gaps: tuple[NotPulled, ...] = ()
    pull_warnings: list[LoadWarning] = []
    page_gaps: list[NotPulled] = []
    for rel, read in source:
        report.files += 1
        file = label + rel
        raw = read()
        if (
            not bundle_mode
            and rel.lower().endswith((".json", ".json5"))
            and is_empty_output(raw, file)
        ):
            # An export folder's Get-Mg* call that returned nothing: an empty list, said by name
            # (review of issue 9); a folder where nothing else loads is still "no tenant data"
            # (exit 2). A bundle's own files are written by caflow or by hand: empty is an error.
            report.empty.append(file)
            if PurePosixPath(rel).stem.lower() in MEMBERSHIP_FOLDERS:
                # users/<id>/transitiveMemberOf.json: docs/export.md's own script leaves it empty
                # for a user in no group, and says so: no memberships, not memberships unknown
                # (review of issue 9, M2). A member's own file (Members/<m>/<m>.json) is not one.
                b.directory_objects.add_document(rel, [], file=file)
            continue
        doc = parse_document(raw, file)
        check_not_truncated(doc, file, raw)
        del raw  # the parsed document is all that is needed from here
        role = _role(rel) if bundle_mode else None
        if bundle_mode and rel == "pull.json":
            report.kinds["pullManifest"] += 1  # caflow pull's record of the read (docs/export.md)
            pull_gaps, pull_warnings = read_pull_manifest(doc, file)
            continue
        if bundle_mode and role is None:
            report.skipped.append(f"{file}: not a bundle file")
            continue
        link = doc.get("@odata.nextLink") if isinstance(doc, dict) else None
        if link is not None and not isinstance(link, str):
            # Graph writes the next page's URL or nothing; a number (or true) is neither a page
            # of several nor complete: a wrong type, exit 2 like any other (docs/errors.md).
            raise SchemaError(
                "wrong type",
                file=file,
                path=("@odata.nextLink",),
                expected="a URL string (the next page of a paged list) or null",
                got=link,
            )
        if link:  # null and "" say there is no next page: complete
            # az rest and single Invoke-MgGraphRequest calls save one page only: the file is
            # read, what is on later pages is missing - a gap weighed like a part not pulled
            # (model.pulled.paged_gap), never "not read".
            page_gaps.append(paged_gap(file, _paged_part(rel, doc, role, b.directory_objects)))
        if _is_empty_policy_list(doc):
            # Graph's answer for a tenant without policies ({"@odata.context": ".../policies",
            # "value": []}) is real tenant data: zero policies, valid (issue 13), not "nothing".
            report.kinds["emptyPolicyList"] += 1
            continue
        if not bundle_mode and b.directory_objects.add_document(rel, doc, file=file):
            continue  # users, groups, roles, devices, memberships of an export folder
        b.add(file, doc, role, report)
    # Acceptances pull could not read, or one page of them: who accepted is not all known.
    b.acceptance_gaps = tuple(g for g in (*pull_gaps, *page_gaps) if g.part == ACCEPTANCES)
    tenant = b.build(source_name or label)
    if pull_gaps or page_gaps:
        # What pull could not read, or an export left on later pages, is missing, never empty:
        # named on every verb (warnings) and counted by the verdicts that depend on it
        # (model.pulled).
        tenant = replace(
            tenant,
            warnings=tenant.warnings
            + tuple(pull_warnings)
            + tuple(
                LoadWarning(g.file, g.json_path, g.reason, code="incomplete-page")
                for g in page_gaps
            ),
            not_pulled=pull_gaps + tuple(page_gaps),
        )
    for kind, objects in b.directory_objects.objects.items():
        if objects:
            report.kinds[kind] += len(objects)
    report.skipped.extend(b.directory_objects.skipped)
    report.caveats.extend(b.directory_objects.notes)
    report.caveats.extend(b.notes)
    return tenant


#: Builder kinds and directory object kinds -> the part of the tenant a paged list holds.
_PAGED_PARTS = {
    "policy": "policies",
    "template": "policies",
    "namedLocation": "namedLocations",
    "strength": "authenticationStrengths",
    "agreement": "agreements",
    "acceptance": "agreementAcceptances",
    "connection": "powerplatform",
    "flow": "powerplatform",
    "user": "users",
    "group": "groups",
    "directoryRole": "directoryRoles",
    "servicePrincipal": "servicePrincipals",
    "device": "devices",
    "roleAssignment": "roleAssignments",
}


def _paged_part(rel: str, doc: dict[str, Any], role: str | None, objects: DirectoryObjects) -> str:
    """The part of the tenant the paged list ``doc`` holds: a membership list (its owner's
    memberships are then incomplete, :meth:`DirectoryObjects.paged`), else the kind of its
    items (the file's role in a bundle), else the list Graph's ``@odata.context`` names."""
    context = membership_context(rel) if role is None else None
    if context is not None:
        objects.paged(*context)
        return "members" if context[1] == "members" else "memberOf"
    items = doc.get("value")
    first = items[0] if isinstance(items, list) and items else None
    obj = normalize_keys(first, file=rel) if isinstance(first, dict) else None
    kind = role or directory_kind(obj) or _classify(obj)
    part = _PAGED_PARTS.get(kind or "")
    if part in ("groups", "directoryRoles"):
        objects.paged_lists.add(part)
    if part is not None:
        return part
    where = str(doc.get("@odata.context") or "").rpartition("#")[2].split("(")[0]
    return where.rstrip("/").rpartition("/")[2] or "items"


def _is_empty_policy_list(doc: object) -> bool:
    """A Graph list response of conditional access policies with no item in it."""
    if not isinstance(doc, dict) or doc.get("value") != []:
        return False
    context = doc.get("@odata.context")
    return isinstance(context, str) and "conditionalaccess/policies" in context.lower()


_LIST_FILES = {
    "namedlocations": "namedLocation",
    "authenticationstrengths": "strength",
    "agreements": "agreement",
    "agreementacceptances": "acceptance",
}


def _role(rel: str) -> str | None:
    """The role of a bundle file. Each list file may also be a folder of one object per file
    (``namedLocations/hq.json``, ``powerplatform/flows/invoices.json``; docs/bundle-format.md)."""
    name = PurePosixPath(rel)
    parts = [p.lower() for p in name.parts]
    stem = name.stem.lower()
    if len(parts) == 1:
        return {
            "tenant": "tenant",
            "directory": "directory",
            "crosstenantaccess": "crossTenantAccess",
            **_LIST_FILES,
        }.get(stem)
    if parts[0] == "policies":
        return "policy"
    if parts[0] in _LIST_FILES:
        return _LIST_FILES[parts[0]]
    if parts[0] == "powerplatform":
        kind = parts[1] if len(parts) > 2 else stem
        return {"connections": "connection", "flows": "flow"}.get(kind)
    return None


class _Builder:
    def __init__(self, label: str, strict: bool = True, written: bool = False) -> None:
        self.label = label
        self.strict = strict
        self.written = written
        self.tenant_doc: tuple[str, Any] | None = None
        self.directory_doc: tuple[str, Any] | None = None
        self.cross_tenant_doc: tuple[str, Any] | None = None
        # An export folder's cross-tenant objects one by one (EntraExporter's
        # Policies/CrossTenantAccessPolicy/Default and .../Partners): (file, path, parsed).
        self.cross_tenant_default: tuple[str, str, CrossTenantAccess] | None = None
        self.cross_tenant_partners: list[CrossTenantAccess] = []
        self.cross_tenant_incomplete = ""
        self.setting_sources: dict[str, tuple[str, str]] = {}
        self.token_lifetime: list[tuple[str, tuple[str | int, ...], dict[str, Any]]] = []
        #: Said on stderr after the build (LoadReport.caveats).
        self.notes: list[str] = []
        self.policies: list[tuple[str, tuple[str | int, ...], dict[str, Any]]] = []
        self.locations: dict[str, NamedLocation] = {}
        self.location_at: dict[str, tuple[str, str]] = {}  # id -> (file, JSON pointer)
        self.strengths: dict[str, StrengthRef] = {}
        self.agreements: dict[str, Agreement] = {}
        self.acceptances: list[tuple[str, tuple[str | int, ...], dict[str, Any]]] = []
        #: An agreementAcceptances file was read (even an empty one: nobody accepted) ...
        self.acceptances_read = False
        #: ... and no part of it is missing (pull.json, a page of several): A-TOU-1.
        self.acceptance_gaps: tuple[NotPulled, ...] = ()
        self.groups: dict[str, Group] = {}
        self.directory_objects = DirectoryObjects()
        self.connections: list[tuple[str, tuple[str | int, ...], dict[str, Any]]] = []
        self.flows: list[tuple[str, tuple[str | int, ...], dict[str, Any]]] = []

    # -- classification -------------------------------------------------------------------
    def add(self, file: str, doc: Any, role: str | None, report: LoadReport) -> None:
        if role == "acceptance" or PurePosixPath(file).stem.lower() == "agreementacceptances":
            self.acceptances_read = True  # an export of acceptances, even of none
        if role == "tenant":
            self.tenant_doc = (file, doc)
            report.kinds["tenant"] += 1
            return
        if role == "directory":
            self.directory_doc = (file, doc)
            report.kinds["directory"] += 1
            return
        if role == "crossTenantAccess":
            self.cross_tenant_doc = (file, doc)
            report.kinds["crossTenantAccess"] += 1
            unknown = unknown_cross_tenant_keys(doc, file)
            if unknown:
                # An exported file: kept as written and said once, like policy fields caflow
                # does not read (a typo'd inboundTrust means "no trust" is what gets evaluated).
                report.caveats.append(
                    f"{file}: keys that are no cross-tenant access property (kept as written, "
                    "not read; an inboundTrust caflow cannot read counts as no trust): "
                    + ", ".join(unknown[:5])
                    + (f" (+{len(unknown) - 5} more)" if len(unknown) > 5 else "")
                )
            return
        if (
            role is None
            and isinstance(doc, dict)
            and isinstance(doc.get("Objects"), list)
            and "TenantId" in doc
        ):
            self._migration_table(file, doc, report)
            return
        for item, path in as_list(doc, file=file):
            obj = normalize_keys(item, file=file, path=path)
            kind = role or _classify(obj)
            if kind is None:
                report.skipped.append(
                    f"{file}{json_pointer(path) if path else ''}: not a tenant object"
                )
                continue
            if not isinstance(obj, dict):
                raise SchemaError(
                    "wrong type", file=file, path=path, expected=f"a {kind} object", got=obj
                )
            report.kinds[kind] += 1
            if kind == "policy":
                if not is_policy_like(obj):
                    if isinstance(obj.get("details"), dict) and is_policy_like(obj["details"]):
                        obj = {
                            **obj["details"],
                            "id": obj.get("id"),
                            "displayName": obj.get("name"),
                        }
                    else:
                        raise not_a_policy_error(obj, file, path)
                self.policies.append((file, path, obj))
            elif kind == "template":
                details = dict(obj["details"])
                details.setdefault("id", obj.get("id"))
                details.setdefault("displayName", obj.get("name") or obj.get("displayName"))
                details.setdefault("state", "disabled")
                self.policies.append((file, (*path, "details"), details))
            elif kind == "namedLocation":
                loc = _named_location(Reader(file, path), obj)
                where = (file, json_pointer(path))
                first = self.location_at.setdefault(loc.id.lower(), where)
                if self.strict and first != where:
                    raise _duplicate("named location id", loc.id, first, file, (*path, "id"))
                self.locations[loc.id.lower()] = loc
            elif kind == "strength":
                s = parse_strength(Reader(file, path), obj, ())
                if s is None:
                    # Never dropped silently: a strength no policy can name (the schema
                    # requires the id too, docs/schema/authenticationStrengths.schema.json).
                    raise SchemaError(
                        "missing field",
                        file=file,
                        path=(*path, "id"),
                        expected="the authentication strength's id",
                        got=None,
                        code="missing-field",
                    )
                self.strengths[s.id.lower()] = s
            elif kind == "agreement":
                a = parse_agreement(Reader(file, path), obj)
                self.agreements[a.id.lower()] = a
            elif kind == "acceptance":
                self.acceptances_read = True
                self.acceptances.append((file, path, obj))
            elif kind == "group":
                gid = str(obj.get("id") or stable_id("group", str(obj.get("displayName"))))
                self.groups[gid.lower()] = Group(
                    id=gid, display_name=str(obj.get("displayName") or gid)
                )
            elif kind in ("crossTenantDefault", "crossTenantPartner"):
                self._cross_tenant_object(file, path, obj, kind, report)
            elif kind == "tokenLifetimePolicy":
                self.token_lifetime.append((file, path, obj))
            elif kind == "connection":
                self.connections.append((file, path, obj))
            elif kind == "flow":
                self.flows.append((file, path, obj))

    def _cross_tenant_object(
        self,
        file: str,
        path: tuple[str | int, ...],
        obj: dict[str, Any],
        kind: str,
        report: LoadReport,
    ) -> None:
        """A cross-tenant default or partner object of an export folder, read by the parser
        of ``crossTenantAccess.json`` (the same model, the same checks)."""
        unknown = unknown_cross_tenant_keys(obj, file)
        if unknown:
            report.caveats.append(
                f"{file}: keys that are no cross-tenant access property (kept as written, not "
                "read; an inboundTrust caflow cannot read counts as no trust): "
                + ", ".join(unknown[:5])
            )
        parsed = parse_cross_tenant_access(obj, file, path)
        if kind == "crossTenantDefault":
            where = (file, json_pointer(path))
            if self.cross_tenant_default is not None:
                first = self.cross_tenant_default[:2]
                raise _duplicate("cross-tenant default configuration", "default", first, file, path)
            self.cross_tenant_default = (*where, parsed)
            return
        self.cross_tenant_partners.append(parsed)
        parts = [p.lower() for p in PurePosixPath(file).parts[-3:]]
        if parts == ["partners", "partners", "partners.json"]:
            # EntraExporter names a file by the object's id; a partner has none, so every
            # partner of the tenant is written to this one file and only the last is left
            # (Export-Entra.ps1, "Result without 'id' property"). Other partners' trust is not
            # in the export: unknown for users of any other tenant (A-EXT-1), and said here.
            self.cross_tenant_incomplete = (
                f"{file}: EntraExporter keeps only the last cross-tenant partner (it writes "
                "every partner to this one file), so the home tenant's trust is unknown"
            )
            report.caveats.append(
                f"{file}: EntraExporter writes every cross-tenant partner to this one file "
                "(partners have no id), so only the last partner is in the export; for users "
                "of other tenants, a control only cross-tenant trust could make impossible is "
                "undetermined (docs/export.md)"
            )

    def _migration_table(self, file: str, doc: dict[str, Any], report: LoadReport) -> None:
        for o in doc["Objects"]:
            if isinstance(o, dict) and str(o.get("Type", "")).lower() == "group" and o.get("Id"):
                gid = str(o["Id"])
                self.groups.setdefault(
                    gid.lower(), Group(id=gid, display_name=str(o.get("DisplayName") or gid))
                )
                report.kinds["group"] += 1

    def _token_lifetime_settings(self, settings: Settings) -> Settings:
        """An export's tokenLifetimePolicy objects: the organization default's values become
        ``settings.tokenLifetimePolicy`` (and ``accessTokenLifetime``) as if tenant.yaml set
        them; with none marked default, Microsoft's defaults apply - and the export says so,
        so the settings count as known (advise's ``needs``). Policies assigned to single
        applications are not modelled: named on stderr (self.notes)."""
        if not self.token_lifetime:
            return settings
        defaults = [(f, p, o) for f, p, o in self.token_lifetime if o.get("isOrganizationDefault")]
        if len(defaults) > 1:
            first = (defaults[0][0], json_pointer(defaults[0][1]))
            file, path, _ = defaults[1]
            raise _duplicate("organization-default token lifetime policy", "", first, file, path)
        update: dict[str, Any] = {"tokenLifetimePolicy": type(settings.tokenLifetimePolicy)()}
        if defaults:
            file, path, obj = defaults[0]
            org = read_org_default(obj, file, path)
            update["tokenLifetimePolicy"] = org.token_lifetime_policy
            if org.access_token_lifetime is not None:
                update["accessTokenLifetime"] = org.access_token_lifetime
            at = json_pointer((*path, "definition", 0))
            self.setting_sources.update(dict.fromkeys(update, (file, at)))
        for file, path, obj in self.token_lifetime:
            if not obj.get("isOrganizationDefault"):
                name = obj.get("displayName") or obj.get("id") or "?"
                self.notes.append(
                    f"{file}{json_pointer(path) if path else ''}: token lifetime policy "
                    f"'{name}' is not the organization default (it applies only to the "
                    "applications it is assigned to, which caflow does not model): not applied"
                )
        return settings.model_copy(update=update)

    # -- assembly --------------------------------------------------------------------------
    def build(self, source: str) -> Tenant:
        tenant_id, name, settings = "", "", Settings()
        if self.tenant_doc:
            file, doc = self.tenant_doc
            # An empty tenant.yaml means Microsoft's defaults.
            head = read_model(TenantFile, {} if doc is None else doc, file=file)
            tenant_id, name, settings = head.id or "", head.displayName or "", head.settings
        directory = Directory()
        if self.directory_doc:
            file, doc = self.directory_doc
            directory = parse_directory(doc, file)
        elif self.directory_objects:
            directory = parse_directory(
                self.directory_objects.to_directory_doc(),
                self.label + "(directory objects)",
                written=False,
            )
        if self.groups:
            known = {g.id.lower() for g in directory.groups}
            extra = tuple(g for k, g in self.groups.items() if k not in known)
            directory = Directory(
                users=directory.users,
                groups=directory.groups + extra,
                devices=directory.devices,
                service_principals=directory.service_principals,
            )

        cross_tenant = (
            parse_cross_tenant_access(self.cross_tenant_doc[1], self.cross_tenant_doc[0])
            if self.cross_tenant_doc
            else CrossTenantAccess()
        )
        if self.cross_tenant_default is not None or self.cross_tenant_partners:
            default = self.cross_tenant_default[2] if self.cross_tenant_default else None
            cross_tenant = merge_cross_tenant_access(
                default, self.cross_tenant_partners, self.cross_tenant_incomplete
            )
        settings = self._token_lifetime_settings(settings)

        def resolve_user(ref: str) -> str:
            u = directory.user(ref)
            return u.id if u else ref

        # A tenant the user wrote (a scenario's inline tenant) says who accepted by what it
        # lists; an export without acceptances says nothing about them (A-TOU-1).
        parsed = [
            _resolve_names(parse_policy(obj, file, path), directory)
            for file, path, obj in self.policies
        ]
        exported = self.written or (self.acceptances_read and not self.acceptance_gaps)
        unrecorded = (
            frozenset()
            if exported
            else frozenset(self.agreements)
            | {a.lower() for p in parsed if p.grant for a in p.grant.terms_of_use}
        )
        policies = tuple(
            _with_reference_warnings(
                p,
                directory,
                self.locations,
                self.agreements,
                self.strengths,
                unrecorded,
                acceptances_reason(self.acceptance_gaps),
            )
            for p in parsed
        )
        if self.strict:
            _check_unique_ids(policies)  # corpora (docs samples) reuse ids across examples
        acceptances = tuple(
            _acceptance(Reader(f, p), o, resolve_user) for f, p, o in self.acceptances
        )
        connections = tuple(parse_connection(o, f, p, resolve_user) for f, p, o in self.connections)
        by_name = {c.name.lower(): c for c in connections}
        flows = tuple(
            parse_flow(o, f, p, resolve_user, by_name, written=self.written)
            for f, p, o in self.flows
        )
        if self.strict:  # corpora (docs samples) reuse names across examples
            _check_unique("connection name", [c.name for c in connections], self.connections)
            _check_unique("flow id", [f.name for f in flows], self.flows)
        warnings = [w for p in policies for w in p.warnings]
        warnings += _powerplatform_warnings(connections, flows, directory, self.label)
        strengths = dict(self.strengths)
        return Tenant(
            id=tenant_id,
            display_name=name,
            settings=settings,
            policies=policies,
            named_locations=self.locations,
            strengths=strengths,
            agreements=self.agreements,
            acceptances=acceptances,
            acceptances_unrecorded=unrecorded,
            directory=directory,
            cross_tenant_access=cross_tenant,
            connections=connections,
            flows=flows,
            warnings=tuple(warnings),
            source=source,
            setting_sources=self.setting_sources,
        )


def _is_schema_skeleton(obj: dict[str, Any]) -> bool:
    """Graph docs "JSON representation" blocks hold type names, not data (data/SOURCES.md)."""
    return any(
        isinstance(obj.get(k), str) and obj[k].split(" ")[0] in ("String", "string")
        for k in ("id", "displayName", "state")
    )


def _classify(obj: Any) -> str | None:
    if not isinstance(obj, dict) or _is_schema_skeleton(obj):
        return None
    t = str(obj.get("@odata.type", "")).lower()
    if is_policy_like(obj) or shape_typo(obj) is not None:
        return "policy"  # a misspelt conditions key: exit 2 with a did-you-mean, not skipped
    if isinstance(obj.get("details"), dict) and is_policy_like(obj["details"]):
        return "template"
    if "namedlocation" in t or "ipRanges" in obj or "countriesAndRegions" in obj:
        return "namedLocation"
    if "allowedCombinations" in obj and "id" in obj:
        return "strength"
    if t.endswith(".agreement") or "isPerDeviceAcceptanceRequired" in obj:
        return "agreement"
    if t.endswith(".agreementacceptance") or ("agreementId" in obj and "userId" in obj):
        return "acceptance"
    if t.endswith(".group") or ("securityEnabled" in obj and "displayName" in obj and "id" in obj):
        return "group"
    if is_cross_tenant_partner(obj):
        return "crossTenantPartner"
    if is_cross_tenant_default(obj):
        return "crossTenantDefault"
    if t.endswith(".crosstenantaccesspolicy") or "allowedCloudEndpoints" in obj:
        # The policy object itself (EntraExporter's Policies/CrossTenantAccessPolicy/<id>):
        # its default and partners are separate objects; it holds nothing CA evaluates.
        return "crossTenantAccessPolicy"
    if is_token_lifetime_policy(obj):
        return "tokenLifetimePolicy"
    if is_connection_like(obj):
        return "connection"
    if is_flow_like(obj):
        return "flow"
    return None


def _named_location(r: Reader, obj: dict[str, Any]) -> NamedLocation:
    import ipaddress

    lid = r.string(obj.get("id"), ("id",)) or stable_id("location", str(obj.get("displayName")))
    name = r.string(obj.get("displayName"), ("displayName",)) or lid
    t = str(obj.get("@odata.type", "")).lower()
    trusted = r.boolean(obj.get("isTrusted"), ("isTrusted",))
    if "ipRanges" in obj or "ipnamedlocation" in t:
        ranges = []
        items = obj.get("ipRanges") or []
        if not isinstance(items, list):
            raise r.error(("ipRanges",), "wrong type", "a list of CIDR ranges", items)
        for i, rng in enumerate(items):
            cidr = rng.get("cidrAddress") if isinstance(rng, dict) else rng
            try:
                # The docs' own example has host bits set (12.34.221.11/22): parse non-strict (CA-5.1).
                ranges.append(ipaddress.ip_network(str(cidr).strip(), strict=False))
            except ValueError:
                raise r.error(
                    ("ipRanges", i, "cidrAddress"),
                    "invalid value",
                    "an IPv4 or IPv6 CIDR range",
                    cidr,
                ) from None
        return IpNamedLocation(id=lid, display_name=name, is_trusted=trusted, ranges=tuple(ranges))
    if "countriesAndRegions" in obj or "countrynamedlocation" in t:
        return CountryNamedLocation(
            id=lid,
            display_name=name,
            countries=frozenset(
                c.upper()
                for c in r.strings(obj.get("countriesAndRegions"), ("countriesAndRegions",))
            ),
            include_unknown=r.boolean(
                obj.get("includeUnknownCountriesAndRegions"), ("includeUnknownCountriesAndRegions",)
            ),
            lookup_method=r.string(obj.get("countryLookupMethod"), ("countryLookupMethod",))
            or "clientIpAddress",
        )
    return OtherNamedLocation(
        id=lid, display_name=name, odata_type=t or "unknown", is_trusted=trusted
    )


#: Shortest Terms of Use re-accept / expiry period read (docs/assumptions.md A-HOST-1).
MIN_TERMS_PERIOD = timedelta(days=1)


def parse_agreement(r: Reader, obj: dict[str, Any]) -> Agreement:
    """A Graph ``agreement`` object (docs/sources.md TS-5.1)."""
    aid = r.string(obj.get("id"), ("id",), optional=False) or ""
    exp = r.obj(obj.get("termsExpiration"), ("termsExpiration",))

    def dur(value: Any, path: tuple[str | int, ...]):
        text = r.string(value, path)
        if not text:
            return None
        try:
            # The portal sets both in days or months (TS-5.3): a day is the shortest (A-HOST-1).
            return parse_iso_duration(text, minimum=MIN_TERMS_PERIOD)
        except ValueError as exc:
            raise r.error(
                path,
                "invalid value",
                "an ISO 8601 duration of at least one day, such as P30D or P1M",
                Shown(f"a value that is {exc}"),
            ) from None

    return Agreement(
        id=aid,
        display_name=r.string(obj.get("displayName"), ("displayName",)) or aid,
        per_device=r.boolean(
            obj.get("isPerDeviceAcceptanceRequired"), ("isPerDeviceAcceptanceRequired",)
        ),
        reaccept_every=dur(
            obj.get("userReacceptRequiredFrequency"), ("userReacceptRequiredFrequency",)
        ),
        expiration_start=r.moment(exp.get("startDateTime"), ("termsExpiration", "startDateTime")),
        expiration_frequency=dur(exp.get("frequency"), ("termsExpiration", "frequency")),
    )


def _acceptance(
    r: Reader, obj: dict[str, Any], resolve_user: Callable[[str], str]
) -> AgreementAcceptance:
    user = obj.get("userId") or obj.get("userPrincipalName")
    if not user:
        raise r.error(("userId",), "missing field", "a userId or userPrincipalName", None)
    recorded = r.moment(obj.get("recordedDateTime"), ("recordedDateTime",), optional=False)
    assert recorded is not None
    return AgreementAcceptance(
        agreement_id=r.string(obj.get("agreementId"), ("agreementId",), optional=False) or "",
        user_id=resolve_user(str(user)),
        recorded=recorded,
        state=str(obj.get("state") or "accepted"),
        device_id=r.string(obj.get("deviceId"), ("deviceId",)),
        expiration=r.moment(obj.get("expirationDateTime"), ("expirationDateTime",)),
    )


def _with_reference_warnings(
    policy: Policy,
    directory: Directory,
    locations: dict[str, NamedLocation],
    agreements: dict[str, Agreement],
    strengths: dict[str, StrengthRef],
    unrecorded: frozenset[str] = frozenset(),
    unrecorded_why: str = "",
) -> Policy:
    """Attach a warning for every reference the bundle does not define (docs/bundle-format.md),
    and one when the policy, enabled or report-only, requires terms of use whose acceptances the
    bundle does not record (``unrecorded``: ``Tenant.acceptances_unrecorded``, A-TOU-1)."""
    warnings = list(policy.warnings)
    base = policy.source_path.rstrip("/")
    c = policy.conditions

    def warn(path: str, message: str, code: str = "dangling-reference") -> None:
        warnings.append(LoadWarning(policy.source, base + path, message, code))

    u = c.users

    def user_known(v: str) -> bool:
        return v.lower() in _USER_KEYWORDS or directory.user(v) is not None

    def location_known(v: str) -> bool:
        key = v.lower()
        return key in _LOCATION_KEYWORDS or key in locations or key == COMPLIANT_NETWORK_ID

    # (JSON pointer of the list, its values, is a value defined?, what the value is)
    references = (
        ("/conditions/users/includeUsers", u.include_users, user_known, "user"),
        ("/conditions/users/excludeUsers", u.exclude_users, user_known, "user"),
        ("/conditions/users/includeGroups", u.include_groups, directory.group, "group"),
        ("/conditions/users/excludeGroups", u.exclude_groups, directory.group, "group"),
        # Roles match by built-in role template id (CA-2.2); caflow names only some roles and any
        # GUID may be a built-in template, so only a non-GUID value is suspicious.
        ("/conditions/users/includeRoles", u.include_roles, _is_guid, "role template"),
        ("/conditions/users/excludeRoles", u.exclude_roles, _is_guid, "role template"),
        (
            "/conditions/locations/includeLocations",
            c.include_locations,
            location_known,
            "named location",
        ),
        (
            "/conditions/locations/excludeLocations",
            c.exclude_locations,
            location_known,
            "named location",
        ),
    )
    for pointer, values, known, what in references:
        for i, v in enumerate(values):
            if not known(v):
                warn(f"{pointer}/{i}", f"{what} '{v}' is not defined in the bundle")
    for pointer, values in (
        ("/conditions/users/includeGroups", u.include_groups),
        ("/conditions/users/excludeGroups", u.exclude_groups),
    ):
        for i, v in enumerate(values):
            if v.lower() in directory.unknown_member_groups:
                g = directory.group(v)
                warn(
                    f"{pointer}/{i}",
                    f"group '{g.display_name if g else v}': its membership was not exported "
                    "(dynamic, or a member list of one page of several): membership in it is "
                    "undetermined",
                    code="members-unknown",
                )
    # Users whose memberships the export does not record at all (A-DIR-4): once per list.
    for pointer, values, count, what in (
        (
            "/conditions/users/includeGroups",
            u.include_groups,
            directory.groups_unknown_users,
            "group",
        ),
        (
            "/conditions/users/excludeGroups",
            u.exclude_groups,
            directory.groups_unknown_users,
            "group",
        ),
        ("/conditions/users/includeRoles", u.include_roles, directory.roles_unknown_users, "role"),
        ("/conditions/users/excludeRoles", u.exclude_roles, directory.roles_unknown_users, "role"),
    ):
        if values and count:
            warn(
                pointer,
                f"the export records no {what} memberships for {count} user(s): this "
                f"condition is undetermined for them",
                code="members-unknown",
            )
    # Only a policy that is evaluated (enabled, or report-only: whatif and check report it) makes
    # the unknown acceptance matter; a disabled one would make the warning noise on every verb
    # (docs/errors.md#acceptances-unknown). A scenario enabling it later is warned about then
    # (resolve_references), and the agreement stays in ``unrecorded`` either way.
    evaluated = policy.enforced or policy.report_only
    blind = (
        [v for v in policy.grant.terms_of_use if v.lower() in unrecorded]
        if policy.grant and evaluated
        else []
    )
    if blind:
        names = ", ".join(
            f"'{agreements[v.lower()].display_name}'" if v.lower() in agreements else f"'{v}'"
            for v in blind
        )
        warn(
            "/grantControls/termsOfUse",
            f"terms of use {names}: {unrecorded_why}; a decision that depends on the "
            "acceptance is undetermined, never 'not accepted'",
            code="acceptances-unknown",
        )
    if policy.grant:
        for i, v in enumerate(policy.grant.terms_of_use):
            if v.lower() not in agreements:
                warn(
                    f"/grantControls/termsOfUse/{i}",
                    f"terms of use agreement '{v}' is not defined in the bundle",
                )
        s = policy.grant.authentication_strength
        if (
            s
            and s.id not in BUILTIN_STRENGTHS
            and s.id.lower() not in strengths
            and not s.allowed_combinations
        ):
            warn(
                "/grantControls/authenticationStrength/id",
                f"authentication strength '{s.id}' is not defined in the bundle",
            )
        if s and not s.allowed_combinations and s.id.lower() in strengths:
            policy = replace(
                policy, grant=replace(policy.grant, authentication_strength=strengths[s.id.lower()])
            )
    return (
        replace(policy, warnings=tuple(warnings)) if warnings != list(policy.warnings) else policy
    )


def resolve_references(policy: Policy, tenant: Tenant) -> Policy:
    """Resolve names to ids and attach a warning per reference ``tenant`` does not define: the
    same treatment a bundle's policies get, for policies added later (scenarios, overlays)."""
    return _with_reference_warnings(
        _resolve_names(policy, tenant.directory),
        tenant.directory,
        dict(tenant.named_locations),
        dict(tenant.agreements),
        dict(tenant.strengths),
        tenant.acceptances_unrecorded,
        tenant.acceptances_unknown(),
    )


def bind_written_policy(
    policy: Policy, tenant: Tenant, written: dict[str, Any] | None = None
) -> Policy:
    """A policy the user wrote (a ``check``/``replay --proposed`` file, a scenario's inline
    policy or policy file), read strictly and bound to the tenant it is added to. Strict first
    (:func:`caflow.io.policies.check_written_policy`, the one check for every user-written
    policy): an unknown key or value is exit 2 with a did-you-mean; ``written`` as there.
    Then names resolve to ids like a bundle's own
    policies (docs/bundle-format.md), and a reference the tenant does not define is the user's
    typo, exit 2 with a did-you-mean naming the closest object. Loaded alone, the file had no
    directory, so its references could not be resolved then (a group named by display name was
    silently 'not a member': review of issue 13)."""
    check_written_policy(policy, written)
    # Dangling-reference warnings from loading the file alone are recomputed against the
    # tenant; others (a quarantined filter rule) are kept.
    kept = tuple(w for w in policy.warnings if w.code != "dangling-reference")
    resolved = resolve_references(replace(policy, warnings=kept), tenant)
    dangling = [w for w in resolved.warnings if w.code == "dangling-reference"]
    if not dangling:
        return resolved
    w = dangling[0]
    d = tenant.directory
    groups = [g.display_name for g in d.groups] + [g.id for g in d.groups]
    users = [u.user_principal_name for u in d.users] + [u.id for u in d.users]
    places = [loc.display_name for loc in tenant.named_locations.values()]
    places += [loc.id for loc in tenant.named_locations.values()]
    candidates = {
        "/includeGroups/": groups,
        "/excludeGroups/": groups,
        "/includeUsers/": users,
        "/excludeUsers/": users,
        "Locations/": places,
        "/termsOfUse/": [a.id for a in tenant.agreements.values()],
    }
    value = w.message.split("'")[1] if w.message.count("'") >= 2 else ""
    names = next((c for key, c in candidates.items() if key in w.json_path), [])
    guess = did_you_mean(value, names) if value else None
    # The reference is described, never quoted (SECURITY.md: an error message does not echo
    # file content); the suggestion is a name the tenant defines.
    what = w.message.split(" '", 1)[0] if " '" in w.message else "reference"
    raise UnknownReferenceError(
        "unknown reference",
        file=w.file,
        path=w.json_path,
        expected=f"a {what} the tenant defines",
        got=value,
        hint=f"did you mean '{guess}'?" if guess else None,
    )


def _is_guid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _resolve_names(policy: Policy, directory: Directory) -> Policy:
    """Hand-written policies may name users by UPN, groups by display name and roles by name
    (docs/bundle-format.md): rewrite such references to object ids so the engine matches ids only."""
    u = policy.conditions.users

    def users(values: tuple[str, ...]) -> tuple[str, ...]:
        found = (None if v.lower() in _USER_KEYWORDS else directory.user(v) for v in values)
        return tuple(user.id if user else v for user, v in zip(found, values, strict=True))

    def groups(values: tuple[str, ...]) -> tuple[str, ...]:
        found = (directory.group(v) for v in values)
        return tuple(g.id if g else v for g, v in zip(found, values, strict=True))

    def roles(values: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(role_id_for(v) or v for v in values)

    resolved = replace(
        u,
        include_users=users(u.include_users),
        exclude_users=users(u.exclude_users),
        include_groups=groups(u.include_groups),
        exclude_groups=groups(u.exclude_groups),
        include_roles=roles(u.include_roles),
        exclude_roles=roles(u.exclude_roles),
    )
    if resolved == u:
        return policy
    return replace(policy, conditions=replace(policy.conditions, users=resolved))


def _duplicate(
    what: str, key: str, first: tuple[str, str], file: str, path: tuple[str | int, ...]
) -> SchemaError:
    """Two objects with one id: exit 2 naming both places (the second by file and path)."""
    where = first[0] + (f": {first[1]}" if first[1] != "/" else "")
    return SchemaError(
        f"duplicate {what} '{key}' (also in {where})", file=file, path=path, code="duplicate"
    )


def _check_unique(
    what: str, keys: list[str], sources: list[tuple[str, tuple[str | int, ...], dict[str, Any]]]
) -> None:
    seen: dict[str, tuple[str, str]] = {}
    for key, (file, path, _) in zip(keys, sources, strict=True):
        if not key:
            continue
        where = (file, json_pointer(path))
        first = seen.setdefault(key.lower(), where)
        if first != where:
            raise _duplicate(what, key, first, file, path)


def _check_unique_ids(policies: tuple[Policy, ...]) -> None:
    """Two policy objects with one id - even byte-identical copies in two files - are exit 2
    naming both places: which one the tenant holds is unknown, and a copy left behind by a
    rename would be evaluated twice."""
    seen: dict[str, Policy] = {}
    for p in policies:
        key = p.id.lower()
        if key in seen:
            first = seen[key]
            raise _duplicate(
                "policy id",
                p.id,
                (first.source, first.source_path.rstrip("/") + "/id"),
                p.source,
                (*_pointer_tokens(p.source_path), "id"),
            )
        seen[key] = p


def _pointer_tokens(pointer: str) -> tuple[str | int, ...]:
    """``/value/3`` -> ("value", 3): a policy's source path as a path to extend."""
    return tuple(
        int(t) if t.isdigit() else t.replace("~1", "/").replace("~0", "~")
        for t in pointer.split("/")[1:]
        if t != ""
    )


def _powerplatform_warnings(
    connections: tuple[Connection, ...], flows: tuple[Flow, ...], directory: Directory, label: str
) -> list[LoadWarning]:
    out: list[LoadWarning] = []
    names = {c.name.lower() for c in connections}
    for c in connections:
        if c.owner_id and directory.users and directory.user(c.owner_id) is None:
            out.append(
                LoadWarning(
                    label + "powerplatform/connections.json",
                    c.name,
                    f"connection owner '{c.owner_id}' is not in directory.yaml",
                )
            )
    for connector, conns in unmapped_connectors((c.name, c.connector) for c in connections).items():
        # A custom connector or one caflow does not list: named, and its connections are
        # undetermined downstream, never "never breaks" (docs/assumptions.md A-AUTO-6).
        out.append(
            LoadWarning(
                label + "powerplatform/connections.json",
                conns[0],
                f"{unmapped_reason(connector)}; its connections are undetermined: "
                + ", ".join(conns),
                code="unmapped-connector",
            )
        )
    for f in flows:
        for ref in f.connections:
            if (
                ref.connection
                and ref.connection.lower() not in names
                and ref.source.lower() != "invoker"
            ):
                out.append(
                    LoadWarning(
                        label + "powerplatform/flows.json",
                        f.name,
                        f"flow uses connection '{ref.connection}' that is not in connections.json",
                    )
                )
    return out
