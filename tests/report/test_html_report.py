"""``caflow report``: one self-contained page per result kind, charts inlined as SVG, nothing
fetched, accessible structure; bad input is exit 2."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest
from tests.examples_paths import CONTOSO
from typer.testing import CliRunner

from caflow.cli.main import app
from caflow.report import charts

ROOT = Path(__file__).resolve().parents[2]
CA014_ENABLED = ROOT / "tests" / "check" / "fixtures" / "CA014-enabled.json"
SCENARIO = ROOT / "src" / "caflow" / "examples" / "scenarios" / "effect1-future-runs.yaml"


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):  # type: ignore[no-untyped-def]
        self.text.append(data)


def _json(tmp_path: Path, name: str, args: list[str]) -> Path:
    out = tmp_path / f"{name}.json"
    res = CliRunner().invoke(app, [*args, "--format", "json", "-o", str(out)])
    assert res.exit_code in (0, 1), res.output
    return out


RUNS = {
    "advise": ["advise", str(CONTOSO)],
    "check": [
        "check",
        "--baseline",
        str(CONTOSO),
        "--proposed",
        str(CA014_ENABLED),
        "--start",
        "2026-01-05T09:00:00Z",
    ],
    "simulate": ["simulate", str(SCENARIO)],
    "matrix": ["matrix", str(CONTOSO), "--user", "alice@contoso.com"],
}


@pytest.mark.parametrize("kind", list(RUNS))
def test_report_is_self_contained(tmp_path: Path, kind: str) -> None:
    source = _json(tmp_path, kind, RUNS[kind])
    page_file = tmp_path / f"{kind}.html"
    res = CliRunner().invoke(app, ["report", str(source), "-o", str(page_file)])
    assert res.exit_code == 0, res.output
    html = page_file.read_text(encoding="utf-8")
    p = _Page()
    p.feed(html)
    tags = [t for t, _ in p.tags]
    assert tags.count("h1") == 1 and "h2" in tags and "table" in tags and "caption" in tags
    assert all(a.get("scope") in ("col", "row") for t, a in p.tags if t == "th")
    # nothing to fetch: no script, stylesheet link, image, iframe; no src/href to anywhere
    assert not {"script", "link", "img", "iframe", "object"} & set(tags)
    assert not any(a.get("src") for _, a in p.tags)
    # the only links are navigation (never fetched): rule ids to their documentation
    hrefs = [a.get("href") for t, a in p.tags if a.get("href")]
    assert all(t == "a" for t, a in p.tags if a.get("href"))
    assert all(h and h.startswith("docs/rules.md#") for h in hrefs), hrefs
    assert "Executive summary" in html
    if charts.available() and kind in ("check", "simulate"):
        assert tags.count("svg") >= 2  # timeline + per-policy bars
    body = " ".join(p.text)
    if kind == "check":
        assert "Policy changes" in body and "grace-approvals" in body
        assert "Give Microsoft Flow Service the same requirements" in body or "Target the" in body
    if kind == "matrix":
        assert "User × app requirements" in body and "mismatch" in body


def test_without_chart_libraries_the_page_says_so(tmp_path: Path, monkeypatch) -> None:
    source = _json(tmp_path, "advise", RUNS["advise"])
    monkeypatch.setattr(charts, "available", lambda: False)
    res = CliRunner().invoke(app, ["report", str(source)])
    assert res.exit_code == 0, res.output
    assert "<svg" not in res.stdout and "Charts omitted" in res.stdout
    assert "Charts omitted" in res.stderr


def test_not_a_caflow_result_is_bad_input(tmp_path: Path) -> None:
    f = tmp_path / "x.json"
    f.write_text(json.dumps({"hello": 1}))
    res = CliRunner().invoke(app, ["report", str(f)])
    assert res.exit_code == 2 and str(f) in res.stderr and "Traceback" not in res.output


def test_evidence_column_shows_a_short_first_item_and_the_full_list_in_details(
    tmp_path: Path,
) -> None:
    """Review of issue 12: the evidence column (file#pointer lists) made the findings table
    too wide. A cell shows the first item cut to 40 characters and how many more; the full
    list is in its details element."""
    import re

    source = _json(tmp_path, "advise", RUNS["advise"])
    out = tmp_path / "advise.html"
    assert CliRunner().invoke(app, ["report", str(source), "-o", str(out)]).exit_code == 0
    html = out.read_text(encoding="utf-8")
    data = json.loads(source.read_text())
    cells = re.findall(r'<td class="evidence">(.*?)</td>', html)
    with_evidence = [f for f in data["findings"] if f["evidence"]]
    assert with_evidence and len(cells) == len(data["findings"])
    for cell in cells:
        if cell == "—":
            continue
        summary = re.search(r"<summary><code>(.*?)</code>(.*?)</summary>", cell)
        assert summary is not None, cell
        assert len(summary.group(1).replace("&#39;", "'")) <= 40
        full = re.findall(r"</summary>(.*)</details>", cell)[0]
        items = re.findall(r"<code>(.*?)</code>", full)
        assert summary.group(2) == (f" and {len(items) - 1} more" if len(items) > 1 else "")
    listed = {i for cell in cells for i in re.findall(r"</summary>.*", cell)}
    for f in with_evidence:  # every evidence item is there in full
        for e in f["evidence"]:
            assert any(f"<code>{e['file']}#{e['pointer']}</code>" in x for x in listed)
