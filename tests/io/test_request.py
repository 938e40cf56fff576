"""Graph What If ``evaluate`` request bodies -> SignIn (reference/conditional-access.md §4.1, §4.2)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from tests.examples_paths import CONTOSO

from caflow.engine.evaluate import evaluate
from caflow.engine.signin import SignIn
from caflow.errors import InputError, SchemaError
from caflow.io.bundle import load_bundle
from caflow.io.request import parse_evaluate_request

REPO = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
SPO = "00000003-0000-0ff1-ce00-000000000000"
TENANT = load_bundle(CONTOSO)


def _body(**cond: Any) -> dict[str, Any]:
    return {
        "signInIdentity": {
            "@odata.type": "#microsoft.graph.userSignIn",
            "userId": "11111111-0000-0000-0000-000000000001",
        },
        "signInContext": {
            "@odata.type": "#microsoft.graph.applicationContext",
            "includeApplications": [SPO],
        },
        "signInConditions": cond,
        "appliedPoliciesOnly": False,
    }


def test_current_shape_defaults() -> None:
    kw = parse_evaluate_request(_body(), TENANT, "req.json")
    s = SignIn(**kw)
    assert (
        s.user is not None
        and s.user.user_principal_name == "alice@contoso.com"
        and not s.user.unknown
    )
    assert s.app_id == SPO
    # §4.2 defaults: devicePlatform all / clientAppType all = not one concrete value; risks none.
    assert (s.platform, s.client_app, s.ip, s.country, s.device) == (None, None, None, None, None)
    assert (s.sign_in_risk, s.user_risk, s.insider_risk, s.transfer_method) == (
        "none",
        "none",
        "none",
        "none",
    )


def test_device_info_defaults_and_spellings() -> None:
    kw = parse_evaluate_request(
        _body(
            deviceInfo={"trustType": "EntraID", "ownership": "Company", "profileType": "Standard"}
        ),
        TENANT,
        "req.json",
    )
    dev = kw["device"]
    # §4.2 deviceInfo: isCompliant defaults to false; "ownership" is deviceOwnership; "EntraID" = joined.
    assert (
        dev["isCompliant"] is False
        and dev["deviceOwnership"] == "Company"
        and dev["trustType"] == "AzureAD"
    )


def test_older_beta_shape() -> None:
    body = {
        "conditionalAccessWhatIfSubject": {
            "@odata.type": "#microsoft.graph.userSubject",
            "userId": "alice@contoso.com",
        },
        "conditionalAccessContext": {
            "@odata.type": "#microsoft.graph.whatIfUserActionContext",
            "userAction": "registerSecurityInformation",
        },
        "conditionalAccessWhatIfConditions": {"country": "FR"},
    }
    s = SignIn(**parse_evaluate_request(body, TENANT, "old.json"))
    assert s.user is not None and not s.user.unknown
    assert s.user_action == "registerSecurityInformation" and s.country == "FR"


def test_unknown_user_and_external_type() -> None:
    body = _body()
    body["signInIdentity"] = {
        "userId": "99999999-0000-0000-0000-000000000001",
        "externalUserType": "b2bCollaborationGuest",
        "externalTenantId": "f0f0f0f0-0000-0000-0000-000000000001",
    }
    s = SignIn(**parse_evaluate_request(body, TENANT, "req.json"))
    assert s.user is not None and s.user.unknown and s.user.is_external
    assert s.user.external_tenant_id == "f0f0f0f0-0000-0000-0000-000000000001"


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"signInIdentity": "x", "signInContext": {}}, "/signInIdentity"),
        (
            {"signInIdentity": {}, "signInContext": {"includeApplications": [SPO]}},
            "/signInIdentity",
        ),
        ({"signInIdentity": {"userId": "a"}, "signInContext": {}}, "/signInContext"),
        (
            {
                "signInIdentity": {"userId": "a"},
                "signInContext": {"includeApplications": [SPO]},
                "signInConditions": {"deviceInfo": [1]},
            },
            "/signInConditions/deviceInfo",
        ),
    ],
)
def test_bad_requests(body: dict[str, Any], path: str) -> None:
    with pytest.raises(SchemaError) as ei:
        parse_evaluate_request(body, TENANT, "req.json")
    assert str(ei.value).startswith(f"req.json: {path}")


@pytest.mark.parametrize("ip", ["999.1.1.1", "not-an-ip", "10.0.0.0/8"])
def test_invalid_ip_address_is_bad_input(ip: str) -> None:
    try:
        kw = parse_evaluate_request(_body(ipAddress=ip), TENANT, "req.json")
    except InputError as exc:
        assert "/signInConditions/ipAddress" in str(exc)
        return
    evaluate(TENANT, SignIn(**kw), NOW)  # must not raise a non-caflow error


@pytest.mark.parametrize(
    ("change", "pointer", "hint"),
    [
        (
            lambda b: b["signInConditions"].update(devicePlatfrom="iOS"),
            "/signInConditions/devicePlatfrom",
            "devicePlatform",
        ),
        (lambda b: b.update(signInCondition={}), "/signInCondition", "signInConditions"),
        (lambda b: b["signInIdentity"].update(userID2="x"), "/signInIdentity/userID2", "userId"),
        (
            lambda b: b["signInConditions"].update(deviceInfo={"isCompliantt": True}),
            "/signInConditions/deviceInfo/isCompliantt",
            "isCompliant",
        ),
    ],
)
def test_an_unknown_request_key_is_exit_2(change: Any, pointer: str, hint: str) -> None:
    """The request is written by the user: a key Graph's evaluate body does not have is a typo
    (exit 2 naming it), never silently ignored (a misspelt platform would be no platform)."""
    body = _body()
    change(body)
    with pytest.raises(SchemaError) as exc:
        parse_evaluate_request(body, TENANT, "req.json")
    assert exc.value.code == "unknown-key"
    assert pointer in str(exc.value) and f"did you mean '{hint}'?" in str(exc.value)


def test_every_graph_request_key_is_accepted() -> None:
    body = _body(
        agentIdRiskLevel="high",
        authenticationFlow={"transferMethod": "none"},
        deviceInfo={"ownership": "Company", "extensionAttribute15": "x", "mdmAppId": "y"},
        servicePrincipalRiskLevel="none",
    )
    body["signInIdentity"]["externalTenantId"] = "f0f0f0f0-0000-0000-0000-000000000001"
    kw = parse_evaluate_request(body, TENANT, "req.json")
    assert kw["device"]["deviceOwnership"] == "Company"
    old = {
        "conditionalAccessWhatIfSubject": {"userId": "alice@contoso.com"},
        "conditionalAccessContext": {"includeApplications": [SPO]},
        "conditionalAccessWhatIfConditions": {"countr": "FR"},
    }
    with pytest.raises(SchemaError, match="did you mean 'country'"):
        parse_evaluate_request(old, TENANT, "old.json")
