"""Write a pulled tenant as a bundle folder, atomically, with its ``pull.json`` manifest.

Everything is written into a temporary sibling folder first and renamed into place at the
end, so a failed or interrupted pull never leaves half a bundle.
An existing ``--out`` folder is replaced only with ``force`` (renamed aside, then removed).
Secrets and tokens are never part of what is written: the manifest records the auth *method*.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from pathlib import Path
from typing import Any

import yaml

from caflow.errors import InputError, Shown
from caflow.pull.clouds import GLOBAL, Cloud
from caflow.pull.tenant import NOT_AVAILABLE, PartRecord, Pulled

__all__ = ["check_out_dir", "manifest", "write_bundle"]


def check_out_dir(out: Path, force: bool) -> None:
    """Refuse before any request is made, so a long pull never ends in an unwritable folder:
    an existing non-empty folder needs ``force``; a file is no folder; and the folder's parent
    must take the temporary sibling :func:`write_bundle` writes into (probed by creating and
    removing it, which also catches a read-only file system and a name too long)."""
    _refuse_existing(out, force)
    _probe_writable(out.absolute())


def _refuse_existing(out: Path, force: bool) -> None:
    if out.exists() and not out.is_dir():
        raise InputError(
            "cannot write the output folder",
            file=str(out),
            expected="a folder (--out names a bundle folder)",
            got=Shown("an existing file"),
        )
    if out.exists() and any(out.iterdir()) and not force:
        raise InputError(
            "output folder exists",
            file=str(out),
            expected="a new or empty folder (or --force to replace it)",
        )


def _tmp_prefix(out: Path) -> str:
    return f".{out.name}.pull-"


def _make_tmp(out: Path) -> Path:
    """The temporary sibling folder, created with the user's umask like every folder below it
    (``tempfile.mkdtemp`` would make it 0700, and the rename would carry that onto the
    bundle): the bundle holds no secret, and who may read the tenant data it does hold (sign-in
    logs are personal data) is the umask's and the folder's choice (docs/export.md)."""
    import secrets

    for _ in range(100):
        tmp = out.parent / f"{_tmp_prefix(out)}{secrets.token_hex(4)}"
        try:
            tmp.mkdir()  # mode 0o777 & ~umask
        except FileExistsError:
            continue
        return tmp
    raise FileExistsError(str(out.parent / _tmp_prefix(out)))  # pragma: no cover


def _probed(exc: OSError, out: Path) -> str:
    """The path the OS refused, with the temporary folder's random suffix left out."""
    name = str(exc.filename or out.parent)
    if Path(name).name.startswith(_tmp_prefix(out)):
        return f"{out.parent / _tmp_prefix(out)}* (the temporary folder the bundle is written in)"
    return name


def _probe_writable(out: Path) -> None:
    """Create the missing parents and the temporary sibling, then remove all of it again."""
    created: list[Path] = []
    try:
        missing: list[Path] = []
        parent = out.parent
        while not parent.exists() and parent != parent.parent:
            missing.append(parent)
            parent = parent.parent
        if not parent.is_dir():
            raise InputError(
                "cannot write the output folder",
                file=str(out),
                expected="a path below a folder",
                got=Shown(f"{parent} is a file"),
            )
        for folder in reversed(missing):
            folder.mkdir()
            created.append(folder)
        _make_tmp(out).rmdir()
    except OSError as exc:
        raise InputError(
            "cannot write the output folder",
            file=str(out),
            expected="a folder caflow can create and write (checked before reading the tenant)",
            got=Shown(f"{exc.strerror or type(exc).__name__}: {_probed(exc, out)}"),
        ) from None
    finally:
        for folder in reversed(created):
            with contextlib.suppress(OSError):
                folder.rmdir()


def manifest(pulled: Pulled, cloud: Cloud = GLOBAL, **facts: Any) -> dict[str, Any]:
    """``pull.json``: what was read, when, from which API versions, what was not and why;
    endpoints as the chosen ``cloud`` names them."""

    def part(record: PartRecord) -> dict[str, Any]:
        doc = record.to_json()
        doc["endpoint"] = cloud.route(doc["endpoint"])
        return doc

    return {
        "schemaVersion": 1,
        **facts,
        "cloud": {"name": cloud.name, "authority": cloud.login, "graph": cloud.graph},
        "tenant": {"id": pulled.tenant_id, "displayName": pulled.display_name},
        "parts": [part(p) for p in pulled.parts],
        "counts": {p.name: p.count for p in pulled.parts if p.status == "read"},
        "unreadable": [part(p) for p in pulled.unreadable],
        "notReadable": list(pulled.not_readable),
        "notAvailable": list(NOT_AVAILABLE),
        "notes": list(pulled.notes),
    }


def write_bundle(pulled: Pulled, out: Path, manifest_doc: dict[str, Any], force: bool) -> None:
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = _make_tmp(out)
    try:
        for rel, doc in sorted(pulled.documents.items()):
            path = tmp / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if rel.endswith((".yaml", ".yml")):
                text = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)
            else:
                text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
            path.write_text(text, encoding="utf-8")
        if pulled.sign_ins or any(p.name == "signIns" and p.status == "read" for p in pulled.parts):
            # Sign-ins asked for and read: the file is written even with none in the window
            # (an empty log, which replay reads as 0 sign-ins), so its absence never means 0.
            with (tmp / "signIns.jsonl").open("w", encoding="utf-8") as fh:
                for row in pulled.sign_ins:
                    fh.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n")
        (tmp / "pull.json").write_text(json.dumps(manifest_doc, indent=2) + "\n", encoding="utf-8")
        _swap_in(tmp, out, force)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _swap_in(tmp: Path, out: Path, force: bool) -> None:
    if out.exists():
        _refuse_existing(out, force)
        if out.is_dir() and not any(out.iterdir()):
            out.rmdir()
        else:
            aside = out.with_name(f".{out.name}.old-{os.getpid()}")
            os.replace(out, aside)
            os.replace(tmp, out)
            shutil.rmtree(aside, ignore_errors=True) if aside.is_dir() else aside.unlink()
            return
    os.replace(tmp, out)
