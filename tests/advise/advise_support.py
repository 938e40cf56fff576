from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.examples_paths import CONTOSO

from caflow.advise import run_advise
from caflow.io.bundle import load_bundle

ROOT = Path(__file__).resolve().parents[2]
FLOW = "7df0a125-d3be-4c96-aa54-591f83ff541c"
SPO = "00000003-0000-0ff1-ce00-000000000000"


def policy(
    pid: str,
    apps: list[str],
    *,
    grant: dict[str, Any] | None = None,
    state: str = "enabled",
    users: dict[str, Any] | None = None,
    locations: dict[str, Any] | None = None,
    session: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "id": pid,
        "displayName": f"TEST {pid}",
        "state": state,
        "conditions": {
            "clientAppTypes": ["all"],
            "applications": {"includeApplications": apps},
            "users": users
            or {"includeUsers": ["All"], "excludeGroups": ["22222222-0000-0000-0000-000000000008"]},
            "locations": locations,
        },
        "grantControls": grant
        if grant is not None
        else {"operator": "OR", "builtInControls": ["mfa"]},
        "sessionControls": session,
    }


@pytest.fixture
def make_bundle(tmp_path: Path):
    """Copy of contoso with its policies replaced (or extended) and settings/agreements patched."""

    counter: list[int] = []

    def make(
        policies: list[dict[str, Any]],
        *,
        keep: bool = False,
        settings: dict[str, Any] | None = None,
        agreements: list[dict[str, Any]] | None = None,
    ) -> Path:
        counter.append(1)
        dst = tmp_path / f"bundle{len(counter)}"
        shutil.copytree(CONTOSO, dst)
        if not keep:
            for f in (dst / "policies").iterdir():
                f.unlink()
        for p in policies:
            (dst / "policies" / f"{p['id']}.json").write_text(json.dumps(p), encoding="utf-8")
        if settings:
            t = yaml.safe_load((dst / "tenant.yaml").read_text())
            t["settings"].update(settings)
            (dst / "tenant.yaml").write_text(yaml.safe_dump(t))
        if agreements is not None:
            (dst / "agreements.json").write_text(json.dumps(agreements))
        return dst

    return make


def findings(path: Path, rule: str, status: str = "FAIL"):
    result = run_advise(load_bundle(path), select=[rule])
    return [f for f in result.findings if f.status.value == status]
