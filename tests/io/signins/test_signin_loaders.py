"""Sign-in log loaders: every source shape -> the record schema; nothing dropped uncounted.

Real rows: tests/data/signins/msticpy-aad-logons (86 SigninLogs rows, Microsoft lab tenant) and
the Graph docs samples. Other shapes: fixtures/ (their sources in fixtures/README.md).
"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from tests.corpora_paths import SIGNIN_DATA

from caflow.errors import InputError, ParseError
from caflow.io.signins import SCHEMA, LoadStats, read_signins

FIX = Path(__file__).parent / "fixtures"
MSTICPY = SIGNIN_DATA / "msticpy-aad-logons" / "SigninLogs.jsonl"


def _load(*paths: Path, batch_rows: int = 65_536) -> tuple[list[dict], LoadStats]:
    stats = LoadStats()
    batches = list(read_signins(list(paths), stats, batch_rows=batch_rows))
    for b in batches:
        assert b.schema == SCHEMA
    return [r for b in batches for r in b.to_pylist()], stats


def test_msticpy_real_signinlogs_rows() -> None:
    rows, stats = _load(MSTICPY)
    assert (stats.read, stats.kept, dict(stats.skipped)) == (86, 86, {})
    assert sum(r["errorCode"] == 90072 for r in rows) == 2
    assert sum(r["countryOrRegion"] == "BE" for r in rows) == 61
    # ResourceIdentity (the resource app id), not the ARM ResourceId path.
    assert sum(r["resourceId"] == "797f4846-ba00-4fd7-ba43-dac1f8f63013" for r in rows) == 12
    assert not any((r["resourceId"] or "").startswith("/tenants/") for r in rows)
    applied = [json.loads(r["appliedConditionalAccessPolicies"]) for r in rows]
    assert sum(len(a) == 12 for a in applied) == 84 and sum(a == [] for a in applied) == 2
    assert {p["result"] for a in applied for p in a} == {
        "success",
        "notApplied",
        "notEnabled",
        "reportOnlyNotApplied",
    }
    assert {r["signInEventType"] for r in rows} == {"interactiveUser", "nonInteractiveUser"}
    assert sum(r["signInEventType"] == "interactiveUser" for r in rows) == 8  # IsInteractive


def test_graph_docs_samples_and_non_log_files_in_the_folder() -> None:
    rows, stats = _load(SIGNIN_DATA / "msgraph-docs")
    ids = {r["id"] for r in rows}
    assert "66ea54eb-6301-4ee5-be62-ff5a759b0100" in ids  # v1.0 signin-list example
    assert len(rows) == stats.kept == 6
    # Schema skeletons ("String (timestamp)") and What If results: counted, not dropped.
    assert stats.skipped["invalid createdDateTime"] == 2
    assert stats.read == stats.kept + sum(stats.skipped.values())
    assert any(p.endswith("INDEX.json") for p in stats.skipped_files)


def test_graph_pages_saved_as_several_files() -> None:
    rows, stats = _load(FIX / "graph-v1.0-page1.json", FIX / "graph-v1.0-page2.json")
    assert [r["id"] for r in rows] == [
        "66ea54eb-6301-4ee5-be62-ff5a759b0100",
        "66ea54eb-6301-4ee5-be62-ff5a759b0101",
        "66ea54eb-6301-4ee5-be62-ff5a759b0102",
    ]
    assert dict(stats.skipped) == {"missing createdDateTime": 1}
    assert rows[1]["errorCode"] == 50074 and rows[1]["conditionalAccessStatus"] == "failure"
    assert rows[2]["deviceId"] == "dev-1" and rows[2]["isCompliant"] is True
    assert rows[0]["createdDateTime"].microsecond == 619583  # 7 fraction digits


def test_graph_beta_json_lines() -> None:
    rows, stats = _load(FIX / "graph-beta.jsonl")
    by_id = {r["id"]: r for r in rows}
    assert set(by_id) == {"b1", "b2", "b3", "b4"}
    assert dict(stats.skipped) == {"malformed JSON line": 1, "no resource and no application id": 1}
    assert stats.examples["malformed JSON line"].endswith("graph-beta.jsonl:5")
    assert by_id["b1"]["signInEventType"] == "nonInteractiveUser"
    assert by_id["b1"]["authenticationMethods"] == "Previously satisfied"
    assert by_id["b1"]["incomingTokenType"] == "refreshToken"
    # the older beta name appliedConditionalAccessPolicy
    assert json.loads(by_id["b2"]["appliedConditionalAccessPolicies"])[0]["result"] == (
        "reportOnlySuccess"
    )
    assert by_id["b3"]["crossTenantAccessType"] == "b2bCollaboration"
    assert by_id["b3"]["homeTenantId"] == "bbbbbbbb-0000-0000-0000-000000000002"
    sp = by_id["b4"]
    assert (sp["signInEventType"], sp["servicePrincipalId"], sp["userId"]) == (
        "servicePrincipal",
        "0a0a0a0a-0000-0000-0000-00000000000a",
        None,
    )
    assert sp["ipAddress"] == "2001:db8::10"


def test_log_analytics_noninteractive_json_strings_and_flag_integers() -> None:
    rows, stats = _load(FIX / "AADNonInteractiveUserSignInLogs.jsonl")
    assert dict(stats.skipped) == {"user sign-in without userId or userPrincipalName": 1}
    first, second = rows
    assert first["signInEventType"] == "nonInteractiveUser"
    assert first["resourceId"] == "00000003-0000-0ff1-ce00-000000000000"
    assert (first["operatingSystem"], first["city"], first["errorCode"]) == (
        "Windows10",
        "Seattle",
        0,
    )
    applied = json.loads(first["appliedConditionalAccessPolicies"])
    assert applied == [
        {
            "id": "5a1d4f8e-0000-0000-0000-000000000001",
            "displayName": "Require MFA for admins",
            "result": "notApplied",
        }
    ]
    assert second["errorCode"] == 50076


def test_log_analytics_service_principal_managed_identity_and_api_result() -> None:
    rows, _ = _load(FIX / "AADServicePrincipal-and-ManagedIdentity.json")
    assert [(r["signInEventType"], r["servicePrincipalName"]) for r in rows] == [
        ("servicePrincipal", "Payroll daemon"),
        ("managedIdentity", "func-payroll"),
    ]
    assert rows[0]["countryOrRegion"] == "NL" and rows[1]["ipAddress"] is None
    api, stats = _load(FIX / "loganalytics-api-result.json")
    assert stats.files[str(FIX / "loganalytics-api-result.json")] == "loganalytics-api"
    assert api[0]["userPrincipalName"] == "alice@contoso.com"
    assert api[0]["resourceId"] == "797f4846-ba00-4fd7-ba43-dac1f8f63013"


def test_log_analytics_csv_export() -> None:
    rows, stats = _load(FIX / "loganalytics-export.csv")
    assert dict(stats.skipped) == {"invalid createdDateTime": 1}
    first, second = rows
    # "CreatedDateTime [UTC]" = 4/28/2021, 2:08:44.000 PM
    assert first["createdDateTime"].isoformat() == "2021-04-28T14:08:44+00:00"
    # multi-line JSON in a quoted <Col>_dynamic cell
    assert json.loads(first["appliedConditionalAccessPolicies"])[0]["result"] == "success"
    assert first["isInteractive"] is True and first["operatingSystem"] == "MacOs"
    # <Col>_string half of the pair (the non-interactive table)
    assert second["signInEventType"] == "nonInteractiveUser"
    assert second["operatingSystem"] == "Windows10"
    assert second["appliedConditionalAccessPolicies"] == "[]"


def test_entra_portal_csv_download() -> None:
    path = FIX / "InteractiveSignIns_2026-01-18_2026-01-19.csv"
    header = path.read_text(encoding="utf-8-sig").splitlines()[0].split(",")
    assert "Application ID " in header and "Autonomous system  number" in header
    assert header.count("Incoming token type") == 2
    rows, stats = _load(path)
    assert dict(stats.skipped) == {"missing createdDateTime": 1}
    alice, bob = rows
    assert alice["appId"] == "6204c1d1-4712-4c46-a7d9-3ed63d992682"
    assert alice["resourceId"] == "7df0a125-d3be-4c96-aa54-591f83ff541c"
    assert (alice["countryOrRegion"], alice["city"]) == ("US", "Redmond")
    assert (alice["isCompliant"], alice["trustType"]) == (True, "AzureAD")
    assert alice["authenticationRequirement"] == "multiFactorAuthentication"
    assert alice["conditionalAccessStatus"] == "success"
    assert alice["signInEventType"] == "interactiveUser"  # from the file name
    assert (bob["errorCode"], bob["clientAppUsed"], bob["isCompliant"]) == (
        53003,
        "Exchange ActiveSync",
        False,
    )


def test_event_hub_records() -> None:
    rows, stats = _load(FIX / "eventhub-records.json")
    assert [r["signInEventType"] for r in rows] == ["nonInteractiveUser", "servicePrincipal"]
    assert rows[1]["createdDateTime"].isoformat() == "2026-01-19T11:00:00+00:00"  # envelope time
    assert rows[1]["ipAddress"] == "20.190.130.1"  # callerIpAddress
    assert list(stats.skipped) == ["field of the wrong type (`$.isInteractive`)"]


def test_parquet_flat_and_nested_graph_names(tmp_path: Path) -> None:
    json_rows, _ = _load(FIX / "graph-beta.jsonl")
    flat = tmp_path / "flat.parquet"
    pq.write_table(pa.Table.from_pylist(json_rows, schema=SCHEMA), flat)
    back, stats = _load(flat)
    assert back == json_rows and stats.files[str(flat)] == "parquet"
    nested_records = [
        json.loads(line)
        for line in (FIX / "graph-beta.jsonl").read_text().splitlines()
        if line.strip().endswith("}") and '"createdDateTime": "2026-01-14T1' in line
    ]
    nested = tmp_path / "nested.parquet"
    pq.write_table(pa.Table.from_pylist(nested_records), nested)
    rows, _ = _load(nested)
    assert [r["id"] for r in rows] == ["b1", "b2", "b3", "b4"]
    assert rows[0]["operatingSystem"] == "Windows 10" and rows[0]["errorCode"] == 0


def test_batches_are_bounded() -> None:
    stats = LoadStats()
    sizes = [b.num_rows for b in read_signins([MSTICPY], stats, batch_rows=10)]
    assert max(sizes) == 10 and sum(sizes) == 86


@pytest.mark.parametrize(
    ("name", "content", "error", "words"),
    [
        ("missing.json", None, ParseError, "no such file"),
        ("bad.json", b'{"value": [', ParseError, "malformed JSON"),
        ("other.csv", b"a,b,c\n1,2,3\n", InputError, "unrecognised CSV header"),
        ("wide.json", "[1]".encode("utf-16"), ParseError, "UTF-16"),
        ("policy.json", b'{"displayName": "x", "conditions": {}}', InputError, "not a sign-in"),
        ("empty.json", b"\n\n", ParseError, "empty"),  # .jsonl: a log of none (test_pull)
    ],
)
def test_unreadable_file_names_it(
    tmp_path: Path, name: str, content: bytes | None, error: type, words: str
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(error) as exc:
        _load(path)
    assert str(path) in str(exc.value) and words in str(exc.value)
