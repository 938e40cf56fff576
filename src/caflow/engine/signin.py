"""The input of one evaluation: who signs in to what, from where, with which claims.

Mirrors the Graph What If ``evaluate`` request (docs/sources.md CA-4.2) plus the
claims a token carries (MFA, methods, device, accepted agreements). ``None`` means "not
provided": a policy whose condition needs that signal is ``notEnoughInformation`` (CA-4.5),
never silently matched or unmatched.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from caflow.model.directory import UNREGISTERED, User

__all__ = ["UNREGISTERED", "SignIn"]


@dataclass(frozen=True)
class SignIn:
    # identity (exactly one of user / service_principal_id)
    user: User | None = None
    service_principal_id: str | None = None
    # target resource (exactly one)
    app_id: str | None = None
    user_action: str | None = None
    auth_context: str | None = None
    # network
    ip: str | None = None
    country: str | None = None  # explicit country (What If ``country``; needed for GPS locations)
    # client
    platform: str | None = None  # android|iOS|windows|windowsPhone|macOS|linux|unknown
    client_app: str | None = None  # browser|mobileAppsAndDesktopClients|exchangeActiveSync|other
    #: Device properties (device-filter names), UNREGISTERED, or None = not provided.
    device: Mapping[str, Any] | None = None
    # risk (What If defaults: none, CA-4.2)
    sign_in_risk: str = "none"
    user_risk: str = "none"
    service_principal_risk: str = "none"
    insider_risk: str = "none"
    transfer_method: str = "none"
    # claims
    mfa: bool = False
    auth_methods: frozenset[str] = frozenset()
    accepted_terms: frozenset[str] = frozenset()
    approved_app: bool = False
    app_protection: bool = False
    password_changed: bool = False
    #: Count the tenant's recorded agreement acceptances (agreementAcceptances.json).
    use_recorded_acceptances: bool = True
    #: None when ``accepted_terms`` is an assumption (a what-if's, an advise probe's, a
    #: simulated interactive sign-in's, which accepts when prompted). A background refresh
    #: reads the owner's acceptances as of now (A-TOK-8): then the agreements (lower case) the
    #: owner's history holds an acceptance of, valid or expired. An agreement outside it whose
    #: acceptances the bundle does not record (``Tenant.acceptances_unrecorded``) is unknown,
    #: not "not accepted" (docs/assumptions.md A-TOU-1).
    terms_known: frozenset[str] | None = None
    #: False for a background refresh by a confidential client: nothing can be prompted.
    interactive: bool = True
    extra: Mapping[str, Any] = field(default_factory=dict)

    def evolve(self, **changes: Any) -> SignIn:
        return replace(self, **changes)

    @property
    def device_registered(self) -> bool:
        return self.device is not None and self.device is not UNREGISTERED

    @property
    def device_id(self) -> str | None:
        if not self.device_registered:
            return None
        value = self.device.get("deviceId")  # type: ignore[union-attr]
        return str(value) if value else None
