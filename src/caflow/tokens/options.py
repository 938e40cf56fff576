"""Named modelling choices of the tokens layer (docs/assumptions.md A-TOK-*).

Where Microsoft's documentation is silent or contradictory we choose, and every choice is a
field here so a caller can override it (docs/assumptions.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

__all__ = ["TokenOptions"]


@dataclass(frozen=True, slots=True)
class TokenOptions:
    #: A-TOK-1: refresh-token inactivity code. The seed table prints AADSTS70008 with
    #: "inactive for 90.00:00:00"; today's Entra uses 700082 for the same event (docs/sources.md TS-1.6).
    inactivity_code: str = "AADSTS70008"
    #: A-TOK-2: sign-in frequency on non-interactive sign-ins of confidential clients is
    #: deferred to the next interactive sign-in (docs/sources.md TS-2.1, TS-7.3). False = enforce SIF on
    #: background refresh (AADSTS70043) for a stricter what-if.
    defer_sif_for_confidential_clients: bool = True
    #: A-TOK-3: the background refresh runs on Microsoft infrastructure, no registered device
    #: (docs/sources.md PA-4.1): device = unregistered, platform = this value.
    refresh_platform: str = "unknown"
    #: A-TOK-4: client app type of the API Hub refresh. API Hub is an OAuth confidential client,
    #: and the "Client apps" condition lists "OAuth confidential clients" under **Browser**
    #: (docs/sources.md CA-2.7, concept-conditional-access-conditions.md).
    refresh_client_app: str = "browser"
    #: A-TOK-5: IP Entra evaluates on a background refresh: the IP of the original interactive
    #: issuance (docs/sources.md TS-7.2). "egress" = connector egress IP instead.
    refresh_ip: str = "original"
    #: Fixed 90-day refresh-token inactivity window that always holds (docs/sources.md TS-1.2).
    default_inactivity: timedelta = timedelta(days=90)
