"""directory.yaml: role-assignable groups and service principals; crossTenantAccess.json.

Sources: role-assignable groups (https://learn.microsoft.com/entra/identity/role-based-access-control/groups-concept:
roles only on groups created with isAssignableToRole, no nested groups); Graph
``conditionalAccessClientApplications`` (policies list service principal object ids) and What If
``servicePrincipalSignIn.servicePrincipalId`` ("appId of the service principal"); Graph
``crossTenantAccessPolicy`` default + partners (``inboundTrust``).
"""

from __future__ import annotations

import json

import pytest
import yaml

from caflow.errors import SchemaError, UnknownReferenceError
from caflow.io.bundle import load_tenant_from_documents
from caflow.io.crosstenant import parse_cross_tenant_access
from caflow.io.directory import parse_directory
from caflow.model.wellknown import role_id_for

HELPDESK = role_id_for("Helpdesk Administrator")


def _dir(doc: object):
    return parse_directory(yaml.safe_load(yaml.safe_dump(doc)), "directory.yaml")


def test_roles_held_through_role_assignable_group() -> None:
    d = _dir(
        {
            "users": [{"userPrincipalName": "hd@contoso.com"}, {"userPrincipalName": "x@c.com"}],
            "groups": [
                {
                    "displayName": "Helpdesk admins",
                    "isAssignableToRole": True,
                    "roles": ["Helpdesk Administrator"],
                    "members": ["hd@contoso.com"],
                }
            ],
        }
    )
    hd, other = d.user("hd@contoso.com"), d.user("x@c.com")
    assert hd is not None and other is not None
    assert HELPDESK in hd.role_ids
    assert HELPDESK not in other.role_ids
    group = d.group("Helpdesk admins")
    assert group is not None and group.is_assignable_to_role and group.role_ids == {HELPDESK}


def test_roles_on_a_non_assignable_group_is_bad_input() -> None:
    with pytest.raises(SchemaError) as exc:
        _dir({"groups": [{"displayName": "G", "roles": ["Helpdesk Administrator"]}]})
    assert exc.value.json_path == "/groups/0/roles"
    assert "isAssignableToRole" in str(exc.value)


def test_role_assignable_group_cannot_nest_groups() -> None:
    with pytest.raises(SchemaError):
        _dir(
            {
                "groups": [
                    {"displayName": "Inner"},
                    {
                        "displayName": "Admins",
                        "isAssignableToRole": True,
                        "roles": ["Helpdesk Administrator"],
                        "members": ["Inner"],
                    },
                ]
            }
        )


def test_unknown_group_role_has_did_you_mean() -> None:
    with pytest.raises(UnknownReferenceError) as exc:
        _dir(
            {
                "groups": [
                    {"displayName": "A", "isAssignableToRole": True, "roles": ["Helpdesk Admin"]}
                ]
            }
        )
    assert exc.value.json_path == "/groups/0/roles/0"
    assert "Helpdesk Administrator" in str(exc.value)


def test_service_principal_found_by_app_id_and_object_id() -> None:
    d = _dir(
        {
            "servicePrincipals": [
                {
                    "id": "0b0b0b0b-0000-0000-0000-000000000001",
                    "appId": "a0a0a0a0-0000-0000-0000-000000000001",
                    "displayName": "Invoice robot",
                }
            ]
        }
    )
    by_app = d.service_principal("A0A0A0A0-0000-0000-0000-000000000001")
    by_obj = d.service_principal("0b0b0b0b-0000-0000-0000-000000000001")
    assert by_app is not None and by_app is by_obj
    assert by_app.display_name == "Invoice robot"


def test_cross_tenant_access_default_and_partners() -> None:
    doc = {
        "default": {"inboundTrust": {"isMfaAccepted": False, "isCompliantDeviceAccepted": False}},
        "partners": {
            "value": [
                {
                    "tenantId": "F0F0F0F0-0000-0000-0000-000000000001",
                    "inboundTrust": {"isMfaAccepted": True},
                },
                {"tenantId": "f0f0f0f0-0000-0000-0000-000000000002", "inboundTrust": None},
            ]
        },
    }
    cta = parse_cross_tenant_access(doc, "crossTenantAccess.json")
    t1 = cta.trust_for("f0f0f0f0-0000-0000-0000-000000000001")
    assert (t1.mfa, t1.compliant_device) == (True, False)  # unset field inherits the default
    t2 = cta.trust_for("f0f0f0f0-0000-0000-0000-000000000002")
    assert (t2.mfa, t2.compliant_device) == (False, False)  # null inboundTrust: inherited
    assert cta.trust_for("someone-else").mfa is False


def test_cross_tenant_access_powershell_partner_list() -> None:
    doc = [{"TenantId": "t1", "InboundTrust": {"IsCompliantDeviceAccepted": True}}]
    cta = parse_cross_tenant_access(doc, "crossTenantAccess.json")
    assert cta.trust_for("T1").compliant_device is True
    assert cta.trust_for("T1").mfa is False


def test_cross_tenant_access_bad_value_names_path() -> None:
    doc = {"default": {"inboundTrust": {"isMfaAccepted": "yes please"}}}
    with pytest.raises(SchemaError) as exc:
        parse_cross_tenant_access(doc, "crossTenantAccess.json")
    assert exc.value.json_path == "/default/inboundTrust/isMfaAccepted"


def test_bundle_without_cross_tenant_file_trusts_nothing_and_with_it_loads() -> None:
    base = [("tenant.yaml", lambda: b"id: t\n")]
    t = load_tenant_from_documents(base, label="mem:")
    assert not t.cross_tenant_access.present
    assert t.cross_tenant_access.trust_for("x").mfa is False
    body = json.dumps({"default": {"inboundTrust": {"isMfaAccepted": True}}}).encode()
    t2 = load_tenant_from_documents([*base, ("crossTenantAccess.json", lambda: body)], label="mem:")
    assert t2.cross_tenant_access.present
    assert t2.cross_tenant_access.trust_for("x").mfa is True
