"""The columnar Graph JSON Lines reader (io/signins/columnar.py) == the per-record reader.

Compared on every JSON Lines fixture, on a file mixing well-formed records with every kind of
unusual line (so the hand-over to the per-record reader is exercised mid-file and mid-batch),
and on hypothesis-drawn Graph records: same batches' rows, same counts, skip reasons and
example locations, same tenants; also with ``dictionary=True`` (the replay's reading: text
columns dictionary-encoded and trimmed once per distinct value).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.corpora_paths import SIGNIN_DATA

import caflow.io.signins.reader as reader
from caflow.io.signins import SCHEMA, LoadStats, read_signins

FIX = Path(__file__).parent / "fixtures"
JSONL = [
    FIX / "graph-beta.jsonl",
    FIX / "AADNonInteractiveUserSignInLogs.jsonl",
    SIGNIN_DATA / "msticpy-aad-logons" / "SigninLogs.jsonl",
    Path(__file__).parents[2] / "replay" / "flow-service-refresh.jsonl",
]


def _read(
    path: Path, columnar: bool, batch_rows: int, dictionary: bool
) -> tuple[list[dict[str, Any]], Any]:
    stats = LoadStats()
    saved = reader._graph_shaped
    if not columnar:
        reader._graph_shaped = lambda line: False  # the per-record reader only
    try:
        batches = list(read_signins([path], stats, batch_rows=batch_rows, dictionary=dictionary))
    finally:
        reader._graph_shaped = saved
    rows = []
    for b in batches:
        if dictionary:
            assert b.schema.names == SCHEMA.names
            for f in b.schema:
                if pa.types.is_dictionary(f.type):
                    assert f.type.value_type == SCHEMA.field(f.name).type == pa.string()
                    assert f.name != "id"
                else:
                    assert f.type == SCHEMA.field(f.name).type
        else:
            assert b.schema == SCHEMA
        for r in b.to_pylist():
            text = r["appliedConditionalAccessPolicies"]
            r["appliedConditionalAccessPolicies"] = json.loads(text) if text else text
            rows.append(r)
    return rows, (stats.to_json(), dict(stats.tenants))


def _outcome(path: Path, columnar: bool, batch_rows: int, dictionary: bool = False) -> Any:
    try:
        return _read(path, columnar, batch_rows, dictionary)
    except Exception as exc:  # a file the sniffer rejects: the same error both ways
        return (type(exc).__name__, str(exc))


def _same(path: Path, batch_rows: int = 65_536) -> list[dict[str, Any]]:
    fast = _outcome(path, True, batch_rows)
    slow = _outcome(path, False, batch_rows)
    assert fast[1] == slow[1]
    assert fast[0] == slow[0]
    encoded = _outcome(path, True, batch_rows, dictionary=True)
    assert encoded[1] == slow[1]
    assert encoded[0] == slow[0]
    return fast[0] if isinstance(fast[0], list) else []


@pytest.mark.parametrize("path", JSONL, ids=lambda p: p.name)
def test_fixtures(path: Path) -> None:
    assert _same(path)


def _graph(i: int, **over: Any) -> dict[str, Any]:
    rec: dict[str, Any] = {
        "id": f"r{i}",
        "createdDateTime": f"2026-01-{1 + i % 28:02d}T10:00:00Z",
        "userId": f"u{i % 7}",
        "userPrincipalName": f"user{i % 7}@contoso.com",
        "appId": "7df0a125-d3be-4c96-aa54-591f83ff541c",
        "resourceId": "00000003-0000-0ff1-ce00-000000000000",
        "resourceTenantId": "t1" if i % 3 else "t2",
        "ipAddress": "203.0.113.10",
        "location": {"countryOrRegion": "NL", "city": "Utrecht"},
        "clientAppUsed": "Browser",
        "isInteractive": bool(i % 2),
        "signInEventTypes": ["interactiveUser"] if i % 2 else ["nonInteractiveUser"],
        "deviceDetail": {"deviceId": f"d{i % 5}", "operatingSystem": "Windows10"},
        "status": {"errorCode": 0 if i % 4 else 50074},
        "authenticationDetails": [
            {"authenticationMethod": "Password", "succeeded": True},
            {"authenticationMethod": "Text message", "succeeded": False},
        ],
        "appliedConditionalAccessPolicies": [
            {"id": "p1", "displayName": 'CA "1" – é', "result": "success"}
        ],
    }
    rec.update(over)
    return rec


UNUSUAL = [
    "{not json",
    json.dumps(_graph(900, createdDateTime=None)),  # missing createdDateTime
    json.dumps(_graph(901, status={"errorCode": "50074"})),  # string code: per record
    json.dumps(_graph(902, userId=None, userPrincipalName="  ")),  # user sign-in, no user
    json.dumps(_graph(903, resourceId=" ", appId=None, signInEventTypes=["servicePrincipal"])),
    json.dumps(_graph(904, createdDateTime="14/01/2026 10:00")),  # Arrow cannot cast
    json.dumps({"TimeGenerated": "2026-01-05T00:00:00Z", "Category": "SignInLogs"}),  # LA
    json.dumps(_graph(905, isInteractive="maybe")),  # DuckDB cannot type it
]


@pytest.mark.parametrize("where", [0, 5, 37, 99])
@pytest.mark.parametrize("unusual", range(len(UNUSUAL)))
def test_unusual_lines_hand_over_to_the_per_record_reader(
    tmp_path: Path, where: int, unusual: int
) -> None:
    lines = [json.dumps(_graph(i)) for i in range(100)]
    lines.insert(where, UNUSUAL[unusual])
    lines.insert(20, "")  # blank lines are not records
    path = tmp_path / "signins.jsonl"
    path.write_text("\n".join(lines) + "\n")
    rows = _same(path, batch_rows=16)
    assert len(rows) >= 100 or (where == 0 and not rows)  # a first line the sniffer rejects


def test_padded_values_and_event_rules(tmp_path: Path) -> None:
    recs = [
        _graph(1, userId="  u1\t", ipAddress=" 10.0.0.1 ", clientAppUsed="\x1cBrowser "),
        _graph(
            2,
            signInEventTypes=[],
            isInteractive=None,
            userId=None,
            userPrincipalName=None,
            servicePrincipalId="s",
        ),
        _graph(3, signInEventTypes=["other", "servicePrincipal"]),
        _graph(4, signInEventTypes=None, isInteractive=False),
        _graph(5, appliedConditionalAccessPolicies=None, appliedConditionalAccessPolicy=[]),
        _graph(6, authenticationDetails=[{"authenticationMethod": ""}], status=None),
        _graph(7, deviceDetail=None, location=None, resourceId=None),
    ]
    path = tmp_path / "signins.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in recs) + "\n")
    rows = _same(path)
    assert rows[0]["userId"] == "u1" and rows[0]["clientAppUsed"] == "Browser"
    assert rows[1]["signInEventType"] == "servicePrincipal"


_text = st.one_of(
    st.none(),
    st.text(alphabet=" \tab-é'\"\\,", max_size=6),
)


@st.composite
def _records(draw: st.DrawFn) -> list[dict[str, Any]]:
    out = []
    for i in range(draw(st.integers(1, 30))):
        over = {
            k: draw(_text)
            for k in ("userId", "userPrincipalName", "appId", "resourceId", "userType")
            if draw(st.booleans())
        }
        if draw(st.booleans()):
            over["signInEventTypes"] = draw(
                st.lists(st.sampled_from(["interactiveUser", "servicePrincipal", "x"]))
            )
        if draw(st.booleans()):
            over["isInteractive"] = draw(st.one_of(st.none(), st.booleans()))
        if draw(st.booleans()):
            over["authenticationDetails"] = [
                {
                    "authenticationMethod": draw(_text),
                    "succeeded": draw(st.sampled_from([None, True, False])),
                }
                for _ in range(draw(st.integers(0, 3)))
            ]
        out.append(_graph(i, **over))
    return out


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(records=_records())
def test_generated_graph_records(tmp_path: Path, records: list[dict[str, Any]]) -> None:
    path = tmp_path / "gen.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n")
    _same(path, batch_rows=8)
