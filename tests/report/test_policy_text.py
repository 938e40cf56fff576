"""Policy one-line summaries (``caflow.report.policytext``) on the real policy corpora.

Review of issue 12: a policy blocking legacy-authentication client apps read "block all" (the
headline left the conditions out) and platforms were shown as raw Graph tokens. Every condition
that narrows a policy must be in its headline, in words (reference conditional-access.md §2:
every configured condition must match, so a headline without one overstates the policy).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.corpora_paths import POLICY_DATA
from tests.examples_paths import CONTOSO

from caflow.io.bundle import LoadReport, load_bundle
from caflow.model.policy import Policy
from caflow.model.tenant import Tenant
from caflow.report.policytext import explain_policy

CORPORA = sorted(p for p in POLICY_DATA.iterdir() if p.is_dir())

PLATFORM_WORDS = {
    "android": "Android",
    "ios": "iOS",
    "windows": "Windows",
    "windowsphone": "Windows Phone",
    "macos": "macOS",
    "linux": "Linux",
    "all": "any platform",
}
CLIENT_WORDS = {
    "browser": "a browser",
    "mobileappsanddesktopclients": "mobile apps and desktop clients",
    "exchangeactivesync": "Exchange ActiveSync clients",
    "other": "other (legacy authentication) clients",
}


def _corpus(folder: Path) -> tuple[Tenant, tuple[Policy, ...]]:
    tenant = load_bundle(folder, LoadReport(), require_data=False)
    return tenant, tenant.policies


def _all_policies() -> list[tuple[Tenant, Policy]]:
    out = []
    for folder in CORPORA:
        tenant, policies = _corpus(folder)
        out += [(tenant, p) for p in policies]
    return out


ALL = _all_policies()


def test_the_corpora_exercise_every_condition() -> None:
    """The corpus-wide check below is only meaningful if the corpora configure each kind."""
    cs = [p.conditions for _, p in ALL]
    assert len(ALL) >= 100
    assert any(c.include_platforms for c in cs) and any(c.exclude_platforms for c in cs)
    assert any(c.client_app_types and "all" not in c.client_app_types for c in cs)
    assert any(c.exclude_locations for c in cs) and any(c.device_filter for c in cs)
    assert any(c.sign_in_risk_levels for c in cs) and any(c.user_risk_levels for c in cs)
    assert any(c.insider_risk_levels for c in cs) and any(c.transfer_methods for c in cs)
    assert any(c.unsupported for c in cs)
    assert any(len(c.users.include_roles) > 3 for c in cs)
    assert any(len(c.users.exclude_groups) > 3 for c in cs)


@pytest.mark.parametrize("tenant_policy", ALL, ids=lambda tp: tp[1].display_name[:60])
def test_headline_names_every_narrowing_condition(tenant_policy: tuple[Tenant, Policy]) -> None:
    tenant, p = tenant_policy
    head = explain_policy(p, tenant).headline
    c = p.conditions
    u = c.users
    assert "\n" not in head
    for token in (*c.include_platforms, *c.exclude_platforms):
        assert PLATFORM_WORDS[token.lower()] in head, (token, head)
    if c.exclude_platforms:
        assert " except " in head
    for token in c.client_app_types:
        if token.lower() != "all":
            assert CLIENT_WORDS[token.lower()] in head, (token, head)
    if c.include_locations or c.exclude_locations:
        assert "from " in head
    if c.exclude_locations:
        assert "except from " in head
    for label, levels in (
        ("sign-in risk", c.sign_in_risk_levels),
        ("user risk", c.user_risk_levels),
        ("service principal risk", c.service_principal_risk_levels),
        ("insider risk", c.insider_risk_levels),
    ):
        if levels:
            assert label in head and all(level in head for level in levels), head
    if c.transfer_methods:
        assert "authentication flow is" in head
    if c.device_filter is not None:
        assert c.device_filter.rule in head
    for name, _ in c.unsupported:
        assert name in head and "does not evaluate" in head
    excluded = (
        len(u.exclude_users)
        + len(u.exclude_groups)
        + len(u.exclude_roles)
        + len(c.client_applications.exclude_service_principals)
    )
    if excluded or u.exclude_guests:
        assert ", except " in head
    if len(u.exclude_groups) > 3:  # counted, not listed
        assert f"{len(u.exclude_groups)} groups" in head
    if len(u.include_roles) > 3:
        assert f"{len(u.include_roles)} roles" in head
    if c.applications.exclude_applications:
        assert "signing in to" in head and head.count("except") >= 1
    if p.grant is not None and "block" in p.grant.built_in:
        assert head.endswith("Then: block access.")


def _by_name(name: str) -> tuple[Tenant, Policy]:
    return next((t, p) for t, p in ALL if p.display_name == name)


def test_legacy_authentication_block_reads_as_legacy_only_not_block_all() -> None:
    t, p = _by_name("MS.AAD.1.1v1 Legacy authentication SHALL be blocked")
    assert explain_policy(p, t).headline == (
        "Applies to all users; signing in to all cloud apps; only using Exchange ActiveSync "
        "clients or other (legacy authentication) clients. Then: block access."
    )


def test_platforms_are_words_and_long_lists_are_counted() -> None:
    t, p = _by_name(
        "302 - <RING> - Attack surface reduction - All apps: Block access When using unknown "
        "device platforms"
    )
    text = explain_policy(p, t)
    assert "only on any platform except Android, iOS, Windows or macOS" in text.headline
    assert ("condition", "On any platform except Android, iOS, Windows or macOS.") in text.parts
    t, p = _by_name("100 - <RING> - Admin protection - All apps: Require Strong Auth For admins")
    assert explain_policy(p, t).headline.startswith(
        "Applies to 1 group or 108 roles, except 4 groups; signing in to all cloud apps;"
    )
    # the parts keep every name (the page's details list)
    assert "role Global Administrator" in dict(explain_policy(p, t).parts)["users"]


def test_contoso_legacy_block_headline_names_exclusion_and_client_apps() -> None:
    tenant = load_bundle(CONTOSO)
    p = next(x for x in tenant.policies if x.display_name.startswith("CA001"))
    assert explain_policy(p, tenant).headline == (
        "Applies to all users, except group Emergency Access; signing in to all cloud apps; "
        "only using Exchange ActiveSync clients or other (legacy authentication) clients. "
        "Then: block access."
    )
