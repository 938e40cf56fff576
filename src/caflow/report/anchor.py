"""Where evidence files live for a code host: bundle-relative paths made repository-relative.

Advise evidence names files relative to the tenant bundle (``policies/CA004.json``). GitHub
code scanning and workflow annotations resolve paths against the repository root, so with
``--sarif-root`` (the checked-out tenant repository) each path is re-expressed relative to it;
without it paths stay bundle-relative under the ``BUNDLEROOT`` base id.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from caflow.errors import InputError

__all__ = ["BUNDLE_BASE", "REPO_BASE", "SourceAnchor"]

#: SARIF 2.1.0 §3.4.4 uriBaseId names; ``%SRCROOT%`` is the conventional repository root.
REPO_BASE = "%SRCROOT%"
BUNDLE_BASE = "BUNDLEROOT"


@dataclass(frozen=True)
class SourceAnchor:
    """``bundle``: the bundle folder the evidence paths are relative to (None for a zip or a
    single export file); ``root``: the repository root given as ``--sarif-root``."""

    bundle: Path | None = None
    root: Path | None = None

    def __post_init__(self) -> None:
        if self.root is None:
            return
        if self.bundle is None:
            raise InputError(
                "--sarif-root needs a bundle folder",
                file="--sarif-root",
                expected="a bundle folder (not a .zip or a single export file) inside the root",
                got=str(self.root),
            )
        if not self.root.is_dir():
            raise InputError(
                "not a folder",
                file="--sarif-root",
                expected="an existing folder",
                got=str(self.root),
            )
        try:
            self.bundle.resolve().relative_to(self.root.resolve())
        except ValueError:
            raise InputError(
                "bundle is not inside --sarif-root",
                file="--sarif-root",
                expected=f"a folder that contains the bundle {self.bundle}",
                got=str(self.root),
            ) from None

    @property
    def base_id(self) -> str:
        return REPO_BASE if self.root is not None else BUNDLE_BASE

    def path(self, evidence_file: str) -> str:
        """The evidence file relative to the repository root (``--sarif-root``), else to the
        bundle; always with ``/`` separators."""
        if self.root is None or self.bundle is None:
            return evidence_file
        full = self.bundle.resolve() / evidence_file
        return Path(os.path.relpath(full, self.root.resolve())).as_posix()

    def base_uri(self) -> str | None:
        """Absolute ``file:`` URI (ending in ``/``) of the base, when caflow knows it."""
        folder = self.root if self.root is not None else self.bundle
        if folder is None:
            return None
        return folder.resolve().as_uri().rstrip("/") + "/"
