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
