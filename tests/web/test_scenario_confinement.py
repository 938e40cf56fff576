"""Every path a scenario names is held to the served folder by the scenario loader itself
(issue 12): ``tenant``/``Tenant`` and addPolicy ``file``/``File`` (``addPolicy``/``AddPolicy``),
absolute, with ``..`` or through a symlink, whether the scenario is uploaded or served; and the
other paths the API takes (check proposals, matrix personas, advise suppressions) likewise.
Each outside target is a real, valid bundle or file, so a bypass would run and answer 200."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.examples_paths import CONTOSO, EXAMPLES

from caflow.web.app import create_app

HEAD = "start: 2026-03-01T00:00:00Z\nend: 2026-03-02T00:00:00Z\n"
POLICY = next((CONTOSO / "policies").glob("*.json")).read_text()
NEW_ID = "11111111-2222-3333-4444-555555555555"
ESCAPES = ("absolute", "dotdot", "symlink")


@pytest.fixture
def layout(tmp_path: Path) -> tuple[TestClient, Path, Path]:
    """served/ (the root, with contoso/ and a new policy) beside outside/ (a bundle and a
    policy the server must not read); served/link-* are symlinks out."""
    served, outside = tmp_path / "served", tmp_path / "outside"
    shutil.copytree(CONTOSO, served / "contoso")
    shutil.copytree(CONTOSO, outside / "contoso")
    policy = json.loads(POLICY)
    policy["id"] = NEW_ID
    for folder in (served, outside):
        (folder / "new-policy.json").write_text(json.dumps(policy))
    (served / "link-bundle").symlink_to(outside / "contoso")
    (served / "link-policy.json").symlink_to(outside / "new-policy.json")
    (served / "link-inside").symlink_to(served / "contoso")  # a symlink staying inside is fine
    client = TestClient(create_app(CONTOSO, root=served, examples=EXAMPLES))
    return client, served, outside


def _target(escape: str, outside: Path, name: str, link: str) -> str:
    return {
        "absolute": str(outside / name),
        "dotdot": f"../outside/{name}",
        "symlink": link,
    }[escape]


def _tenant_scenario(key: str, ref: str) -> str:
    return f"{key}: '{ref}'\n{HEAD}"


def _policy_scenario(action: str, key: str, ref: str) -> str:
    return (
        f"tenant: contoso\n{HEAD}events:\n  - at: 2026-03-01T01:00:00Z\n"
        f"    {action}:\n      {key}: '{ref}'\n"
    )


def _refused(r: object, pointer: str, served: Path) -> None:
    """403 naming the scenario's key path, never the server's absolute folders."""
    from httpx import Response

    assert isinstance(r, Response)
    assert r.status_code == 403, r.text[-1500:]
    assert f"{pointer}: path outside the served folder" in r.text
    assert str(served) not in r.text and str(served.parent) not in r.text
    assert "Traceback" not in r.text


def _run(client: TestClient, served: Path, text: str, how: str) -> object:
    if how == "upload":
        return client.post("/simulate/upload", files={"scenario_file": ("s.yaml", text.encode())})
    (served / "s.yaml").write_text(text)
    if how == "api":
        return client.post("/api/simulate", json={"scenario": "s.yaml"})
    return client.post("/simulate", data={"scenario": "s.yaml"})


@pytest.mark.parametrize("how", ["upload", "api", "page"])
@pytest.mark.parametrize("escape", ESCAPES)
@pytest.mark.parametrize("key", ["tenant", "Tenant"])
def test_scenario_tenant_outside_the_served_folder_is_403(
    layout: tuple[TestClient, Path, Path], key: str, escape: str, how: str
) -> None:
    client, served, outside = layout
    ref = _target(escape, outside, "contoso", "link-bundle")
    _refused(_run(client, served, _tenant_scenario(key, ref), how), f"/{key}", served)


@pytest.mark.parametrize("how", ["upload", "api"])
@pytest.mark.parametrize("escape", ESCAPES)
@pytest.mark.parametrize(("action", "key"), [("addPolicy", "file"), ("AddPolicy", "File")])
def test_scenario_policy_file_outside_the_served_folder_is_403(
    layout: tuple[TestClient, Path, Path], action: str, key: str, escape: str, how: str
) -> None:
    client, served, outside = layout
    ref = _target(escape, outside, "new-policy.json", "link-policy.json")
    r = _run(client, served, _policy_scenario(action, key, ref), how)
    _refused(r, f"/events/0/{action}/{key}", served)


@pytest.mark.parametrize("how", ["upload", "api"])
@pytest.mark.parametrize("key", ["tenant", "Tenant"])
@pytest.mark.parametrize("ref", ["contoso", "link-inside", "./contoso/../contoso"])
def test_scenario_paths_inside_the_served_folder_still_run(
    layout: tuple[TestClient, Path, Path], key: str, ref: str, how: str
) -> None:
    client, served, _ = layout
    r = _run(client, served, _tenant_scenario(key, ref), how)
    assert r.status_code == 200, r.text[-1500:]
    added = _run(client, served, _policy_scenario("AddPolicy", "File", "new-policy.json"), how)
    assert added.status_code == 200, added.text[-1500:]
    if how == "api":
        assert json.loads(added.text)["schemaVersion"]


def test_scenario_naming_a_missing_path_inside_is_still_not_found(
    layout: tuple[TestClient, Path, Path],
) -> None:
    client, served, _ = layout
    r = _run(client, served, _tenant_scenario("Tenant", "nothing-here"), "api")
    assert r.status_code == 400 and "/Tenant: tenant bundle not found" in r.text


@pytest.mark.parametrize("escape", ESCAPES)
@pytest.mark.parametrize(
    ("endpoint", "field", "name", "link", "many"),
    [
        ("/api/check", "proposed", "new-policy.json", "link-policy.json", True),
        ("/api/matrix", "personas", "personas.csv", "link-personas.csv", False),
        ("/api/advise", "suppressions", "accepted.yaml", "link-accepted.yaml", False),
    ],
)
def test_api_paths_outside_the_served_folder_are_403(
    layout: tuple[TestClient, Path, Path],
    endpoint: str,
    field: str,
    name: str,
    link: str,
    many: bool,
    escape: str,
) -> None:
    """The paths the API bodies name go through the workspace's one resolve (realpath)."""
    client, served, outside = layout
    source = {"personas.csv": EXAMPLES / "requests", "accepted.yaml": EXAMPLES / "ci"}
    if name in source:
        shutil.copy(source[name] / name, outside / name)
        (served / link).symlink_to(outside / name)
    ref = _target(escape, outside, name, link)
    r = client.post(endpoint, json={field: [ref] if many else ref})
    assert r.status_code == 403, r.text[-1500:]
    err = r.json()["error"]
    assert err["message"] == "path outside the served folder"
    assert err["file"] == f"--{field}" and str(served) not in r.text
