"""Seed 000: "exclude service accounts and dedicated flow connection owners" from ToU policies,
and "If Terms of Use must apply to flow users, target All cloud apps". A tenant doing exactly
that must get no FAIL from the ToU exclusion rule (regression from an independent review)."""

from __future__ import annotations

from tests.examples_paths import CONTOSO

from caflow.advise import run_advise
from caflow.io.bundle import load_bundle, resolve_references
from caflow.io.policies import parse_policy

GUEST_TERMS = "55555555-0000-0000-0000-000000000001"
SERVICE_ACCOUNTS = "22222222-0000-0000-0000-000000000007"
EMERGENCY = "22222222-0000-0000-0000-000000000008"


def _tou_policy(exclude_groups: list[str]):
    raw = {
        "id": "tou-all",
        "displayName": "ToU for everyone on All cloud apps",
        "state": "enabled",
        "conditions": {
            "users": {"includeUsers": ["All"], "excludeGroups": exclude_groups},
            "applications": {"includeApplications": ["All"]},
            "clientAppTypes": ["all"],
        },
        "grantControls": {"operator": "OR", "termsOfUse": [GUEST_TERMS]},
    }
    return parse_policy(raw, "inline.json")


def _fails(exclude_groups: list[str]) -> set[tuple[str, tuple[str, ...]]]:
    tenant = load_bundle(CONTOSO)
    policy = resolve_references(_tou_policy(exclude_groups), tenant)
    tenant = tenant.evolve(policies=(*tenant.policies, policy))
    return {
        (f.rule_id, f.policies) for f in run_advise(tenant).findings if f.status.value == "FAIL"
    }


def test_all_cloud_apps_tou_excluding_service_accounts_passes() -> None:
    fails = _fails([SERVICE_ACCOUNTS, EMERGENCY])
    assert ("terms_of_use_without_service_account_exclusion", ("tou-all",)) not in fails
    assert ("terms_of_use_not_all_cloud_apps", ("tou-all",)) not in fails


def test_same_policy_reaching_the_service_account_fails() -> None:
    fails = _fails([EMERGENCY])
    assert ("terms_of_use_without_service_account_exclusion", ("tou-all",)) in fails
