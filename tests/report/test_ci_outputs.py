"""CI-ready outputs (issue 12): a PR-comment Markdown that fits however big the check, GitHub
workflow annotations, JUnit XML, SARIF anchored in a tenant repository, rule links that resolve."""

from __future__ import annotations

import functools
import json
import re
import shutil
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

import jsonschema
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from tests.corpora_paths import DATA
from tests.examples_paths import CONTOSO
from typer.testing import CliRunner

from caflow.advise import load_rules, run_advise
from caflow.check import CheckResult
from caflow.check.policydiff import FieldChange, PolicyChange
from caflow.cli.main import app
from caflow.io.bundle import load_bundle
from caflow.report import render
from caflow.report.github import MAX_ITEMS
from caflow.report.markdown import LIMIT, _render_check
from caflow.report.rulelinks import CHECK_UNDETERMINED, DocLinks

ROOT = Path(__file__).resolve().parents[2]
OFFICIAL = jsonschema.Draft4Validator(
    json.loads((Path(__file__).parent / "sarif-2.1.0-rtm.5.schema.json").read_text())
)
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
END = datetime(2026, 4, 5, 9, 0, tzinfo=UTC)


def big_check(connections: int = 20_000, policies: int = 50, owners: int = 2_000) -> CheckResult:
    """A check result of the size of gen_tenant's full tenant, with long names everywhere."""
    pad = "x" * 120
    changes = tuple(
        PolicyChange("create", f"pol-{p}", f"Policy {p} {pad}", (FieldChange("state", None, "on"),))
        for p in range(policies)
    )
    result = CheckResult(START, END, changes)
    result.broken_connections = [
        {
            "id": f"conn-{i}-{pad}",
            "at": f"2026-01-{1 + i % 28:02d}T10:00:00Z",
            "errorCode": ("AADSTS50076", "AADSTS53003", "AADSTS50158")[i % 3],
            "cause": "mfaRequired",
            "policies": [f"pol-{i % policies}", f"pol-{(i * 7) % policies}"],
            "user": f"user{i % owners}-{pad}@contoso.com",
        }
        for i in range(connections)
    ]
    result.failing_flows = [
        {
            "id": f"flow-{i}-{pad}",
            "failedRuns": i % 90,
            "firstFailureAt": "2026-01-06T10:00:00Z",
            "turnedOffAt": None,
        }
        for i in range(connections // 2)
    ]
    result.blocked_users = [
        {
            "user": f"user{i}@contoso.com",
            "app": "7df0a125-d3be-4c96-aa54-591f83ff541c",
            "appName": "Microsoft Flow Service",
            "errorCode": "AADSTS53003",
            "policies": [f"pol-{i % policies}"],
        }
        for i in range(500)
    ]
    return result


@pytest.fixture(scope="module")
def big() -> CheckResult:
    return big_check()


def test_markdown_of_a_20000_connection_check_fits_a_pr_comment(big: CheckResult) -> None:
    text = render(big, "markdown")
    assert len(text) <= LIMIT
    # the full counts are stated even though the lists are cut
    assert "| connections break | 20000 |" in text and "| flows fail | 10000 |" in text
    assert "| users blocked | 500 |" in text
    assert "### Impact by policy" in text and "### Broken connections by owner" in text
    assert "more not shown; see the full JSON" in text and "build artifact" in text
    # the plan is cut, and says by how much
    assert re.search(r"… \d+ more plan lines", text)


def test_policy_groups_count_every_connection(big: CheckResult) -> None:
    from caflow.report.impact import by_owner, by_policy

    data = big.to_json()
    owners = by_owner(data)
    assert sum(len(g.connections) for g in owners) == 20_000 and len(owners) == 2_000
    per_policy = {g.key: len(g.connections) for g in by_policy(data)}
    expected: dict[str, int] = {}
    for c in data["connectionsBreaking"]:
        for p in c["policies"]:
            expected[p] = expected.get(p, 0) + 1
    assert per_policy == expected


@settings(max_examples=15, deadline=None)
@given(
    connections=st.integers(0, 400),
    policies=st.integers(1, 30),
    limit=st.integers(3_000, 30_000),
)
# Found by hypothesis: every table's "left out" note forced in overran the footer's margin.
@example(connections=2, policies=30, limit=3063)
def test_markdown_never_exceeds_its_limit(connections: int, policies: int, limit: int) -> None:
    result = big_check(connections, policies, owners=max(1, connections // 3))
    text = _render_check(result, limit)
    assert len(text) <= limit
    assert f"| connections break | {connections} |" in text
    # Never a code block or <details> left open (the footer would render inside it), and a
    # cut plan says how much was left out (review of issue 12).
    assert text.count("```") % 2 == 0
    assert text.count("<details>") == text.count("</details>")
    plan = result.plan_text().splitlines()
    if "```diff" in text:
        body = text.split("```diff\n", 1)[1].split("\n```", 1)[0].splitlines()
        if len(body) < len(plan):
            assert "more plan lines" in body[-1]


@functools.cache
def _example_check() -> CheckResult:
    from caflow.check import enable_policies, run_check

    base = load_bundle(CONTOSO)
    names = [p.display_name for p in base.policies if p.state != "enabled"][:2]
    at = datetime(2026, 3, 1, tzinfo=UTC)
    return run_check(base, enable_policies(base, names), at, at.replace(month=4))


@pytest.mark.parametrize("limit", range(2_000, 8_600, 37))
def test_example_check_markdown_closes_its_blocks_at_any_limit(limit: int) -> None:
    text = _render_check(_example_check(), limit)
    assert len(text) <= limit
    assert text.count("```") % 2 == 0 and text.count("<details>") == text.count("</details>")


def test_small_check_markdown_keeps_everything() -> None:
    result = big_check(3, 2, 2)
    text = render(result, "markdown")
    assert "more not shown" not in text and "more plan lines" not in text
    assert all(c["id"][:20] in text for c in result.broken_connections)


# --- GitHub workflow annotations -----------------------------------------------------------


def test_github_annotations_for_advise() -> None:
    result = run_advise(load_bundle(CONTOSO))
    lines = render(result, "github").splitlines()
    fails = [f for f in result.findings if f.status.value == "FAIL"]
    annotated = [line for line in lines if "[FAIL " in line]
    assert len(annotated) == len(fails)
    assert all(
        re.match(r"::(error|warning|notice) file=policies/[^,]+,title=", a) for a in annotated
    )
    assert lines[-1].startswith("::notice title=caflow advise::")


def test_github_undetermined_is_a_warning_with_reason() -> None:
    corpus = DATA / "policies/AlexFilipin-ConditionalAccess"
    lines = render(run_advise(load_bundle(corpus)), "github").splitlines()
    undetermined = [line for line in lines if "[UNDETERMINED " in line]
    assert undetermined and all(
        line.startswith("::warning ") and "(undetermined: " in line for line in undetermined
    )


def test_github_escapes_workflow_command_syntax() -> None:
    from caflow.report.github import _line

    line = _line("error", "50% done\nnext: a,b", title="t: x, y", file="a,b:c.json")
    assert line == "::error file=a%2Cb%3Ac.json,title=t%3A x%2C y::50%25 done%0Anext: a,b"


def test_github_check_is_capped(big: CheckResult) -> None:
    lines = render(big, "github").splitlines()
    assert len(lines) <= 3 * (MAX_ITEMS + 1) + 1
    assert any("more failing flows not annotated" in line for line in lines)
    assert lines[-1].startswith("::error title=caflow check::Impact: 20000 connections break")


# --- JUnit ----------------------------------------------------------------------------------


def test_junit_advise_counts_match_findings() -> None:
    result = run_advise(load_bundle(CONTOSO))
    root = ET.fromstring(render(result, "junit"))
    statuses = [f.status.value for f in result.findings]
    assert int(root.get("tests", "-1")) == len(statuses)
    assert int(root.get("failures", "-1")) == statuses.count("FAIL")
    assert len(root.findall(".//failure")) == statuses.count("FAIL")


def test_junit_undetermined_is_an_error_not_a_pass() -> None:
    corpus = DATA / "policies/AlexFilipin-ConditionalAccess"
    result = run_advise(load_bundle(corpus))
    root = ET.fromstring(render(result, "junit"))
    undetermined = [f for f in result.findings if f.status.value == "UNDETERMINED"]
    assert undetermined
    errors = root.findall(".//error")
    assert len(errors) == len(undetermined) == int(root.get("errors", "-1"))
    assert all(e.get("type") == "undetermined" for e in errors)


def test_junit_check(big: CheckResult) -> None:
    root = ET.fromstring(render(big, "junit"))
    impact = root.find("testsuite[@name='caflow check: impact']")
    assert impact is not None
    assert impact.get("tests") == impact.get("failures") == str(20_000 + 10_000 + 500)


def test_junit_safe_check_is_one_passing_case() -> None:
    result = CheckResult(START, END, ())
    root = ET.fromstring(render(result, "junit"))
    assert root.get("tests") == "1" and root.get("failures") == "0"


# --- SARIF anchoring and rule links -----------------------------------------------------------


def _sarif(args: list[str]) -> dict:
    res = CliRunner().invoke(app, ["advise", *args, "--format", "sarif"])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def test_sarif_bundle_relative_by_default() -> None:
    doc = _sarif([str(CONTOSO)])
    OFFICIAL.validate(doc)
    run = doc["runs"][0]
    assert run["originalUriBaseIds"]["BUNDLEROOT"]["uri"] == CONTOSO.resolve().as_uri() + "/"
    loc = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert loc["uriBaseId"] == "BUNDLEROOT" and loc["uri"].startswith("policies/")


def test_sarif_root_anchors_in_the_tenant_repository(tmp_path: Path) -> None:
    bundle = tmp_path / "infra" / "tenant"
    shutil.copytree(CONTOSO, bundle)
    doc = _sarif([str(bundle), "--sarif-root", str(tmp_path)])
    OFFICIAL.validate(doc)
    run = doc["runs"][0]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tmp_path.resolve().as_uri() + "/"
    uris = {
        loc["physicalLocation"]["artifactLocation"]["uri"]
        for r in run["results"]
        for loc in r["locations"]
        if "physicalLocation" in loc
    }
    assert uris and all(u.startswith("infra/tenant/") for u in uris)
    assert all((tmp_path / u).is_file() for u in uris)


def test_github_uses_sarif_root(tmp_path: Path) -> None:
    bundle = tmp_path / "tenant"
    shutil.copytree(CONTOSO, bundle)
    res = CliRunner().invoke(
        app, ["advise", str(bundle), "--format", "github", "--sarif-root", str(tmp_path)]
    )
    files = re.findall(r"file=([^,]+),", res.stdout)
    assert files and all(
        f.startswith("tenant/policies/") or f == "tenant/agreements.json" for f in files
    )


def test_sarif_root_not_containing_the_bundle_is_bad_input(tmp_path: Path) -> None:
    res = CliRunner().invoke(
        app, ["advise", str(CONTOSO), "--format", "sarif", "--sarif-root", str(tmp_path)]
    )
    assert res.exit_code == 2
    assert "--sarif-root" in res.stderr and "Traceback" not in res.output


def _anchors(doc: str) -> set[str]:
    """The GitHub anchors of a Markdown file's headings whose text is one snake_case id."""
    return set(re.findall(r"^#{2,3} ([a-z0-9_]+)$", (ROOT / doc).read_text(), re.M))


def test_every_rule_id_has_an_anchor_in_the_repository_docs() -> None:
    """Review of issue 12: help links pointed to an unconfirmed github.com/caflow/caflow. They
    are repository-relative now, so the files and anchors they name must exist here."""
    rules = {r.id for r in load_rules()}
    assert rules and all(re.fullmatch(r"[a-z0-9_]+", i) for i in rules)
    links = DocLinks()
    for rule_id in [*rules, CHECK_UNDETERMINED]:
        path, anchor = links.rule(rule_id).split("#")
        assert (ROOT / path).is_file(), path
        assert anchor in _anchors(path), f"{path} has no heading for {anchor}"


def test_rule_help_links_are_relative_by_default_and_absolute_under_a_base() -> None:
    result = run_advise(load_bundle(CONTOSO))
    ids = {m.id for m in result.rules}
    doc = json.loads(render(result, "sarif"))
    driver = doc["runs"][0]["tool"]["driver"]
    # SARIF 2.1.0 §3.49.12: helpUri is an absolute URI - left out rather than invented.
    assert "informationUri" not in driver
    assert all("helpUri" not in r for r in driver["rules"])
    assert all(f"docs/rules.md#{r['id']}" in r["help"]["text"] for r in driver["rules"])
    md = render(result, "markdown")
    assert "github.com" not in md and f"](docs/rules.md#{sorted(ids)[0]})" in md
    base = "https://git.example.org/acme/caflow/blob/v0.1.0/"
    doc = json.loads(render(result, "sarif", links=DocLinks(base)))
    driver = doc["runs"][0]["tool"]["driver"]
    assert driver["informationUri"] == base
    assert {r["helpUri"] for r in driver["rules"]} == {f"{base}docs/rules.md#{i}" for i in ids}
    OFFICIAL.validate(doc)
    for fmt in ("markdown", "github", "junit"):
        assert f"{base}docs/rules.md#" in render(result, fmt, links=DocLinks(base)), fmt


def test_docs_base_url_option_and_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = "https://git.example.org/acme/caflow/blob/main"  # a missing "/" is added
    res = CliRunner().invoke(
        app, ["advise", str(CONTOSO), "--format", "sarif", "--docs-base-url", base]
    )
    assert res.exit_code in (0, 1), res.output
    rules = json.loads(res.stdout)["runs"][0]["tool"]["driver"]["rules"]
    assert rules[0]["helpUri"] == f"{base}/docs/rules.md#{rules[0]['id']}"
    monkeypatch.setenv("CAFLOW_DOCS_BASE_URL", base + "/")
    res = CliRunner().invoke(app, ["advise", str(CONTOSO), "--format", "markdown"])
    assert f"({base}/docs/rules.md#" in res.stdout
    out = tmp_path / "advise.json"
    CliRunner().invoke(app, ["advise", str(CONTOSO), "--json", "-o", str(out)])
    res = CliRunner().invoke(app, ["report", str(out), "-o", str(tmp_path / "r.html")])
    assert res.exit_code == 0, res.output
    assert f'href="{base}/docs/rules.md#' in (tmp_path / "r.html").read_text()
    monkeypatch.setenv("CAFLOW_DOCS_BASE_URL", "docs.example.org/caflow")
    res = CliRunner().invoke(
        app, ["check", "--baseline", str(CONTOSO), "--enable", "CA001", "--json"]
    )
    assert res.exit_code == 2
    assert "$CAFLOW_DOCS_BASE_URL" in res.stderr and "absolute http(s) URL" in res.stderr
    assert "Traceback" not in res.output
    res = CliRunner().invoke(
        app, ["advise", str(CONTOSO), "--docs-base-url", "ftp://example.org/caflow/"]
    )
    assert res.exit_code == 2 and "--docs-base-url" in res.stderr
    # whitespace that urlsplit would drop or keep (a multi-line GitHub Action input) is no URL
    for raw in ("https://a.example/x\nb/", "https://a.example/x b/", "https://a.example/\tx/"):
        res = CliRunner().invoke(app, ["advise", str(CONTOSO), "--docs-base-url", raw])
        assert res.exit_code == 2 and "absolute http(s) URL" in res.stderr, raw


def test_html_report_links_rule_ids_relative_to_the_repository(tmp_path: Path) -> None:
    out = tmp_path / "advise.json"
    CliRunner().invoke(app, ["advise", str(CONTOSO), "--json", "-o", str(out)])
    res = CliRunner().invoke(app, ["report", str(out), "-o", str(tmp_path / "r.html")])
    assert res.exit_code == 0, res.output
    hrefs = re.findall(r'href="([^"]*rules\.md[^"]*)"', (tmp_path / "r.html").read_text())
    assert hrefs and all(h.startswith("docs/rules.md#") for h in hrefs)
    anchors = _anchors("docs/rules.md")
    assert {h.split("#")[1] for h in hrefs} <= anchors
