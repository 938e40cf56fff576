"""Write a pulled tenant as a bundle folder, atomically, with its ``pull.json`` manifest.

Everything is written into a temporary sibling folder first and renamed into place at the
end, so a failed or interrupted pull never leaves half a bundle.
An existing ``--out`` folder is replaced only with ``force`` (renamed aside, then removed).
Secrets and tokens are never part of what is written: the manifest records the auth *method*.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import yaml

from caflow.errors import InputError
from caflow.pull.tenant import NOT_AVAILABLE, Pulled

__all__ = ["check_out_dir", "manifest", "write_bundle"]


def check_out_dir(out: Path, force: bool) -> None:
    """Refuse before any request is made: an existing non-empty folder needs ``--force``."""
    if out.exists() and (not out.is_dir() or any(out.iterdir())) and not force:
        raise InputError(
            "output folder exists",
            file=str(out),
            expected="a new or empty folder (or --force to replace it)",
        )


def manifest(pulled: Pulled, **facts: Any) -> dict[str, Any]:
    """``pull.json``: what was read, when, from which API versions, what was not and why."""
    return {
        "schemaVersion": 1,
        **facts,
        "tenant": {"id": pulled.tenant_id, "displayName": pulled.display_name},
        "parts": [p.to_json() for p in pulled.parts],
        "counts": {p.name: p.count for p in pulled.parts if p.status == "read"},
        "unreadable": [p.to_json() for p in pulled.unreadable],
        "notReadable": list(pulled.not_readable),
        "notAvailable": list(NOT_AVAILABLE),
        "notes": list(pulled.notes),
    }


def write_bundle(pulled: Pulled, out: Path, manifest_doc: dict[str, Any], force: bool) -> None:
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.pull-"))
    try:
        for rel, doc in sorted(pulled.documents.items()):
            path = tmp / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if rel.endswith((".yaml", ".yml")):
                text = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)
            else:
                text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
            path.write_text(text, encoding="utf-8")
        if pulled.sign_ins:
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
        check_out_dir(out, force)
        if out.is_dir() and not any(out.iterdir()):
            out.rmdir()
        else:
            aside = out.with_name(f".{out.name}.old-{os.getpid()}")
            os.replace(out, aside)
            os.replace(tmp, out)
            shutil.rmtree(aside, ignore_errors=True) if aside.is_dir() else aside.unlink()
            return
    os.replace(tmp, out)
