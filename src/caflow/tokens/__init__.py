"""Tokens layer: sessions, refresh tokens and their lifetimes, revocation, ToU acceptance."""

from __future__ import annotations

from caflow.tokens.claims import Acceptance, Claims
from caflow.tokens.failure import Failure, aadsts_message
from caflow.tokens.interactive import InteractiveResult, sign_in
from caflow.tokens.options import TokenOptions
from caflow.tokens.refresh import RefreshToken, Revocation, inactivity_window, issue, refresh, use

__all__ = [
    "Acceptance",
    "Claims",
    "Failure",
    "InteractiveResult",
    "RefreshToken",
    "Revocation",
    "TokenOptions",
    "aadsts_message",
    "inactivity_window",
    "issue",
    "refresh",
    "sign_in",
    "use",
]
