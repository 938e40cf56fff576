"""What a sign-in log load could not use, counted per reason ("never guess silently")."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

__all__ = ["LoadStats"]


@dataclass
class LoadStats:
    """Counts of read / kept / skipped records, per file and per skip reason.

    ``skipped`` counts records that could not become a sign-in at all (with one example location
    per reason); ``notes`` counts records kept with a field caflow had to leave empty.
    """

    read: int = 0
    kept: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    notes: Counter[str] = field(default_factory=Counter)
    examples: dict[str, str] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)  # file -> detected format
    tenants: Counter[str] = field(default_factory=Counter)  # resource/home tenant ids seen
    #: Files found inside a --logs folder that are not sign-in logs: file -> why.
    skipped_files: dict[str, str] = field(default_factory=dict)

    def skip(self, reason: str, where: str) -> None:
        self.skipped[reason] += 1
        self.examples.setdefault(reason, where)

    def note(self, reason: str, where: str, n: int = 1) -> None:
        self.notes[reason] += n
        self.examples.setdefault(reason, where)

    def merge(self, other: LoadStats) -> None:
        self.read += other.read
        self.kept += other.kept
        self.skipped.update(other.skipped)
        self.notes.update(other.notes)
        self.tenants.update(other.tenants)
        for k, v in other.examples.items():
            self.examples.setdefault(k, v)
        self.files.update(other.files)
        self.skipped_files.update(other.skipped_files)

    def to_json(self) -> dict[str, object]:
        return {
            "read": self.read,
            "kept": self.kept,
            "skipped": dict(sorted(self.skipped.items())),
            "notes": dict(sorted(self.notes.items())),
            "examples": dict(sorted(self.examples.items())),
            "files": dict(sorted(self.files.items())),
            "skippedFiles": dict(sorted(self.skipped_files.items())),
        }
