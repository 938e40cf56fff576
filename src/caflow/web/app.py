"""``caflow serve``: the FastAPI application (pages and the JSON API).

Errors: every caflow ``InputError`` becomes an HTTP 4xx whose body (JSON for ``/api``, the
page otherwise) carries the CLI's message with file and JSON path; request-body validation
errors are reshaped to the same fields; anything unexpected is a 500 saying "internal error"
- never a stack trace (SECURITY.md: no tenant data or internals leak into a page). Pages load
no external resource: htmx and the stylesheet are served from the package.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from caflow import __version__
from caflow.errors import (
    CaflowError,
    FileTooLargeError,
    InputError,
    LimitError,
    UnsafePathError,
    json_pointer,
)
from caflow.web.workspace import MAX_UPLOAD_BYTES, Workspace

__all__ = ["MAX_BODY_BYTES", "create_app", "error_body", "status_for"]

#: Largest request body outside ``/upload`` (which has ``--max-upload-mb``): API and form
#: bodies are options, a few KB (``caflow serve --max-body-kb``).
MAX_BODY_BYTES = 1024 * 1024
#: Uploads check their own, larger limit (before reading, then while reading).
_UPLOAD_PATHS = ("/upload", "/simulate/upload")

_STATIC = Path(__file__).parent / "static"


def status_for(exc: CaflowError) -> int:
    """403 for a path outside the served folder, 413 for a size limit, else 400."""
    if isinstance(exc, UnsafePathError):
        return 403
    if isinstance(exc, FileTooLargeError | LimitError):
        return 413
    return 400


def error_body(exc: CaflowError) -> dict[str, Any]:
    """The CLI's error line and its parts (file, JSON path, expected, hint, code)."""
    if isinstance(exc, InputError):
        return {
            "error": {
                "message": exc.message,
                "file": exc.file,
                "path": exc.json_path,
                "expected": exc.expected,
                "hint": exc.hint,
                "code": exc.code,
                "text": str(exc),
            }
        }
    return {"error": {"message": str(exc), "text": str(exc), "code": "error"}}


def _validation_error(exc: RequestValidationError) -> InputError:
    """The first pydantic problem as the CLI words one: the request body is the file, the
    field its JSON path (``request body: /ip: ...``)."""
    errors = exc.errors()
    first: dict[str, Any] = dict(errors[0]) if errors else {"loc": ("body",), "msg": "invalid"}
    if first.get("type") == "json_invalid":
        detail = (first.get("ctx") or {}).get("error", "")
        return InputError(
            f"malformed JSON{': ' + str(detail) if detail else ''}",
            file="request body",
            expected="a JSON object",
            code="invalid-request",
        )
    loc = [p for p in first.get("loc", ()) if p != "body"]
    return InputError(
        str(first.get("msg", "invalid value")),
        file="request body",
        path=json_pointer(list(loc)) if loc else None,
        code="invalid-request",
    )


def create_app(
    bundle: Path | None = None,
    *,
    root: Path | None = None,
    examples: Path | None = None,
    store: Path | None = None,
    max_upload: int = MAX_UPLOAD_BYTES,
    host: str | None = None,
    max_body: int = MAX_BODY_BYTES,
) -> FastAPI:
    """The app for one local session: ``bundle`` (if given) is opened first; paths typed into
    pages or API bodies are confined to ``root`` (default the working directory) and the
    packaged ``examples``; a request body over ``max_body`` bytes is refused (413) before
    anything reads it."""
    ws = Workspace(root or Path.cwd(), examples=examples, store=store, max_upload=max_upload)
    if bundle is not None:
        # Named on the command line by the user: opened wherever it is (the confinement is
        # for paths typed into the page or an API body).
        ws.add(bundle.resolve(), ws.display(bundle.resolve()))

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        ws.close()

    app = FastAPI(
        title="caflow",
        version=__version__,
        description="Predict which Power Automate flows and connections a Conditional Access "
        "change breaks. The JSON API mirrors the CLI: each endpoint takes the command's options "
        "and answers its --format json output; bad input is a 4xx with the CLI's message.",
        lifespan=lifespan,
        docs_url=None,  # Swagger UI loads scripts from a CDN: no external resource, ever
        redoc_url=None,
    )
    app.state.workspace = ws
    allowed = _allowed_hosts(host)

    @app.middleware("http")
    async def same_origin_only(request: Request, call_next: Any) -> Response:
        # DNS rebinding and cross-site requests: a web page the admin visits must not read the
        # open tenant (Host names another site) nor drive the server (a cross-origin POST).
        name = _host_name(request.headers.get("host", ""))
        if name not in allowed and "*" not in allowed:
            return JSONResponse(
                {"error": "unknown Host header: caflow serve answers only its own address"},
                status_code=400,
            )
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            origin = request.headers.get("origin")
            site = request.headers.get("sec-fetch-site")
            if site == "cross-site" or (
                origin is not None
                and origin != "null"
                and origin.split("://", 1)[-1] != request.headers.get("host", "")
            ):
                return JSONResponse(
                    {"error": "cross-origin request refused: use the page served by caflow"},
                    status_code=403,
                )
        response: Response = await call_next(request)
        return response

    @app.exception_handler(CaflowError)
    async def caflow_error(request: Request, exc: CaflowError) -> Response:
        return _error_response(request, exc, status_for(exc))

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        return _error_response(request, _validation_error(exc), 422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        err = InputError(str(exc.detail), file=request.url.path, code="http-error")
        response = _error_response(request, err, exc.status_code)
        response.headers.update(exc.headers or {})  # e.g. Allow on 405 (RFC 9110)
        return response

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception) -> Response:
        err = CaflowError(
            f"internal error: {type(exc).__name__} (a caflow bug: please report it with the input)"
        )
        return _error_response(request, err, 500)

    app.add_middleware(_BodyLimit, limit=max_body)

    from caflow.web.api import router as api_router
    from caflow.web.pages import router as page_router

    app.include_router(api_router)
    app.include_router(page_router)
    app.mount("/static", StaticFiles(directory=_STATIC), name="static")
    return app


class _BodyLimit:
    """Refuses a request body over ``limit`` bytes with 413 and the CLI-style error body:
    by its declared Content-Length before reading, and a chunked body while reading it
    (buffered up to the limit, then handed on). Uploads check their own limit."""

    def __init__(self, app: Any, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"] in _UPLOAD_PATHS:
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.limit:
            await self._refuse(scope, receive, send, f"{int(declared):,} bytes, ")
            return
        if declared.isdigit() or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)  # the server stops at Content-Length
            return
        body, messages = 0, []
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            body += len(message.get("body", b""))
            if body > self.limit:
                await self._refuse(scope, receive, send, "")
                return
            if not message.get("more_body", False):
                break

        async def replay() -> Any:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Any, receive: Any, send: Any, size: str) -> None:
        err = FileTooLargeError(
            f"{size}more than the {self.limit:,}-byte limit",
            file="request body",
            expected=f"at most {self.limit:,} bytes (caflow serve --max-body-kb)",
        )
        response = _error_response(Request(scope, receive), err, 413)
        await response(scope, receive, send)


def _error_response(request: Request, exc: CaflowError, status: int) -> Response:
    ws: Workspace = request.app.state.workspace
    exc = ws.relative_error(exc)  # paths as the page shows them, never the server's folders
    if request.url.path.startswith("/api") or request.url.path == "/openapi.json":
        return JSONResponse(error_body(exc), status_code=status)
    from caflow.web.pages import render_error

    return render_error(request, exc, status)


#: Loopback names a browser on this machine uses; ``testserver`` is Starlette's in-process test
#: client (not a name DNS resolves, so a rebinding page cannot claim it).
_LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1", "testserver"})


def _allowed_hosts(host: str | None) -> frozenset[str]:
    """The Host names this server answers: loopback, plus the address it was told to bind."""
    if host is None:
        return _LOOPBACK_NAMES
    if host in ("0.0.0.0", "::"):
        return _LOOPBACK_NAMES | {"*"}  # any address: the names it is reached by are unknown
    return _LOOPBACK_NAMES | {host.strip("[]")}


def _host_name(header: str) -> str:
    """``[::1]:8765`` -> ``::1``; ``localhost:8765`` -> ``localhost``."""
    if header.startswith("["):
        return header[1 : header.find("]")] if "]" in header else header
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header
