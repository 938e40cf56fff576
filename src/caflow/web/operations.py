"""What the API endpoints and the pages run: each returns the CLI's ``--format json`` document.

One function per command, built from the same library calls as the CLI command and serialised
by the same JSON builders (``render_json`` for whatif, ``to_json`` for the rest), so a page, an
API answer and ``caflow <command> --json`` cannot disagree. Pages render from these documents
(:func:`caflow.report.page.chart_page`), never from a second model.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from caflow.errors import InputError, Shown
from caflow.io.fields import parse_when
from caflow.web.models import (
    AdviseRequest,
    CheckRequest,
    MatrixRequest,
    SimulateRequest,
    WhatIfRequest,
)
from caflow.web.workspace import EXAMPLES_PREFIX, Workspace

__all__ = ["run_advise", "run_check", "run_matrix", "run_simulate", "run_whatif"]


def run_whatif(ws: Workspace, req: WhatIfRequest) -> tuple[dict[str, Any], list[str]]:
    """The whatif JSON and the warnings the CLI prints on stderr (unknown user, group or
    service principal)."""
    from caflow.engine.evaluate import evaluate
    from caflow.engine.signin import SignIn
    from caflow.io.whatif import signin_kwargs, unresolved_references
    from caflow.report.whatif import incomplete_parts, render_json

    tenant = ws.bundle(req.bundle).tenant
    now = parse_when(req.at)
    options = req.model_dump(exclude={"bundle", "at", "explain", "only_applied", "strict"})
    warnings = []
    for problem in unresolved_references(
        tenant,
        user=req.user,
        member_of=req.member_of,
        role=req.role,
        guest_type=req.guest_type,
        service_principal=req.service_principal,
    ):
        if req.strict:
            raise problem
        warnings.append(str(problem))
    signin = SignIn(**signin_kwargs(tenant, **options))
    ev = evaluate(tenant, signin, now, explain=req.explain != "off")
    gaps = incomplete_parts(tenant.not_pulled)
    data: dict[str, Any] = json.loads(render_json(ev, req.explain, req.only_applied, gaps))
    return data, warnings


def run_advise(ws: Workspace, req: AdviseRequest) -> tuple[dict[str, Any], list[str]]:
    """The advise JSON and the warnings the CLI prints on stderr (unused suppressions)."""
    from caflow.advise import load_suppressions, run_advise
    from caflow.advise.registry import check_select, rule_names
    from caflow.advise.suppressions import Suppression

    accepted: tuple[Suppression, ...] = ()
    if req.suppressions:
        path = ws.resolve(req.suppressions, field="--suppressions")
        accepted = load_suppressions(path, rule_names())
    check_select(req.select)
    tenant = ws.bundle(req.bundle).tenant
    result = run_advise(
        tenant, now=parse_when(req.at), select=req.select or None, suppressions=accepted
    )
    out: dict[str, Any] = result.to_json()
    return out, [w for w in result.warnings if w.endswith("[unused-suppression]")]


def run_check(ws: Workspace, req: CheckRequest) -> dict[str, Any]:
    from caflow.check import build_proposed, check_window, enable_policies, run_check

    if not req.proposed and not req.enable:
        raise InputError(
            "missing option",
            file="--proposed/--enable",
            expected="--proposed PATH (repeatable) and/or --enable POLICY",
        )
    base = ws.bundle(req.bundle).tenant
    paths = [ws.resolve(p, field="--proposed") for p in req.proposed]
    prop = enable_policies(build_proposed(base, paths), req.enable)
    begin = parse_when(req.start, option="--start")
    end = check_window(begin, req.horizon)
    out: dict[str, Any] = run_check(base, prop, begin, end).to_json()
    return out


def run_simulate(
    ws: Workspace, req: SimulateRequest, *, uploaded: Path | None = None
) -> dict[str, Any]:
    """``uploaded``: a scenario file sent from the page (saved by the workspace), whose
    relative paths are relative to the served folder (an upload has no folder of its own)."""
    from caflow.simulate import check_horizon, load_scenario, run_scenario

    path = uploaded or ws.resolve(req.scenario, field="scenario")
    base = ws.root if uploaded is not None else path.parent
    if path.is_dir():
        raise InputError(
            "a folder, not a scenario file",
            file="scenario",
            expected="a scenario file (.yaml or .json, docs/scenario-format.md) such as "
            f"{EXAMPLES_PREFIX}/scenarios/effect1-future-runs.yaml",
            got=Shown(ws.display(path)),
        )
    # Every path the scenario names (tenant, addPolicy files, any key spelling) is confined
    # by the loader where it opens it (issue 12: one code path, symlinks resolved).
    scenario = load_scenario(path, base_dir=base, confine_to=ws.confinement)
    stop = parse_when(req.until, lambda: scenario.end, option="--until")
    check_horizon(scenario, stop, until_field="--until" if req.until else None)
    out: dict[str, Any] = run_scenario(scenario, stop).to_json()
    return out


def run_matrix(ws: Workspace, req: MatrixRequest) -> dict[str, Any]:
    from caflow.io.whatif import resolve_app
    from caflow.matrix import DEFAULT_APPS, run_matrix
    from caflow.matrix.personas import check_one_source, load_personas, resolve_user

    check_one_source(req.personas, req.user)
    tenant = ws.bundle(req.bundle).tenant
    now = parse_when(req.at)  # one clock: now unless pinned, as the CLI (issue 13)
    apps = tuple(resolve_app(tenant, a, file="--app") for a in req.app) or DEFAULT_APPS
    users = tuple(resolve_user(tenant, u, file="--user") for u in req.user) or None
    rows = (
        load_personas(ws.resolve(req.personas, field="--personas"), tenant) if req.personas else ()
    )
    result = run_matrix(tenant, now, users=users, apps=apps, personas=rows)
    out: dict[str, Any] = result.to_json()
    return out
