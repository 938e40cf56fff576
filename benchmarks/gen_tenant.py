"""Seeded generator of synthetic tenants in the bundle format (DESIGN.md "Tenant bundle").

Full size (``--scale 1``): 5,000 users, 200 groups, 50 real policies (the 36 of the j0eyv
baseline and the first 14 of AlexFilipin's repository, from ``tests/data/policies``), 20,000
connections and 10,000 flows in the Power Platform admin API shape. Every count scales with
``--scale`` (policies stay 50). The same seed and scale always write the same bytes.

Policies are kept as exported, with two edits so the tenant is self-consistent: template
placeholders (``<ExclusionTempGroup>``) become generated groups of that name, and policies
without an id get a stable one. A trusted office IP range in an allowed country is added to
j0eyv's named locations. Users are members of 1-4 groups; groups the policies
mention are rarer than the rest, so users fall into a few hundred policy-relevant
signatures, as in a real tenant. Connections and flows come from ``caflow synth``'s Power
Platform generator (:func:`caflow.replay.synth.power_platform`, also ``caflow synth
--connections N --flows N``); the real exported policies, which src/ does not ship, and their
groups are what this script adds.

    python benchmarks/gen_tenant.py OUT_DIR [--scale 0.1] [--seed 1]
"""

from __future__ import annotations

import argparse
import json
import random
import uuid
from pathlib import Path
from typing import Any

import yaml

from caflow.io.decode import load_document
from caflow.replay.synth import power_platform

ROOT = Path(__file__).resolve().parents[1]
POLICY_DATA = ROOT / "tests" / "data" / "policies"
J0EYV = POLICY_DATA / "j0eyv-ConditionalAccessBaseline" / "Config"
ALEX = POLICY_DATA / "AlexFilipin-ConditionalAccess" / "PolicyRepository"
NS = uuid.UUID("6f1c7d3e-0000-4000-8000-00000000caf1")
TENANT_ID = "00000000-0000-0000-0000-00000000be9c"
ENV = f"Default-{TENANT_ID}"
#: The trusted office range (in NL, which the j0eyv country allow-list accepts), so that
#: connections are made from a network the policies allow, as in a working tenant.
OFFICE = "145.100.0.0/24"
_ROLE_IDS = (
    "62e90394-69f5-4237-9190-012177145e10",  # Global Administrator
    "f28a1f50-f6e7-4571-818b-6a12f2af6b6c",  # SharePoint Administrator
    "29232cdf-9323-42fd-ade2-1d097af3e4de",  # Exchange Administrator
    "729827e3-9c14-49f7-bb1b-9608f156bbb8",  # Helpdesk Administrator
)


def _id(kind: str, n: int | str) -> str:
    return str(uuid.uuid5(NS, f"{kind}:{n}"))


def _policies() -> list[dict[str, Any]]:
    files = sorted((J0EYV / "ConditionalAccess").glob("*.json"))
    alex = sorted(p for p in ALEX.rglob("*.json") if "Workload" not in str(p))
    out = []
    for f in [*files, *alex][:50]:
        doc = load_document(f)
        doc.setdefault("id", None)
        if not doc["id"]:
            doc["id"] = _id("policy", f.name)
        out.append(doc)
    return out


def _placeholders(policies: list[dict[str, Any]]) -> dict[str, str]:
    """Template placeholders in group lists -> generated group ids (rewritten in place)."""
    found: dict[str, str] = {}
    for p in policies:
        users = (p.get("conditions") or {}).get("users") or {}
        for key in ("includeGroups", "excludeGroups"):
            refs = users.get(key) or []
            for i, ref in enumerate(refs):
                if isinstance(ref, str) and ref.startswith("<"):
                    found.setdefault(ref, _id("group", ref))
                    refs[i] = found[ref]
    return found


def _mentioned(policies: list[dict[str, Any]], key: str) -> list[str]:
    seen: dict[str, None] = {}
    for p in policies:
        users = (p.get("conditions") or {}).get("users") or {}
        for k in (f"include{key}", f"exclude{key}"):
            for ref in users.get(k) or []:
                if isinstance(ref, str) and ref.lower() not in ("all", "none"):
                    seen.setdefault(ref, None)
    return list(seen)


def generate(
    out: Path, *, scale: float = 1.0, seed: int = 1, directory_format: str = "yaml"
) -> dict[str, int]:
    """Write a bundle to ``out``; returns the counts written. ``directory_format``: yaml
    (``directory.yaml``, as ``caflow pull`` writes it) or json (``directory.json``)."""
    rng = random.Random(seed)
    n_users = max(4, round(5000 * scale))
    n_groups = max(40, round(200 * scale))
    n_conns = max(8, round(20000 * scale))
    n_flows = max(4, round(10000 * scale))
    policies = _policies()
    placeholder_groups = _placeholders(policies)

    groups: list[dict[str, Any]] = []
    for f in sorted((J0EYV / "Groups").glob("*.json")):
        g = load_document(f)
        if all(g["id"] != seen["id"] for seen in groups):  # the export repeats some
            groups.append({"id": g["id"], "displayName": g["displayName"]})
    for name, gid in placeholder_groups.items():
        groups.append({"id": gid, "displayName": name.strip("<>")})
    policy_groups = {g["id"] for g in groups}
    policy_groups.update(_mentioned(policies, "Groups"))
    known = {g["id"] for g in groups}
    for gid in _mentioned(policies, "Groups"):
        if gid not in known:
            groups.append({"id": gid, "displayName": f"policy group {gid[:8]}"})
            known.add(gid)
    base = len(groups)
    while len(groups) < max(n_groups, base + 10):
        n = len(groups)
        groups.append({"id": _id("group", n), "displayName": f"Team {n:03d}"})
    rare = [g["displayName"] for g in groups if g["id"] in policy_groups]
    common = [g["displayName"] for g in groups if g["id"] not in policy_groups]
    roles = [r for r in _mentioned(policies, "Roles") if len(r) == 36] or list(_ROLE_IDS)

    users: list[dict[str, Any]] = []
    devices: list[dict[str, Any]] = []
    for i in range(n_users):
        guest = rng.random() < 0.03
        upn = f"user{i:05d}@fabrikam.example" if not guest else f"guest{i:05d}@partner.example"
        u: dict[str, Any] = {
            "id": _id("user", i),
            "userPrincipalName": upn,
            "displayName": f"User {i:05d}",
            "userType": "Guest" if guest else "Member",
            "accountEnabled": rng.random() > 0.01,
            "memberOf": sorted(
                set(rng.sample(common, rng.randint(1, 3)))
                | (set(rng.sample(rare, 1)) if rare and rng.random() < 0.15 else set())
            ),
        }
        if guest:
            u["guestOrExternalUserType"] = "b2bCollaborationGuest"
            u["externalTenantId"] = _id("partner", rng.randint(0, 3))
        if rng.random() < 0.01:
            u["roles"] = [rng.choice(roles)]
        if rng.random() < 0.02:
            u["tags"] = ["serviceAccount"]
        if rng.random() < 0.3:
            name = f"DEV-{i:05d}"
            devices.append(
                {
                    "deviceId": _id("device", i),
                    "displayName": name,
                    "operatingSystem": rng.choice(["Windows", "MacMDM", "iOS", "Android"]),
                    "trustType": rng.choice(["AzureAD", "ServerAD", "Workplace"]),
                    "isCompliant": rng.random() < 0.7,
                }
            )
            u["devices"] = [name]
        users.append(u)

    owners = [u for u in users if u["userType"] == "Member"]
    connections, flows = power_platform(owners, n_conns, n_flows, rng, env=ENV, ident=_id)

    out.mkdir(parents=True, exist_ok=True)
    (out / "policies").mkdir(exist_ok=True)
    (out / "powerplatform").mkdir(exist_ok=True)
    tenant = {
        "id": TENANT_ID,
        "displayName": f"Fabrikam synthetic (seed {seed}, scale {scale})",
        "settings": {
            "rememberMfa": {"enabled": False, "days": 14},
            "mfaTrustedIps": [OFFICE],
            "connectorEgress": {"ipRanges": ["20.190.128.0/18"], "country": "US"},
            "accessTokenLifetime": "PT75M",
        },
    }
    _dump_yaml(out / "tenant.yaml", tenant)
    directory = {"users": users, "groups": groups, "devices": devices}
    if directory_format == "json":
        _dump_json(out / "directory.json", directory)
    else:
        _dump_yaml(out / "directory.yaml", directory)
    for i, p in enumerate(policies):
        _dump_json(out / "policies" / f"P{i:02d}.json", p)
    locations = [load_document(f) for f in sorted((J0EYV / "NamedLocations").glob("*.json"))]
    locations.append(
        {
            "@odata.type": "#microsoft.graph.ipNamedLocation",
            "id": _id("location", "office"),
            "displayName": "Head office Amsterdam",
            "isTrusted": True,
            "ipRanges": [{"@odata.type": "#microsoft.graph.iPv4CidrRange", "cidrAddress": OFFICE}],
        }
    )
    _dump_json(out / "namedLocations.json", {"value": locations})
    _dump_json(out / "powerplatform" / "connections.json", {"value": connections})
    _dump_json(out / "powerplatform" / "flows.json", {"value": flows})
    return {
        "users": len(users),
        "groups": len(groups),
        "policies": len(policies),
        "connections": len(connections),
        "flows": len(flows),
    }


def _dump_json(path: Path, doc: Any) -> None:
    path.write_text(json.dumps(doc, indent=1, sort_keys=False) + "\n", encoding="utf-8")


def _dump_yaml(path: Path, doc: Any) -> None:
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    path.write_text(yaml.dump(doc, Dumper=dumper, sort_keys=False), encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    counts = generate(args.out, scale=args.scale, seed=args.seed)
    print(", ".join(f"{v} {k}" for k, v in counts.items()), "->", args.out)


if __name__ == "__main__":
    main()
