"""Benchmark: loading an EntraExporter folder (one JSON file per object, group members as
files below each group) versus the equivalent hand-written directory.yaml bundle.

Generates a seeded tenant of N users, G groups (each user in K groups, 10% of groups nested in
another) and 50 policies referencing groups, writes it both ways into a temporary folder and
prints load times side by side.

    python benchmarks/bench_export_layout.py [--users 5000] [--groups 500] [--per-user 3]
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
import uuid
from pathlib import Path

import yaml

from caflow.io.bundle import LoadReport, load_bundle


def _id(kind: str, i: int) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{kind}:{i}"))


def _write(path: Path, doc: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc), encoding="utf-8")


def generate(root: Path, users: int, groups: int, per_user: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    user_objs = [
        {
            "id": _id("user", i),
            "userPrincipalName": f"user{i}@contoso.com",
            "displayName": f"User {i}",
            "userType": "Member",
            "accountEnabled": True,
        }
        for i in range(users)
    ]
    group_objs = [
        {"id": _id("group", g), "displayName": f"Group {g}", "securityEnabled": True}
        for g in range(groups)
    ]
    members: dict[int, list[int]] = {g: [] for g in range(groups)}
    for i in range(users):
        for g in rng.sample(range(groups), per_user):
            members[g].append(i)
    nested = {g: rng.randrange(groups) for g in rng.sample(range(groups), groups // 10)}
    policies = [
        {
            "id": _id("policy", p),
            "displayName": f"Policy {p}",
            "state": "enabled",
            "conditions": {
                "clientAppTypes": ["all"],
                "applications": {"includeApplications": ["Office365"]},
                "users": {"includeGroups": [_id("group", rng.randrange(groups))]},
            },
            "grantControls": {"operator": "OR", "builtInControls": ["mfa"]},
        }
        for p in range(50)
    ]
    # EntraExporter layout
    ee = root / "entraexporter"
    for u in user_objs:
        _write(ee / "Users" / u["id"] / f"{u['id']}.json", u)
    for g, grp in enumerate(group_objs):
        _write(ee / "Groups" / grp["id"] / f"{grp['id']}.json", grp)
        for i in members[g]:
            u = user_objs[i]
            stub = {
                "@odata.type": "#microsoft.graph.user",
                "id": u["id"],
                "userPrincipalName": u["userPrincipalName"],
                "displayName": u["displayName"],
            }
            _write(ee / "Groups" / grp["id"] / "Members" / u["id"] / f"{u['id']}.json", stub)
    for child, parent in nested.items():
        c = group_objs[child]
        if child == parent:
            continue
        stub = {
            "@odata.type": "#microsoft.graph.group",
            "id": c["id"],
            "displayName": c["displayName"],
        }
        p = group_objs[parent]["id"]
        _write(ee / "Groups" / p / "Members" / c["id"] / f"{c['id']}.json", stub)
    for pol in policies:
        _write(ee / "Identity/Conditional/AccessPolicies" / pol["id"] / f"{pol['id']}.json", pol)
    # Hand-written bundle
    hb = root / "bundle"
    user_groups: dict[int, list[str]] = {i: [] for i in range(users)}
    for g, ms in members.items():
        for i in ms:
            user_groups[i].append(group_objs[g]["id"])
    directory = {
        "users": [{**u, "memberOf": user_groups[i]} for i, u in enumerate(user_objs)],
        "groups": [
            {
                "id": grp["id"],
                "displayName": grp["displayName"],
                **(
                    {
                        "members": [
                            group_objs[c]["id"] for c, p in nested.items() if p == g and c != g
                        ]
                    }
                    if any(p == g and c != g for c, p in nested.items())
                    else {}
                ),
            }
            for g, grp in enumerate(group_objs)
        ],
    }
    hb.mkdir(parents=True)
    (hb / "directory.yaml").write_text(yaml.safe_dump(directory), encoding="utf-8")
    for pol in policies:
        _write(hb / "policies" / f"{pol['id']}.json", pol)


def _time(path: Path) -> tuple[float, int, int]:
    start = time.perf_counter()
    report = LoadReport()
    tenant = load_bundle(path, report)
    elapsed = time.perf_counter() - start
    return elapsed, report.files, len(tenant.directory.users)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--users", type=int, default=5000)
    ap.add_argument("--groups", type=int, default=500)
    ap.add_argument("--per-user", type=int, default=3)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        generate(root, a.users, a.groups, a.per_user)
        rows = [
            ("EntraExporter folder", *_time(root / "entraexporter")),
            ("hand-written bundle", *_time(root / "bundle")),
        ]
    print(f"{'input':<22} {'load s':>8} {'files':>8} {'users':>7}")
    for name, secs, files, users in rows:
        print(f"{name:<22} {secs:8.2f} {files:8d} {users:7d}")
    print(f"ratio EntraExporter / bundle: {rows[0][1] / rows[1][1]:.1f}x")


if __name__ == "__main__":
    main()
