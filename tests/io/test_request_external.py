"""What If request ``signInIdentity`` external fields (Graph ``userSignIn``, reference §4.2:
https://learn.microsoft.com/graph/api/resources/usersignin)."""

from __future__ import annotations

import pytest
import yaml

from caflow.errors import SchemaError
from caflow.io.bundle import load_tenant_from_documents
from caflow.io.request import parse_evaluate_request

DIRECTORY = {
    "users": [
        {
            "userPrincipalName": "gina_fabrikam.com#EXT#@contoso.onmicrosoft.com",
            "userType": "Guest",
            "guestOrExternalUserType": "b2bCollaborationGuest",
            "externalTenantId": "f0f0f0f0-0000-0000-0000-000000000001",
        }
    ]
}


def _tenant():
    body = yaml.safe_dump(DIRECTORY).encode()
    return load_tenant_from_documents([("directory.yaml", lambda: body)], label="mem:")


def _request(identity: dict) -> dict:
    return {
        "signInIdentity": {"@odata.type": "#microsoft.graph.userSignIn", **identity},
        "signInContext": {
            "@odata.type": "#microsoft.graph.applicationContext",
            "includeApplications": ["00000003-0000-0ff1-ce00-000000000000"],
        },
        "signInConditions": {},
    }


def test_directory_user_keeps_its_external_facts() -> None:
    user = parse_evaluate_request(
        _request({"userId": "gina_fabrikam.com#EXT#@contoso.onmicrosoft.com"}), _tenant(), "r.json"
    )["user"]
    assert (user.guest_type, user.external_tenant_id) == (
        "b2bCollaborationGuest",
        "f0f0f0f0-0000-0000-0000-000000000001",
    )


def test_request_overrides_directory_user() -> None:
    user = parse_evaluate_request(
        _request(
            {
                "userId": "gina_fabrikam.com#EXT#@contoso.onmicrosoft.com",
                "externalUserType": "B2BDIRECTCONNECTUSER",
                "externalTenantId": "f0f0f0f0-0000-0000-0000-000000000009",
            }
        ),
        _tenant(),
        "r.json",
    )["user"]
    assert user.guest_type == "b2bDirectConnectUser"
    assert user.external_tenant_id == "f0f0f0f0-0000-0000-0000-000000000009"
    assert not user.unknown  # still the directory user: memberships stay known


def test_external_user_type_none_is_internal() -> None:
    user = parse_evaluate_request(
        _request(
            {"userId": "gina_fabrikam.com#EXT#@contoso.onmicrosoft.com", "externalUserType": "none"}
        ),
        _tenant(),
        "r.json",
    )["user"]
    assert not user.is_external and user.external_tenant_id is None


def test_unknown_external_user_type_is_bad_input() -> None:
    with pytest.raises(SchemaError) as exc:
        parse_evaluate_request(
            _request({"userId": "x@fabrikam.com", "externalUserType": "b2bGuest"}),
            _tenant(),
            "r.json",
        )
    assert exc.value.json_path == "/signInIdentity/externalUserType"
