"""The pull's one error type (kept free of httpx so ``caflow --help`` stays fast)."""

from __future__ import annotations

from collections.abc import Callable

from caflow.errors import InputError

__all__ = ["PullError", "TokenSource"]

#: audience -> bearer token; raises PullError when none can be had.
TokenSource = Callable[[str], str]


class PullError(InputError):
    """A read the pull could not make: names the endpoint, the HTTP status and the permission.

    ``code`` is ``pull-denied`` (401/403), ``pull-throttled`` (retry budget spent) or
    ``pull-failed`` (any other HTTP or network failure)."""

    code = "pull-failed"

    def __init__(
        self, message: str, *, endpoint: str, permission: str, status: int | None, code: str
    ) -> None:
        self.endpoint = endpoint
        self.permission = permission
        self.status = status
        # The permission is the likely cause only of a refusal (401/403); after throttling, a
        # network error or a 404 it is named without blaming it.
        hint = f"needs {permission}" if code == "pull-denied" else f"read with {permission}"
        super().__init__(message, file=endpoint, hint=hint, code=code)
