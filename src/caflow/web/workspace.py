"""The bundles a ``caflow serve`` session has open, and where it may read files from.

A local tool serving one admin: the workspace keeps the opened tenants in memory (loaded once,
by the same loader as the CLI, so a bundle the CLI rejects is rejected here with the same file
and JSON path). Paths typed into the page or an API body are confined to the served folder
(``--root``, default the working directory) or the packaged examples (``@examples/...``): the
page can never read ``/etc/passwd`` or a sibling tenant's folder (SECURITY.md). Uploads are
size-limited before they are parsed and written to a private temporary folder that is removed
when the server stops.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from caflow.errors import (
    CaflowError,
    FileTooLargeError,
    InputError,
    SchemaError,
    Shown,
    UnsafePathError,
)
from caflow.model.tenant import Tenant
from caflow.simulate.scenario import Confinement

__all__ = ["EXAMPLES_PREFIX", "MAX_UPLOAD_BYTES", "Bundle", "Workspace"]

#: Uploads larger than this are refused before parsing (HTTP 413): the CLI's limit for one
#: bundle archive (``caflow.io.bundle.MAX_ARCHIVE_FILE_BYTES``).
MAX_UPLOAD_BYTES = 64 * 1024 * 1024
#: Paths under the packaged examples (``caflow examples`` copies the same files).
EXAMPLES_PREFIX = "@examples"
#: Files one upload may hold (a bundle has a few dozen).
MAX_UPLOAD_FILES = 10_000


@dataclass
class Bundle:
    """One opened tenant: where it came from, the loaded model and the loader's notes."""

    id: str
    label: str
    path: Path
    tenant: Tenant
    notes: list[str] = field(default_factory=list)


def load(path: Path, label: str) -> tuple[Tenant, list[str]]:
    """The CLI's loading: ``load_bundle`` with filter rules caflow cannot parse made
    undetermined, and the CLI's warnings and notes (unparsable rules, unmapped connectors,
    owners not in the directory, no policy, unread fields, skipped files)."""
    from caflow.engine.unparsable import quarantine_unparsable
    from caflow.io.bundle import LoadReport, load_bundle, load_warnings

    report = LoadReport()
    tenant = quarantine_unparsable(load_bundle(path, report))
    return tenant, load_warnings(tenant) + report.notes(label, tenant)


def _inside(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
    except ValueError:
        return False
    return True


def _upload_name(name: str) -> PurePosixPath:
    """A browser-sent file name (a folder upload sends ``folder/sub/file.json``) as a relative
    path that stays inside the upload folder; anything else is refused, never cleaned up."""
    posix = PurePosixPath(name.replace("\\", "/"))
    if (
        not name
        or posix.is_absolute()
        or ".." in posix.parts
        or any(p.startswith(".") and p != "." for p in posix.parts)
        or ":" in name
        or "\x00" in name
    ):
        raise UnsafePathError(
            "file name leaves the upload folder",
            file=name or "(no name)",
            expected="a relative file name without '..', a drive or a hidden part",
        )
    return posix


class Workspace:
    """Open bundles (by id), the confined roots, the replay store and the upload folder."""

    def __init__(
        self,
        root: Path,
        *,
        examples: Path | None = None,
        store: Path | None = None,
        max_upload: int = MAX_UPLOAD_BYTES,
    ) -> None:
        self.root = root.resolve()
        self.examples = examples.resolve() if examples is not None else None
        self.store = store
        self.max_upload = max_upload
        self.bundles: dict[str, Bundle] = {}
        self.current: str | None = None
        #: Requests run in a thread pool: opening bundles is serialised (loaded once each).
        self._lock = threading.Lock()
        self._upload_root: Path | None = None
        #: Folders of single uploaded files: shown as nothing, so a file reads as its name.
        self._upload_folders: list[Path] = []

    @property
    def _uploads(self) -> Path:
        """Made at the first upload only: a server (or a test) that never receives one leaves
        no temporary folder behind."""
        if self._upload_root is None:
            self._upload_root = Path(tempfile.mkdtemp(prefix="caflow-serve-"))
        return self._upload_root

    def close(self) -> None:
        if self._upload_root is not None:
            shutil.rmtree(self._upload_root, ignore_errors=True)

    # -- paths ------------------------------------------------------------------------------

    def resolve(self, ref: str, *, field: str) -> Path:
        """``ref`` (relative to the root, an absolute path inside it, or ``@examples/...``)
        as a real path inside its root; outside is refused (HTTP 403), missing is bad input."""
        text = ref.strip()
        shown = Shown(repr(text) if len(text) <= 200 else repr(text[:197]) + "...")
        if not text:
            raise InputError("missing path", file=field, expected="a path")
        if "\x00" in text:
            raise UnsafePathError("path holds a NUL character", file=field, got=shown)
        if text == EXAMPLES_PREFIX or text.startswith(EXAMPLES_PREFIX + "/"):
            if self.examples is None:
                raise InputError("no packaged examples in this server", file=field, got=shown)
            root, rest = self.examples, text[len(EXAMPLES_PREFIX) :].lstrip("/")
        else:
            root, rest = self.root, text
        candidate = Path(rest) if Path(rest).is_absolute() else root / rest
        try:
            real = candidate.resolve()
        except (OSError, RuntimeError):
            raise InputError("cannot resolve the path", file=field, got=shown) from None
        if not _inside(real, root):
            raise UnsafePathError(
                "path outside the served folder",
                file=field,
                expected=f"a path inside the served folder (or {EXAMPLES_PREFIX}/...)",
                got=shown,
            )
        try:
            found = real.exists()
        except OSError as exc:  # e.g. a name longer than the file system allows
            raise InputError(
                "cannot read the path", file=field, got=shown, hint=exc.strerror
            ) from None
        if not found:
            raise InputError(
                "no such file or folder",
                file=field,
                expected="a path relative to the served folder"
                + (f" (or {EXAMPLES_PREFIX}/...)" if self.examples is not None else ""),
                got=shown,
            )
        return real

    @property
    def confinement(self) -> Confinement:
        """The folders a file's named paths (a scenario's ``tenant:``, addPolicy ``file:``)
        may lie in: the served folder and the packaged examples, as for paths typed into the
        page; the scenario loader checks every one where it opens it (issue 12)."""
        roots = tuple(r for r in (self.root, self.examples) if r is not None)
        return Confinement(roots, f"a path inside the served folder (or {EXAMPLES_PREFIX}/...)")

    def display(self, path: Path) -> str:
        """How a path is shown and typed back: relative to its root."""
        if self.examples is not None and _inside(path, self.examples):
            rel = path.relative_to(self.examples).as_posix()
            return EXAMPLES_PREFIX + ("/" + rel if rel != "." else "")
        if _inside(path, self.root):
            return path.relative_to(self.root).as_posix() or "."
        return path.name  # an upload: its own name only

    def relative_text(self, text: str) -> str:
        """``text`` with the server's absolute folders replaced by what the page shows: the
        served folder's files relative to it, ``@examples/...``, an opened bundle by its label,
        an upload by its own names (review of issue 12: a message must not show where the
        server keeps files)."""
        for prefix, shown in self._prefixes():

            def swap(m: re.Match[str], shown: str = shown) -> str:
                if shown:
                    return shown + m.group(1)
                return "" if m.group(1) else "."

            text = re.sub(re.escape(prefix) + r"(/|(?![\w.-]))", swap, text)
        return text

    def _prefixes(self) -> list[tuple[str, str]]:
        """(absolute folder, what replaces it), the longest first so a bundle inside the
        served folder is shown relative to the folder, not by its label."""
        pairs: list[tuple[str, str]] = []
        for b in self.bundles.values():
            if not any(_inside(b.path, r) for r in (self.root, self.examples) if r is not None):
                pairs.append((str(b.path), b.label))
        if self.examples is not None:
            pairs.append((str(self.examples), EXAMPLES_PREFIX))
        pairs += [(str(f), "") for f in self._upload_folders]
        if self._upload_root is not None:
            pairs.append((str(self._upload_root), ""))
        if self.root != Path(self.root.anchor):
            pairs.append((str(self.root), ""))
        return sorted(pairs, key=lambda p: -len(p[0]))

    def relative_error(self, exc: CaflowError) -> CaflowError:
        """``exc`` with :meth:`relative_text` applied to every part of its message."""
        if isinstance(exc, InputError):
            for name in ("message", "file", "expected", "hint"):
                value = getattr(exc, name)
                if isinstance(value, str):
                    setattr(exc, name, self.relative_text(value))
            if isinstance(exc.got, str):
                got = self.relative_text(exc.got)
                exc.got = Shown(got) if isinstance(exc.got, Shown) else got
            exc.args = (str(exc),)
        else:
            exc.args = tuple(self.relative_text(a) if isinstance(a, str) else a for a in exc.args)
        return exc

    def find(self, pattern: str, limit: int = 200, depth: int = 3) -> list[str]:
        """Paths matching ``pattern`` at most ``depth`` folders down the roots (e.g. scenario
        files), for pick lists. Bounded, and a folder that vanishes or cannot be read while
        looking is skipped: served from a big or busy folder (a home, /tmp) the page still
        opens."""
        out: list[str] = []
        for root in (self.root, self.examples):
            if root is None:
                continue
            for level in range(depth + 1):
                try:
                    found = sorted(root.glob("*/" * level + pattern))
                except OSError:
                    continue
                for p in found:
                    if not any(part.startswith(".") for part in p.relative_to(root).parts):
                        out.append(self.display(p))
                    if len(out) >= limit:
                        return out
        return out

    # -- bundles ----------------------------------------------------------------------------

    def add(self, path: Path, label: str, *, select: bool = True) -> Bundle:
        """Load ``path`` (once) and, with ``select``, make it the page's current bundle."""
        with self._lock:
            key = hashlib.sha256(str(path).encode()).hexdigest()[:12]
            bundle = self.bundles.get(key)
            if bundle is None:
                tenant, notes = load(path, label)
                bundle = self.bundles[key] = Bundle(key, label, path, tenant, notes)
                bundle.notes = [self.relative_text(n) for n in notes]
            if select:
                self.current = key
            return bundle

    def open_path(self, ref: str, *, field: str = "path", select: bool = True) -> Bundle:
        path = self.resolve(ref, field=field)
        return self.add(path, self.display(path), select=select)

    def save_upload(self, name: str, data: bytes) -> Path:
        """One uploaded file (a scenario) in a private folder of its own, under its own name
        (messages then name it as it was sent)."""
        posix = _upload_name(name)
        folder = Path(tempfile.mkdtemp(dir=self._uploads))
        self._upload_folders.append(folder)
        target = folder / posix.name
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        return target

    def open_upload(self, files: list[tuple[str, bytes]]) -> Bundle:
        """A ``.zip`` of a bundle, or the files of one (names relative to the bundle folder,
        as a folder upload sends them). Written to a private folder, then loaded as the CLI
        loads a folder or a zip (the archive limits apply: members, ratio, size)."""
        if not files:
            raise InputError("no file uploaded", file="upload", expected="a .zip or bundle files")
        if len(files) > MAX_UPLOAD_FILES:
            raise FileTooLargeError(
                f"more than {MAX_UPLOAD_FILES:,} files", file="upload", got=len(files)
            )
        total = sum(len(data) for _, data in files)
        if total > self.max_upload:
            raise FileTooLargeError(
                f"upload of {total:,} bytes is larger than the {self.max_upload:,}-byte limit",
                file="upload",
            )
        names = [_upload_name(n) for n, _ in files]
        folder = Path(tempfile.mkdtemp(dir=self._uploads))
        try:
            bundle = self._load_upload(folder, names, files)
        except InputError as exc:
            # Name the file as the user sent it, never the server's temporary folder.
            if exc.file and exc.file.startswith(str(folder)):
                exc.file = exc.file[len(str(folder)) :].lstrip("/") or "upload"
                exc.args = (str(exc),)
            shutil.rmtree(folder, ignore_errors=True)
            raise
        bundle.notes = [n.replace(f"{folder}/", "") for n in bundle.notes]
        return bundle

    def _load_upload(
        self, folder: Path, names: list[PurePosixPath], files: list[tuple[str, bytes]]
    ) -> Bundle:
        if len(files) == 1 and names[0].suffix.lower() == ".zip":
            target = folder / names[0].name
            target.write_bytes(files[0][1])
            return self.add(target, names[0].name)
        for name, (_, data) in zip(names, files, strict=True):
            dest = folder.joinpath(*name.parts)
            try:
                dest.parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except (FileExistsError, NotADirectoryError, IsADirectoryError):
                # Two parts with one name ("a/p.json" twice, or "a" and "a/p.json").
                raise SchemaError(
                    "duplicate file name in the upload",
                    file=name.as_posix(),
                    expected="each file and folder name once",
                ) from None
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
        tops = {n.parts[0] for n in names}
        # A folder upload sends "contoso/tenant.yaml": the bundle is that one top folder.
        base = (
            folder / next(iter(tops))
            if len(tops) == 1 and all(len(n.parts) > 1 for n in names)
            else folder
        )
        return self.add(base, base.name if base != folder else "uploaded files")

    def bundle(self, ref: str | None = None, *, field: str = "bundle") -> Bundle:
        """The bundle named by ``ref`` (an opened id or a path to open), else the current one.
        An API request naming a bundle does not change what the pages show."""
        if ref:
            if ref in self.bundles:
                return self.bundles[ref]
            return self.open_path(ref, field=field, select=False)
        if self.current is None:
            raise InputError(
                "no bundle is open",
                file=field,
                expected="a bundle path (open one on the home page, or pass bundle)",
            )
        return self.bundles[self.current]
