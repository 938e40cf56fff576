"""advise and check: the indexed, signature-cached path renders byte-identical JSON to the
plain per-user reference path (Context(reference=True)), on Contoso and on drawn tenants."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from tests.small_tenants import contoso, small_tenants

from caflow.advise import run_advise
from caflow.advise.context import Context
from caflow.check import run_check
from caflow.io.policies import parse_policy
from caflow.model import Tenant
from caflow.model.policy import PolicyState
from caflow.report import render

START = datetime(2026, 1, 5, 9, tzinfo=UTC)


def _advise_json(tenant: Tenant, reference: bool) -> str:
    return render(run_advise(tenant, now=START, reference=reference), "json")


def _check_json(base: Tenant, prop: Tenant, reference: bool) -> str:
    result = run_check(base, prop, START, START + timedelta(days=30), reference=reference)
    return render(result, "json")


def test_contoso_advise_identical() -> None:
    fast = _advise_json(contoso(), False)
    assert json.loads(fast)["summary"]["FAIL"] > 0  # a real report, not an empty one
    assert fast == _advise_json(contoso(), True)


def test_contoso_check_identical() -> None:
    base = contoso()
    prop = base.evolve(
        policies=tuple(
            replace(p, state=PolicyState.ENABLED) if p.report_only else p for p in base.policies
        )
    )
    assert _check_json(base, prop, False) == _check_json(base, prop, True)


@settings(max_examples=25, deadline=None)
@given(small_tenants())
def test_drawn_tenants_advise_identical(tenant: Tenant) -> None:
    assert _advise_json(tenant, False) == _advise_json(tenant, True)


@settings(max_examples=10, deadline=None)
@given(small_tenants(), small_tenants())
def test_drawn_tenants_check_identical(base: Tenant, other: Tenant) -> None:
    prop = base.evolve(policies=other.policies)  # same directory and flows, other policies
    assert _check_json(base, prop, False) == _check_json(base, prop, True)


MFA_ALL = parse_policy(
    {
        "id": "P-MFA-OVERLAY",
        "displayName": "MFA for Office 365",
        "state": "enabled",
        "conditions": {
            "clientAppTypes": ["all"],
            "users": {"includeUsers": ["All"]},
            "applications": {"includeApplications": ["Office365"]},
        },
        "grantControls": {"operator": "OR", "builtInControls": ["mfa"]},
    },
    "<test>",
)


@settings(max_examples=15, deadline=None)
@given(small_tenants(), st.integers(0, 5), st.sampled_from(sorted(PolicyState.KNOWN)))
def test_drawn_overlay_check_identical(base: Tenant, which: int, state: str) -> None:
    """A proposal shaped like a policy-file overlay (the baseline's own policy objects, one
    re-stated, one added): the proposed evaluations reuse the baseline's per-policy results."""
    policies = list(base.policies)
    policies[which % len(policies)] = replace(policies[which % len(policies)], state=state)
    prop = base.evolve(policies=(*policies, MFA_ALL))
    shared = Context(prop, START, like=Context(base, START))._shared
    assert shared is not None and shared.count(None) == 2
    assert _check_json(base, prop, False) == _check_json(base, prop, True)
