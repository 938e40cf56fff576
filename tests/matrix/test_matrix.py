"""``caflow matrix``: every cell is the engine's evaluation; mismatches come from advise's
comparison; undetermined cells are never shown as allow; bad input is exit 2."""

from __future__ import annotations

import csv
import io
import json
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from tests.examples_paths import CONTOSO
from typer.testing import CliRunner

from caflow.advise.context import DEFAULT_NOW, Context
from caflow.cli.main import app
from caflow.engine.evaluate import evaluate
from caflow.io.bundle import load_bundle
from caflow.matrix import DEFAULT_APPS, DEFAULT_CONTEXTS, run_matrix
from caflow.model.wellknown import FLOW_SERVICE, SHAREPOINT
from caflow.report.matrix import render_matrix

CA004 = "66666666-0000-0000-0000-000000000004"  # Require MFA for SharePoint Online only


@pytest.fixture(scope="module")
def contoso():
    return load_bundle(CONTOSO)


@pytest.fixture(scope="module")
def result(contoso):
    return run_matrix(contoso, DEFAULT_NOW)


def test_shape_and_cells_are_the_engines(contoso, result) -> None:
    users = Context(contoso, DEFAULT_NOW).users
    assert len(result.cells) == len(users) * len(DEFAULT_APPS) * len(DEFAULT_CONTEXTS)
    ctx = Context(contoso, DEFAULT_NOW)
    by_label = {u.label(): u for u in users}
    probes = {c.name: c.probe for c in DEFAULT_CONTEXTS}
    for cell in result.cells[::7]:
        ev = evaluate(
            contoso, ctx.signin(by_label[cell.user], cell.app, probes[cell.context]), DEFAULT_NOW
        )
        assert (cell.decision, cell.requirements, cell.error_code) == (
            ev.decision,
            tuple(ev.requirements),
            ev.error_code,
        )


def test_highlights_the_embedded_sharepoint_mismatch(result) -> None:
    """CA004 requires MFA for SharePoint but not for Flow Service: at the office (no MFA) the
    SharePoint cell requires MFA while Flow Service allows: the seed's embedded-flow failure."""
    hits = [
        m
        for m in result.mismatches
        if m["policy"] == CA004 and m["app"] == SHAREPOINT and m["context"] == "office"
    ]
    assert hits and all(m["appliesTo"] == "Office 365 SharePoint Online" for m in hits)
    cell = next(
        c
        for c in result.cells
        if c.user == hits[0]["user"] and c.app == SHAREPOINT and c.context == "office"
    )
    assert cell.status == "requires" and "mfa" in cell.requirements and cell.mismatches
    flow = next(
        c
        for c in result.cells
        if c.user == hits[0]["user"] and c.app == FLOW_SERVICE and c.context == "office"
    )
    assert flow.mismatches
    text = render_matrix(result, "markdown")
    assert "⚠ Flow Service / host mismatches" in text and "CA004" in text


def test_non_partner_apps_are_not_compared(result) -> None:
    """Azure management neither embeds Power Automate nor is a connector resource."""
    assert not any(m["app"] == "797f4846-ba00-4fd7-ba43-dac1f8f63013" for m in result.mismatches)


UNKNOWN_PLATFORM_POLICY = {
    "id": "99999999-0000-0000-0000-000000000001",
    "displayName": "Require MFA on a platform Graph may add",
    "state": "enabled",
    "conditions": {
        "users": {"includeUsers": ["All"]},
        "applications": {"includeApplications": ["All"]},
        "platforms": {"includePlatforms": ["quantumOS"]},
        "clientAppTypes": ["all"],
    },
    "grantControls": {"operator": "OR", "builtInControls": ["mfa"]},
}


def test_undetermined_cells_never_show_allow(tmp_path: Path) -> None:
    """A policy caflow cannot fully read (a platform outside Graph's set) leaves the cells
    it could change undetermined: never printed as allow, in any format."""
    bundle = tmp_path / "contoso"
    shutil.copytree(CONTOSO, bundle)
    (bundle / "policies" / "CA999-unknown-platform.json").write_text(
        json.dumps(UNKNOWN_PLATFORM_POLICY)
    )
    res = run_matrix(load_bundle(bundle), DEFAULT_NOW)
    undetermined = [c for c in res.cells if c.undetermined and c.decision != "block"]
    assert undetermined
    assert all(c.status == "undetermined" for c in undetermined)
    rows = list(csv.DictReader(io.StringIO(render_matrix(res, "csv"))))
    assert len(rows) == len(res.cells)
    for row, cell in zip(rows, res.cells, strict=True):
        assert row["status"] == cell.status
        if cell.undetermined and cell.decision != "block":
            assert row["status"] == "undetermined" and row["undetermined"]
    md = render_matrix(res, "markdown")
    assert "undetermined (known: allow" in md or "undetermined (known: requires" in md
    assert "### ❔ Undetermined policies" in md and "quantumOS" in md


class _Html(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        self.tags.append((tag, dict(attrs)))


def test_html_is_self_contained_and_accessible(result) -> None:
    page = render_matrix(result, "html")
    p = _Html()
    p.feed(page)
    tags = [t for t, _ in p.tags]
    assert "table" in tags and "caption" in tags and "h1" in tags
    assert all(a.get("scope") in ("col", "row") for t, a in p.tags if t == "th")
    # nothing fetched: no external script, stylesheet, image or font
    assert not any(a.get("src") or (t == "link") for t, a in p.tags)
    assert "http://" not in page and "https://" not in page
    assert "requires mfa" in page and "mismatch" in page


def test_json_contract(result) -> None:
    data = json.loads(render_matrix(result, "json"))
    assert data["schemaVersion"] == 1 and data["tool"] == "caflow matrix"
    assert data["summary"]["cells"] == len(data["cells"])
    assert {a["id"] for a in data["apps"]} == set(DEFAULT_APPS)


def _run(*args: str):
    return CliRunner().invoke(app, ["matrix", *args])


def test_cli_users_and_apps() -> None:
    res = _run(
        str(CONTOSO),
        "--user",
        "alice@contoso.com",
        "--app",
        "Microsoft Flow Service",
        "--app",
        SHAREPOINT,
        "--json",
    )
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert len(data["cells"]) == 2 * len(DEFAULT_CONTEXTS)
    assert {c["user"] for c in data["cells"]} == {"alice@contoso.com"}


def test_cli_unknown_user_is_bad_input() -> None:
    res = _run(str(CONTOSO), "--user", "alcie@contoso.com")
    assert res.exit_code == 2
    assert "--user" in res.stderr and "alice@contoso.com" in res.stderr
    assert "Traceback" not in res.output


def test_personas_csv_and_yaml(tmp_path: Path) -> None:
    csv_file = tmp_path / "personas.csv"
    csv_file.write_text(
        "user,name,app,where,mfa,managed\n"
        "alice@contoso.com,alice-home,Microsoft Flow Service;Office 365 SharePoint Online,untrusted,false,false\n"
        "dave@contoso.com,dave-office,,trusted,true,true\n"
    )
    res = _run(str(CONTOSO), "--personas", str(csv_file), "--format", "json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert len(data["cells"]) == 2 + len(DEFAULT_APPS)
    assert {c["context"] for c in data["cells"]} == {"alice-home", "dave-office"}
    yaml_file = tmp_path / "personas.yaml"
    yaml_file.write_text(
        "- {user: alice@contoso.com, app: [sharepoint], where: abroad, mfa: true}\n"
    )
    res = _run(str(CONTOSO), "--personas", str(yaml_file), "--format", "csv")
    assert res.exit_code == 0, res.output
    assert len(res.stdout.strip().splitlines()) == 2


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ("user,wher\nalice@contoso.com,trusted\n", "did you mean 'where'"),
        ("user,where\nalice@contoso.com,moon\n", "/0/where"),
        ("user,app\nalice@contoso.com,Sharepoint Onlin\n", "/0/app"),
        ("user\nnobody@contoso.com\n", "/0/user"),
    ],
)
def test_personas_bad_input(tmp_path: Path, content: str, needle: str) -> None:
    f = tmp_path / "p.csv"
    f.write_text(content)
    res = _run(str(CONTOSO), "--personas", str(f))
    assert res.exit_code == 2, res.output
    assert needle in res.stderr and str(f) in res.stderr and "Traceback" not in res.output


def test_personas_csv_that_is_not_utf8_is_exit_2_and_utf16_reads(tmp_path: Path) -> None:
    """A CSV with bytes that are no UTF-8 was an internal error (UnicodeDecodeError, found by
    tests/fuzz/test_fuzz_cli.py): it is parse-error naming the file, decoded like every other
    input (UTF-8 or UTF-16, with or without a BOM: Excel saves "Unicode text" as UTF-16)."""
    text = "user,name,where\nalice@contoso.com,alice-home,untrusted\n"
    bad = tmp_path / "latin1.csv"
    bad.write_bytes(text.replace("alice-home", "alice-h\u00f6me").encode("latin-1"))
    res = _run(str(CONTOSO), "--personas", str(bad))
    assert res.exit_code == 2, res.output
    assert str(bad) in res.stderr and "[parse-error]" in res.stderr
    assert "internal error" not in res.stderr
    utf16 = tmp_path / "utf16.csv"
    utf16.write_bytes(text.encode("utf-16"))
    res = _run(str(CONTOSO), "--personas", str(utf16), "--format", "json")
    assert res.exit_code == 0, res.output
    assert {c["context"] for c in json.loads(res.stdout)["cells"]} == {"alice-home"}
