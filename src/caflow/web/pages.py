"""The HTML pages: open/upload a bundle, policies in plain English, the what-if form, scenario,
check, matrix, advisor findings and stored replay results.

Every form works without JavaScript (a normal POST answering the whole page); with htmx the
same answer replaces only its ``#result`` region. Results are rendered from the command's JSON
document (:mod:`caflow.web.operations`) with the report's page model and templates
(:func:`caflow.report.page.chart_page`, ``report_sections.html.j2``), so the page shows what
``caflow report`` would. A form value the command rejects re-renders the page with the CLI's
message in the result region and a 4xx status.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from typing import Any, TypeVar

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, ValidationError

from caflow.errors import CaflowError, FileTooLargeError, InputError, Shown, json_pointer
from caflow.web.models import (
    AdviseRequest,
    CheckRequest,
    MatrixRequest,
    SimulateRequest,
    WhatIfRequest,
)
from caflow.web.workspace import Workspace

__all__ = ["render_error", "router"]

router = APIRouter(include_in_schema=False)

M = TypeVar("M", bound=BaseModel)

NAV = (
    ("/", "Bundle"),
    ("/policies", "Policies"),
    ("/whatif", "What if"),
    ("/simulate", "Scenario"),
    ("/check", "Check a change"),
    ("/matrix", "Matrix"),
    ("/advise", "Advisor"),
    ("/replay", "Replay results"),
)


@cache
def _templates() -> Jinja2Templates:
    """The web templates, with the report's templates (stylesheet, result sections) beside
    them so a page looks like, and shows what, ``caflow report`` does."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(
            [
                jinja2.PackageLoader("caflow.web", "templates"),
                jinja2.PackageLoader("caflow.report", "templates"),
            ]
        ),
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return Jinja2Templates(env=env)


def _ws(request: Request) -> Workspace:
    ws: Workspace = request.app.state.workspace
    return ws


def _page(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    ws = _ws(request)
    current = ws.bundles.get(ws.current) if ws.current else None
    base: dict[str, Any] = {
        "nav": NAV,
        "path": request.url.path,
        "bundle": current,
        "error": None,
        "result": None,
        "form": {},
    }
    base.update(context)
    response: HTMLResponse = _templates().TemplateResponse(request, name, base, status_code=status)
    return response


def render_error(request: Request, exc: CaflowError, status: int) -> Response:
    """The page the request was for, with the CLI's message in its result region (a form
    POST), or the error page (anything else)."""
    page = _FORM_PAGES.get(request.url.path)
    error: dict[str, Any] = {"text": str(exc), "status": status}
    if page is not None and request.method == "POST":
        # The form's own field names, not the CLI's options (review of issue 12).
        error["text"] = _field_names(error["text"], _FORM_FIELDS.get(request.url.path, ()))
        template, extra = page
        form = getattr(request.state, "form", {})
        return _page(request, template, status, error=error, form=form, **extra(request))
    return _page(request, "error.html.j2", status, error=error)


def _model(cls: type[M], data: dict[str, Any]) -> M:
    """A form's fields read by the API's request model: the same names, limits and refusals;
    a value of the wrong shape is the CLI's kind of message naming the field."""
    try:
        return cls.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc: list[str | int] = list(first["loc"])
        raise InputError(
            first["msg"],
            file="form",
            path=json_pointer(loc) if loc else None,
            code="invalid-request",
        ) from None


def _field_names(text: str, fields: Iterable[str]) -> str:
    """A CLI message as a form reads it: ``--client-app`` is the field ``client_app`` when the
    form has that field (other options, e.g. of ``caflow serve``, stay as they are)."""
    names = set(fields)

    def field(m: re.Match[str]) -> str:
        name = m.group(1).replace("-", "_")
        return f"'{name}'" if name in names else m.group(0)

    return re.sub(r"(?<![\w-])--([a-z][a-z0-9-]*)", field, text)


#: What a page's form is sent as (a browser sends one of these; JSON goes to /api/...).
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
#: Form pages with a JSON API twin.
_API_TWINS = ("/whatif", "/simulate", "/check", "/matrix", "/advise")


async def _form(
    request: Request, lists: tuple[str, ...] = (), flags: tuple[str, ...] = ()
) -> dict[str, Any]:
    """Form fields: empty ones left out (= not given), ``lists`` as lists (repeated fields or
    one per line), ``flags`` as booleans (a checkbox is present or absent). A body that is
    not a form (JSON sent to a page) is refused saying so - read as an empty form it would
    blame a missing field."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    empty = request.headers.get("content-length", "0") == "0" and not kind  # an empty form
    if kind not in _FORM_TYPES and not empty:
        path = request.url.path
        raise InputError(
            "this page reads HTML form fields",
            file="request body",
            expected="application/x-www-form-urlencoded or multipart/form-data"
            + (f" (JSON goes to /api{path})" if path in _API_TWINS else ""),
            got=Shown(kind or "no content type"),
            code="invalid-request",
        )
    form = await request.form(max_files=0, max_fields=500)
    out: dict[str, Any] = {}
    request.state.form = out  # an error re-renders the page with what the user typed
    for key in set(form.keys()):
        values = [v for v in form.getlist(key) if isinstance(v, str)]
        if key in lists:
            out[key] = [line.strip() for v in values for line in v.splitlines() if line.strip()]
        elif key in flags:
            out[key] = True
        elif values and values[-1].strip():
            out[key] = values[-1].strip()
    return out


# -- bundle -------------------------------------------------------------------------------------


def _home_context(request: Request) -> dict[str, Any]:
    ws = _ws(request)
    return {
        "bundles": list(ws.bundles.values()),
        "examples": ws.find("contoso") if ws.examples is not None else [],
        "examples_prefix": "@examples",
        "root": str(ws.root),
        "max_upload": ws.max_upload,
    }


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> Response:
    return _page(request, "home.html.j2", **_home_context(request))


@router.post("/open")
async def open_path(request: Request) -> Response:
    form = await _form(request)
    _ws(request).open_path(form.get("path", ""), field="path")
    return RedirectResponse("/policies", status_code=303)


@router.post("/select")
async def select(request: Request) -> Response:
    form = await _form(request)
    ws = _ws(request)
    ref = form.get("bundle", "")
    if ref not in ws.bundles:
        raise InputError("no such open bundle", file="bundle", got=ref)
    ws.current = ref
    return RedirectResponse("/policies", status_code=303)


@router.post("/upload")
async def upload(request: Request) -> Response:
    """A .zip or a bundle's files. The declared length is checked before anything is read
    (413 over the limit); the files are then checked again as they are read."""
    ws = _ws(request)
    files, _ = await _uploaded(request, "files", limit=ws.max_upload, max_files=10_000)
    ws.open_upload(files)
    return RedirectResponse("/policies", status_code=303)


async def _uploaded(
    request: Request, field: str, *, limit: int, max_files: int
) -> tuple[list[tuple[str, bytes]], dict[str, str]]:
    """The files sent in ``field`` of a multipart upload (name, bytes) and its text fields.
    The declared length is checked before anything is read (413 over ``limit``); the files
    are then checked again as they are read."""
    declared = request.headers.get("content-length")
    if declared is None or not declared.isdigit():
        raise InputError(
            "upload without a length", file="upload", expected="a Content-Length header"
        )
    if int(declared) > limit + 64 * 1024:  # multipart framing
        raise FileTooLargeError(
            f"upload of {int(declared):,} bytes is larger than the {limit:,}-byte limit",
            file="upload",
        )
    form = await request.form(max_files=max_files, max_fields=10)
    files: list[tuple[str, bytes]] = []
    total = 0
    for item in form.getlist(field):
        if isinstance(item, str):
            continue
        data = await item.read(limit + 1 - total)
        total += len(data)
        if total > limit:
            raise FileTooLargeError(f"upload larger than the {limit:,}-byte limit", file="upload")
        if item.filename:
            files.append((item.filename, data))
    fields = {k: v.strip() for k, v in form.items() if isinstance(v, str) and v.strip()}
    request.state.form = fields  # an error re-renders the page with what was typed
    return files, fields


# -- policies -----------------------------------------------------------------------------------


@router.get("/policies", response_class=HTMLResponse)
def policies(request: Request) -> Response:
    from caflow.report.policytext import explain_policy

    b = _ws(request).bundle(None)
    texts = [explain_policy(p, b.tenant) for p in b.tenant.policies]
    return _page(request, "policies.html.j2", policies=texts)


# -- what if ------------------------------------------------------------------------------------

_WHATIF_LISTS = ("member_of", "role", "method", "accepted_terms")
_WHATIF_FLAGS = ("compliant", "mfa", "approved_app", "app_protection", "only_applied", "strict")


def _whatif_context(request: Request) -> dict[str, Any]:
    from caflow.model.signals import signal_choices
    from caflow.model.wellknown import APPS

    ws = _ws(request)
    current = ws.bundles.get(ws.current) if ws.current else None
    users = [u.user_principal_name for u in current.tenant.directory.users] if current else []
    devices = [d.display_name for d in current.tenant.directory.devices] if current else []
    return {
        "choices": {
            "platform": signal_choices("devicePlatform"),
            "client_app": signal_choices("clientAppType"),
            "risk": signal_choices("riskLevel"),
            "insider_risk": signal_choices("insiderRiskLevel"),
            "auth_flow": signal_choices("transferMethod"),
        },
        "apps": sorted(APPS.values()),
        "users": users,
        "devices": devices,
        "locations": sorted(loc.display_name for loc in current.tenant.named_locations.values())
        if current
        else [],
    }


@router.get("/whatif", response_class=HTMLResponse)
def whatif_form(request: Request) -> Response:
    return _page(request, "whatif.html.j2", **_whatif_context(request))


@router.post("/whatif", response_class=HTMLResponse)
async def whatif_run(request: Request) -> Response:
    from caflow.web.operations import run_whatif

    form = await _form(request, _WHATIF_LISTS, _WHATIF_FLAGS)
    form.setdefault("explain", "fails")
    fields, origin = _origin(request, form)
    req = _model(WhatIfRequest, fields)
    data, warnings = run_whatif(_ws(request), req)
    return _page(
        request,
        "whatif.html.j2",
        result=data,
        warnings=warnings,
        origin=origin,
        form=form,
        **_whatif_context(request),
    )


def _origin(request: Request, form: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    """The form's named-location pick (a page convenience, not a ``caflow whatif`` option) as
    the IP or country it stands for, said on the page; with ``ip`` or ``country`` too, which
    one counts would be a guess (400)."""
    from caflow.io.whatif import origin_in_location

    fields = {k: v for k, v in form.items() if k != "location"}
    if not form.get("location"):
        return fields, None
    if form.get("ip") or form.get("country"):
        raise InputError(
            "conflicting fields",
            file="location",
            expected="a named location, or an IP address / country - not both",
        )
    tenant = _ws(request).bundle(form.get("bundle")).tenant
    origin = origin_in_location(tenant, form["location"], file="location")
    fields.update({k: v for k, v in (("ip", origin.ip), ("country", origin.country)) if v})
    return fields, f"Signing in from {origin.how}."


# -- scenario, check, matrix, advise: one report page each ------------------------------------


#: Rule ids on result pages link to the rules page this server serves (``/docs/rules.md``).
SERVED_DOCS = "/"


def _report_page(
    data: dict[str, Any], file: str, provenance: list[tuple[str, str]] | None = None
) -> Any:
    from caflow.report.page import chart_page
    from caflow.report.rulelinks import DocLinks

    return chart_page(data, file=file, provenance=provenance, links=DocLinks(SERVED_DOCS))


@cache
def _rules_html() -> str:
    """docs/rules.md as HTML, generated from the rule metadata the advisor runs (so the page
    cannot disagree with the installed rules); each ``## <rule id>`` heading carries the id
    as its anchor, as GitHub's rendering of the file does."""

    from markdown_it import MarkdownIt

    from caflow.advise.docs import generate_rules_md

    text = "\n".join(
        line
        for line in generate_rules_md().splitlines()
        if not line.startswith(("<!--", "# "))  # the comment; the title is the page's h1
    )
    html = MarkdownIt("commonmark", {"html": False}).enable("table").render(text)
    return re.sub(r"<h2>([a-z0-9_]+)</h2>", r'<h2 id="\1">\1</h2>', html)


@router.get("/docs/rules.md", response_class=HTMLResponse)
def rules_doc(request: Request) -> Response:
    return _page(request, "rules.html.j2", rules_html=_rules_html())


def _simulate_context(request: Request) -> dict[str, Any]:
    ws = _ws(request)
    found = ws.find("scenarios/*.yaml") + ws.find("scenarios/*.yml")
    return {"scenarios": found, "scenario_limit": _scenario_limit(ws)}


def _scenario_limit(ws: Workspace) -> int:
    """An uploaded scenario is one document: the upload limit, at most the CLI's file limit."""
    from caflow.io.decode import MAX_FILE_BYTES

    return min(ws.max_upload, MAX_FILE_BYTES)


@router.post("/simulate/upload", response_class=HTMLResponse)
async def simulate_upload(request: Request) -> Response:
    """A scenario file sent from the page, run like one typed as a path (the CLI's loader);
    its relative paths (``tenant:``, ``file:``) are relative to the served folder."""
    from caflow.web.operations import run_simulate

    ws = _ws(request)
    files, fields = await _uploaded(
        request, "scenario_file", limit=_scenario_limit(ws), max_files=1
    )
    if len(files) != 1:
        raise InputError(
            "no scenario file uploaded",
            file="scenario_file",
            expected="one scenario file (.yaml, .yml or .json)",
        )
    name, data = files[0]
    saved = ws.save_upload(name, data)
    req = _model(SimulateRequest, {"scenario": saved.name, **fields})
    result = run_simulate(ws, req, uploaded=saved)
    return _page(
        request,
        "simulate.html.j2",
        result=_report_page(result, saved.name),
        form=fields,
        **_simulate_context(request),
    )


@router.get("/simulate", response_class=HTMLResponse)
def simulate_form(request: Request) -> Response:
    return _page(request, "simulate.html.j2", **_simulate_context(request))


@router.post("/simulate", response_class=HTMLResponse)
async def simulate_run(request: Request) -> Response:
    from caflow.web.operations import run_simulate

    form = await _form(request)
    req = _model(SimulateRequest, form)
    data = run_simulate(_ws(request), req)
    return _page(
        request,
        "simulate.html.j2",
        result=_report_page(data, req.scenario),
        form=form,
        **_simulate_context(request),
    )


def _check_context(request: Request) -> dict[str, Any]:
    ws = _ws(request)
    current = ws.bundles.get(ws.current) if ws.current else None
    off = [p for p in current.tenant.policies if not p.enforced] if current else []
    return {"switchable": off}


@router.get("/check", response_class=HTMLResponse)
def check_form(request: Request) -> Response:
    return _page(request, "check.html.j2", **_check_context(request))


@router.post("/check", response_class=HTMLResponse)
async def check_run(request: Request) -> Response:
    from caflow.web.operations import run_check

    form = await _form(request, lists=("proposed", "enable"))
    req = _model(CheckRequest, form)
    data = run_check(_ws(request), req)
    return _page(
        request,
        "check.html.j2",
        result=_report_page(data, "check"),
        form=form,
        **_check_context(request),
    )


@router.get("/matrix", response_class=HTMLResponse)
def matrix_form(request: Request) -> Response:
    return _page(request, "matrix.html.j2")


@router.post("/matrix", response_class=HTMLResponse)
async def matrix_run(request: Request) -> Response:
    from caflow.web.operations import run_matrix

    form = await _form(request, lists=("user", "app"))
    req = _model(MatrixRequest, form)
    data = run_matrix(_ws(request), req)
    return _page(request, "matrix.html.j2", result=_report_page(data, "matrix"), form=form)


@router.get("/advise", response_class=HTMLResponse)
def advise_form(request: Request) -> Response:
    return _page(request, "advise.html.j2")


@router.post("/advise", response_class=HTMLResponse)
async def advise_run(request: Request) -> Response:
    from caflow.web.operations import run_advise

    form = await _form(request, lists=("select",))
    req = _model(AdviseRequest, form)
    data, _ = run_advise(_ws(request), req)
    return _page(request, "advise.html.j2", result=_report_page(data, "advise"), form=form)


# -- replay -------------------------------------------------------------------------------------


@router.get("/replay", response_class=HTMLResponse)
def replay_runs(request: Request) -> Response:
    from caflow.store.replay import list_runs

    ws = _ws(request)
    if ws.store is None or not ws.store.is_file():
        return _page(request, "replay.html.j2", runs=None, store=str(ws.store or ""))
    return _page(request, "replay.html.j2", runs=list_runs(ws.store), store=str(ws.store))


@router.get("/replay/{run_id}", response_class=HTMLResponse)
def replay_run(request: Request, run_id: str) -> Response:
    """One stored run as ``caflow report --store PATH --run ID`` shows it."""
    from caflow.store.replay import read_run

    ws = _ws(request)
    if ws.store is None:
        raise InputError("no result store", file="--store", expected="caflow serve --store PATH")
    stored = read_run(ws.store, run_id)
    page = _report_page(
        stored.result,
        str(ws.store),
        [
            ("stored run", f"{stored.run_id} ({stored.created})"),
            ("logs", stored.logs),
            ("bundle", stored.bundle),
            ("proposed", stored.proposed or "—"),
        ],
    )
    return _page(request, "replay_run.html.j2", run_id=run_id, result=page)


#: Form pages: (template, context) to re-render with an error in the result region.
#: The fields each form page sends (the API request model it is read by).
_FORM_FIELDS: dict[str, Iterable[str]] = {
    "/whatif": WhatIfRequest.model_fields,
    "/simulate": SimulateRequest.model_fields,
    "/simulate/upload": SimulateRequest.model_fields,
    "/check": CheckRequest.model_fields,
    "/matrix": MatrixRequest.model_fields,
    "/advise": AdviseRequest.model_fields,
}
_FORM_PAGES = {
    "/whatif": ("whatif.html.j2", _whatif_context),
    "/simulate": ("simulate.html.j2", _simulate_context),
    "/simulate/upload": ("simulate.html.j2", _simulate_context),
    "/check": ("check.html.j2", _check_context),
    "/matrix": ("matrix.html.j2", lambda r: {}),
    "/advise": ("advise.html.j2", lambda r: {}),
    "/open": ("home.html.j2", _home_context),
    "/upload": ("home.html.j2", _home_context),
    "/select": ("home.html.j2", _home_context),
}
