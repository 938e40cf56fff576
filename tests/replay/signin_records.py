"""Sign-in log records for replay tests: value pools covering every signal, drawn seeded or by
hypothesis, built into record batches (the loaders' schema)."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pyarrow as pa
from hypothesis import strategies as st

from caflow.io.signins import SCHEMA
from caflow.model.locations import IpNamedLocation
from caflow.model.tenant import Tenant
from caflow.model.wellknown import APPS

T0 = datetime(2026, 2, 1, 8, 0, tzinfo=UTC)
OTHER_TENANT = "bbbbbbbb-0000-0000-0000-000000000002"


def pools(tenant: Tenant) -> dict[str, Sequence[Any]]:
    """Values worth drawing for ``tenant``: its users, devices, listed apps and located IPs."""
    accepted = {a.user_id.lower() for a in tenant.acceptances}
    chosen = [u for u in tenant.directory.users[:10]]
    chosen += [u for u in tenant.directory.users if u.id.lower() in accepted][:2]
    users = [u.id for u in chosen]
    upns = [u.user_principal_name for u in chosen]
    apps = sorted(APPS)[:10]
    for p in tenant.policies:
        apps.extend(a for a in p.conditions.applications.include_applications if "-" in a)
        apps.extend(a for a in p.conditions.applications.exclude_applications if "-" in a)
    ips = ["203.0.113.10", "8.8.8.8", "175.45.176.1", "2001:4860:4860::8888", "not-an-ip"]
    for loc in tenant.named_locations.values():
        if isinstance(loc, IpNamedLocation):
            for net in loc.ranges[:2]:
                ips.append(str(net.network_address + (1 if net.num_addresses > 1 else 0)))
    return {
        "userId": [*users, "99999999-0000-0000-0000-000000000099", None],
        "userPrincipalName": [*upns, "bob_fabrikam.com#EXT#@contoso.onmicrosoft.com", None],
        "userType": ["Member", "Guest", "member", None],
        "crossTenantAccessType": ["none", "b2bCollaboration", "b2bDirectConnect", None],
        "homeTenantId": [tenant.id or None, OTHER_TENANT, None],
        "signInEventType": [
            "interactiveUser",
            "nonInteractiveUser",
            "nonInteractiveUser",
            "servicePrincipal",
            "managedIdentity",
        ],
        "servicePrincipalId": ["0a0a0a0a-0000-0000-0000-00000000000a", None],
        "appId": [*sorted(set(apps))[:14], "7df0a125-d3be-4c96-aa54-591f83ff541c"],
        "resourceId": [*sorted(set(apps))[:14], None],
        "ipAddress": [*ips, None],
        "countryOrRegion": ["US", "NL", "KP", "FR", None],
        "operatingSystem": [
            "Windows 10",
            "Ios",
            "Android",
            "MacOs",
            "Linux",
            "ChromeOS",
            "Odd",
            None,
        ],
        "clientAppUsed": [
            "Browser",
            "Mobile Apps and Desktop clients",
            "Exchange ActiveSync",
            "IMAP4",
            "Other clients",
            "Strange",
            None,
        ],
        "deviceId": [*(d.id for d in tenant.directory.devices[:3]), "dev-x", None, None],
        "isCompliant": [True, False, None],
        "trustType": ["Azure AD joined", "Hybrid Azure AD joined", "Workplace", None],
        "riskLevelDuringSignIn": ["none", "low", "medium", "high", "hidden", None],
        "authenticationRequirement": ["singleFactorAuthentication", "multiFactorAuthentication"],
        "errorCode": [0, 0, 50074],
        "authenticationMethods": [
            None,
            "Password",
            "Password,Mobile app notification",
            "FIDO2 security key",
        ],
        "originalTransferMethod": [None, "deviceCodeFlow"],
        "authenticationProtocol": [None, "deviceCode", "oAuth2"],
    }


def _finish(i: int, rec: dict[str, Any]) -> dict[str, Any]:
    rec["id"] = f"r{i}"
    rec["createdDateTime"] = T0 + timedelta(minutes=i)
    return rec


def seeded_records(tenant: Tenant, n: int, seed: int = 1) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    pool = pools(tenant)
    return [_finish(i, {k: rng.choice(v) for k, v in pool.items()}) for i in range(n)]


def one_at_a_time(tenant: Tenant, bases: int, seed: int = 1) -> list[dict[str, Any]]:
    """Base records, each varied in one column at a time through every pool value: rows that
    differ in a single signal, so a signal the compiled evaluator forgot to key on shows."""
    rng = random.Random(seed)
    pool = pools(tenant)
    out: list[dict[str, Any]] = []
    for _ in range(bases):
        # typical values (the head of each pool: known users, listed apps, located IPs) so that
        # policies apply and their grants are reached
        base = {k: rng.choice(list(v)[: max(1, len(v) // 2)]) for k, v in pool.items()}
        for column, values in pool.items():
            for v in dict.fromkeys(values):
                out.append({**base, column: v})
    return [_finish(i, r) for i, r in enumerate(out)]


@st.composite
def records_strategy(draw: st.DrawFn, tenant: Tenant, max_size: int = 40) -> list[dict[str, Any]]:
    """Logs whose columns each take one or two drawn values: many rows share most signals."""
    pool = pools(tenant)
    chosen = {
        k: draw(st.lists(st.sampled_from(list(v)), min_size=1, max_size=2, unique=True))
        for k, v in pool.items()
    }
    one = st.fixed_dictionaries({k: st.sampled_from(v) for k, v in chosen.items()})
    recs = draw(st.lists(one, min_size=1, max_size=max_size))
    return [_finish(i, dict(r)) for i, r in enumerate(recs)]


def batch_of(records: list[dict[str, Any]]) -> pa.Table:
    return pa.Table.from_pylist(records, schema=SCHEMA)
