"""The permanent hostile-input fuzz suite (issue 8 part 5; SECURITY.md): mutated bundles, What If
requests, scenarios (every example scenario as a seed), proposed policies, matrix personas,
replayed sign-in logs and results given to ``caflow report``, through the ``caflow`` CLI
in-process.

Budget: 2,040 examples in all (``EXAMPLES``), derandomized under CI (tests/conftest.py profile
"ci") so a run is reproducible; locally every run explores new inputs. Each example must keep
the invariants of :func:`tests.fuzz.fuzz_support.check_invariants`.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.examples_paths import CONTOSO, REQUESTS, SCENARIOS
from tests.fuzz.fuzz_support import (
    FUZZ,
    check_invariants,
    load_any,
    mutated,
    run_cli,
    serialised,
    to_json_bytes,
)

#: Examples per strategy (2,040 in total; measured ~2.5 min on the 2-core CI machine).
#: ``CAFLOW_FUZZ_SCALE=10`` multiplies them to hunt locally (20,400 examples).
_SCALE = float(os.environ.get("CAFLOW_FUZZ_SCALE") or 1)
EXAMPLES = {
    k: max(1, int(v * _SCALE))
    for k, v in {
        "bundle": 700,
        "request": 250,
        "scenario": 650,
        "proposed": 200,
        "personas": 100,
        "signins": 100,
        "report": 40,
    }.items()
}

KEEP_POLICIES = (
    "CA004-Require-MFA-for-SharePoint-Online.json",
    "CA006-Require-Terms-of-Use-for-guests.json",
    "CA009-Sign-in-frequency-12-hours-on-unmanaged-devices.json",
    "CA014-Require-MFA-for-Microsoft-Flow-Service.json",
)
BUNDLE_FILES = (
    "tenant.yaml",
    "directory.yaml",
    "namedLocations.json",
    "agreements.json",
    "agreementAcceptances.json",
    "powerplatform/connections.json",
    "powerplatform/flows.json",
    *(f"policies/{p}" for p in KEEP_POLICIES),
)
REQUEST = REQUESTS / "alice-sharepoint-from-home.json"


@pytest.fixture(scope="module")
def small_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Contoso with four policies: every file kind, fast enough for thousands of runs."""
    root = tmp_path_factory.mktemp("fuzz") / "small"
    for rel in BUNDLE_FILES:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(CONTOSO / rel, root / rel)
    return root


SEEDS = {rel: load_any(CONTOSO / rel) for rel in BUNDLE_FILES}


@st.composite
def mutated_file(draw: st.DrawFn) -> tuple[str, bytes]:
    rel = draw(st.sampled_from(BUNDLE_FILES))
    doc = draw(mutated(SEEDS[rel]))
    return rel, draw(serialised(doc, rel.endswith(".yaml")))


def _write_bundle(base: Path, into: Path, files: list[tuple[str, bytes]], as_zip: bool) -> Path:
    shutil.copytree(base, into)
    for rel, data in files:
        (into / rel).write_bytes(data)
    if not as_zip:
        return into
    z = into.with_suffix(".zip")
    with zipfile.ZipFile(z, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for f in sorted(into.rglob("*")):
            if f.is_file():
                # Windows tools write backslashes inside zips: both must load.
                name = f.relative_to(into).as_posix()
                zf.write(f, name.replace("/", "\\") if len(name) % 2 else name)
    return z


@settings(FUZZ, max_examples=EXAMPLES["bundle"])
@given(
    files=st.lists(mutated_file(), min_size=1, max_size=2),
    verb=st.sampled_from(["whatif", "advise"]),
    as_zip=st.booleans(),
)
def test_fuzz_bundles(
    small_bundle: Path, files: list[tuple[str, bytes]], verb: str, as_zip: bool
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        bundle = _write_bundle(small_bundle, Path(tmp) / "b", files, as_zip)
        if verb == "whatif":
            args = ["whatif", str(bundle), "--request", str(REQUEST), "--json"]
        else:
            args = ["advise", str(bundle), "--format", "json"]
        res, elapsed = run_cli(args)
        check_invariants(res, elapsed, [str(bundle), "--"])


REQUEST_SEED = load_any(REQUEST)


@settings(FUZZ, max_examples=EXAMPLES["request"])
@given(body=mutated(REQUEST_SEED, max_steps=4), data=st.data())
def test_fuzz_whatif_requests(small_bundle: Path, body: Any, data: st.DataObject) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        req = Path(tmp) / "request.json"
        req.write_bytes(data.draw(serialised(body, yaml_file=False)))
        res, elapsed = run_cli(["whatif", str(small_bundle), "--request", str(req), "--json"])
        check_invariants(res, elapsed, [str(req), str(small_bundle), "--"])


def _scenario_seed(path: Path) -> Any:
    doc = load_any(path)
    if isinstance(doc.get("tenant"), str):  # a bundle path relative to the example: absolute
        doc["tenant"] = str(CONTOSO)
    return doc


#: Every example scenario: every action, inline tenants, ToU, remember-MFA, lifetimes.
SCENARIO_SEEDS = [_scenario_seed(p) for p in sorted(SCENARIOS.glob("*.yaml"))]


@settings(FUZZ, max_examples=EXAMPLES["scenario"])
@given(data=st.data())
def test_fuzz_scenarios(data: st.DataObject) -> None:
    seed = data.draw(st.sampled_from(SCENARIO_SEEDS))
    doc = data.draw(mutated(seed, max_steps=3))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "scenario.yaml"
        path.write_bytes(data.draw(serialised(doc, yaml_file=True)))
        res, elapsed = run_cli(["simulate", str(path), "--format", "json"])
        check_invariants(res, elapsed, [str(path), str(CONTOSO), "--"])


POLICY_SEED = SEEDS[f"policies/{KEEP_POLICIES[-1]}"]


@settings(FUZZ, max_examples=EXAMPLES["proposed"])
@given(doc=mutated(POLICY_SEED, max_steps=3))
def test_fuzz_proposed_policies(small_bundle: Path, doc: Any) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "proposed.json"
        path.write_bytes(to_json_bytes(doc, "utf-8", ascii_only=True))
        args = [
            "check",
            "--baseline",
            str(small_bundle),
            "--proposed",
            str(path),
            "--horizon",
            "P14D",
            "--format",
            "json",
        ]
        res, elapsed = run_cli(args)
        check_invariants(res, elapsed, [str(path), str(small_bundle), "--"])


PERSONAS_SEED = [
    {
        "user": "alice@contoso.com",
        "name": "alice-home",
        "app": ["Microsoft Flow Service", "sharepoint"],
        "where": "untrusted",
        "mfa": False,
        "managed": False,
    },
    {"user": "dave@contoso.com", "name": "dave-office", "where": "trusted", "mfa": True},
]


def _csv_bytes(doc: Any) -> bytes | None:
    """``doc`` as a personas CSV when it still is a list of objects (else None)."""
    if not isinstance(doc, list) or not all(isinstance(row, dict) for row in doc):
        return None
    columns = list(dict.fromkeys(str(k) for row in doc for k in row))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in doc:
        cells = {str(k): v for k, v in row.items()}
        writer.writerow(
            ";".join(map(str, v)) if isinstance(v, list) else ("" if v is None else str(v))
            for v in (cells.get(c) for c in columns)
        )
    return out.getvalue().encode("utf-8", "surrogatepass")


@settings(FUZZ, max_examples=EXAMPLES["personas"])
@given(doc=mutated(PERSONAS_SEED, max_steps=3), as_csv=st.booleans(), data=st.data())
def test_fuzz_matrix_personas(
    small_bundle: Path, doc: Any, as_csv: bool, data: st.DataObject
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        table = _csv_bytes(doc) if as_csv else None
        path = Path(tmp) / ("personas.csv" if table is not None else "personas.yaml")
        path.write_bytes(table if table is not None else data.draw(serialised(doc, True)))
        args = ["matrix", str(small_bundle), "--personas", str(path), "--format", "json"]
        res, elapsed = run_cli([*args, "--at", "2026-02-01T00:00:00Z"])
        check_invariants(res, elapsed, [str(path), str(small_bundle), "--"])


def _signin_seed() -> list[Any]:
    """The Flow Service refresh record and an interactive variant of it (Graph signIn shape)."""
    line = (Path(__file__).parents[1] / "replay" / "flow-service-refresh.jsonl").read_text()
    record = json.loads(line)
    interactive = {
        **record,
        "id": "interactive-1",
        "isInteractive": True,
        "signInEventTypes": ["interactiveUser"],
        "userPrincipalName": "alice@contoso.com",
        "userId": "11111111-0000-0000-0000-000000000001",
        "appliedConditionalAccessPolicies": [
            {"id": "66666666-0000-0000-0000-000000000004", "result": "success"}
        ],
    }
    return [record, interactive]


SIGNIN_SEED = _signin_seed()


@settings(FUZZ, max_examples=EXAMPLES["signins"])
@given(
    records=mutated(SIGNIN_SEED, max_steps=3),
    shape=st.sampled_from(["jsonl", "page", "list"]),
    data=st.data(),
)
def test_fuzz_replay_signin_logs(
    small_bundle: Path, records: Any, shape: str, data: st.DataObject
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / ("signins.jsonl" if shape == "jsonl" else "signins.json")
        if shape == "jsonl" and isinstance(records, list):
            lines = (json.dumps(r, default=str) for r in records)
            path.write_bytes("\n".join(lines).encode("utf-8", "surrogatepass"))
        else:
            doc = {"value": records} if shape == "page" else records
            path.write_bytes(data.draw(serialised(doc, yaml_file=False)))
        args = ["replay", "--logs", str(path), "--bundle", str(small_bundle), "--no-store"]
        res, elapsed = run_cli([*args, "--format", "json"])
        check_invariants(res, elapsed, [str(path), str(small_bundle), "--"])


REPORT_SEEDS = [
    load_any(Path(__file__).parents[1] / "report" / "golden" / name)
    for name in ("advise.json", "check.json")
]


@settings(FUZZ, max_examples=EXAMPLES["report"])
@given(data=st.data())
def test_fuzz_report_results(data: st.DataObject) -> None:
    doc = data.draw(mutated(data.draw(st.sampled_from(REPORT_SEEDS)), max_steps=3))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "result.json"
        path.write_bytes(data.draw(serialised(doc, yaml_file=False)))
        out = Path(tmp) / "report.html"
        res, elapsed = run_cli(["report", str(path), "-o", str(out)])
        check_invariants(res, elapsed, [str(path), str(out), "--"])


def test_budget_is_at_least_2000() -> None:
    assert sum(EXAMPLES.values()) >= 2000 * min(_SCALE, 1)
