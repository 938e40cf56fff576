"""Differential test: the compiled replay evaluator == the one-sign-in evaluator, row by row.

Every policy corpus in tests/data/policies and the Contoso example, on seeded logs covering every
signal value (incl. unknown users, guests, workload identities, unregistered devices, legacy
clients, unmapped values), plus hypothesis-drawn policy sets (subsets of all corpora with drawn
states) and drawn logs. Compared per row: every policy's analysisReasons, grant result and unmet
controls, and the decision, requirements, error code, cause and responsible policies.
"""

from __future__ import annotations

from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.corpora_paths import POLICY_DATA
from tests.examples_paths import CONTOSO

from caflow.engine.evaluate import Evaluation, evaluate, validate_tenant
from caflow.io.bundle import LoadReport, load_bundle
from caflow.model.policy import PolicyState
from caflow.model.tenant import Tenant
from caflow.replay.compiled import CompiledPolicySet
from caflow.replay.signals import signin_of

from .signin_records import T0, batch_of, one_at_a_time, records_strategy, seeded_records

NOW = T0
CORPORA = sorted(p for p in POLICY_DATA.iterdir() if p.is_dir())


@cache
def _tenant(path: Path) -> Tenant:
    tenant = load_bundle(path, LoadReport())
    validate_tenant(tenant)
    return tenant


@cache
def _all_policies() -> tuple[Any, ...]:
    out = list(_tenant(CONTOSO).policies)
    for corpus in CORPORA:
        out.extend(_tenant(corpus).policies)
    seen: set[str] = set()
    unique = []
    for p in out:
        if p.id.lower() not in seen:
            seen.add(p.id.lower())
            unique.append(p)
    return tuple(unique)


def _summary(ev: Evaluation) -> tuple[Any, ...]:
    per_policy = tuple(
        (r.reasons, r.grant.result, r.grant.unmet) if r.applies else (r.reasons,)
        for r in ev.results
    )
    return (
        per_policy,
        ev.decision,
        ev.requirements,
        ev.error_code,
        ev.cause,
        ev.blocking_policies,
        ev.requiring_policies,
    )


def _compiled_summary(c: CompiledPolicySet, sid: int) -> tuple[Any, ...]:
    res = c.results[sid]
    per_policy = tuple(
        (
            (res.reasons[i], res.grants[i].grant.result, res.grants[i].grant.unmet)
            if i in res.grants
            else (res.reasons[i],)
        )
        for i in range(len(c.policies))
    )
    ev = res.evaluation
    return (
        per_policy,
        ev.decision,
        ev.requirements,
        ev.error_code,
        ev.cause,
        ev.blocking_policies,
        ev.requiring_policies,
    )


def _check(tenant: Tenant, records: list[dict[str, Any]]) -> int:
    compiled = CompiledPolicySet(tenant, NOW)
    # two batches: memo tables must carry over between batches
    half = len(records) // 2
    sids = [
        *compiled.evaluate_batch(batch_of(records[:half])).tolist(),
        *compiled.evaluate_batch(batch_of(records[half:])).tolist(),
    ]
    mismatches = []
    for rec, sid in zip(records, sids, strict=True):
        expected = _summary(evaluate(tenant, signin_of(tenant, rec), NOW))
        got = _compiled_summary(compiled, sid)
        if got != expected:
            mismatches.append((rec["id"], expected, got))
    assert not mismatches, mismatches[:2]
    return len(compiled.results)


@pytest.mark.parametrize("path", [CONTOSO, *CORPORA], ids=lambda p: p.name)
def test_every_corpus_matches_the_one_signin_evaluator(path: Path) -> None:
    tenant = _tenant(path)
    assert tenant.policies
    records = seeded_records(tenant, 200, seed=len(path.name))
    # each input twice (other id and time): distinct inputs are evaluated once, not per row
    records += [{**r, "id": r["id"] + "b", "createdDateTime": T0} for r in records]
    signatures = _check(tenant, records)
    assert signatures <= len(records) // 2


@pytest.mark.parametrize("path", [CONTOSO, *CORPORA], ids=lambda p: p.name)
def test_rows_differing_in_one_signal(path: Path) -> None:
    tenant = _tenant(path)
    _check(tenant, one_at_a_time(tenant, bases=3, seed=len(path.name)))


def test_applying_and_undetermined_rows_are_exercised() -> None:
    tenant = _tenant(CONTOSO)
    compiled = CompiledPolicySet(tenant, NOW)
    sids = compiled.evaluate_batch(batch_of(seeded_records(tenant, 300, seed=3)))
    decisions = {compiled.results[s].decision for s in sids.tolist()}
    reasons = {r for s in sids.tolist() for r in compiled.results[s].reasons}
    assert {"allow", "requires"} <= decisions
    assert {"notSet", "notEnoughInformation", "users", "application"} <= reasons


_STATES = (PolicyState.ENABLED, PolicyState.REPORT_ONLY, PolicyState.DISABLED)


@st.composite
def _policy_sets(draw: st.DrawFn) -> Tenant:
    pool = _all_policies()
    idx = draw(st.lists(st.integers(0, len(pool) - 1), min_size=1, max_size=12, unique=True))
    policies = tuple(replace(pool[i], state=draw(st.sampled_from(_STATES))) for i in idx)
    return _tenant(CONTOSO).with_policies(policies)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_generated_policy_sets_and_logs(data: st.DataObject) -> None:
    tenant = data.draw(_policy_sets())
    records = data.draw(records_strategy(tenant))
    _check(tenant, records)


def _grant_policy(n: int, grant: dict[str, Any], **conditions: Any) -> dict[str, Any]:
    return {
        "id": f"00000000-0000-0000-0000-0000000000{n:02d}",
        "displayName": f"targeted {n}",
        "state": "enabled",
        "conditions": {
            "users": {"includeUsers": ["All"]},
            "applications": {"includeApplications": ["All"]},
            "clientAppTypes": ["all"],
            **conditions,
        },
        "grantControls": grant,
    }


_TARGETED = (
    _grant_policy(1, {"operator": "OR", "builtInControls": ["compliantDevice"]}),
    _grant_policy(2, {"operator": "OR", "builtInControls": ["mfa"]}),
    _grant_policy(
        3,
        {
            "operator": "OR",
            "builtInControls": [],
            "authenticationStrength": {"id": "00000000-0000-0000-0000-000000000004"},
        },
    ),
    _grant_policy(
        4,
        {
            "operator": "OR",
            "builtInControls": [],
            "termsOfUse": ["55555555-0000-0000-0000-000000000001"],
        },
    ),
    _grant_policy(5, {"operator": "AND", "builtInControls": ["domainJoinedDevice"]}),
)


@pytest.mark.parametrize("policy", _TARGETED, ids=lambda p: p["displayName"])
def test_each_grant_claim_is_keyed_on(tmp_path: Path, policy: dict[str, Any]) -> None:
    """One all-users/all-apps policy per grant: rows differing only in the claim it reads
    (device, MFA, methods, user for recorded ToU acceptances, legacy client) must not share."""
    import json
    import shutil

    bundle = tmp_path / "bundle"
    shutil.copytree(CONTOSO, bundle)
    shutil.rmtree(bundle / "policies")
    (bundle / "policies").mkdir()
    (bundle / "policies" / "p.json").write_text(json.dumps(policy))
    tenant = load_bundle(bundle, LoadReport())
    records = one_at_a_time(tenant, bases=4, seed=5)
    _check(tenant, records)
    compiled = CompiledPolicySet(tenant, NOW)
    sids = compiled.evaluate_batch(batch_of(records)).tolist()
    assert len({compiled.results[s].decision for s in sids}) >= 2  # the claim matters here
