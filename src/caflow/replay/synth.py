"""``caflow synth``: a seeded, realistic synthetic tenant bundle and sign-in log of any size.

The bundle (``DIR/bundle``): users in nested groups (departments under divisions), role holders
through a role-assignable group and directly, guests from two partner tenants, devices (Windows /
iOS / Android / macOS, mostly compliant), named locations (trusted offices in IPv4 and IPv6,
allowed and blocked countries), one Terms of Use with acceptances, 50-150 policies drawn from
archetypes found in the public corpora (block legacy auth, MFA for admins / all users / guests,
country blocks, compliant device on Windows, ToU for guests, sign-in risk, device-code flow,
phishing-resistant strength for admin portals, Flow Service MFA, ...) with break-glass and
service-account exclusions and report-only / disabled variants, and Power Platform connections
and flows. The log (``DIR/signins.*``): interactive and non-interactive user sign-ins (incl.
Microsoft Flow Service connection refreshes), service-principal and managed-identity sign-ins,
Zipf-like user activity, mostly office networks, written as Parquet (flat record schema),
Graph JSON Lines or Log Analytics JSON Lines, in bounded chunks. Same seed, same bytes.
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from caflow.io.signins.schema import SCHEMA
from caflow.model.wellknown import APPS, FLOW_SERVICE

__all__ = ["SynthInfo", "power_platform", "synth"]

NS = uuid.UUID("5a7e0000-0000-4000-8000-00000000ca5e")
TENANT_ID = "00000000-0000-0000-0000-00000005e7e0"
PARTNERS = ("aaaaaaaa-0000-0000-0000-0000000000f1", "aaaaaaaa-0000-0000-0000-0000000000f2")
START = datetime(2026, 1, 1, tzinfo=UTC)
OFFICES = ("145.100.0.0/24", "145.100.8.0/24", "198.51.100.0/24")
OFFICE6 = "2001:db8:5e7e::/48"
ALLOWED = ["NL", "US", "GB", "DE", "FR", "BE"]
BLOCKED = ["KP", "IR", "SY", "CU", "RU"]
RESOURCES = [
    ("00000003-0000-0ff1-ce00-000000000000", 18),  # SharePoint
    ("00000002-0000-0ff1-ce00-000000000000", 18),  # Exchange
    ("00000003-0000-0000-c000-000000000000", 14),  # Graph
    ("cc15fd57-2c6c-4117-a88c-83b1d56b4bbe", 10),  # Teams services
    ("00000007-0000-0000-c000-000000000000", 4),  # Dataverse
    ("797f4846-ba00-4fd7-ba43-dac1f8f63013", 3),  # Azure management
    ("c44b4083-3bb0-49c1-b47d-974e53cbdf3c", 3),  # Azure portal
    ("00000009-0000-0000-c000-000000000000", 3),  # Power BI
    ("00000002-0000-0000-c000-000000000000", 5),  # Windows Azure AD
    ("4765445b-32c6-49b0-83e6-1d93765276ca", 6),  # OfficeHome
]
CONNECTORS = {
    "sharepointonline": "00000003-0000-0ff1-ce00-000000000000",
    "office365": "00000002-0000-0ff1-ce00-000000000000",
    "teams": "cc15fd57-2c6c-4117-a88c-83b1d56b4bbe",
    "commondataservice": "00000007-0000-0000-c000-000000000000",
}
DIVISIONS = {
    "Corporate": ["Finance", "HR", "Legal"],
    "Operations": ["Sales", "Support", "Logistics"],
    "Technology": ["IT", "Engineering", "Security"],
}
ROLES = [
    "Global Administrator",
    "Security Administrator",
    "Exchange Administrator",
    "SharePoint Administrator",
    "Helpdesk Administrator",
    "User Administrator",
]


def _id(kind: str, n: int | str) -> str:
    return str(uuid.uuid5(NS, f"{kind}:{n}"))


@dataclass(frozen=True)
class SynthInfo:
    users: int
    guests: int
    groups: int
    devices: int
    policies: int
    connections: int
    flows: int
    sign_ins: int
    log: Path


def _dump(path: Path, doc: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".yaml":
        path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    else:
        path.write_text(json.dumps(doc, indent=1), encoding="utf-8")


def _policy(
    n: int, name: str, state: str, conditions: dict[str, Any], grant: Any, session: Any = None
) -> dict[str, Any]:
    base = {
        "users": {
            "includeUsers": [],
            "excludeUsers": [],
            "includeGroups": [],
            "excludeGroups": [],
            "includeRoles": [],
            "excludeRoles": [],
        },
        "applications": {
            "includeApplications": [],
            "excludeApplications": [],
            "includeUserActions": [],
        },
        "clientAppTypes": ["all"],
    }
    for k, v in conditions.items():
        if isinstance(v, dict) and isinstance(base.get(k), dict):
            base[k] = {**base[k], **v}  # type: ignore[dict-item]
        else:
            base[k] = v
    return {
        "id": _id("policy", n),
        "displayName": f"CA{n:03d} - {name}",
        "state": state,
        "conditions": base,
        "grantControls": grant,
        "sessionControls": session,
    }


def _grant(*controls: str, operator: str = "OR", **extra: Any) -> dict[str, Any]:
    return {"operator": operator, "builtInControls": list(controls), **extra}


def _archetypes(
    g: dict[str, str], break_glass: list[str], tou: str, locations: dict[str, str]
) -> list[tuple[str, dict[str, Any], Any, Any]]:
    ex = {"excludeUsers": break_glass, "excludeGroups": [g["Service Accounts"]]}
    all_users = {"includeUsers": ["All"], **ex}
    office = {"includeApplications": ["Office365"]}
    everything = {"includeApplications": ["All"]}
    return [
        (
            "Block legacy authentication",
            {
                "users": all_users,
                "applications": everything,
                "clientAppTypes": ["exchangeActiveSync", "other"],
            },
            _grant("block"),
            None,
        ),
        (
            "Require MFA for admins",
            {
                "users": {
                    "includeRoles": [
                        "62e90394-69f5-4237-9190-012177145e10",
                        "194ae4cb-b126-40b2-bd5b-6091b380977d",
                        "29232cdf-9323-42fd-ade2-1d097af3e4de",
                        "f28a1f50-f6e7-4571-818b-6a12f2af6b6c",
                    ],
                    "excludeUsers": break_glass,
                },
                "applications": everything,
            },
            _grant("mfa"),
            None,
        ),
        (
            "Require MFA for all users",
            {"users": all_users, "applications": everything},
            _grant("mfa"),
            None,
        ),
        (
            "Require MFA for guests",
            {"users": {"includeUsers": ["GuestsOrExternalUsers"]}, "applications": everything},
            _grant("mfa"),
            None,
        ),
        (
            "Block access from sanctioned countries",
            {
                "users": all_users,
                "applications": everything,
                "locations": {"includeLocations": [locations["blocked"]]},
            },
            _grant("block"),
            None,
        ),
        (
            "Block access outside allowed countries",
            {
                "users": all_users,
                "applications": everything,
                "locations": {
                    "includeLocations": ["All"],
                    "excludeLocations": [locations["allowed"], "AllTrusted"],
                },
            },
            _grant("block"),
            None,
        ),
        (
            "Compliant or hybrid joined device on Windows for Office 365",
            {
                "users": all_users,
                "applications": office,
                "platforms": {"includePlatforms": ["windows"]},
            },
            _grant("compliantDevice", "domainJoinedDevice"),
            None,
        ),
        (
            "MFA for Exchange Online outside trusted networks",
            {
                "users": all_users,
                "applications": {"includeApplications": ["00000002-0000-0ff1-ce00-000000000000"]},
                "locations": {"includeLocations": ["All"], "excludeLocations": ["AllTrusted"]},
            },
            _grant("mfa"),
            None,
        ),
        (
            "Terms of Use for guests",
            {"users": {"includeUsers": ["GuestsOrExternalUsers"]}, "applications": everything},
            _grant(termsOfUse=[tou]),
            None,
        ),
        (
            "Block high sign-in risk",
            {"users": all_users, "applications": everything, "signInRiskLevels": ["high"]},
            _grant("block"),
            None,
        ),
        (
            "Password change for high user risk",
            {"users": all_users, "applications": everything, "userRiskLevels": ["high"]},
            _grant("mfa", "passwordChange", operator="AND"),
            None,
        ),
        (
            "Block device code flow",
            {
                "users": all_users,
                "applications": everything,
                "authenticationFlows": {"transferMethods": "deviceCodeFlow"},
            },
            _grant("block"),
            None,
        ),
        (
            "Phishing-resistant MFA for admin portals",
            {
                "users": {
                    "includeRoles": ["62e90394-69f5-4237-9190-012177145e10"],
                    "excludeUsers": break_glass,
                },
                "applications": {"includeApplications": ["MicrosoftAdminPortals"]},
            },
            _grant(authenticationStrength={"id": "00000000-0000-0000-0000-000000000004"}),
            None,
        ),
        (
            "Require MFA for Microsoft Flow Service",
            {"users": all_users, "applications": {"includeApplications": [FLOW_SERVICE]}},
            _grant("mfa"),
            None,
        ),
        (
            "Sign-in frequency 12 hours on unmanaged devices",
            {
                "users": all_users,
                "applications": everything,
                "devices": {
                    "deviceFilter": {
                        "mode": "exclude",
                        "rule": 'device.isCompliant -eq True -or device.trustType -eq "ServerAD"',
                    }
                },
            },
            None,
            {
                "signInFrequency": {
                    "isEnabled": True,
                    "type": "hours",
                    "value": 12,
                    "frequencyInterval": "timeBased",
                }
            },
        ),
        (
            "Block unknown platforms",
            {
                "users": all_users,
                "applications": everything,
                "platforms": {
                    "includePlatforms": ["all"],
                    "excludePlatforms": ["android", "iOS", "windows", "macOS", "linux"],
                },
            },
            _grant("block"),
            None,
        ),
        (
            "MFA for department on SharePoint",
            {
                "users": {"includeGroups": [g["Finance"]], **ex},
                "applications": {"includeApplications": ["00000003-0000-0ff1-ce00-000000000000"]},
            },
            _grant("mfa"),
            None,
        ),
        (
            "Compliant device for Engineering",
            {"users": {"includeGroups": [g["Engineering"]], **ex}, "applications": office},
            _grant("compliantDevice"),
            None,
        ),
        (
            "MFA for Azure management",
            {
                "users": all_users,
                "applications": {"includeApplications": ["797f4846-ba00-4fd7-ba43-dac1f8f63013"]},
            },
            _grant("mfa"),
            None,
        ),
        (
            "Require MFA to register security info outside trusted locations",
            {
                "users": all_users,
                "applications": {"includeUserActions": ["urn:user:registersecurityinfo"]},
                "locations": {"includeLocations": ["All"], "excludeLocations": ["AllTrusted"]},
            },
            _grant("mfa"),
            None,
        ),
    ]


def _bundle(
    out: Path,
    users: int,
    rng: random.Random,
    n_policies: int,
    power: tuple[int, int] | None = None,
) -> dict[str, Any]:
    groups: dict[str, str] = {}
    group_docs: list[dict[str, Any]] = []
    for division, depts in DIVISIONS.items():
        groups[division] = _id("group", division)
        group_docs.append({"id": groups[division], "displayName": division, "members": []})
        for d in depts:
            groups[d] = _id("group", d)
            group_docs.append({"id": groups[d], "displayName": d, "memberOf": [division]})
    for name in ("Service Accounts", "Flow Makers", "Break Glass"):
        groups[name] = _id("group", name)
        group_docs.append({"id": groups[name], "displayName": name})
    group_docs.append(
        {
            "id": _id("group", "helpdesk"),
            "displayName": "Helpdesk admins",
            "isAssignableToRole": True,
            "roles": ["Helpdesk Administrator"],
        }
    )
    depts = [d for ds in DIVISIONS.values() for d in ds]
    user_docs: list[dict[str, Any]] = []
    device_docs: list[dict[str, Any]] = []
    n_guests = max(1, users // 20)
    for i in range(users):
        guest = i >= users - n_guests
        upn = (
            f"guest{i}_partner.com#EXT#@synth.onmicrosoft.com"
            if guest
            else f"user{i}@synth.example"
        )
        doc: dict[str, Any] = {
            "id": _id("user", i),
            "userPrincipalName": upn,
            "displayName": f"User {i}",
            "userType": "Guest" if guest else "Member",
        }
        if guest:
            doc["guestOrExternalUserType"] = "b2bCollaborationGuest"
            doc["externalTenantId"] = PARTNERS[i % 2]
        else:
            member = [rng.choice(depts)]
            if rng.random() < 0.15:
                member.append("Flow Makers")
            if i < 3:
                member = ["Break Glass"] if i < 2 else ["Service Accounts"]
            doc["memberOf"] = member
            if 3 <= i < 3 + max(2, users // 100):
                doc["roles"] = [ROLES[i % len(ROLES)]]
            if i % 50 == 7:
                doc["memberOf"] = [*member, "Helpdesk admins"]
            if rng.random() < 0.8:
                os_name, trust = rng.choice(
                    [
                        ("Windows", "AzureAD"),
                        ("Windows", "ServerAD"),
                        ("iOS", "Workplace"),
                        ("Android", "Workplace"),
                        ("macOS", "Workplace"),
                    ]
                )
                dev = {
                    "deviceId": _id("device", i),
                    "displayName": f"DEV-{i}",
                    "operatingSystem": os_name,
                    "trustType": trust,
                    "isCompliant": rng.random() < 0.85,
                }
                device_docs.append(dev)
                doc["devices"] = [dev["deviceId"]]
        user_docs.append(doc)
    break_glass = [_id("user", 0), _id("user", 1)]
    locations = {
        "hq": _id("loc", "hq"),
        "allowed": _id("loc", "allowed"),
        "blocked": _id("loc", "blocked"),
        "branch": _id("loc", "branch"),
    }
    named = [
        {
            "@odata.type": "#microsoft.graph.ipNamedLocation",
            "id": locations["hq"],
            "displayName": "HQ",
            "isTrusted": True,
            "ipRanges": [
                {"@odata.type": "#microsoft.graph.iPv4CidrRange", "cidrAddress": OFFICES[0]},
                {"@odata.type": "#microsoft.graph.iPv6CidrRange", "cidrAddress": OFFICE6},
            ],
        },
        {
            "@odata.type": "#microsoft.graph.ipNamedLocation",
            "id": locations["branch"],
            "displayName": "Branches",
            "isTrusted": True,
            "ipRanges": [
                {"@odata.type": "#microsoft.graph.iPv4CidrRange", "cidrAddress": c}
                for c in OFFICES[1:]
            ],
        },
        {
            "@odata.type": "#microsoft.graph.countryNamedLocation",
            "id": locations["allowed"],
            "displayName": "Allowed countries",
            "countriesAndRegions": ALLOWED,
            "includeUnknownCountriesAndRegions": False,
            "countryLookupMethod": "clientIpAddress",
        },
        {
            "@odata.type": "#microsoft.graph.countryNamedLocation",
            "id": locations["blocked"],
            "displayName": "Sanctioned countries",
            "countriesAndRegions": BLOCKED,
            "includeUnknownCountriesAndRegions": False,
            "countryLookupMethod": "clientIpAddress",
        },
    ]
    tou = _id("agreement", "guests")
    archetypes = _archetypes(groups, break_glass, tou, locations)
    policies = []
    for n in range(n_policies):
        name, cond, grant, session = archetypes[n % len(archetypes)]
        if n >= len(archetypes):  # variants: another department / report-only copies
            cond = json.loads(json.dumps(cond))
            users_c = cond["users"]
            if users_c.get("includeGroups"):
                users_c["includeGroups"] = [groups[rng.choice(depts)]]
            name = f"{name} (variant {n // len(archetypes)})"
        state = (
            rng.choices(["enabled", "enabledForReportingButNotEnforced", "disabled"], [70, 22, 8])[
                0
            ]
            if n >= 5
            else "enabled"
        )
        policies.append(_policy(n + 1, name, state, cond, grant, session))
    connections: list[dict[str, Any]] = []
    flows: list[dict[str, Any]] = []
    makers = [u for u in user_docs if "Flow Makers" in u.get("memberOf", [])] + user_docs[2:3]
    if power is not None:  # the admin API export at the size asked (--connections/--flows)
        members = [u for u in user_docs if u["userType"] == "Member"]
        exported, flows = power_platform(
            members, power[0], power[1], rng, env=f"Default-{TENANT_ID}", ident=_id
        )
        makers = []  # the connections below are the sign-in log's Flow Service refreshes
        for c in exported:
            connector = c["properties"]["apiId"].rsplit("shared_", 1)[1]
            if connector in CONNECTORS:
                owner = c["properties"]["createdBy"]["userPrincipalName"]
                connections.append({"id": c["name"], "connector": connector, "owner": owner})
    for i, u in enumerate(makers):
        names = []
        for connector in rng.sample(sorted(CONNECTORS), rng.randint(1, 3)):
            cname = f"conn-{i}-{connector}"
            connections.append(
                {"id": cname, "connector": connector, "owner": u["userPrincipalName"]}
            )
            names.append(cname)
        flows.append(
            {
                "id": f"flow-{i}",
                "owner": u["userPrincipalName"],
                "connections": names,
                "trigger": {"schedule": rng.choice(["PT1H", "P1D", "PT15M"])},
            }
        )
    bundle = out / "bundle"
    _dump(bundle / "tenant.yaml", {"id": TENANT_ID, "displayName": "Synth"})
    _dump(
        bundle / "directory.yaml",
        {"users": user_docs, "groups": group_docs, "devices": device_docs},
    )
    _dump(bundle / "namedLocations.json", {"value": named})
    _dump(
        bundle / "agreements.json",
        [{"id": tou, "displayName": "Guest terms", "isPerDeviceAcceptanceRequired": False}],
    )
    acceptances = [
        {
            "id": _id("acc", u["id"]),
            "agreementId": tou,
            "userId": u["id"],
            "state": "accepted",
            "recordedDateTime": "2025-11-01T00:00:00Z",
        }
        for u in user_docs
        if u["userType"] == "Guest" and rng.random() < 0.5
    ]
    _dump(bundle / "agreementAcceptances.json", {"value": acceptances})
    for p in policies:
        _dump(bundle / "policies" / f"{p['displayName'][:5]}.json", p)
    if power is None:
        _dump(bundle / "powerplatform" / "connections.json", connections)
    else:
        _dump(bundle / "powerplatform" / "connections.json", {"value": exported})
    _dump(bundle / "powerplatform" / "flows.json", flows if power is None else {"value": flows})
    return {
        "users": user_docs,
        "devices": {d["deviceId"]: d for d in device_docs},
        "policies": len(policies),
        "groups": len(group_docs),
        "connections": connections,
        "connectionCount": len(connections) if power is None else len(exported),
        "flows": len(flows),
        "guests": n_guests,
    }


#: (connector, weight): mostly Entra-backed connectors, some that CA cannot touch.
PP_CONNECTORS = (
    ("sharepointonline", 30),
    ("office365", 25),
    ("teams", 12),
    ("onedriveforbusiness", 10),
    ("commondataservice", 6),
    ("excelonlinebusiness", 5),
    ("office365users", 5),
    ("rss", 3),
    ("approvals", 4),
)
#: (Logic Apps recurrence frequency, interval, weight); None = manual (Request) trigger.
PP_SCHEDULES: tuple[tuple[tuple[str, int] | None, int], ...] = (
    (("Minute", 15), 10),
    (("Hour", 1), 20),
    (("Day", 1), 40),
    (("Week", 1), 15),
    (None, 15),
)


def power_platform(
    owners: list[dict[str, Any]],
    n_connections: int,
    n_flows: int,
    rng: random.Random,
    *,
    env: str,
    ident: Callable[[str, int], str],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Connections and flows as the Power Platform admin API exports them (``value`` items):
    owners drawn so that a few users own many, mostly Entra-backed connectors, flows using 1-3
    of their owner's connections on a recurrence or manual trigger. ``owners``: directory user
    documents; ``ident(kind, n)``: the stable id of the n-th flow. Used by ``--connections``
    and by the tenant-scale benchmark (benchmarks/gen_tenant.py)."""
    names, weights = zip(*PP_CONNECTORS, strict=True)
    connections: list[dict[str, Any]] = []
    by_owner: dict[str, list[dict[str, Any]]] = {}
    for i in range(n_connections):
        owner = owners[int(len(owners) * rng.random() ** 2)]  # a few users own many
        connector = rng.choices(names, weights)[0]
        c = _pp_connection(i, connector, owner, rng, env)
        connections.append(c)
        by_owner.setdefault(owner["id"], []).append(c)
    flows = [_pp_flow(i, by_owner, rng, env, ident) for i in range(n_flows)]
    return connections, flows


def _pp_connection(
    i: int, connector: str, owner: dict[str, Any], rng: random.Random, env: str
) -> dict[str, Any]:
    name = f"conn-{i:05d}"
    created = f"2025-{rng.randint(1, 11):02d}-{rng.randint(1, 28):02d}T09:00:00Z"
    return {
        "name": name,
        "id": f"/providers/Microsoft.PowerApps/scopes/admin/environments/{env}/apis/shared_{connector}/connections/{name}",
        "type": "Microsoft.PowerApps/scopes/apis/connections",
        "properties": {
            "apiId": f"/providers/Microsoft.PowerApps/apis/shared_{connector}",
            "displayName": owner["userPrincipalName"],
            "statuses": [{"status": "Connected"}],
            "createdBy": {
                "id": owner["id"],
                "type": "User",
                "userPrincipalName": owner["userPrincipalName"],
            },
            "createdTime": created,
            "environment": {"name": env},
        },
    }


def _pp_flow(
    i: int,
    by_owner: dict[str, list[dict[str, Any]]],
    rng: random.Random,
    env: str,
    ident: Callable[[str, int], str],
) -> dict[str, Any]:
    owner_id = rng.choice(sorted(by_owner))
    mine = by_owner[owner_id]
    used = rng.sample(mine, min(len(mine), rng.randint(1, 3)))
    refs: dict[str, dict[str, str]] = {}
    for c in used:
        api = c["properties"]["apiId"]
        key = api.rsplit("/", 1)[1]
        refs.setdefault(key, {"connectionName": c["name"], "id": api, "source": "Embedded"})
    schedules = [s for s, _ in PP_SCHEDULES]
    sched = rng.choices(schedules, [w for _, w in PP_SCHEDULES])[0]
    if sched is None:
        trigger: dict[str, Any] = {"manual": {"type": "Request", "kind": "Button"}}
    else:
        freq, interval = sched
        trigger = {
            "Recurrence": {
                "type": "Recurrence",
                "recurrence": {
                    "frequency": freq,
                    "interval": interval,
                    "startTime": f"2026-01-01T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:00Z",
                },
            }
        }
    name = ident("flow", i)
    return {
        "name": name,
        "id": f"/providers/Microsoft.ProcessSimple/environments/{env}/flows/{name}",
        "type": "Microsoft.ProcessSimple/environments/flows",
        "properties": {
            "apiId": "/providers/Microsoft.PowerApps/apis/shared_logicflows",
            "displayName": f"Flow {i:05d}",
            "state": "Started",
            "creator": {"objectId": owner_id, "userId": owner_id},
            "connectionReferences": refs,
            "definition": {"triggers": trigger, "actions": {}},
        },
    }


#: An object-array None for ``np.where`` (typed, unlike a bare None).
_NA = np.array(None, dtype=object)
_OS = {"Windows": "Windows 10", "iOS": "Ios", "Android": "Android", "macOS": "MacOs"}


def _chunks(info: dict[str, Any], n: int, seed: int, chunk: int) -> Iterator[pa.Table]:
    """Sign-in records in the flat record schema, ``chunk`` rows at a time (vectorised)."""
    rng = np.random.default_rng(seed)
    users = info["users"]
    u_count = len(users)
    weights = 1.0 / np.arange(1, u_count + 1) ** 0.8
    weights /= weights.sum()
    res_ids = [r for r, _ in RESOURCES]
    res_w = np.array([w for _, w in RESOURCES], dtype=float)
    res_w /= res_w.sum()
    upn = np.array([u["userPrincipalName"] for u in users], dtype=object)
    uid = np.array([u["id"] for u in users], dtype=object)
    utype = np.array([u["userType"] for u in users], dtype=object)
    dev_of = [info["devices"].get((u.get("devices") or [None])[0]) for u in users]
    dev_id = np.array([d["deviceId"] if d else None for d in dev_of], dtype=object)
    dev_os = np.array([_OS[d["operatingSystem"]] if d else None for d in dev_of], dtype=object)
    conns = info["connections"]
    conn_owner = {c["owner"]: CONNECTORS[c["connector"]] for c in conns}
    owners = np.array([i for i, u in enumerate(users) if u["userPrincipalName"] in conn_owner])
    names = {r: APPS.get(r, r) for r in res_ids}
    done = 0
    while done < n:
        k = min(chunk, n - done)
        u = rng.choice(u_count, size=k, p=weights)
        kind = rng.choice(4, size=k, p=[0.25, 0.6, 0.1, 0.05])  # int / non-int / flow / SP+MI
        if len(owners):
            flow_rows = kind == 2
            u[flow_rows] = owners[rng.integers(0, len(owners), flow_rows.sum())]
        res = np.array(res_ids, dtype=object)[rng.choice(len(res_ids), size=k, p=res_w)]
        flow_res = np.array([conn_owner.get(x) for x in upn[u]], dtype=object)
        res = np.where((kind == 2) & (flow_res != None), flow_res, res)  # noqa: E711
        net = rng.random(k)
        octet = rng.integers(1, 254, k)
        ip = np.where(
            net < 0.55,
            [f"145.100.0.{o}" for o in octet],
            np.where(
                net < 0.65,
                [f"2001:db8:5e7e::{o:x}" for o in octet],
                np.where(
                    net < 0.97,
                    [f"81.{o % 200}.{(o * 7) % 250}.{o}" for o in octet],
                    [f"175.45.176.{o}" for o in octet],
                ),
            ),
        )
        country = np.where(net < 0.65, "NL", np.where(net < 0.97, "NL", "KP"))
        country = np.where((net >= 0.65) & (net < 0.97) & (octet % 5 == 0), "US", country)
        event = np.array(
            ["interactiveUser", "nonInteractiveUser", "nonInteractiveUser", "servicePrincipal"],
            dtype=object,
        )[kind]
        mi = (kind == 3) & (rng.random(k) < 0.3)
        event = np.where(mi, "managedIdentity", event)
        sp = kind == 3
        app = np.where(
            kind == 2,
            FLOW_SERVICE,
            np.where(
                sp, "9e8e8e8e-0000-0000-0000-000000000009", "d3590ed6-52b3-4102-aeff-aad2292ab01c"
            ),
        )
        legacy = rng.random(k) < 0.01
        client = np.where(
            legacy, "IMAP4", np.where(kind == 0, "Browser", "Mobile Apps and Desktop clients")
        )
        mfa = rng.random(k) < np.where(kind == 0, 0.45, 0.25)
        err = np.where(rng.random(k) < 0.03, 50074, 0)
        seconds = rng.integers(0, 30 * 86400, k).astype("timedelta64[s]")
        times = np.datetime64("2026-01-01T00:00:00", "us") + seconds.astype("timedelta64[us]")
        has_user = ~sp
        risk = np.where(rng.random(k) < 0.005, "high", "none")
        cols: dict[str, Any] = {
            "id": [f"s{done + i}" for i in range(k)],
            "createdDateTime": pa.array(times, pa.timestamp("us")).cast(
                pa.timestamp("us", tz="UTC")
            ),
            "userId": np.where(has_user, uid[u], _NA),
            "userPrincipalName": np.where(has_user, upn[u], _NA),
            "userType": np.where(has_user, np.where(utype[u] == "Guest", "guest", "member"), _NA),
            "homeTenantId": np.where(has_user & (utype[u] == "Guest"), PARTNERS[0], TENANT_ID),
            "resourceTenantId": TENANT_ID,
            "crossTenantAccessType": np.where(
                has_user & (utype[u] == "Guest"), "b2bCollaboration", "none"
            ),
            "appId": app,
            "appDisplayName": np.where(
                kind == 2,
                "Microsoft Flow Service",
                np.where(sp, "Payroll daemon", "Microsoft Office"),
            ),
            "resourceId": res,
            "resourceDisplayName": np.array([names.get(r, r) for r in res], dtype=object),
            "servicePrincipalId": np.where(sp, "0a0a0a0a-0000-0000-0000-00000000000a", _NA),
            "servicePrincipalName": np.where(sp, "Payroll daemon", _NA),
            "ipAddress": ip,
            "countryOrRegion": country,
            "clientAppUsed": np.where(sp, _NA, client),
            "isInteractive": kind == 0,
            "signInEventType": event,
            "operatingSystem": np.where(
                sp, _NA, np.where(pd_none(dev_os[u]), "Windows 10", dev_os[u])
            ),
            "deviceId": np.where(sp | (kind == 2), _NA, dev_id[u]),
            "errorCode": err,
            "conditionalAccessStatus": "notApplied",
            "authenticationRequirement": np.where(
                mfa, "multiFactorAuthentication", "singleFactorAuthentication"
            ),
            "riskLevelDuringSignIn": np.where(sp, _NA, risk),
        }
        arrays = []
        for f in SCHEMA:
            v = cols.get(f.name)
            if v is None:
                arrays.append(pa.nulls(k, f.type))
            elif isinstance(v, str):
                arrays.append(pa.array([v] * k, f.type))
            elif isinstance(v, pa.Array):
                arrays.append(v)
            else:
                arrays.append(
                    pa.array(
                        list(v) if isinstance(v, np.ndarray) and v.dtype == object else v, f.type
                    )
                )
        yield pa.Table.from_arrays(arrays, schema=SCHEMA)
        done += k


def pd_none(values: np.ndarray) -> np.ndarray:
    """Element-wise ``is None`` of an object array."""
    return np.array([v is None for v in values], dtype=bool)


def _graph(rec: dict[str, Any]) -> dict[str, Any]:
    t = rec["createdDateTime"].isoformat().replace("+00:00", "Z")
    return {
        "id": rec["id"],
        "createdDateTime": t,
        "userId": rec["userId"],
        "userPrincipalName": rec["userPrincipalName"],
        "userType": rec["userType"],
        "homeTenantId": rec["homeTenantId"],
        "resourceTenantId": rec["resourceTenantId"],
        "crossTenantAccessType": rec["crossTenantAccessType"],
        "appId": rec["appId"],
        "appDisplayName": rec["appDisplayName"],
        "resourceId": rec["resourceId"],
        "resourceDisplayName": rec["resourceDisplayName"],
        "servicePrincipalId": rec["servicePrincipalId"],
        "servicePrincipalName": rec["servicePrincipalName"],
        "ipAddress": rec["ipAddress"],
        "location": {"countryOrRegion": rec["countryOrRegion"]},
        "clientAppUsed": rec["clientAppUsed"],
        "isInteractive": rec["isInteractive"],
        "signInEventTypes": [rec["signInEventType"]],
        "deviceDetail": {
            "deviceId": rec["deviceId"] or "",
            "operatingSystem": rec["operatingSystem"],
        },
        "status": {"errorCode": rec["errorCode"]},
        "conditionalAccessStatus": rec["conditionalAccessStatus"],
        "authenticationRequirement": rec["authenticationRequirement"],
        "riskLevelDuringSignIn": rec["riskLevelDuringSignIn"],
        "appliedConditionalAccessPolicies": [],
    }


_LA_TABLE = {
    "interactiveUser": "SigninLogs",
    "nonInteractiveUser": "AADNonInteractiveUserSignInLogs",
    "servicePrincipal": "AADServicePrincipalSignInLogs",
    "managedIdentity": "AADManagedIdentitySignInLogs",
}


def _loganalytics(rec: dict[str, Any]) -> dict[str, Any]:
    g = _graph(rec)
    table = _LA_TABLE[rec["signInEventType"]]
    dyn = (lambda v: json.dumps(v)) if table != "SigninLogs" else (lambda v: v)
    return {
        "TimeGenerated": g["createdDateTime"],
        "CreatedDateTime": g["createdDateTime"],
        "Id": g["id"],
        "UserId": g["userId"],
        "UserPrincipalName": g["userPrincipalName"],
        "UserType": g["userType"],
        "HomeTenantId": g["homeTenantId"],
        "ResourceTenantId": g["resourceTenantId"],
        "AADTenantId": TENANT_ID,
        "CrossTenantAccessType": g["crossTenantAccessType"],
        "AppId": g["appId"],
        "AppDisplayName": g["appDisplayName"],
        "ResourceIdentity": g["resourceId"],
        "ResourceDisplayName": g["resourceDisplayName"],
        "ServicePrincipalId": g["servicePrincipalId"],
        "ServicePrincipalName": g["servicePrincipalName"],
        "IPAddress": g["ipAddress"],
        "Location": rec["countryOrRegion"],
        "LocationDetails": dyn(g["location"]),
        "ClientAppUsed": g["clientAppUsed"],
        "IsInteractive": g["isInteractive"],
        "DeviceDetail": dyn(g["deviceDetail"]),
        "Status": dyn(g["status"]),
        "ResultType": str(rec["errorCode"]),
        "ConditionalAccessStatus": g["conditionalAccessStatus"],
        "ConditionalAccessPolicies": dyn([]),
        "AuthenticationRequirement": g["authenticationRequirement"],
        "RiskLevelDuringSignIn": g["riskLevelDuringSignIn"],
        "Type": table,
        "ResourceId": f"/tenants/{TENANT_ID}/providers/Microsoft.aadiam",
    }


def synth(
    out: Path,
    *,
    users: int = 500,
    sign_ins: int = 10_000,
    fmt: str = "parquet",
    seed: int = 1,
    policies: int = 60,
    chunk: int = 200_000,
    connections: int | None = None,
    flows: int | None = None,
) -> SynthInfo:
    """Write ``out/bundle`` and ``out/signins.<parquet|jsonl>``; same seed, same output.
    ``connections``/``flows``: that many, in the Power Platform admin API shape
    (:func:`power_platform`), instead of a few per Flow Makers member."""
    if fmt not in ("parquet", "jsonl", "loganalytics"):
        raise ValueError(fmt)
    rng = random.Random(seed)
    power = None
    if connections is not None or flows is not None:
        n_conns = connections if connections is not None else 2 * (flows or 0)
        power = (max(n_conns, 1), flows if flows is not None else n_conns // 2)
    info = _bundle(out, max(users, 10), rng, max(policies, 1), power)
    log = out / ("signins.parquet" if fmt == "parquet" else f"signins-{fmt}.jsonl")
    tables = _chunks(info, sign_ins, seed, chunk)
    if fmt == "parquet":
        with pq.ParquetWriter(log, SCHEMA) as writer:
            for table in tables:
                writer.write_table(table, row_group_size=min(chunk, 1 << 17))
    else:
        import msgspec

        enc = msgspec.json.Encoder()
        shape = _graph if fmt == "jsonl" else _loganalytics
        with log.open("wb") as fh:
            for table in tables:
                for rec in table.to_pylist():
                    fh.write(enc.encode(shape(rec)))
                    fh.write(b"\n")
    return SynthInfo(
        users=len(info["users"]),
        guests=info["guests"],
        groups=info["groups"],
        devices=len(info["devices"]),
        policies=info["policies"],
        connections=info["connectionCount"],
        flows=info["flows"],
        sign_ins=sign_ins,
        log=log,
    )
