"""Connector mapping and surface checks against the contoso bundle (CA004 = MFA for SPO)."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.examples_paths import CONTOSO

from caflow.automation import embedded_exchange, is_entra, picker, resource_for
from caflow.io.bundle import load_bundle
from caflow.model.wellknown import DATAVERSE, EXCHANGE, SHAREPOINT, TEAMS
from caflow.tokens import Claims

T0 = datetime(2026, 1, 5, 9, tzinfo=UTC)
TENANT = load_bundle(CONTOSO)
ALICE = TENANT.directory.user("alice@contoso.com")
LAPTOP = dict(TENANT.directory.device("LAPTOP-ALICE").properties)


def test_connector_mapping():
    assert resource_for("sharepointonline") == resource_for("excelonlinebusiness") == SHAREPOINT
    assert resource_for("office365users") == EXCHANGE and resource_for("teams") == TEAMS
    assert resource_for("commondataserviceforapps") == DATAVERSE
    assert not is_entra("rss") and not is_entra("http")


def test_embedded_mismatch_sharepoint_only_mfa():
    claims = Claims(
        user=ALICE, auth_time=T0, mfa=True, ip="203.0.113.10", device=LAPTOP, platform="windows"
    )
    fail = embedded_exchange(TENANT, claims, "sharepoint", T0)
    assert fail is not None and (fail.code, fail.cause) == ("AADSTS50076", "embeddedMismatch")
    assert fail.policies == ("66666666-0000-0000-0000-000000000004",)
    assert embedded_exchange(TENANT, claims, "powerapps", T0) is None  # no difference


def test_picker_ok_with_mfa_at_hq():
    claims = Claims(
        user=ALICE, auth_time=T0, mfa=True, ip="203.0.113.10", device=LAPTOP, platform="windows"
    )
    assert picker(TENANT, claims, T0) is None
