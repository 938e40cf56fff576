"""``tenant:`` as an inline bundle mapping (DESIGN.md "Scenario file")."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from tests.examples_paths import CONTOSO, SCENARIOS

from caflow.errors import InputError, SchemaError, UnknownReferenceError
from caflow.simulate import load_scenario, run_scenario

ROOT = Path(__file__).resolve().parents[2]


def _contoso_inline() -> dict:
    """The contoso bundle folder as one inline mapping (each file under its DESIGN.md key)."""

    def load(rel: str):
        return yaml.safe_load((CONTOSO / rel).read_text(encoding="utf-8"))

    return {
        "tenant": load("tenant.yaml"),
        "directory": load("directory.yaml"),
        "namedLocations": load("namedLocations.json"),
        "agreements": load("agreements.json"),
        "agreementAcceptances": load("agreementAcceptances.json"),
        "policies": [load(str(p.relative_to(CONTOSO))) for p in sorted(CONTOSO.glob("policies/*"))],
        "connections": load("powerplatform/connections.json"),
        "flows": load("powerplatform/flows.json"),
    }


def _scenario(tmp_path: Path, name: str, tenant) -> Path:
    doc = yaml.safe_load((SCENARIOS / name).read_text())
    doc["tenant"] = tenant
    p = tmp_path / name
    p.write_text(yaml.safe_dump(doc, sort_keys=False))
    return p


def test_inline_tenant_equals_the_bundle_folder(tmp_path, run):
    # Same tenant inline and on disk -> the same timeline (seed effect 1 and revocation).
    for name in ("effect1-future-runs.yaml", "revocation.yaml"):
        inline = run_scenario(load_scenario(_scenario(tmp_path, name, _contoso_inline())))
        assert inline.to_json() == run(name).to_json()


def test_inline_tenant_json_scenario(tmp_path):
    doc = yaml.safe_load((SCENARIOS / "inline-tenant-trusted-egress.yaml").read_text())
    p = tmp_path / "inline.json"
    p.write_text(json.dumps(doc, default=str))
    scenario = load_scenario(p)
    assert scenario.tenant.display_name == "Fabrikam (inline)"
    assert len(scenario.tenant.named_locations) == 2


@pytest.mark.parametrize(
    ("tenant", "error", "path"),
    [
        ({"polices": []}, SchemaError, "/tenant/polices"),
        (
            {"policies": [{"id": "p1", "conditions": {"users": {"includeUsers": 3}}}]},
            SchemaError,
            "/tenant/policies/0/conditions/users/includeUsers",
        ),
        (
            {"namedLocations": [{"displayName": "x", "ipRanges": [{"cidrAddress": "300.1/8"}]}]},
            SchemaError,
            "/tenant/namedLocations/0/ipRanges/0/cidrAddress",
        ),
        ({"tenant": {"settings": {"rememberMfa": {"days": "x"}}}}, SchemaError, "/tenant/tenant"),
        ({"directory": {"users": "alice"}}, SchemaError, "/tenant/directory/users"),
        (3, SchemaError, "/tenant"),
    ],
)
def test_inline_tenant_errors_name_scenario_and_tenant_path(tmp_path, tenant, error, path):
    p = tmp_path / "bad.yaml"
    p.write_text(
        yaml.safe_dump(
            {"tenant": tenant, "start": "2026-01-05T00:00:00Z", "end": "2026-01-06T00:00:00Z"}
        )
    )
    with pytest.raises(error) as exc:
        load_scenario(p)
    assert exc.value.file == str(p)
    assert exc.value.json_path.startswith(path), exc.value.json_path


def test_inline_tenant_scenario_references_are_checked(tmp_path):
    doc = yaml.safe_load((SCENARIOS / "inline-tenant-trusted-egress.yaml").read_text())
    doc["events"][0]["signIn"]["user"] = "alice@contoso.com"  # not in the inline directory
    p = tmp_path / "typo.yaml"
    p.write_text(yaml.safe_dump(doc))
    with pytest.raises(UnknownReferenceError) as exc:
        load_scenario(p)
    assert exc.value.json_path == "/events/0/signIn/user"


def test_inline_tenant_duplicate_policy_id(tmp_path):
    p = tmp_path / "dup.yaml"
    pol = {
        "id": "p1",
        "state": "enabled",
        "conditions": {
            "users": {"includeUsers": ["All"]},
            "applications": {"includeApplications": ["All"]},
        },
        "grantControls": {"operator": "OR", "builtInControls": ["mfa"]},
    }
    p.write_text(
        yaml.safe_dump(
            {
                "tenant": {"policies": [pol, {**pol, "displayName": "other"}]},
                "start": "2026-01-05T00:00:00Z",
                "end": "2026-01-06T00:00:00Z",
            }
        )
    )
    with pytest.raises(InputError) as exc:
        load_scenario(p)
    assert exc.value.file == str(p)
    assert exc.value.json_path == "/tenant/policies/1/id"
