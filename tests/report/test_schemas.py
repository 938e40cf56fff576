"""The JSON Schemas in docs/schema/ (issue 9 part 3): generated from the models, never stale,
and true of what caflow reads and prints (the example bundle and scenarios validate against the
input schemas; real ``--json`` outputs validate against the output schemas)."""

from __future__ import annotations

import json
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from tests.examples_paths import CONTOSO, SCENARIOS
from typer.testing import CliRunner

from caflow.cli.main import app
from caflow.io.decode import load_document
from caflow.io.normalize import as_list
from caflow.report.schemas import BUNDLE_FILES, NAMES, render, schema

ROOT = Path(__file__).resolve().parents[2]
PUBLISHED = ROOT / "docs" / "schema"
runner = CliRunner()


@pytest.mark.parametrize("name", NAMES)
def test_published_schema_is_current(name: str) -> None:
    path = PUBLISHED / f"{name}.schema.json"
    assert path.exists(), f"{path} missing: run `caflow schema --out docs/schema`"
    assert path.read_text(encoding="utf-8") == render(name), (
        f"{path} is stale: run `caflow schema --out docs/schema`"
    )


def test_no_orphan_schema_files() -> None:
    published = {p.name for p in PUBLISHED.glob("*.json")}
    assert published == {f"{n}.schema.json" for n in NAMES}


@pytest.mark.parametrize("name", NAMES)
def test_schema_is_valid_json_schema(name: str) -> None:
    jsonschema.Draft202012Validator.check_schema(schema(name))


def _plain(value: Any) -> Any:
    """YAML timestamps -> ISO strings, as the JSON a schema describes."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


@cache
def _validator(name: str) -> jsonschema.Draft202012Validator:
    """One validator per schema (built once: the scenario schema embeds every bundle file's)."""
    return jsonschema.Draft202012Validator(schema(name))


def _validate(name: str, doc: Any) -> None:
    _validator(name).validate(_plain(doc))


def test_example_bundle_files_validate() -> None:
    seen = set()
    for path in sorted(CONTOSO.rglob("*")):
        if path.suffix not in (".json", ".yaml", ".yml"):
            continue
        rel = path.relative_to(CONTOSO).as_posix()
        key = "policies/*.json" if rel.startswith("policies/") else rel
        if key not in BUNDLE_FILES:
            continue
        _validate(BUNDLE_FILES[key], load_document(path))
        seen.add(key)
    assert {"tenant.yaml", "directory.yaml", "policies/*.json", "namedLocations.json"} <= seen


def test_bundle_schema_rejects_what_the_loader_rejects() -> None:
    """The user-written files' schemas are as strict as the loader (unknown keys, types)."""
    with pytest.raises(jsonschema.ValidationError):
        _validate("tenant", {"settings": {"rememberMFA": {"enabled": True}}})
    with pytest.raises(jsonschema.ValidationError):
        _validate("directory", {"devices": [{"displayName": "x", "isCompliant": "yes"}]})
    with pytest.raises(jsonschema.ValidationError):
        _validate("policy", {"conditions": {"platforms": {"includePlatforms": ["windowz"]}}})


@pytest.mark.parametrize("scenario", sorted(p.name for p in SCENARIOS.glob("*.yaml")))
def test_example_scenarios_validate(scenario: str) -> None:
    _validate("scenario", load_document(SCENARIOS / scenario))


def _pascal(value: Any) -> Any:
    """Every key PascalCase, at every depth (what PowerShell writes)."""
    if isinstance(value, dict):
        return {str(k)[:1].upper() + str(k)[1:]: _pascal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_pascal(v) for v in value]
    return value


@pytest.mark.parametrize("scenario", sorted(p.name for p in SCENARIOS.glob("*.yaml")))
def test_pascal_case_scenarios_validate_and_load_alike(scenario: str, tmp_path: Path) -> None:
    """docs/scenario-format.md: keys camelCase or PascalCase. The schema accepts what the loader
    accepts (``Start``/``End``/``Tenant``/``Events``/``At``/``SignIn`` ..., inline tenants), and the
    loader reads the PascalCase file as the camelCase one (same actions, same time window)."""
    from caflow.simulate.scenario import load_scenario

    doc = _plain(load_document(SCENARIOS / scenario))
    pascal = _pascal(doc)
    assert pascal != doc
    _validate("scenario", pascal)
    (tmp_path / "contoso").symlink_to(CONTOSO, target_is_directory=True)  # tenant: ../contoso
    camel_file, pascal_file = tmp_path / "s" / "camel.json", tmp_path / "s" / "pascal.json"
    camel_file.parent.mkdir()
    camel_file.write_text(json.dumps(doc))
    pascal_file.write_text(json.dumps(pascal))
    camel, pas = load_scenario(camel_file), load_scenario(pascal_file)
    assert (pas.start, pas.end) == (camel.start, camel.end)
    assert [(a.at, a.kind) for a in pas.actions] == [(a.at, a.kind) for a in camel.actions]
    assert [f.name for f in pas.flows] == [f.name for f in camel.flows]
    assert len(camel.actions) == len(doc.get("events", ()))


def test_a_key_in_two_spellings_schema_refuses_loader_reads_one_meaning(tmp_path: Path) -> None:
    """The schema asks for one spelling; the loader reads copies meaning one thing (A-IN-DUP)
    and refuses two meanings - so a file the schema accepts always loads."""
    doc = _plain(load_document(SCENARIOS / "effect1-future-runs.yaml"))
    (tmp_path / "contoso").symlink_to(CONTOSO, target_is_directory=True)
    (tmp_path / "s").mkdir()
    for events, code in ((doc["events"], 0), (doc["events"][:1], 2)):
        twice = {**doc, "Events": events}
        with pytest.raises(jsonschema.ValidationError):
            _validate("scenario", twice)
        (tmp_path / "s" / "twice.json").write_text(json.dumps(twice))
        res = runner.invoke(app, ["simulate", str(tmp_path / "s" / "twice.json")])
        assert res.exit_code == code, res.output
    assert "/Events: duplicate key 'Events': also written as 'events' at /events" in res.stderr


def test_scenario_schema_types_the_inline_tenant() -> None:
    """``tenant:`` inline is checked part by part with the bundle files' schemas."""
    doc = _plain(load_document(SCENARIOS / "inline-tenant-trusted-egress.yaml"))
    _validate("scenario", doc)
    for bad in (
        {"polices": doc["tenant"]["policies"]},  # an unknown part
        {"tenant": {"settings": {"rememberMFA": {"enabled": True}}}},  # tenant.yaml's rules
        {"directory": {"devices": [{"displayName": "x", "isCompliant": "yes"}]}},
        {"policies": [{"state": "on"}]},  # a policy's closed sets
    ):
        with pytest.raises(jsonschema.ValidationError):
            _validate("scenario", {**doc, "tenant": bad})


@pytest.mark.parametrize(
    ("part", "code"), [("polices", "invalid-value"), ("POLICIES", "invalid-value")]
)
def test_inline_tenant_part_spelt_otherwise_is_refused_like_the_schema(
    part: str, code: str, tmp_path: Path
) -> None:
    """Only camelCase / PascalCase part names load (docs/scenario-format.md), as the schema says."""
    doc = _plain(load_document(SCENARIOS / "inline-tenant-trusted-egress.yaml"))
    tenant = dict(doc["tenant"])
    tenant[part] = tenant.pop("policies")
    with pytest.raises(jsonschema.ValidationError):
        _validate("scenario", {**doc, "tenant": tenant})
    (tmp_path / "s.json").write_text(json.dumps({**doc, "tenant": tenant}))
    res = runner.invoke(app, ["simulate", str(tmp_path / "s.json")])
    assert res.exit_code == 2
    assert f"/tenant/{part}: unknown part of an inline tenant" in res.stderr
    assert "did you mean 'policies'?" in res.stderr and f"[{code}]" in res.stderr


def test_exported_files_accept_pascal_case_keys() -> None:
    """PowerShell's ``ConvertTo-Json`` writes PascalCase; the loaders camelCase keys first."""
    doc = load_document(CONTOSO / "namedLocations.json")
    items = [_pascal(item) for item, _ in as_list(doc, file="schemas")]
    _validate("namedLocations", items)


def test_list_files_accept_a_graph_page_and_a_bare_list() -> None:
    doc = load_document(CONTOSO / "namedLocations.json")
    items = [item for item, _ in as_list(doc, file="schemas")]
    _validate("namedLocations", {"value": items})
    _validate("namedLocations", items)
    _validate("namedLocations", items[0])


def _json(args: list[str], codes: tuple[int, ...] = (0, 1)) -> Any:
    res = runner.invoke(app, args)
    assert res.exit_code in codes, res.output
    return json.loads(res.stdout)


def test_whatif_output_validates() -> None:
    for extra in ([], ["--explain", "full"], ["--ip", "8.8.8.8", "--device", "LAPTOP-ALICE"]):
        out = _json(
            [
                "whatif",
                str(CONTOSO),
                "--user",
                "alice@contoso.com",
                "--app",
                "Office 365 SharePoint Online",
                "--json",
                *extra,
            ]
        )
        _validate("whatif", out)


def test_simulate_output_validates() -> None:
    for scenario in ("effect1-future-runs.yaml", "revocation.yaml", "effect5-embedded.yaml"):
        _validate("simulate", _json(["simulate", str(SCENARIOS / scenario), "--json"]))


def test_advise_output_validates() -> None:
    _validate("advise", _json(["advise", str(CONTOSO), "--format", "json"]))


def test_check_output_validates() -> None:
    proposed = ROOT / "tests" / "check" / "fixtures" / "CA014-enabled.json"
    out = _json(
        ["check", "--baseline", str(CONTOSO), "--proposed", str(proposed), "--format", "json"]
    )
    assert out["breaks"] is True  # the schema is checked on a non-empty plan
    _validate("check", out)


def test_schema_command() -> None:
    res = runner.invoke(app, ["schema", "scenario"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout) == schema("scenario")
    res = runner.invoke(app, ["schema", "scenari"])
    assert res.exit_code == 2
    assert "did you mean 'scenario'?" in res.stderr and "Traceback" not in res.output


def test_matrix_output_validates() -> None:
    out = _json(
        ["matrix", str(CONTOSO), "--format", "json", "--at", "2026-02-02T09:00:00Z"], (0, 1)
    )
    assert out["cells"] and out["mismatches"]  # checked on a matrix with mismatches
    _validate("matrix", out)
    with pytest.raises(jsonschema.ValidationError):
        _validate("matrix", {**out, "cells": [{**out["cells"][0], "status": "maybe"}]})


def test_replay_output_validates(tmp_path: Path) -> None:
    """A proposal that breaks a recorded Flow Service refresh (changes and flowConnections
    rows listed) and rows recording CA results (agreement)."""
    from tests.proposals import FLOW_REFRESH, MFA_O365
    from tests.replay.test_replay_cli import FIX

    policy = tmp_path / "mfa-o365.json"
    policy.write_text(json.dumps(MFA_O365))
    recorded = json.loads((FIX / "graph-beta.jsonl").read_text().splitlines()[0])
    recorded = dict(recorded, id="ag0", userId="11111111-0000-0000-0000-000000000002")
    recorded["userPrincipalName"] = None
    recorded["appliedConditionalAccessPolicies"] = [
        {"id": "66666666-0000-0000-0000-000000000002", "displayName": "CA002", "result": "success"}
    ]
    (tmp_path / "ag.jsonl").write_text(json.dumps(recorded) + "\n")
    res = runner.invoke(
        app,
        [
            "replay",
            "--bundle",
            str(CONTOSO),
            "--no-store",
            "--logs",
            str(FLOW_REFRESH),
            "--logs",
            str(FIX),
            "--logs",
            str(tmp_path / "ag.jsonl"),
            "--proposed",
            str(policy),
            "--at",
            "2026-03-01",
            "--format",
            "json",
        ],
    )
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["flowConnections"]["rows"] and out["agreement"]["policyResultsCompared"]
    _validate("replay", out)


def test_apps_output_validates() -> None:
    out = _json(["apps", "--format", "json"])
    assert len(out["apps"]) > 10
    _validate("apps", out)
    _validate("apps", _json(["apps", "sharepoint", "--json"]))
    with pytest.raises(jsonschema.ValidationError):
        _validate("apps", {**out, "apps": [{**out["apps"][0], "groups": ["Office 365"]}]})


def test_demo_output_validates() -> None:
    """Each section is also its own verb's contract (the demo's schema reuses theirs)."""
    out = _json(["demo", "--format", "json"])
    assert out["whatif"] and out["simulate"]["events"] and out["advise"]["findings"]
    _validate("demo", out)
    for section in out["whatif"]:
        _validate("whatif", section["result"])
    _validate("simulate", out["simulate"])
    _validate("advise", out["advise"])
    with pytest.raises(jsonschema.ValidationError):
        _validate("demo", {**out, "whatif": [{"title": "x", "note": "y", "result": {}}]})


def test_pull_manifest_schema_names_every_auth_method_and_part_status() -> None:
    """pull.json's closed sets are caflow pull's own (the report layer cannot import pull)."""
    from caflow.pull.names import AuthMethod, CloudName

    doc = schema("pull")
    assert set(doc["properties"]["auth"]["enum"]) == {m.value for m in AuthMethod}
    clouds = doc["$defs"]["PullCloud"]["properties"]["name"]["enum"]
    assert set(clouds) == {c.value for c in CloudName}
