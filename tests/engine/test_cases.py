"""Runs the YAML case corpus under ``tests/cases/<topic>/*.yaml`` (STYLE.md "For caflow" 4).

A case file holds ``defaults`` (optional) and ``cases``; every case is merged over the defaults
(``signIn`` key by key, everything else replaced). Case keys:

* ``name``, ``note`` (the documented rule: a reference section such as "§2.2" and the Microsoft
  doc name, e.g. ``concept-conditional-access-users-groups.md``)
* the tenant: ``bundle: src/caflow/examples/contoso`` or inline ``policies`` (Graph JSON policy objects),
  ``directory`` (directory.yaml content), ``namedLocations``, ``agreements``,
  ``agreementAcceptances``, ``authenticationStrengths``, ``settings`` (tenant.yaml settings),
  ``crossTenantAccess`` (crossTenantAccess.json content).
  Inline parts are written as in-memory files (``policies/NN.json``, ``directory.yaml`` ...) and
  loaded with :func:`caflow.io.bundle.load_tenant_from_documents`, so the corpus also exercises
  the loader.
* ``signIn``: ``user`` (UPN or id; not in the directory -> unknown user), ``guestType``,
  ``externalTenantId`` (What If ``externalUserType`` / ``externalTenantId``: override the
  directory), ``servicePrincipal``, ``app`` (id or well-known name), ``userAction``,
  ``authContext``, ``ip``, ``country``, ``platform``, ``clientApp``, ``device`` (a directory device
  name, inline properties, or ``unregistered``), ``risk`` (sign-in risk, or a mapping
  ``{signIn, user, servicePrincipal, insider}``), ``signInRisk``, ``userRisk``,
  ``servicePrincipalRisk``, ``insiderRisk``, ``mfa``, ``methods``, ``acceptedTerms``, ``authFlow``,
  ``approvedApp``, ``appProtection``, ``passwordChanged``, ``interactive``
* ``now`` and ``want``: ``decision``, ``errorCode``, ``cause``, ``requirements`` (exact, in order),
  ``requirementsInclude`` (each token appears in some requirement), ``policies`` (responsible),
  ``applies`` ({policyId: true | false | analysisReasons}), ``undetermined`` ([ids]),
  ``reportOnly`` ({policyId: reportOnlyResult}), ``grant`` ({policyId: grantResult}),
  ``sessionControls`` (subset)
* ``xfail``: "BUG: ..." marks a case whose documented outcome the engine does not give yet.

Expected outcomes come from the documentation cited in each ``note``, not from running the code.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from caflow.engine.evaluate import Evaluation, evaluate, validate_tenant
from caflow.engine.signin import UNREGISTERED, SignIn
from caflow.io.bundle import load_bundle, load_tenant_from_documents
from caflow.io.directory import device_from_graph
from caflow.io.request import user_for, with_external_identity
from caflow.model.tenant import Tenant
from caflow.model.wellknown import app_id_for

REPO = Path(__file__).resolve().parents[2]
CASES = REPO / "tests" / "cases"

CASE_KEYS = {
    "name",
    "note",
    "bundle",
    "policies",
    "directory",
    "namedLocations",
    "agreements",
    "agreementAcceptances",
    "authenticationStrengths",
    "settings",
    "crossTenantAccess",
    "signIn",
    "now",
    "want",
    "xfail",
}
SIGNIN_KEYS = {
    "user",
    "guestType",
    "externalTenantId",
    "servicePrincipal",
    "app",
    "userAction",
    "authContext",
    "ip",
    "country",
    "platform",
    "clientApp",
    "device",
    "risk",
    "signInRisk",
    "userRisk",
    "servicePrincipalRisk",
    "insiderRisk",
    "mfa",
    "methods",
    "acceptedTerms",
    "authFlow",
    "approvedApp",
    "appProtection",
    "passwordChanged",
    "interactive",
}
WANT_KEYS = {
    "decision",
    "errorCode",
    "cause",
    "requirements",
    "requirementsInclude",
    "policies",
    "applies",
    "undetermined",
    "reportOnly",
    "grant",
    "sessionControls",
}
DEFAULT_NOW = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)


# -- loading the corpus ------------------------------------------------------------------------


def _case_files() -> list[Path]:
    return sorted(CASES.rglob("*.yaml"))


def _merge(defaults: dict[str, Any], case: dict[str, Any]) -> dict[str, Any]:
    out = dict(defaults)
    for key, value in case.items():
        if key == "signIn" and isinstance(out.get("signIn"), dict):
            out["signIn"] = {**out["signIn"], **(value or {})}
        else:
            out[key] = value
    return out


def _collect() -> list[Any]:
    params = []
    for f in _case_files():
        doc = yaml.safe_load(f.read_text(encoding="utf-8"))
        defaults = doc.get("defaults") or {}
        for i, case in enumerate(doc["cases"]):
            merged = _merge(defaults, case)
            cid = f"{f.parent.name}/{f.stem}::{case.get('name', i)}"
            marks = []
            if merged.get("xfail"):
                marks.append(pytest.mark.xfail(strict=True, reason=str(merged["xfail"])))
            params.append(pytest.param(f, merged, id=cid, marks=marks))
    return params


ALL_CASES = _collect()


# -- building the tenant and the sign-in -------------------------------------------------------


def _json_default(o: Any) -> str:
    if isinstance(o, datetime | date):
        return o.isoformat()
    raise TypeError(type(o).__name__)


def _jbytes(obj: Any) -> bytes:
    return json.dumps(obj, default=_json_default, indent=1).encode("utf-8")


@lru_cache(maxsize=8)
def _bundle(rel: str) -> Tenant:
    return load_bundle(REPO / rel)


def build_tenant(case: dict[str, Any]) -> Tenant:
    if case.get("bundle"):
        assert not case.get("policies"), "a case uses either bundle or inline policies"
        return _bundle(case["bundle"])
    docs: list[tuple[str, bytes]] = []
    for i, p in enumerate(case.get("policies") or []):
        docs.append((f"policies/{i:02d}-{p.get('id', 'policy')}.json", _jbytes(p)))
    if case.get("directory") is not None:
        docs.append(("directory.yaml", yaml.safe_dump(case["directory"], sort_keys=False).encode()))
    for key, name in (
        ("namedLocations", "namedLocations.json"),
        ("agreements", "agreements.json"),
        ("agreementAcceptances", "agreementAcceptances.json"),
        ("authenticationStrengths", "authenticationStrengths.json"),
    ):
        if case.get(key) is not None:
            docs.append((name, _jbytes({"value": case[key]})))
        elif key == "agreementAcceptances":
            # A case writes its whole tenant: no acceptances listed means nobody accepted
            # (an export without the file would leave them unknown, A-TOU-1).
            docs.append((name, _jbytes({"value": []})))
    if case.get("crossTenantAccess") is not None:
        docs.append(("crossTenantAccess.json", _jbytes(case["crossTenantAccess"])))
    tenant_doc = {"id": "00000000-0000-0000-0000-00000000ca5e", "displayName": "case"}
    if case.get("settings"):
        tenant_doc["settings"] = case["settings"]
    docs.append(("tenant.yaml", yaml.safe_dump(tenant_doc).encode()))
    return load_tenant_from_documents([(n, (lambda b=b: b)) for n, b in docs], label="case:")


def _app(ref: str) -> str:
    return app_id_for(ref) or ref


def build_signin(tenant: Tenant, s: dict[str, Any]) -> SignIn:
    unknown = set(s) - SIGNIN_KEYS
    assert not unknown, f"unknown signIn keys {sorted(unknown)}"
    kw: dict[str, Any] = {}
    if "user" in s:
        # guestType / externalTenantId are the What If userSignIn fields (§4.2): they describe
        # this sign-in, for a directory user too.
        kw["user"] = with_external_identity(
            user_for(tenant, str(s["user"])),
            guest_type=s.get("guestType"),
            tenant_id=s.get("externalTenantId"),
        )
    if "servicePrincipal" in s:
        kw["service_principal_id"] = s["servicePrincipal"]
    if "app" in s:
        kw["app_id"] = _app(str(s["app"]))
    for key, arg in (
        ("userAction", "user_action"),
        ("authContext", "auth_context"),
        ("ip", "ip"),
        ("country", "country"),
        ("platform", "platform"),
        ("clientApp", "client_app"),
        ("signInRisk", "sign_in_risk"),
        ("userRisk", "user_risk"),
        ("servicePrincipalRisk", "service_principal_risk"),
        ("insiderRisk", "insider_risk"),
        ("authFlow", "transfer_method"),
    ):
        if key in s:
            kw[arg] = str(s[key])
    risk = s.get("risk")
    if isinstance(risk, str):
        kw["sign_in_risk"] = risk
    elif isinstance(risk, dict):
        for key, arg in (
            ("signIn", "sign_in_risk"),
            ("user", "user_risk"),
            ("servicePrincipal", "service_principal_risk"),
            ("insider", "insider_risk"),
        ):
            if key in risk:
                kw[arg] = str(risk[key])
    if "device" in s:
        dev = s["device"]
        if isinstance(dev, str) and dev.lower() == "unregistered":
            kw["device"] = UNREGISTERED
        elif isinstance(dev, str):
            d = tenant.directory.device(dev)
            assert d is not None, f"device {dev!r} is not in the case directory"
            kw["device"] = dict(d.properties)
        else:
            kw["device"] = device_from_graph(dev)
    for key, arg in (
        ("mfa", "mfa"),
        ("approvedApp", "approved_app"),
        ("appProtection", "app_protection"),
        ("passwordChanged", "password_changed"),
        ("interactive", "interactive"),
    ):
        if key in s:
            kw[arg] = bool(s[key])
    if "methods" in s:
        kw["auth_methods"] = frozenset(s["methods"])
    if "acceptedTerms" in s:
        kw["accepted_terms"] = frozenset(s["acceptedTerms"])
    return SignIn(**kw)


def _now(case: dict[str, Any]) -> datetime:
    value = case.get("now")
    if value is None:
        return DEFAULT_NOW
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


# -- checking --------------------------------------------------------------------------------


def check_want(ev: Evaluation, want: dict[str, Any]) -> None:
    unknown = set(want) - WANT_KEYS
    assert not unknown, f"unknown want keys {sorted(unknown)}"
    by_id = {r.policy.id: r for r in ev.results}
    explain = json.dumps(ev.to_json(explain="fails"), indent=1, default=str)[:4000]
    if "decision" in want:
        assert ev.decision == want["decision"], explain
    if "errorCode" in want:
        assert ev.error_code == want["errorCode"], explain
    if "cause" in want:
        assert ev.cause == want["cause"], explain
    if "requirements" in want:
        assert list(ev.requirements) == list(want["requirements"]), explain
    for token in want.get("requirementsInclude") or ():
        assert any(token in r for r in ev.requirements), f"{token!r} not in {ev.requirements}"
    if "policies" in want:
        assert set(ev.responsible_policies) == set(want["policies"]), explain
    for pid, expected in (want.get("applies") or {}).items():
        assert pid in by_id, f"no policy {pid!r} in the tenant"
        r = by_id[pid]
        if expected is True:
            assert (r.applies, r.reasons) == (True, "notSet"), f"{pid}: {r.reasons}\n{explain}"
        elif expected is False:
            assert not r.applies and r.reasons != "notEnoughInformation", (
                f"{pid}: {r.reasons}\n{explain}"
            )
        else:
            assert r.reasons == expected, f"{pid}: {r.reasons} != {expected}\n{explain}"
            assert r.applies == (expected == "notSet")
    if "undetermined" in want:
        assert {r.policy.id for r in ev.undetermined} == set(want["undetermined"] or ()), explain
    for pid, expected in (want.get("reportOnly") or {}).items():
        assert by_id[pid].policy.report_only, f"{pid} is not report-only"
        assert by_id[pid].report_only_result == expected, explain
    for pid, expected in (want.get("grant") or {}).items():
        assert by_id[pid].grant.result == expected, explain
    for key, expected in (want.get("sessionControls") or {}).items():
        got = ev.session_controls.get(key)
        if key == "signInFrequency":
            got, expected = _sif(got), _sif(expected)
        assert got == expected, f"{key}: {ev.session_controls}"


def _sif(value: Any) -> Any:
    """ "12 hours" / "1 day" / "24 hours" / "everyTime" -> comparable timedelta (or the value)."""
    if not isinstance(value, str):
        return value
    if value.lower() == "everytime":
        return timedelta(0)
    m = re.fullmatch(r"\s*(\d+)\s*(hour|day)s?\s*", value, re.IGNORECASE)
    if not m:
        return value
    n = int(m.group(1))
    return timedelta(days=n) if m.group(2).lower() == "day" else timedelta(hours=n)


# -- the tests ---------------------------------------------------------------------------------


def test_corpus_is_big_enough() -> None:
    assert len(ALL_CASES) >= 40
    topics = {f.parent.name for f in _case_files()}
    assert len(topics) >= 10, topics


@pytest.mark.parametrize(("path", "case"), ALL_CASES)
def test_case(path: Path, case: dict[str, Any]) -> None:
    unknown = set(case) - CASE_KEYS
    assert not unknown, f"unknown case keys {sorted(unknown)}"
    note = str(case.get("note") or "")
    # Every case cites the documented rule it encodes: a section and a Microsoft doc name.
    assert re.search(r"§\s?\d", note), "note must cite a reference section (§N.N)"
    assert re.search(r"\.md\b|What If", note), "note must name the Microsoft doc"
    assert case.get("want"), "case has no expectations"

    tenant = build_tenant(case)
    validate_tenant(tenant)
    signin = build_signin(tenant, case.get("signIn") or {})
    now = _now(case)
    ev = evaluate(tenant, signin, now)
    check_want(ev, case["want"])

    # Output contract invariants (DESIGN.md "Output contract").
    out = ev.to_json()
    json.dumps(out)
    assert out["schemaVersion"] == 1
    assert out["decision"] in ("allow", "block", "requires")
    assert (ev.decision == "allow") == (ev.error_code is None)
    assert (ev.decision == "allow") == (not ev.requirements)
    # Report-only and disabled policies never decide anything.
    for pid in ev.responsible_policies:
        p = next(r.policy for r in ev.results if r.policy.id == pid)
        assert p.enforced
    # Deterministic: same input, same answer.
    assert evaluate(tenant, signin, now).to_json() == out
