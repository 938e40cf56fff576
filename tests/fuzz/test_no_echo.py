"""No value read from a file is echoed (SECURITY.md, review of issue 8): a secret marker
planted as a *value* anywhere in a bundle - not a key, id, name or reference, which outputs
show by design - never appears on stdout or stderr of advise, whatif, simulate or check."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import yaml
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from tests.examples_paths import CONTOSO, SCENARIOS
from tests.fuzz.fuzz_support import FUZZ, run_cli

#: Not a word (enum_token never quotes it), like real secrets with /, + and =.
MARKER = "s3cr3t/CANARY+9f2="
#: Fields whose values are names or identifiers: outputs show them by design (SECURITY.md).
NAMES = {"id", "displayName", "name", "userPrincipalName", "connectionName", "apiId"}
#: Lists of references to named objects (ids, UPNs, group names): shown by design too.
REFERENCES = {
    "includeUsers",
    "excludeUsers",
    "includeGroups",
    "excludeGroups",
    "includeRoles",
    "excludeRoles",
    "includeLocations",
    "excludeLocations",
    "includeApplications",
    "excludeApplications",
    "memberOf",
    "devices",
    "roles",
    "members",
    "termsOfUse",
    "connectionReferences",
}


def _leaves(obj: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(obj, dict):
        return [p for k, v in obj.items() for p in _leaves(v, (*path, k))]
    if isinstance(obj, list):
        return [p for i, v in enumerate(obj) for p in _leaves(v, (*path, i))]
    return [path]


def _load(path: Path) -> Any:
    text = path.read_text(encoding="utf-8")
    return yaml.safe_load(text) if path.suffix == ".yaml" else json.loads(text)


def _positions() -> list[tuple[str, tuple[Any, ...]]]:
    out = []
    for file in sorted(CONTOSO.rglob("*")):
        if file.suffix not in (".json", ".yaml"):
            continue
        for path in _leaves(_load(file)):
            if not path or (isinstance(path[-1], str) and path[-1] in NAMES):
                continue
            if any(isinstance(k, str) and k in REFERENCES for k in path):
                continue
            out.append((file.relative_to(CONTOSO).as_posix(), path))
    return out


POSITIONS = _positions()


@hsettings(FUZZ, max_examples=12)
@given(st.sampled_from(POSITIONS))
def test_planted_value_never_echoed(tmp_path_factory, position) -> None:  # type: ignore[no-untyped-def]
    rel, path = position
    root = tmp_path_factory.mktemp("b") / "bundle"
    shutil.copytree(CONTOSO, root)
    file = root / rel
    doc = _load(file)
    node = doc
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = MARKER
    file.write_text(
        yaml.safe_dump(doc) if file.suffix == ".yaml" else json.dumps(doc), encoding="utf-8"
    )
    scenario = yaml.safe_load((SCENARIOS / "effect1-future-runs.yaml").read_text())
    scenario["tenant"] = str(root)
    scenario_file = root.parent / "s.yaml"
    scenario_file.write_text(yaml.safe_dump(scenario), encoding="utf-8")
    for args in _verbs(root, scenario_file):
        res, _ = run_cli(args)
        assert res.exit_code in (0, 1, 2), res.output
        assert "CANARY" not in res.stdout + res.stderr, (rel, path, args[0], res.output[-2000:])


def _verbs(root: Path, scenario_file: Path) -> list[list[str]]:
    return [
        ["advise", str(root)],
        [
            "whatif",
            str(root),
            "--user",
            "alice@contoso.com",
            "--app",
            "Office 365 SharePoint Online",
        ],
        ["simulate", str(scenario_file)],
        [
            "check",
            "--baseline",
            str(root),
            "--enable",
            "CA014 - Require MFA for Microsoft Flow Service",
            "--start",
            "2026-01-05T00:00:00Z",
        ],
    ]


def test_positions_cover_every_bundle_file(tmp_path: Path) -> None:
    """The marker is planted in policies, settings, directory, locations, agreements and Power
    Platform files alike (the test is not vacuous)."""
    files = {rel.split("/")[0] for rel, _ in POSITIONS}
    assert {"policies", "powerplatform", "tenant.yaml", "directory.yaml"} <= files
    assert len(POSITIONS) > 200
    scenario = yaml.safe_load((SCENARIOS / "effect1-future-runs.yaml").read_text())
    scenario["tenant"] = str(CONTOSO)
    scenario_file = tmp_path / "s.yaml"
    scenario_file.write_text(yaml.safe_dump(scenario), encoding="utf-8")
    for args in _verbs(CONTOSO, scenario_file):  # each verb really runs on the clean bundle
        res, _ = run_cli(args)
        assert res.exit_code in (0, 1), res.output
