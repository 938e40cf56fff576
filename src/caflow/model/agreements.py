"""Terms of Use agreements and acceptances (docs/sources.md TS-5)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from caflow.model.durations import Duration

__all__ = ["Agreement", "AgreementAcceptance"]


@dataclass(frozen=True, slots=True)
class Agreement:
    id: str
    display_name: str
    per_device: bool = False  # isPerDeviceAcceptanceRequired
    reaccept_every: Duration | None = None  # userReacceptRequiredFrequency (per user, rolling)
    expiration_start: datetime | None = None  # termsExpiration.startDateTime (tenant-wide)
    expiration_frequency: Duration | None = None  # termsExpiration.frequency

    def last_scheduled_expiry(self, now: datetime) -> datetime | None:
        """Most recent tenant-wide expiry at or before ``now`` (TS-5.3 "Expire consents")."""
        start = self.expiration_start
        if start is None or now < start:
            return None
        if not self.expiration_frequency:
            return start
        return self.expiration_frequency.last_at_or_before(start, now)  # arithmetic, no stepping

    def next_scheduled_expiry(self, after: datetime) -> datetime | None:
        start = self.expiration_start
        if start is None:
            return None
        if after < start:
            return start
        if not self.expiration_frequency:
            return None
        return self.expiration_frequency.first_after(start, after)

    def acceptance_expires(self, accepted_at: datetime) -> datetime | None:
        """When an acceptance recorded at ``accepted_at`` stops counting (earliest rule wins)."""
        candidates = []
        if self.reaccept_every:
            candidates.append(self.reaccept_every.after(accepted_at))
        nxt = self.next_scheduled_expiry(accepted_at)
        if nxt is not None:
            candidates.append(nxt)
        return min(candidates) if candidates else None


@dataclass(frozen=True, slots=True)
class AgreementAcceptance:
    agreement_id: str
    user_id: str
    recorded: datetime
    state: str = "accepted"
    device_id: str | None = None
    expiration: datetime | None = None
