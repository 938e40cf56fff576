"""The JSON API: ``POST /api/<command>`` with the command's options, answering its
``--format json`` output (the contracts of docs/output.md, published in ``/openapi.json``).

Bad input answers 400 (403 for a path outside the served folder, 413 over a size limit, 422 for
a body of the wrong shape) with the CLI's message (:class:`caflow.web.models.ErrorBody`).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from caflow.report.contracts import (
    AdviseOutput,
    CheckOutput,
    MatrixOutput,
    SimulateOutput,
    WhatIfOutput,
)
from caflow.web.models import (
    AdviseRequest,
    CheckRequest,
    ErrorBody,
    MatrixRequest,
    SimulateRequest,
    WhatIfRequest,
)
from caflow.web.operations import run_advise, run_check, run_matrix, run_simulate, run_whatif
from caflow.web.workspace import Workspace

__all__ = ["router"]

_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "Bad input: the CLI's message (exit 2 there)."},
    403: {"model": ErrorBody, "description": "A path outside the served folder."},
    413: {"model": ErrorBody, "description": "Over a size or time limit."},
    422: {"model": ErrorBody, "description": "The body does not have the request's shape."},
}

router = APIRouter(prefix="/api", tags=["api"])


def _ws(request: Request) -> Workspace:
    ws: Workspace = request.app.state.workspace
    return ws


def _ok(model: type, description: str) -> dict[int | str, dict[str, Any]]:
    return {200: {"model": model, "description": description}, **_ERRORS}


@router.post(
    "/whatif",
    responses=_ok(WhatIfOutput, "caflow whatif --json: per-policy results and the decision."),
    response_class=JSONResponse,
)
def whatif(body: WhatIfRequest, request: Request) -> JSONResponse:
    """What happens when this user signs in to this app from here (``caflow whatif``).
    Warnings the CLI prints on stderr (a user or group the bundle does not hold) are in the
    ``Caflow-Warning`` header."""
    data, warnings = run_whatif(_ws(request), body)
    headers = {"Caflow-Warning": " | ".join(warnings)} if warnings else None
    return JSONResponse(data, headers=_ascii(headers))


@router.post(
    "/advise",
    responses=_ok(AdviseOutput, "caflow advise --json: findings with evidence and remedy."),
    response_class=JSONResponse,
)
def advise(body: AdviseRequest, request: Request) -> JSONResponse:
    """Find what in the tenant's configuration will hurt Power Automate (``caflow advise``).
    Suppressions that matched no finding (the CLI's stderr warning) are in the
    ``Caflow-Warning`` header."""
    data, warnings = run_advise(_ws(request), body)
    headers = {"Caflow-Warning": " | ".join(warnings)} if warnings else None
    return JSONResponse(data, headers=_ascii(headers))


@router.post(
    "/check",
    responses=_ok(CheckOutput, "caflow check --json: what the change newly breaks."),
    response_class=JSONResponse,
)
def check(body: CheckRequest, request: Request) -> JSONResponse:
    """Is a proposed policy change safe (``caflow check``)? The baseline is ``bundle``."""
    return JSONResponse(run_check(_ws(request), body))


@router.post(
    "/simulate",
    responses=_ok(SimulateOutput, "caflow simulate --json: the timeline and outcomes."),
    response_class=JSONResponse,
)
def simulate(body: SimulateRequest, request: Request) -> JSONResponse:
    """Run a scenario file (``caflow simulate``)."""
    return JSONResponse(run_simulate(_ws(request), body))


@router.post(
    "/matrix",
    responses=_ok(MatrixOutput, "caflow matrix --format json: decision per user × app × context."),
    response_class=JSONResponse,
)
def matrix(body: MatrixRequest, request: Request) -> JSONResponse:
    """Bulk What If: users × apps × sign-in contexts (``caflow matrix``)."""
    return JSONResponse(run_matrix(_ws(request), body))


def _ascii(headers: dict[str, str] | None) -> dict[str, str] | None:
    """HTTP header values are latin-1: other characters are escaped, never an error."""
    if headers is None:
        return None
    return {
        k: " ".join(v.encode("ascii", "backslashreplace").decode("ascii").splitlines())
        for k, v in headers.items()
    }
