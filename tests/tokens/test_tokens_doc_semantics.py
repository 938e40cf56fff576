"""Doc-derived regressions of the tokens layer (issue 13, part 2).

* Client apps: "Browser - ... services registered as an OAuth confidential client"
  (reference conditional-access.md §2.7; https://learn.microsoft.com/entra/identity/conditional-access/concept-conditional-access-conditions#client-apps).
  The connection refresh is API Hub, a confidential client: a browser-only policy applies to
  it, a mobile-apps-and-desktop-clients-only policy does not (docs/assumptions.md A-TOK-4).
* Terms of Use: the seed's advice "target All cloud apps so that acceptance during any
  interactive sign-in (such as Outlook or Teams) also covers Power Automate" - acceptance is the
  user's state (A-TOK-8); per-device acceptance never counts on a refresh (tokens §5.4).
* A disabled account gets no token, interactive or not: AADSTS50057 (tokens §3.2).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import yaml

from caflow.io.bundle import load_tenant_from_documents
from caflow.model.tenant import Tenant
from caflow.model.wellknown import TEAMS
from caflow.tokens import Claims, Failure, RefreshToken, issue, refresh, sign_in
from caflow.tokens.claims import Acceptance

T0 = datetime(2026, 1, 5, 9, tzinfo=UTC)
ALICE = "aaaaaaaa-0000-0000-0000-000000000001"
TOU = "55555555-0000-0000-0000-0000000000aa"


def _tenant(policies: list[dict], *, agreements: list[dict] = (), enabled: bool = True) -> Tenant:
    directory = {
        "users": [
            {"id": ALICE, "userPrincipalName": "alice@contoso.com", "accountEnabled": enabled}
        ]
    }
    docs = [("directory.yaml", yaml.safe_dump(directory).encode())]
    docs += [(f"policies/{i}.json", json.dumps(p).encode()) for i, p in enumerate(policies)]
    if agreements:
        docs.append(("agreements.json", json.dumps({"value": list(agreements)}).encode()))
        # Nobody accepted in the bundle; without the file who accepted is unknown (A-TOU-1).
        docs.append(("agreementAcceptances.json", b"[]"))
    return load_tenant_from_documents([(n, (lambda b=b: b)) for n, b in docs], label="mem:")


def _mfa_policy(client_apps: list[str]) -> dict:
    return {
        "id": "p-mfa",
        "displayName": f"MFA for {client_apps}",
        "state": "enabled",
        "conditions": {
            "users": {"includeUsers": ["All"]},
            "applications": {"includeApplications": ["All"]},
            "clientAppTypes": client_apps,
        },
        "grantControls": {"operator": "OR", "builtInControls": ["mfa"]},
    }


def _token(tenant: Tenant, **claims) -> RefreshToken:
    user = tenant.directory.user(ALICE)
    assert user is not None
    return issue(TEAMS, "Teams", Claims(user=user, auth_time=T0, **claims), T0, tenant)


def test_browser_only_policy_applies_to_background_refresh() -> None:
    tenant = _tenant([_mfa_policy(["browser"])])
    out = refresh(tenant, _token(tenant), T0 + timedelta(hours=2))
    assert isinstance(out, Failure)
    assert (out.code, out.cause, out.policies) == ("AADSTS50076", "mfaRequired", ("p-mfa",))


def test_mobile_desktop_only_policy_does_not_apply_to_background_refresh() -> None:
    tenant = _tenant([_mfa_policy(["mobileAppsAndDesktopClients"])])
    out = refresh(tenant, _token(tenant), T0 + timedelta(hours=2))
    assert isinstance(out, RefreshToken)


def _tou_policy() -> dict:
    return {
        "id": "p-tou",
        "displayName": "ToU for all cloud apps",
        "state": "enabled",
        "conditions": {
            "users": {"includeUsers": ["All"]},
            "applications": {"includeApplications": ["All"]},
            "clientAppTypes": ["all"],
        },
        "grantControls": {"operator": "OR", "termsOfUse": [TOU]},
    }


def _agreement(per_device: bool = False) -> dict:
    return {"id": TOU, "displayName": "ToU", "isPerDeviceAcceptanceRequired": per_device}


def test_acceptance_in_another_app_before_refresh_keeps_connection() -> None:
    tenant = _tenant([_tou_policy()], agreements=[_agreement()])
    token = _token(tenant)  # issued before the ToU policy mattered: no acceptance in the token
    later = T0 + timedelta(days=2)
    # Without any acceptance the refresh fails with the ToU error ...
    bad = refresh(tenant, token, later)
    assert isinstance(bad, Failure) and bad.cause == "termsOfUseRequired"
    # ... but the user accepted in Outlook the day before: the user's state counts.
    accepted = (Acceptance(TOU, T0 + timedelta(days=1)),)
    ok = refresh(tenant, token, later, acceptances=accepted)
    assert isinstance(ok, RefreshToken)
    # An acceptance made only after the refresh does not count at the refresh.
    future = (Acceptance(TOU, later + timedelta(hours=1)),)
    assert isinstance(refresh(tenant, token, later, acceptances=future), Failure)


def test_per_device_acceptance_elsewhere_never_satisfies_refresh() -> None:
    tenant = _tenant([_tou_policy()], agreements=[_agreement(per_device=True)])
    accepted = (Acceptance(TOU, T0 + timedelta(days=1), "0d0d0d0d-0000-0000-0000-000000000001"),)
    out = refresh(tenant, _token(tenant), T0 + timedelta(days=2), acceptances=accepted)
    assert isinstance(out, Failure) and out.cause == "termsOfUsePerDevice"


def test_disabled_user_interactive_sign_in_fails_50057() -> None:
    tenant = _tenant([], enabled=False)
    user = tenant.directory.user(ALICE)
    assert user is not None
    res = sign_in(tenant, Claims(user=user, auth_time=T0), TEAMS, "Teams", T0)
    assert res.failure is not None
    assert (res.failure.code, res.failure.cause) == ("AADSTS50057", "userDisabled")
