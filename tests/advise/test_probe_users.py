"""Policy-level rules on a bundle without directory users (review of issue 13): the probe users
stand for each policy's scope (docs/assumptions.md A-CLI-2). A rule whose verdict is a property
of one policy for any user in its scope keeps its verdict; it never PASSes having looked at
nobody, or at fewer apps than the inventory's connections use; and what depends on which real
users share two policies' scopes is UNDETERMINED with why."""

from __future__ import annotations

from pathlib import Path

from advise_support import FLOW, findings, policy

from caflow.model.wellknown import DATAVERSE

FINANCE = "22222222-0000-0000-0000-000000000001"
GUEST_TERMS = "55555555-0000-0000-0000-000000000001"
NO_USERS = "no enabled directory user (directory.yaml)"
BLOCK = {"operator": "OR", "builtInControls": ["block"]}
OUTSIDE = {"includeLocations": ["All"], "excludeLocations": ["AllTrusted"]}
STRICT = {"continuousAccessEvaluation": {"mode": "strictLocation"}}


def _without_directory(bundle: Path) -> Path:
    (bundle / "directory.yaml").unlink()
    return bundle


def test_terms_of_use_for_flow_service_only_fails_without_directory_users(make_bundle) -> None:
    """The connections' owners are not in the bundle: the probes stand for the policy's scope
    (it was PASS: the flow users were an empty set)."""
    tou = {"operator": "OR", "termsOfUse": [GUEST_TERMS]}
    p = policy("tou-flow", [FLOW], grant=tou)
    rule = "terms_of_use_not_all_cloud_apps"
    assert findings(make_bundle([p]), rule)
    (f,) = findings(_without_directory(make_bundle([p])), rule)
    assert f.users == () and "in its scope" in f.message and "not in the bundle" in f.message


def test_probe_users_meet_every_resource_the_inventory_uses(make_bundle) -> None:
    """A strict-location block on Dataverse alone: svc-flow's Dataverse connection with the
    directory; without it, the probe is evaluated for Dataverse too (it was PASS: only the seed's
    services were probed), no connection attributed to a probe."""
    p = policy("strict-dv", [DATAVERSE], grant=BLOCK, locations=OUTSIDE, session=STRICT)
    rule = "strict_location_blocks_connector_egress"
    (known,) = findings(make_bundle([p]), rule)
    assert known.connections == ("svc-dataverse",)
    (f,) = findings(_without_directory(make_bundle([p])), rule)
    assert f.apps == (DATAVERSE,) and f.connections == () and f.users == ()


def test_strict_location_of_another_scope_is_undetermined_without_directory_users(
    make_bundle,
) -> None:
    """Strict location for Finance, a block outside trusted networks for everyone else's probe:
    whether real users are in both scopes is not in the bundle."""
    strict = policy("strict-finance", ["All"], grant={}, session=STRICT)
    strict["conditions"]["users"] = {"includeGroups": [FINANCE]}
    blocker = policy("block-outside", ["Office365"], grant=BLOCK, locations=OUTSIDE)
    blocker["conditions"]["users"] = {"includeUsers": ["All"], "excludeGroups": [FINANCE]}
    rule = "strict_location_blocks_connector_egress"
    # With the directory: nobody is in both scopes (the block excludes Finance).
    bundle = make_bundle([strict, blocker])
    assert not findings(bundle, rule) and not findings(bundle, rule, "UNDETERMINED")
    blocker["conditions"]["users"] = {"includeUsers": ["All"]}
    assert findings(make_bundle([strict, blocker]), rule)  # Finance users are in both
    # Without it: the probe for the block's scope is not in Finance's scope.
    bare = _without_directory(make_bundle([strict, blocker]))
    assert findings(bare, rule)  # the Finance probe is in both scopes (All users)
    blocker["conditions"]["users"] = {"includeGroups": ["22222222-0000-0000-0000-000000000002"]}
    bare = _without_directory(make_bundle([strict, blocker]))
    assert not findings(bare, rule)
    (u,) = findings(bare, rule, "UNDETERMINED")
    assert u.policies == ("block-outside",) and NO_USERS in u.reason
    assert "TEST strict-finance" in u.reason
