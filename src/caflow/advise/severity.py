"""Finding severities and the ``--fail-on`` threshold built from them (one source for both).

Kept free of heavy imports: ``caflow advise --help`` builds its ``--fail-on`` choices from here.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["FailOn", "Severity", "threshold"]


class Severity(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        return _RANK[self]

    def lowered(self) -> Severity:
        """One step down: report-only policies "would break when enabled" (never enforced)."""
        order = list(_RANK)
        return order[min(order.index(self) + 1, len(order) - 1)]


_RANK = {
    Severity.CRITICAL: 4,
    Severity.HIGH: 3,
    Severity.MEDIUM: 2,
    Severity.LOW: 1,
    Severity.INFO: 0,
}

#: ``--fail-on`` choices: every severity, plus ``never`` (the default: report, never fail).
FailOn = StrEnum("FailOn", [*((s.value, s.value) for s in Severity), ("never", "never")])  # type: ignore[misc]


def threshold(fail_on: StrEnum) -> Severity | None:
    """The severity a ``FailOn`` value stands for; None for ``never``."""
    return None if fail_on.value == "never" else Severity(fail_on.value)
