"""HTTP for ``caflow pull``: paging, retries honouring ``Retry-After``, errors naming the
endpoint and the permission.

Graph pages with ``@odata.nextLink``; the Power Platform admin APIs with ``nextLink``. 429 and
503/504 are retried with exponential backoff, honouring ``Retry-After`` (seconds or an HTTP
date), at most ``max_retries`` times (Graph throttling guidance:
https://learn.microsoft.com/graph/throttling). Transient transport failures (a timeout, the
server closing the connection, a reset or refused connection: :data:`_TRANSIENT`) are retried
with the same backoff and budget, then reported as ``pull-failed`` naming the URL.
``sleep`` is injectable so tests never wait.
Tokens are sent in the ``Authorization`` header only; nothing here logs headers.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from caflow.pull.clouds import GLOBAL, Cloud
from caflow.pull.errors import PullError, TokenSource

__all__ = ["Api", "Endpoint", "PullError"]


_RETRY_STATUS = {429, 503, 504}
#: Transport failures worth another attempt: timeouts, network errors (connect/read/write/close)
#: and the server breaking the HTTP exchange (``RemoteProtocolError``: "Server disconnected
#: without sending a response", a keep-alive connection closed under us). Not retried: errors of
#: our own request (``LocalProtocolError``, ``UnsupportedProtocol``) or of a proxy setting.
_TRANSIENT: tuple[type[Exception], ...] = (
    httpx.TimeoutException,
    httpx.NetworkError,
    httpx.RemoteProtocolError,
)


@dataclass(frozen=True)
class Endpoint:
    """One API a part of the pull reads, with what it takes to read it."""

    resource: str  # token audience, e.g. https://graph.microsoft.com
    permission: str  # least-privilege permission or role, named in errors and docs/export.md


@dataclass
class Api:
    tokens: TokenSource  # audience -> bearer token, asked for before every request
    #: The cloud the tenant lives in: every URL (written for the global cloud) is routed there.
    cloud: Cloud = GLOBAL
    client: httpx.Client = field(
        default_factory=lambda: httpx.Client(timeout=httpx.Timeout(60.0, connect=15.0))
    )
    sleep: Callable[[float], None] = field(default_factory=lambda: time.sleep)
    max_retries: int = 6
    backoff: float = 2.0
    max_wait: float = 120.0
    requests: int = 0
    retries: int = 0
    renewals: int = 0

    def get(
        self,
        url: str,
        endpoint: Endpoint,
        *,
        params: dict[str, str] | None = None,
        eventual: bool = False,
        missing_ok: bool = False,
    ) -> dict[str, Any] | None:
        """One JSON document; ``None`` for a 404 when ``missing_ok``.

        The token is asked for before each request (msal renews it near expiry); a 401 is
        retried once with a freshly acquired token (a token revoked or expired mid-pull)."""

        url = self.cloud.route(url)  # a next link already names the cloud: unchanged
        if not self.cloud.reads(url):
            raise PullError(
                f"caflow does not read the Power Platform admin API in the {self.cloud.name} "
                "cloud (Microsoft Learn gives none of its admin API hosts: docs/export.md "
                '"National clouds")',
                endpoint=_public(url),
                permission=endpoint.permission,
                status=None,
                code="pull-failed",
            )

        def fail(message: str, status: int | None, *, code: str) -> PullError:
            return PullError(
                message,
                endpoint=_public(url),
                permission=endpoint.permission,
                status=status,
                code=code,
            )

        token = self.tokens(endpoint.resource)
        renewed = False
        attempt = 0
        while True:
            headers = {"Authorization": "Bearer " + token}
            if eventual:
                # Advanced directory queries ($count, OData casts) need it (Graph "advanced
                # query capabilities on directory objects").
                headers["ConsistencyLevel"] = "eventual"
            self.requests += 1
            transport: Exception | None = None
            try:
                resp: httpx.Response | None = self.client.get(url, params=params, headers=headers)
            except _TRANSIENT as exc:
                resp, transport = None, exc
            except httpx.HTTPError as exc:
                raise fail(
                    f"network error: {type(exc).__name__}: {exc}", None, code="pull-failed"
                ) from None
            if resp is not None and resp.status_code == 401 and not renewed:
                renewed = True
                fresh = self.tokens.renew(endpoint.resource)
                if fresh:
                    self.renewals += 1
                    token = fresh
                    continue
            if resp is not None and resp.status_code not in _RETRY_STATUS:
                break
            attempt += 1
            if attempt > self.max_retries:
                if resp is None:
                    # The network's failure, not throttling: pull-failed (docs/errors.md).
                    raise fail(
                        f"network error after {self.max_retries} retries: "
                        f"{_transport_reason(transport)}",
                        None,
                        code="pull-failed",
                    )
                raise fail(
                    f"gave up after {self.max_retries} retries "
                    f"(HTTP {resp.status_code}: "
                    + ("throttled)" if resp.status_code == 429 else "the service is unavailable)"),
                    resp.status_code,
                    code="pull-throttled",
                )
            self.retries += 1
            self.sleep(self._wait(resp, attempt))
        status = resp.status_code
        if status == 404 and missing_ok:
            return None
        if status == 401:
            # 401: the token itself was refused (expired, malformed, another tenant or
            # audience), even after a renewal - a missing permission is a 403 (Microsoft Graph
            # "error responses"), so the permission is not blamed here.
            raise PullError(
                "HTTP 401: the access token was rejected (expired or invalid): "
                + _graph_message(resp),
                endpoint=_public(url),
                permission=endpoint.permission,
                status=status,
                code="pull-denied",
                hint=self.tokens.rejected(endpoint.resource),
            )
        if status == 403:
            raise fail(
                f"HTTP {status}: access denied: {_graph_message(resp)}", status, code="pull-denied"
            )
        if status >= 500:
            raise fail(
                f"HTTP {status}: the service failed: {_graph_message(resp)}",
                status,
                code="pull-failed",
            )
        if status >= 400:
            raise fail(f"HTTP {status}: {_graph_message(resp)}", status, code="pull-failed")
        try:
            doc = resp.json()
        except ValueError:
            raise fail("the response is not JSON", status, code="pull-failed") from None
        return doc if isinstance(doc, dict) else {"value": doc}

    def pages(self, url: str, endpoint: Endpoint, **options: Any) -> Iterator[dict[str, Any]]:
        """Every item of a list, following ``@odata.nextLink`` / ``nextLink`` to the end
        (``options`` as for :meth:`get`; the link carries the query, so ``params`` is dropped
        after the first page)."""
        next_url: str | None = url
        while next_url:
            doc = self.get(next_url, endpoint, **options)
            if doc is None:
                return
            for item in doc.get("value") or []:
                if isinstance(item, dict):
                    yield item
            next_url = doc.get("@odata.nextLink") or doc.get("nextLink")
            options.pop("params", None)

    def _wait(self, resp: httpx.Response | None, attempt: int) -> float:
        """``Retry-After`` when the server gives one, else exponential backoff."""
        header = resp.headers.get("Retry-After") if resp is not None else None
        if header:
            try:
                return min(float(header), self.max_wait)
            except ValueError:
                try:
                    when = parsedate_to_datetime(header)
                    return min(
                        max((when - datetime.now(tz=UTC)).total_seconds(), 0.0), self.max_wait
                    )
                except (TypeError, ValueError):
                    pass
        return min(self.backoff * 2 ** (attempt - 1), self.max_wait)


def _transport_reason(exc: Exception | None) -> str:
    """``RemoteProtocolError (the server closed the connection: ...)``, one line."""
    if exc is None:  # pragma: no cover - only transport failures leave no response
        return "no response"
    what = (
        "timed out"
        if isinstance(exc, httpx.TimeoutException)
        else "the server closed the connection"
        if isinstance(exc, httpx.RemoteProtocolError)
        else "connection failed"
    )
    detail = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__} ({what}{': ' + detail if detail else ''})"


def _public(url: str) -> str:
    """The endpoint without its query string (skip tokens are long and say nothing)."""
    return url.split("?", 1)[0]


def _graph_message(resp: httpx.Response) -> str:
    """Graph ``{"error": {"code", "message"}}`` (also the Power Platform shape), else the reason."""
    try:
        err = resp.json().get("error")
    except (ValueError, AttributeError):
        err = None
    if isinstance(err, dict):
        code, message = err.get("code"), err.get("message")
        return f"{code}: {message}" if code and message else str(code or message)
    return resp.reason_phrase or "error"
