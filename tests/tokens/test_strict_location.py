"""CAE strict location at refresh (reference tokens §4.2, §7.4): the resource sees the connector
egress IP; Entra's own check sees the IP of the original issuance (§7.2)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.examples_paths import CONTOSO

from caflow.io.bundle import load_bundle
from caflow.io.policies import parse_policy
from caflow.model.wellknown import TEAMS
from caflow.tokens import Claims, Failure, RefreshToken, issue, refresh, use

T0 = datetime(2026, 1, 5, 9, tzinfo=UTC)
BASE = load_bundle(CONTOSO)
ALICE = BASE.directory.user("alice@contoso.com")


def _policy(strict: bool):
    obj = {
        "id": "strict-1",
        "displayName": "Block Teams outside trusted networks",
        "state": "enabled",
        "conditions": {
            "clientAppTypes": ["all"],
            "users": {"includeUsers": ["All"]},
            "applications": {"includeApplications": [TEAMS]},
            "locations": {"includeLocations": ["All"], "excludeLocations": ["AllTrusted"]},
        },
        "grantControls": {"operator": "OR", "builtInControls": ["block"]},
    }
    if strict:
        obj["sessionControls"] = {"continuousAccessEvaluation": {"mode": "strictLocation"}}
    return parse_policy(obj, "<test>")


def _token(tenant) -> RefreshToken:
    claims = Claims(user=ALICE, auth_time=T0, mfa=True, mfa_time=T0, ip="203.0.113.10")
    return issue(TEAMS, "Microsoft Teams Services", claims, T0, tenant)


def test_strict_location_blocks_untrusted_egress():
    tenant = BASE.evolve(policies=(_policy(strict=True),))
    got = refresh(tenant, _token(tenant), T0 + timedelta(hours=2))
    assert isinstance(got, Failure)
    assert (got.code, got.cause, got.policies) == ("AADSTS53003", "locationBlocked", ("strict-1",))


def test_standard_mode_and_no_egress_do_not_block():
    standard = BASE.evolve(policies=(_policy(strict=False),))
    assert isinstance(refresh(standard, _token(standard), T0 + timedelta(hours=2)), RefreshToken)
    strict = BASE.evolve(policies=(_policy(strict=True),))
    no_egress = strict.evolve(
        settings=strict.settings.model_copy(
            update={
                "connectorEgress": strict.settings.connectorEgress.model_copy(
                    update={"ipRanges": []}
                )
            }
        )
    )
    assert isinstance(refresh(no_egress, _token(no_egress), T0 + timedelta(hours=2)), RefreshToken)


def test_use_passes_redeem_arguments_to_refresh():
    tenant = BASE.evolve(policies=(_policy(strict=True),))
    tok = _token(tenant)
    cache: dict = {}
    assert use(tenant, tok, T0 + timedelta(minutes=10), cache=cache) is tok  # cached access token
    assert cache == {}
    got = use(tenant, tok, T0 + timedelta(hours=2), cache=cache)
    assert isinstance(got, Failure) and got.code == "AADSTS53003"
    assert cache  # the evaluations were cached for the next refresh
