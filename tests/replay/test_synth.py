"""``caflow synth``: seeded, loadable, realistic; the same log in every format replays the same."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from caflow.cli.common import load_tenant
from caflow.cli.main import app

runner = CliRunner()


def _synth(out: Path, fmt: str, seed: int = 3) -> None:
    result = runner.invoke(
        app,
        [
            "synth",
            "--out",
            str(out),
            "--users",
            "120",
            "--sign-ins",
            "1500",
            "--log-format",
            fmt,
            "--seed",
            str(seed),
            "--policies",
            "50",
        ],
    )
    assert result.exit_code == 0, result.output


def _replay(log: Path, bundle: Path) -> dict:
    result = runner.invoke(
        app,
        [
            "replay",
            "--logs",
            str(log),
            "--bundle",
            str(bundle),
            "--no-store",
            "--json",
            "--at",
            "2026-02-01",
        ],
    )
    assert result.exit_code == 0, result.output
    out = result.output
    return json.loads(out[out.index("{") :])


def test_bundle_is_realistic_and_seeded(tmp_path: Path) -> None:
    _synth(tmp_path / "a", "parquet")
    _synth(tmp_path / "b", "parquet")
    assert (tmp_path / "a" / "signins.parquet").read_bytes() == (
        tmp_path / "b" / "signins.parquet"
    ).read_bytes()
    tenant = load_tenant(tmp_path / "a" / "bundle")
    assert len(tenant.policies) == 50 and not tenant.warnings
    assert {p.state for p in tenant.policies} >= {"enabled", "enabledForReportingButNotEnforced"}
    assert any(u.guest_type for u in tenant.directory.users)
    assert any(g for u in tenant.directory.users for g in u.role_ids)
    assert tenant.connections and tenant.flows
    assert any(
        ":" in str(r) for loc in tenant.named_locations.values() for r in getattr(loc, "ranges", ())
    )  # IPv6


def test_every_format_replays_the_same(tmp_path: Path) -> None:
    results = {}
    for fmt, name in (
        ("parquet", "signins.parquet"),
        ("jsonl", "signins-jsonl.jsonl"),
        ("loganalytics", "signins-loganalytics.jsonl"),
    ):
        _synth(tmp_path / fmt, fmt)
        results[fmt] = _replay(tmp_path / fmt / name, tmp_path / fmt / "bundle")
    base = results["parquet"]
    assert base["evaluated"] > 1300 and base["input"]["skipped"] == {}
    d = base["baseline"]["decisions"]
    assert d["allow"] and d["block"] and d["requires"]
    assert base["notEvaluated"]  # managed identities
    for fmt in ("jsonl", "loganalytics"):
        assert results[fmt]["baseline"] == base["baseline"], fmt
        assert results[fmt]["evaluated"] == base["evaluated"]


def test_out_must_be_empty(tmp_path: Path) -> None:
    (tmp_path / "x").write_text("keep")
    result = runner.invoke(app, ["synth", "--out", str(tmp_path)])
    assert result.exit_code == 2 and "not empty" in result.output


def _tree(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_power_platform_at_scale_is_seeded_and_loads(tmp_path: Path) -> None:
    """--connections/--flows: the admin API export at that size (the tenant-scale benchmark's
    generator, benchmarks/gen_tenant.py, uses the same code); same seed, same bytes."""
    args = ["synth", "--users", "60", "--sign-ins", "200", "--connections", "150", "--flows", "70"]
    for name in ("a", "b"):
        result = runner.invoke(app, [*args, "--out", str(tmp_path / name)])
        assert result.exit_code == 0, result.output
    assert _tree(tmp_path / "a") == _tree(tmp_path / "b")
    tenant = load_tenant(tmp_path / "a" / "bundle")
    assert len(tenant.connections) == 150 and len(tenant.flows) == 70
    scheduled = [f for f in tenant.flows if f.trigger.kind == "schedule"]
    assert scheduled and all(c.owner_id for c in tenant.connections)


SMALL = ["--users", "20", "--sign-ins", "50", "--policies", "5", "--seed", "2"]


def test_log_format_option_and_the_deprecated_format_alias(tmp_path: Path) -> None:
    """Review of issue 9 (L10): ``--format`` means the report format on every other verb; synth's
    is the format of the log it writes, so it is ``--log-format``. ``--format``/``-f`` still
    work, hidden, with a deprecation note on stderr, and write the same bytes."""
    new = runner.invoke(
        app, ["synth", "--out", str(tmp_path / "a"), "--log-format", "jsonl", *SMALL]
    )
    assert new.exit_code == 0, new.output
    assert "deprecated" not in new.stderr
    for flag, folder in (("--format", "b"), ("-f", "c")):
        old = runner.invoke(app, ["synth", "--out", str(tmp_path / folder), flag, "jsonl", *SMALL])
        assert old.exit_code == 0, old.output
        assert "note: synth --format (-f) is deprecated: use --log-format jsonl" in old.stderr
        (a,) = [p for p in (tmp_path / "a").iterdir() if p.is_file()]
        (b,) = [p for p in (tmp_path / folder).iterdir() if p.is_file()]
        assert (a.name, a.read_bytes()) == (b.name, b.read_bytes())
        assert a.suffix == ".jsonl"


def test_help_shows_log_format_only(tmp_path: Path) -> None:
    res = runner.invoke(app, ["synth", "--help"], env={"COLUMNS": "200"})
    text = " ".join(res.output.replace("│", " ").split())
    assert "--log-format" in text and "One of: parquet, jsonl, loganalytics" in text
    assert "--format" not in text.replace("--log-format", "")


def test_log_format_and_format_together_are_exit_2(tmp_path: Path) -> None:
    res = runner.invoke(
        app,
        ["synth", "--out", str(tmp_path / "x"), "--log-format", "jsonl", "--format", "parquet"],
    )
    assert res.exit_code == 2
    assert "--log-format" in res.stderr and not (tmp_path / "x").exists()
    res = runner.invoke(app, ["synth", "--out", str(tmp_path / "y"), "--log-format", "jsnl"])
    assert res.exit_code == 2 and "did you mean 'jsonl'" in res.output
