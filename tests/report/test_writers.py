"""Each writer renders the contoso advise result; SARIF validated against a derived schema."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from tests.corpora_paths import DATA
from tests.examples_paths import CONTOSO

from caflow.advise import run_advise
from caflow.io.bundle import load_bundle
from caflow.report import FORMATS, render

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((Path(__file__).parent / "sarif_2_1_0_required.schema.json").read_text())
# The official OASIS SARIF 2.1.0 schema (see SCHEMA-SOURCE.md).
OFFICIAL = jsonschema.Draft4Validator(
    json.loads((Path(__file__).parent / "sarif-2.1.0-rtm.5.schema.json").read_text())
)


@pytest.fixture(scope="module")
def result():
    return run_advise(load_bundle(CONTOSO))


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_renders(result, fmt):
    text = render(result, fmt)
    assert "embedded_requirements_mismatch" in text


def test_json_is_versioned(result):
    data = json.loads(render(result, "json"))
    assert data["schemaVersion"] == 1 and data["summary"]["FAIL"] >= 1
    assert all(e["pointer"].startswith("/") for f in data["findings"] for e in f["evidence"])


def test_sarif_valid_and_rules(result):
    doc = json.loads(render(result, "sarif"))
    jsonschema.validate(doc, SCHEMA)
    OFFICIAL.validate(doc)
    rules = doc["runs"][0]["tool"]["driver"]["rules"]
    assert {r["id"] for r in rules} == {m.id for m in result.rules}
    assert all(
        r["help"]["text"].endswith("docs/rules.md#" + r["id"])
        and "security-severity" in r["properties"]
        for r in rules
    )


def test_sarif_undetermined_is_note():
    corpus = DATA / "policies/AlexFilipin-ConditionalAccess"
    doc = json.loads(render(run_advise(load_bundle(corpus)), "sarif"))
    jsonschema.validate(doc, SCHEMA)
    OFFICIAL.validate(doc)
    notes = [r for r in doc["runs"][0]["results"] if r["properties"]["status"] == "UNDETERMINED"]
    assert notes and all(
        r["level"] == "note" and "undetermined:" in r["message"]["text"] for r in notes
    )


def test_check_sarif_validates_against_official_schema(tmp_path):
    """`caflow check --format sarif` on a breaking change (CA014 enabled) is valid SARIF 2.1.0."""
    from typer.testing import CliRunner

    from caflow.cli.main import app

    contoso = CONTOSO
    policy = json.loads((contoso / "policies").glob("CA014*.json").__next__().read_text())
    policy["state"] = "enabled"
    proposed = tmp_path / "CA014.json"
    proposed.write_text(json.dumps(policy))
    res = CliRunner().invoke(
        app,
        ["check", "--baseline", str(contoso), "--proposed", str(proposed), "--format", "sarif"],
    )
    assert res.exit_code == 1, res.output
    doc = json.loads(res.stdout)
    OFFICIAL.validate(doc)
    assert doc["runs"][0]["results"], "a breaking change must produce SARIF results"
