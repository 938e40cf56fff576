"""The published JSON Schemas and the loaders agree (review of issue 9, M6): every real file
caflow reads - the openly licensed corpora in tests/data, the shipped examples, the export shapes
docs/export.md recommends - validates against its schema AND loads; hostile variants are refused
by both. Where the schema is deliberately stricter or looser than the loader, the test below says
which case it is, and docs/bundle-format.md ("Schema and loader") lists them."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from tests.corpora_paths import DATA
from tests.examples_paths import CONTOSO, EXAMPLES, SCENARIOS

from caflow.errors import CaflowError
from caflow.io.bundle import LoadReport, load_bundle
from caflow.io.decode import load_document
from caflow.io.normalize import as_list, normalize_keys
from caflow.io.policies import is_policy_like
from caflow.report.schemas import schema
from caflow.simulate.scenario import load_scenario

#: What the loader calls a kind of object -> the schema of the file that holds it.
SCHEMA_OF_KIND = {
    "policy": "policy",
    "namedLocation": "namedLocations",
    "strength": "authenticationStrengths",
    "agreement": "agreements",
    "acceptance": "agreementAcceptances",
    "connection": "connections",
    "flow": "flows",
}
SUFFIXES = (".json", ".json5", ".yaml", ".yml")


@cache
def _validator(name: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(schema(name))


def _plain(value: Any) -> Any:
    """The document as JSON (YAML timestamps as ISO text), which is what a schema describes."""
    return json.loads(json.dumps(value, default=lambda v: v.isoformat()))


def _schema_errors(name: str, doc: Any) -> list[str]:
    return [f"{e.json_path}: {e.message[:200]}" for e in _validator(name).iter_errors(_plain(doc))]


def _corpus_files() -> list[Path]:
    return sorted(
        p
        for root in (DATA / "policies", DATA / "powerplatform")
        for p in root.rglob("*")
        if p.is_file() and p.suffix.lower() in SUFFIXES
    )


def test_every_corpus_file_of_one_kind_loads_and_validates() -> None:
    """A corpus file the loader reads as objects of one kind (a policy, a list of named
    locations, a Graph page of flows ...) validates against that kind's schema. Files holding
    other Graph resources (users, groups, templates, sign-ins) have no bundle schema."""
    checked: Counter[str] = Counter()
    failures = []
    for path in _corpus_files():
        report = LoadReport()
        load_bundle(path, report, require_data=False)  # loads: raises on anything refused
        kinds = set(report.kinds)
        if len(kinds) != 1 or report.skipped or next(iter(kinds)) not in SCHEMA_OF_KIND:
            continue
        name = SCHEMA_OF_KIND[kinds.pop()]
        errors = _schema_errors(name, load_document(path))
        if errors:
            failures.append(f"{path.relative_to(DATA)} ({name}): {errors[0]}")
        checked[name] += 1
    assert failures == []
    # The corpora as copied (tests/data/PROFILE.md): not a vacuous pass.
    assert checked["policy"] >= 120 and checked["namedLocations"] >= 25
    assert checked["authenticationStrengths"] >= 2 and checked["flows"] >= 2
    assert checked["connections"] >= 1


@pytest.mark.parametrize(
    "rel",
    [
        "policies/AlexFilipin-ConditionalAccess/PolicyRepository",
        "policies/j0eyv-ConditionalAccessBaseline",
        "policies/cisagov-ScubaGear",
    ],
)
def test_corpus_policies_load_as_a_policies_folder_and_validate(rel: str, tmp_path: Path) -> None:
    """Each file as ``policies/*.json`` of a bundle (where a non-policy is refused, not
    skipped): every policy validates against policy.schema.json - ``"locations": []``
    (AlexFilipin 306, 307, 701) included - and loads. A fragment with ``conditions`` but no
    users/applications (ScubaGear's CapSnippets) is refused by both."""
    count = fragments = 0
    for i, path in enumerate(p for p in sorted((DATA / rel).rglob("*.json")) if p.is_file()):
        doc = load_document(path)
        objects = [normalize_keys(o, file=str(path)) for o, _ in as_list(doc, file=str(path))]
        if not any(isinstance(o, dict) and "conditions" in o for o in objects):
            continue  # ScubaGear slices of other settings
        folder = tmp_path / str(i) / "policies"
        folder.mkdir(parents=True)
        shutil.copy(path, folder / "p.json")
        if all(is_policy_like(o) for o in objects):
            assert _schema_errors("policy", doc) == [], path
            assert len(load_bundle(folder.parent).policies) == len(objects), path
            count += 1
        else:
            assert _schema_errors("policy", doc), path
            with pytest.raises(CaflowError, match="missing field"):
                load_bundle(folder.parent)
            fragments += 1
    assert count >= 3
    assert (fragments > 0) == rel.endswith("ScubaGear")


def test_locations_written_as_an_empty_list_validates() -> None:
    alex = DATA / "policies" / "AlexFilipin-ConditionalAccess"
    empty = [
        p
        for p in alex.rglob("*.json")
        if load_document(p).get("conditions", {}).get("locations") == []
    ]
    assert len(empty) >= 3
    for path in empty:
        assert _schema_errors("policy", load_document(path)) == []
        assert load_bundle(path).policies


def _pascal(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k)[:1].upper() + str(k)[1:]: _pascal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_pascal(v) for v in value]
    return value


def _contoso_policies() -> list[Any]:
    return [load_document(p) for p in sorted((CONTOSO / "policies").glob("*.json"))]


@pytest.mark.parametrize(
    "shape",
    ["az-rest-page", "get-mg-list", "get-mg-one", "bare-list", "next-link-page"],
)
def test_policy_file_shapes_docs_export_recommends(shape: str, tmp_path: Path) -> None:
    """docs/export.md: ``az rest`` saves a Graph page ``{"value": [...]}``; ``Get-Mg* |
    ConvertTo-Json`` a PascalCase list (one object when the pipeline had one). Each validates
    against policy.schema.json and loads as the hand-written policies."""
    policies = _contoso_policies()
    doc: Any = {
        "az-rest-page": {
            "@odata.context": "https://graph.microsoft.com/beta/$metadata",
            "value": policies,
        },
        "get-mg-list": _pascal(policies),
        "get-mg-one": _pascal(policies[0]),
        "bare-list": policies,
        "next-link-page": {"value": policies, "@odata.nextLink": "https://graph.microsoft.com/x"},
    }[shape]
    assert _schema_errors("policy", doc) == []
    shutil.copytree(CONTOSO, tmp_path / "b")
    shutil.rmtree(tmp_path / "b" / "policies")
    (tmp_path / "b" / "policies").mkdir()
    (tmp_path / "b" / "policies" / "all.json").write_text(json.dumps(doc), encoding="utf-8")
    got = {p.id for p in load_bundle(tmp_path / "b").policies}
    want = {p.id for p in load_bundle(CONTOSO).policies}
    assert got == (want if shape != "get-mg-one" else {policies[0]["id"]})


def test_every_shipped_example_validates_and_loads() -> None:
    """src/caflow/examples: the bundle's files, the proposal, the scenarios."""
    load_bundle(CONTOSO)
    seen = Counter()
    for path in sorted(CONTOSO.rglob("*")):
        rel = path.relative_to(CONTOSO).as_posix()
        name = {
            "tenant.yaml": "tenant",
            "directory.yaml": "directory",
            "namedLocations.json": "namedLocations",
            "authenticationStrengths.json": "authenticationStrengths",
            "agreements.json": "agreements",
            "agreementAcceptances.json": "agreementAcceptances",
            "crossTenantAccess.json": "crossTenantAccess",
            "powerplatform/connections.json": "connections",
            "powerplatform/flows.json": "flows",
        }.get(rel, "policy" if rel.startswith("policies/") and path.is_file() else None)
        if name is None:
            continue
        assert _schema_errors(name, load_document(path)) == [], rel
        seen[name] += 1
    assert seen["policy"] >= 10 and len(seen) >= 8
    for proposal in sorted((EXAMPLES / "proposals").glob("*.json")):
        assert _schema_errors("policy", load_document(proposal)) == []
        assert load_bundle(proposal).policies
    scenarios = sorted(SCENARIOS.glob("*.yaml"))
    assert len(scenarios) >= 20
    for path in scenarios:
        assert _schema_errors("scenario", load_document(path)) == [], path.name
        load_scenario(path)


# -- hostile variants: refused by both ---------------------------------------------------------

CA014 = EXAMPLES / "proposals" / "CA014-enabled.json"


def _policy(**changes: Any) -> dict[str, Any]:
    doc = dict(load_document(CA014))
    for key, value in changes.items():
        if "." in key:
            outer, inner = key.split(".", 1)
            doc[outer] = {**doc[outer], inner: value}
        else:
            doc[key] = value
    return doc


HOSTILE_POLICIES = {
    "no conditions": lambda: {k: v for k, v in _policy().items() if k != "conditions"},
    "conditions without users or applications": lambda: _policy(
        conditions={"clientAppTypes": ["all"]}
    ),
    "conditions as an empty list": lambda: _policy(conditions=[]),
    "locations a number": lambda: _policy(**{"conditions.locations": 5}),
    "locations a non-empty string": lambda: _policy(**{"conditions.locations": "all"}),
    "users a list of ids": lambda: _policy(**{"conditions.users": ["All"]}),
    "grantControls a string": lambda: _policy(grantControls="mfa"),
    "state a boolean": lambda: _policy(state=True),
    "a Graph page of a non-policy": lambda: {"value": [{"displayName": "x"}]},
}


@pytest.mark.parametrize("variant", sorted(HOSTILE_POLICIES))
def test_hostile_policy_refused_by_schema_and_loader(variant: str, tmp_path: Path) -> None:
    doc = HOSTILE_POLICIES[variant]()
    assert _schema_errors("policy", doc), f"schema accepts {variant}"
    (tmp_path / "policies").mkdir()
    (tmp_path / "policies" / "p.json").write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(CaflowError):
        load_bundle(tmp_path)


def test_hostile_list_files_refused_by_schema_and_loader(tmp_path: Path) -> None:
    for file, name, doc in (
        ("namedLocations.json", "namedLocations", [{"id": "x", "ipRanges": "10.0.0.0/8"}]),
        ("authenticationStrengths.json", "authenticationStrengths", [{"displayName": "no id"}]),
        ("agreements.json", "agreements", [{"displayName": "no id"}]),
    ):
        assert _schema_errors(name, doc), file
        bundle = tmp_path / name
        shutil.copytree(CONTOSO, bundle)
        (bundle / file).write_text(json.dumps(doc), encoding="utf-8")
        with pytest.raises(CaflowError):
            load_bundle(bundle)


@pytest.mark.parametrize(
    "start",
    [
        "2026-01-05",  # YAML reads it as a date
        "'2026-01-05'",  # quoted: a string; JSON writes it so
        "'20260105T080000Z'",  # ISO 8601 basic form: Python reads it, the schema does not
        "'2026-W02-1T08:00'",  # week date
        "'2026-01-05T08'",  # hours without minutes
    ],
)
def test_scenario_time_refused_by_schema_and_loader(start: str, tmp_path: Path) -> None:
    """The scenario schema accepted ``start: 2026-01-05``, which the loader refuses; quoted, the
    loader read it as midnight although docs/scenario-format.md says a bare date is refused."""
    text = (SCENARIOS / "revocation.yaml").read_text(encoding="utf-8")
    lines = [f"start: {start}" if ln.startswith("start:") else ln for ln in text.splitlines()]
    (tmp_path / "contoso").symlink_to(CONTOSO, target_is_directory=True)
    (tmp_path / "s").mkdir()
    path = tmp_path / "s" / "revocation.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    doc = _plain(load_document(path))
    doc["start"] = start.strip("'")  # what an editor's YAML 1.2 language server sees
    assert _schema_errors("scenario", doc)
    with pytest.raises(CaflowError, match="/start"):
        load_scenario(path)


@pytest.mark.parametrize(
    "start", ["2026-01-05T08:00", "2026-01-05 08:00:00", "2026-01-05T08:00:00.1234567+01:00"]
)
def test_scenario_times_both_accept(start: str, tmp_path: Path) -> None:
    text = (SCENARIOS / "revocation.yaml").read_text(encoding="utf-8")
    lines = [f"start: '{start}'" if ln.startswith("start:") else ln for ln in text.splitlines()]
    (tmp_path / "contoso").symlink_to(CONTOSO, target_is_directory=True)
    (tmp_path / "s").mkdir()
    path = tmp_path / "s" / "revocation.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert _schema_errors("scenario", load_document(path)) == []
    assert load_scenario(path).start.isoformat().startswith("2026-01-05")


def test_where_the_schema_is_stricter_than_the_loader(tmp_path: Path) -> None:
    """Documented (docs/bundle-format.md, "Schema and loader"): a value outside Graph's closed
    set in an *exported* policy loads - the policy is undetermined, named and counted, since
    Graph adds values - while the schema, which is for files people write, refuses it."""
    doc = _policy(**{"conditions.platforms": {"includePlatforms": ["windowz"]}})
    assert _schema_errors("policy", doc)
    (tmp_path / "policies").mkdir()
    (tmp_path / "policies" / "p.json").write_text(json.dumps(doc), encoding="utf-8")
    (policy,) = load_bundle(tmp_path).policies
    assert policy.unknown_values == (("windowz", "/conditions/platforms/includePlatforms/0"),)
