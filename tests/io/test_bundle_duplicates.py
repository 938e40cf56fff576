"""Bundle-level strictness (issue 8 part 3): two named locations, connections or flows with one
id are exit 2 naming both places; an IPv4-mapped IPv6 address matches IPv4 ranges and
countries exactly as the IPv4 address does."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from tests.examples_paths import CONTOSO
from typer.testing import CliRunner

from caflow.cli.main import app

runner = CliRunner()


def _copy(tmp_path: Path) -> Path:
    root = tmp_path / "bundle"
    shutil.copytree(CONTOSO, root)
    return root


def _duplicate_in_list(root: Path, rel: str, index: int, key: str, value: str | None = None):
    path = root / rel
    doc = json.loads(path.read_text(encoding="utf-8"))
    items = doc["value"] if isinstance(doc, dict) else doc
    clone = json.loads(json.dumps(items[index]))
    first_key = items[0][key]
    clone[key] = value if value is not None else first_key.upper()
    items.append(clone)
    path.write_text(json.dumps(doc), encoding="utf-8")
    return len(items) - 1


CASES = {
    "named location id": ("namedLocations.json", "id", "named location id"),
    "connection name": ("powerplatform/connections.json", "name", "connection name"),
    "flow id": ("powerplatform/flows.json", "name", "flow id"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_duplicate_ids_in_a_bundle_are_exit_2(tmp_path: Path, case: str) -> None:
    rel, key, what = CASES[case]
    root = _copy(tmp_path)
    index = _duplicate_in_list(root, rel, 1, key)
    res = runner.invoke(app, ["advise", str(root)])
    assert res.exit_code == 2, res.output
    err = res.stderr
    assert f"{rel}: /value/{index}" in err, err
    assert f"duplicate {what}" in err, err
    assert f"(also in {root}/{rel}: /value/0)" in err, err
    assert "[duplicate]" in err and "Traceback" not in err


def test_duplicate_across_files(tmp_path: Path) -> None:
    """The same named location id in two files of a one-object-per-file folder."""
    root = _copy(tmp_path)
    doc = json.loads((root / "namedLocations.json").read_text(encoding="utf-8"))
    items = doc["value"] if isinstance(doc, dict) else doc
    (root / "namedLocations.json").unlink()
    folder = root / "namedLocations"
    folder.mkdir()
    for name, item in (("a.json", items[0]), ("b.json", {**items[1], "id": items[0]["id"]})):
        (folder / name).write_text(json.dumps(item), encoding="utf-8")
    res = runner.invoke(app, ["advise", str(root)])
    assert res.exit_code == 2, res.output
    assert "namedLocations/b.json: /id: duplicate named location id" in res.stderr
    assert "namedLocations/a.json" in res.stderr


def _whatif(ip: str) -> dict:
    res = runner.invoke(
        app,
        [
            "whatif",
            str(CONTOSO),
            "--user",
            "bob@contoso.com",
            "--app",
            "Office 365 Exchange Online",
            "--ip",
            ip,
            "--platform",
            "windows",
            "--client-app",
            "browser",
            "--device",
            "unregistered",
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    return {
        "decision": out["decision"],
        "policies": out["policies"],
        "undetermined": [u["id"] for u in out["undetermined"]],
        "applies": {v["id"]: v["analysisReasons"] for v in out["value"]},
    }


@pytest.mark.parametrize("ip", ["203.0.113.7", "198.51.100.200", "8.8.8.8", "175.45.176.1"])
def test_ipv4_mapped_ipv6_matches_like_ipv4(ip: str) -> None:
    """Trusted office ranges (HQ, Paris), an allowed country (US) and a sanctioned one (KP)."""
    assert _whatif(f"::ffff:{ip}") == _whatif(ip)


def test_mapped_address_in_trusted_range_is_trusted() -> None:
    """Control: the mapped address really lands in the trusted range (not just 'same as v4')."""
    office, outside = _whatif("::ffff:203.0.113.7"), _whatif("::ffff:8.8.8.8")
    assert office != outside


@pytest.mark.parametrize(
    ("rel", "key", "value"),
    [
        ("namedLocations.json", "isTrusted", "true"),
        ("namedLocations.json", "isTrusted", 1),
        ("agreements.json", "isPerDeviceAcceptanceRequired", "false"),
    ],
)
def test_quoted_booleans_in_exported_files_are_exit_2(
    tmp_path: Path, rel: str, key: str, value: object
) -> None:
    root = _copy(tmp_path)
    path = root / rel
    doc = json.loads(path.read_text(encoding="utf-8"))
    items, prefix = (doc["value"], "/value") if isinstance(doc, dict) else (doc, "")
    items[0][key] = value
    path.write_text(json.dumps(doc), encoding="utf-8")
    res = runner.invoke(app, ["advise", str(root)])
    assert res.exit_code == 2, res.output
    assert f"{rel}: {prefix}/0/{key}: wrong type: expected true or false" in res.stderr, res.stderr


# -- review of issue 8: byte-identical policy copies, ids shared across object kinds ----------

CA004 = "CA004-Require-MFA-for-SharePoint-Online.json"


def _copy_policy(root: Path, variant: str) -> tuple[Path, str]:
    """A second copy of CA004 somewhere in the bundle; returns (its file, its id pointer)."""
    src = root / "policies" / CA004
    policy = json.loads(src.read_text(encoding="utf-8"))
    if variant == "byte-identical file":
        dst = root / "policies" / "CA004-copy.json"
        dst.write_bytes(src.read_bytes())
        return dst, "/id"
    if variant == "same policy in a list file":
        dst = root / "policies" / "zz-all.json"
        dst.write_text(json.dumps({"value": [policy]}), encoding="utf-8")
        return dst, "/value/0/id"
    if variant == "copy in a sub-folder":
        (root / "policies" / "zz-old").mkdir()
        dst = root / "policies" / "zz-old" / CA004
        dst.write_bytes(src.read_bytes())
        return dst, "/id"
    assert variant == "id in another case"
    policy["id"] = policy["id"].upper()
    dst = root / "policies" / "zz-upper.json"
    dst.write_text(json.dumps(policy), encoding="utf-8")
    return dst, "/id"


@pytest.mark.parametrize(
    "variant",
    [
        "byte-identical file",
        "same policy in a list file",
        "copy in a sub-folder",
        "id in another case",
    ],
)
def test_policy_copies_are_exit_2_naming_both(tmp_path: Path, variant: str) -> None:
    root = _copy(tmp_path)
    second, pointer = _copy_policy(root, variant)
    for verb in (["advise", str(root)], ["whatif", str(root), "--user", "alice@contoso.com"]):
        res = runner.invoke(app, verb)
        assert res.exit_code == 2, res.output
        err = res.stderr.strip()
        assert f"{second}: {pointer}: duplicate policy id" in err, err
        assert f"(also in {root / 'policies' / CA004}: /id)" in err, err
        assert err.endswith("[duplicate]")


@pytest.mark.parametrize(
    ("section", "entry", "pointer", "clash"),
    [
        (
            "groups",
            {"id": "11111111-0000-0000-0000-000000000001", "displayName": "X"},
            "groups",
            "/users/0/id",
        ),
        (
            "groups",
            {"id": "33333333-0000-0000-0000-000000000001", "displayName": "Y"},
            "groups",
            None,
        ),
        (
            "servicePrincipals",
            {
                "id": "22222222-0000-0000-0000-000000000001",
                "appId": "5a5a5a5a-0000-4000-8000-0000000000ff",
            },
            "servicePrincipals",
            "/groups/0/id",
        ),
        (
            "users",
            {"id": "22222222-0000-0000-0000-000000000002", "userPrincipalName": "zed@contoso.com"},
            "users",
            "/groups/1/id",
        ),
        (
            "devices",
            {
                "id": "11111111-0000-0000-0000-000000000002",
                "deviceId": "33333333-0000-0000-0000-0000000000ff",
                "displayName": "Z",
            },
            "devices",
            "/users/1/id",
        ),
    ],
)
def test_one_id_for_two_kinds_of_directory_object_is_exit_2(
    tmp_path: Path, section: str, entry: dict, pointer: str, clash: str | None
) -> None:
    import yaml

    root = _copy(tmp_path)
    path = root / "directory.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    doc.setdefault(section, []).append(entry)
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    res = runner.invoke(app, ["advise", str(root)])
    if clash is None:
        # A device's deviceId is not a directory object id (the Entra object id is `id`).
        assert res.exit_code in (0, 1), res.output
        return
    assert res.exit_code == 2, res.output
    err = res.stderr.strip()
    index = len(doc[section]) - 1
    assert err.startswith(f"error: {path}: /") and "duplicate directory object id" in err, err
    assert f"/{pointer}/{index}/id" in err and clash in err and "[duplicate]" in err, err
