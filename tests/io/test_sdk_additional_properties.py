"""Graph PowerShell SDK objects of a base type keep the derived type's properties in
``AdditionalProperties`` (review of issue 9: named locations from
``Get-MgBetaIdentityConditionalAccessNamedLocation`` were dropped from export folders, so a
trusted IP evaluated as untrusted)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.examples_paths import CONTOSO

from caflow.io.bundle import load_bundle
from caflow.io.normalize import normalize_keys

SDK_LOCATION = {
    "Id": "44444444-0000-0000-0000-0000000000aa",
    "DisplayName": "HQ",
    "CreatedDateTime": None,
    "AdditionalProperties": {
        "@odata.type": "#microsoft.graph.ipNamedLocation",
        "isTrusted": True,
        "ipRanges": [
            {"@odata.type": "#microsoft.graph.iPv4CidrRange", "cidrAddress": "203.0.113.0/24"}
        ],
    },
}


def test_additional_properties_are_lifted_into_the_object() -> None:
    out = normalize_keys(SDK_LOCATION, file="x.json")
    assert "additionalProperties" not in out
    assert out["@odata.type"] == "#microsoft.graph.ipNamedLocation"
    assert out["isTrusted"] is True and out["ipRanges"][0]["cidrAddress"] == "203.0.113.0/24"
    assert out["displayName"] == "HQ"


def test_a_property_the_object_has_wins_over_additional_properties() -> None:
    out = normalize_keys(
        {"displayName": "A", "additionalProperties": {"displayName": "B"}}, file="x.json"
    )
    assert out == {"displayName": "A"}


def test_sdk_named_locations_load_from_an_export_folder(tmp_path: Path) -> None:
    policies = [json.loads(p.read_text()) for p in sorted((CONTOSO / "policies").glob("*.json"))]
    (tmp_path / "policies.json").write_text(json.dumps(policies))
    (tmp_path / "namedLocations.json").write_text(json.dumps([SDK_LOCATION]))
    tenant = load_bundle(tmp_path)
    loc = tenant.named_locations["44444444-0000-0000-0000-0000000000aa"]
    assert loc.is_trusted
