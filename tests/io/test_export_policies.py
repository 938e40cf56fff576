"""EntraExporter's cross-tenant access and token lifetime policies are read (review of issue 9,
L8), into the same model a hand-written bundle gives.

``fixtures/entraexporter-policies`` is laid out as ``Export-Entra -All`` writes these parts
(EntraExporter ``Get-EEDefaultSchema.ps1``: ``policies/crossTenantAccessPolicy`` ->
``Policies/CrossTenantAccessPolicy``, ``.../default`` -> ``.../Default``, ``.../partners`` ->
``.../Partners``, ``policies/tokenLifetimePolicies`` -> ``Policies/TokenLifetimePolicy``; each
object in ``<Path>/<id>/<id>.json``, and an object without ``id`` under the last path segment,
``Export-Entra.ps1``). ``fixtures/handwritten-policies`` says the same in bundle format.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from tests.graph_contoso import (
    CONTOSO,
    NOW,
    GraphTenant,
    answers,
    contoso_graph,
    write_entraexporter,
)

from caflow.advise.context import Context
from caflow.advise.rules import token_lifetime_policy_not_default as rule
from caflow.cli.whatif_cmd import build_signin
from caflow.engine.external import ExternalLimits, external_limits
from caflow.engine.grants import evaluate_grant
from caflow.errors import InputError
from caflow.io.bundle import LoadReport, load_bundle
from caflow.model.crosstenant import InboundTrust
from caflow.model.policy import GrantControls
from caflow.model.tenant import Tenant

FIXTURES = Path(__file__).parent / "fixtures"
EXPORTED = FIXTURES / "entraexporter-policies"
HAND = FIXTURES / "handwritten-policies"
CONTOSO_PARTS = ("policies", "namedLocations.json", "agreements.json", "directory.yaml")


@pytest.fixture(scope="module")
def graph() -> GraphTenant:
    return contoso_graph()


def _export(root: Path, graph: GraphTenant, *, with_policies: bool = True) -> Path:
    write_entraexporter(graph, root)
    if with_policies:
        shutil.copytree(EXPORTED / "Policies", root / "Policies", dirs_exist_ok=True)
    return root


def _hand(root: Path) -> Path:
    for part in CONTOSO_PARTS:
        src = CONTOSO / part
        (shutil.copytree if src.is_dir() else shutil.copy)(src, root / part)
    for f in HAND.iterdir():
        shutil.copy(f, root / f.name)
    return root


@pytest.fixture(scope="module")
def exported(
    tmp_path_factory: pytest.TempPathFactory, graph: GraphTenant
) -> tuple[Tenant, LoadReport]:
    report = LoadReport()
    tenant = load_bundle(_export(tmp_path_factory.mktemp("ee"), graph), report)
    return tenant, report


@pytest.fixture(scope="module")
def hand(tmp_path_factory: pytest.TempPathFactory) -> Tenant:
    return load_bundle(_hand(tmp_path_factory.mktemp("hand")))


def test_cross_tenant_access_is_the_hand_written_one(
    exported: tuple[Tenant, LoadReport], hand: Tenant
) -> None:
    tenant, report = exported
    cta = tenant.cross_tenant_access
    assert cta.present
    # the same settings; the export also says its partner list may be incomplete (below)
    assert replace(cta, partners_incomplete="") == hand.cross_tenant_access
    assert cta.default.mfa is True and cta.default.compliant_device is True
    fabrikam = cta.partners["3d0f5dec-5d3d-455c-8016-e2af1ae4d31a"]
    assert fabrikam.is_service_provider
    assert cta.trust_for("3d0f5dec-5d3d-455c-8016-e2af1ae4d31a").compliant_device is False
    assert report.kinds["crossTenantDefault"] == 1
    assert report.kinds["crossTenantPartner"] == 1
    assert report.kinds["crossTenantAccessPolicy"] == 1
    assert not [s for s in report.skipped if "CrossTenantAccessPolicy" in s]


def test_the_partner_file_entraexporter_overwrites_is_named(
    exported: tuple[Tenant, LoadReport],
) -> None:
    _, report = exported
    said = [c for c in report.caveats if "Partners.json" in c]
    assert len(said) == 1 and "only the last partner" in said[0]
    cta = exported[0].cross_tenant_access
    # the listed partner's trust is known; any other home tenant's is not
    assert cta.trust_unknown("3d0f5dec-5d3d-455c-8016-e2af1ae4d31a") == ""
    assert "Partners.json" in cta.trust_unknown("00000000-0000-0000-0000-00000000beef")
    assert "Partners.json" in cta.trust_unknown(None)


def test_token_lifetime_settings_are_the_hand_written_ones(
    exported: tuple[Tenant, LoadReport], hand: Tenant
) -> None:
    tenant, report = exported
    s = tenant.settings
    assert s.tokenLifetimePolicy == hand.settings.tokenLifetimePolicy
    assert s.tokenLifetimePolicy.MaxInactiveTime == "30.00:00:00"
    assert s.tokenLifetimePolicy.MaxAgeSingleFactor == "until-revoked"  # not in the definition
    assert s.accessTokenLifetime == hand.settings.accessTokenLifetime == timedelta(hours=2)
    # known, as a tenant.yaml that sets them: advise's needs: settings.tokenLifetimePolicy
    assert "tokenLifetimePolicy" in s.model_fields_set
    assert report.kinds["tokenLifetimePolicy"] == 2
    kiosk = [c for c in report.caveats if "Kiosk app access tokens" in c]
    assert len(kiosk) == 1 and "not the organization default" in kiosk[0]


def test_same_answers_as_the_hand_written_bundle(
    tmp_path: Path, graph: GraphTenant, exported: tuple[Tenant, LoadReport], hand: Tenant
) -> None:
    tenant, _ = exported
    assert answers(tenant) == answers(hand)
    without = load_bundle(_export(tmp_path / "bare", graph, with_policies=False))
    # Read, and it matters: without the folder a guest's home-tenant device claims are not
    # trusted (the service default); with it, the default trusts them (CA-2.2).
    assert not without.cross_tenant_access.present
    guest = "mallory_fabrikam.com#EXT#@contoso.onmicrosoft.com"

    def limits(t: Tenant) -> ExternalLimits | None:
        s = build_signin(t, user=guest, app="Microsoft Flow Service", ip="8.8.8.8")
        return external_limits(s, t)

    trusted, untrusted = limits(tenant), limits(without)
    assert trusted is not None and untrusted is not None
    assert (trusted.compliant_device, untrusted.compliant_device) == (False, True)
    assert limits(hand) == trusted


def test_advise_reads_the_exported_token_lifetime_policy(
    exported: tuple[Tenant, LoadReport], hand: Tenant
) -> None:
    def findings(t: Tenant) -> list[tuple[str, str]]:
        ctx = Context(tenant=t, now=NOW)
        return [(f.status.value, f.message) for f in rule.check(t, ctx)]

    got = findings(exported[0])
    assert got == findings(hand)
    assert any("MaxInactiveTime = 30.00:00:00" in m for _, m in got)
    # the evidence is the export's policy file, not a tenant.yaml the export does not have
    ctx = Context(tenant=exported[0], now=NOW)
    evidence = [e for f in rule.check(exported[0], ctx) for e in f.evidence]
    policy_file = [
        e for e in evidence if e.file.endswith("4f5b1a2e-6c1d-4d8b-9a51-2b8f6f0c7d10.json")
    ]
    assert policy_file and all(e.pointer == "/definition/0" for e in policy_file)
    assert any(e.note.startswith("MaxInactiveTime") for e in policy_file)
    assert not [
        e for e in evidence if e.file.endswith("tenant.yaml") and "tokenLifetime" in e.pointer
    ]


def test_two_organization_defaults_are_exit_2(tmp_path: Path, graph: GraphTenant) -> None:
    root = _export(tmp_path / "two", graph)
    src = next((root / "Policies" / "TokenLifetimePolicy").glob("4f5b*"))
    twin = root / "Policies" / "TokenLifetimePolicy" / "twin"
    twin.mkdir()
    text = (src / f"{src.name}.json").read_text(encoding="utf-8")
    (twin / "twin.json").write_text(text.replace(src.name, "twin"), encoding="utf-8")
    with pytest.raises(InputError, match="duplicate organization-default token lifetime"):
        load_bundle(root)


def test_a_bad_lifetime_in_the_definition_names_the_file(
    tmp_path: Path, graph: GraphTenant
) -> None:
    root = _export(tmp_path / "bad", graph)
    src = next((root / "Policies" / "TokenLifetimePolicy").glob("4f5b*"))
    f = src / f"{src.name}.json"
    f.write_text(f.read_text(encoding="utf-8").replace("30.00:00:00", "300.00:00:00"), "utf-8")
    with pytest.raises(InputError) as exc:
        load_bundle(root)
    assert f.name in str(exc.value.file)
    assert exc.value.json_path.startswith("/definition/0/TokenLifetimePolicy")


def test_a_lost_partner_makes_untrusted_controls_undetermined(
    exported: tuple[Tenant, LoadReport],
) -> None:
    """A guest whose home tenant may be one of the partners EntraExporter lost: a compliant
    device, impossible under the default (no device trust), is undetermined, not blocked; with
    a complete partner list the same sign-in is blocked (A-EXT-1, A-EXT-2)."""
    tenant, _ = exported
    no_trust = replace(tenant.cross_tenant_access, default=InboundTrust(False, False, False))
    lost = tenant.evolve(cross_tenant_access=no_trust)
    complete = tenant.evolve(cross_tenant_access=replace(no_trust, partners_incomplete=""))
    grant = GrantControls(operator="AND", built_in=("compliantDevice",))
    guest = "mallory_fabrikam.com#EXT#@contoso.onmicrosoft.com"

    def outcome(t: Tenant) -> tuple[str, str]:
        s = build_signin(t, user=guest, app="Microsoft Flow Service", ip="8.8.8.8")
        got = evaluate_grant(grant, s, t, NOW)
        return got.result, got.missing

    result, missing = outcome(lost)
    assert result == "undetermined" and "Partners.json" in missing
    assert outcome(complete) == ("blocked", "")
