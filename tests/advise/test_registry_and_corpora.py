from __future__ import annotations

from pathlib import Path

import pytest
from tests.corpora_paths import POLICY_DATA

from caflow.advise import load_rules, run_advise
from caflow.advise.docs import generate_rules_md
from caflow.advise.registry import RuleLoadError, load_meta
from caflow.io.bundle import load_bundle

ROOT = Path(__file__).resolve().parents[2]
CORPORA = sorted(p for p in POLICY_DATA.glob("*") if p.is_dir()) if POLICY_DATA.exists() else []


def test_rules_discovered_with_seed_quotes():
    rules = load_rules()
    assert len(rules) >= 9
    for r in rules:
        assert r.meta.references and all(ref.quote for ref in r.meta.references)


def test_id_mismatch_fails_load(tmp_path):
    src = ROOT / "src/caflow/advise/rules/remember_mfa_enabled.meta.yaml"
    bad = tmp_path / "other_name.meta.yaml"
    bad.write_text(src.read_text())
    with pytest.raises(RuleLoadError):
        load_meta(bad)


def test_rules_md_is_fresh():
    assert (ROOT / "docs/rules.md").read_text(encoding="utf-8") == generate_rules_md(), (
        "docs/rules.md is stale: python -m caflow.advise.docs > docs/rules.md"
    )


@pytest.mark.parametrize("corpus", CORPORA, ids=lambda p: p.name)
def test_corpus_runs(corpus):
    result = run_advise(load_bundle(corpus))
    assert result.findings
    assert {f.rule_id for f in result.findings} == {r.id for r in load_rules()}
