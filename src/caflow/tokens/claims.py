"""What an interactive sign-in proved, as carried by the session and the refresh token.

A refresh token keeps the claims of the interactive issuance (MFA, methods, device, IP and
country, accepted agreements, auth time); background refreshes are evaluated with them
(reference docs/sources.md TS-1.2, TS-7.1 to TS-7.2).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from caflow.engine.signin import UNREGISTERED, SignIn
from caflow.model.directory import User
from caflow.model.tenant import Tenant

__all__ = ["Acceptance", "Claims", "valid_terms"]


@dataclass(frozen=True, slots=True)
class Acceptance:
    """One ToU acceptance: when, and on which device (per-device agreements, docs/sources.md TS-5.4)."""

    agreement_id: str
    accepted_at: datetime
    device_id: str | None = None


def valid_terms(
    acceptances: tuple[Acceptance, ...], tenant: Tenant, now: datetime, device_id: str | None
) -> frozenset[str]:
    """Agreement ids whose acceptance in ``acceptances`` still counts at ``now`` for
    ``device_id``. Expiry: schedule (``termsExpiration``) and rolling re-accept (docs/sources.md TS-5.3);
    per-device agreements need an acceptance keyed by the presenting device (TS-5.4)."""
    out: set[str] = set()
    for a in acceptances:
        if a.accepted_at > now:
            continue  # not yet accepted at this moment
        agreement = tenant.agreements.get(a.agreement_id.lower())
        if agreement is not None:
            expires = agreement.acceptance_expires(a.accepted_at)
            if expires is not None and expires <= now:
                continue
            if agreement.per_device and (
                not device_id or (a.device_id or "").lower() != device_id.lower()
            ):
                continue
        out.add(a.agreement_id)
    return frozenset(out)


@dataclass(frozen=True)
class Claims:
    user: User
    auth_time: datetime  # last interactive authentication
    mfa: bool = False
    mfa_time: datetime | None = None
    auth_methods: frozenset[str] = frozenset()
    device: Mapping[str, Any] | None = None  # device-filter properties, or None = unregistered
    ip: str | None = None
    country: str | None = None
    platform: str | None = None
    client_app: str = "browser"
    acceptances: tuple[Acceptance, ...] = field(default_factory=tuple)

    def evolve(self, **changes: Any) -> Claims:
        return replace(self, **changes)

    @property
    def device_id(self) -> str | None:
        return (
            str(self.device.get("deviceId"))
            if self.device and self.device.get("deviceId")
            else None
        )

    def accept(self, agreement_id: str, at: datetime, device_id: str | None = None) -> Claims:
        kept = tuple(
            a
            for a in self.acceptances
            if a.agreement_id.lower() != agreement_id.lower()
            or (a.device_id or "") != (device_id or "")
        )
        return replace(self, acceptances=(*kept, Acceptance(agreement_id, at, device_id)))

    def valid_terms(self, tenant: Tenant, now: datetime, device_id: str | None) -> frozenset[str]:
        """Agreement ids whose acceptance still counts at ``now`` for ``device_id``."""
        return valid_terms(self.acceptances, tenant, now, device_id)

    def expired_terms(self, tenant: Tenant, now: datetime) -> frozenset[str]:
        """Agreement ids accepted once whose acceptance has expired by ``now``."""
        out: set[str] = set()
        for a in self.acceptances:
            agreement = tenant.agreements.get(a.agreement_id.lower())
            if agreement is None:
                continue
            expires = agreement.acceptance_expires(a.accepted_at)
            if expires is not None and expires <= now:
                out.add(a.agreement_id.lower())
        return frozenset(out)

    def signin(
        self, tenant: Tenant, app_id: str, now: datetime, *, interactive: bool = True
    ) -> SignIn:
        """The interactive sign-in these claims describe, for ``app_id``."""
        return SignIn(
            user=self.user,
            app_id=app_id,
            ip=self.ip,
            country=self.country,
            platform=self.platform,
            client_app=self.client_app,
            device=self.device if self.device is not None else UNREGISTERED,
            mfa=self.mfa,
            auth_methods=self.auth_methods,
            accepted_terms=self.valid_terms(tenant, now, self.device_id),
            use_recorded_acceptances=False,
            interactive=interactive,
        )
