"""The pull's one error type (kept free of httpx so ``caflow --help`` stays fast)."""

from __future__ import annotations

from typing import Protocol

from caflow.errors import InputError

__all__ = ["PullError", "TokenSource"]


class TokenSource(Protocol):
    """Bearer tokens per audience; raises PullError when none can be had."""

    def __call__(self, resource: str) -> str:
        """A valid token, asked for before every request (msal answers from its cache and
        renews a token close to expiry, so a long pull outlives any one token)."""
        ...

    def renew(self, resource: str) -> str | None:
        """A freshly acquired token after the API answered 401, or None when this source
        cannot get another (a token handed over in the environment)."""
        ...

    def rejected(self, resource: str) -> str:
        """What to do when the API answered 401 even to a fresh token: the token is expired,
        malformed or issued for another tenant or audience - not a missing permission (403)."""
        ...


class PullError(InputError):
    """A read the pull could not make: names the endpoint, the HTTP status and the permission.

    ``code`` is ``pull-denied`` (401/403), ``pull-throttled`` (retry budget spent) or
    ``pull-failed`` (any other HTTP or network failure)."""

    code = "pull-failed"

    def __init__(
        self,
        message: str,
        *,
        endpoint: str,
        permission: str,
        status: int | None,
        code: str,
        hint: str | None = None,
    ) -> None:
        self.endpoint = endpoint
        self.permission = permission
        self.status = status
        # The permission is the likely cause only of a refusal (403); after throttling, a
        # network error or a 404 it is named without blaming it; after a 5xx or throttling not
        # at all. ``hint`` replaces it when the
        # cause is elsewhere: a rejected token (401), a tenant or network at sign-in.
        if hint is None:
            hint = (
                f"needs {permission}"
                if code == "pull-denied"
                else "not a permission problem: try again later"
                if code == "pull-throttled" or (status is not None and status >= 500)
                else f"read with {permission}"
            )
        super().__init__(message, file=endpoint, hint=hint, code=code)
