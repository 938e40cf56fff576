"""Who accepted the terms of use is not in every export (review of issue 9, M4): EntraExporter,
``Get-Mg*`` and ``az rest`` write no agreementAcceptances.json. Without it an acceptance is
unknown, never "not accepted" (docs/assumptions.md A-TOU-1): ``whatif`` is ``certain: false``
with the reason, ``check`` / ``simulate`` count the ToU-dependent break as undetermined (unless
the scenario records the acceptance, or adds the agreement itself), ``advise``'s ToU findings say
what happens either way, and every verb warns. An exported empty list (``[]``) means nobody
accepted: the answers stay certain, as with the example tenant's own acceptances."""

from __future__ import annotations

import dataclasses
import json
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.examples_paths import CONTOSO, SCENARIOS
from tests.signin_args import sign_in_args
from typer.testing import CliRunner

from caflow.cli.main import app
from caflow.engine.grants import terms_status
from caflow.engine.signin import SignIn
from caflow.io.bundle import load_bundle

runner = CliRunner()
START = "2026-02-02T09:00:00Z"
GUEST_TERMS = "55555555-0000-0000-0000-000000000001"
FINANCE_TERMS = "55555555-0000-0000-0000-000000000002"
UNKNOWN = (
    "Terms of Use acceptances not exported (no agreementAcceptances.json in the bundle; "
    "EntraExporter, Get-Mg* and az exports write none): whether the user accepted is unknown"
)
#: mallory, a guest CA006 (Contoso Guest Terms) applies to; examples/contoso records her
#: acceptance.
MALLORY = sign_in_args("mallory_fabrikam.com#EXT#@contoso.onmicrosoft.com", device="unregistered")


def _bundle(tmp_path: Path, acceptances: str | None) -> Path:
    """examples/contoso with agreementAcceptances.json removed (None) or replaced."""
    root = tmp_path / ("none" if acceptances is None else "some")
    shutil.copytree(CONTOSO, root)
    (root / "agreementAcceptances.json").unlink()
    if acceptances is not None:
        (root / "agreementAcceptances.json").write_text(acceptances)
    return root


def _whatif(bundle: Path, *extra: str) -> tuple[dict[str, Any], str]:
    res = runner.invoke(app, ["whatif", str(bundle), *MALLORY, *extra, "--json"])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout), res.stderr


def test_whatif_without_acceptances_is_uncertain(tmp_path: Path) -> None:
    doc, err = _whatif(_bundle(tmp_path, None))
    assert doc["certain"] is False and doc["errorCode"] is None
    [ca006] = doc["undetermined"]
    assert ca006["displayName"] == "CA006 - Require Terms of Use for guests"
    assert ca006["reason"] == UNKNOWN
    said = " ".join(err.split())
    assert (
        "/grantControls/termsOfUse: terms of use 'Contoso Guest Terms': " + UNKNOWN
    ) in said and "never 'not accepted' [acceptances-unknown]" in said
    text = runner.invoke(app, ["whatif", str(_bundle(tmp_path / "t", None)), *MALLORY]).stdout
    assert "AADSTS50158" not in text  # no longer said as certain


def test_whatif_with_an_empty_acceptance_export_stays_certain(tmp_path: Path) -> None:
    """``[]`` is an export in which nobody accepted: the background request fails, certainly."""
    doc, err = _whatif(_bundle(tmp_path, "[]"))
    assert (doc["decision"], doc["certain"], doc["errorCode"]) == (
        "requires",
        True,
        "AADSTS50158",
    )
    assert "acceptances-unknown" not in err
    graph_page = '{"@odata.context": "x", "value": []}'
    assert _whatif(_bundle(tmp_path / "g", graph_page))[0]["errorCode"] == "AADSTS50158"


def test_whatif_on_the_example_tenant_is_unchanged() -> None:
    res = runner.invoke(app, ["whatif", str(CONTOSO), *MALLORY, "--json"])
    doc = json.loads(res.stdout)
    assert (doc["decision"], doc["certain"], doc["undetermined"]) == ("allow", True, [])
    assert "acceptances-unknown" not in res.stderr


def test_an_acceptance_given_on_the_command_line_is_known(tmp_path: Path) -> None:
    doc, _ = _whatif(_bundle(tmp_path, None), "--accepted-terms", GUEST_TERMS)
    assert (doc["decision"], doc["certain"], doc["undetermined"]) == ("allow", True, [])


def test_a_page_of_acceptances_leaves_the_rest_unknown(tmp_path: Path) -> None:
    page = json.dumps({"value": [], "@odata.nextLink": "https://graph.microsoft.com/v1.0/x"})
    tenant = load_bundle(_bundle(tmp_path, page))
    assert tenant.acceptances_unrecorded == set(tenant.agreements) >= {GUEST_TERMS, FINANCE_TERMS}
    assert load_bundle(_bundle(tmp_path / "all", "[]")).acceptances_unrecorded == frozenset()


def _proposal(tmp_path: Path) -> Path:
    """CA014 (Power Automate), enabled, requiring Finance Data Handling instead of MFA: it
    reaches grace's approvals connection."""
    doc = json.loads((CONTOSO.parent / "proposals" / "CA014-enabled.json").read_text())
    doc["grantControls"] = {"operator": "OR", "builtInControls": [], "termsOfUse": [FINANCE_TERMS]}
    f = tmp_path / "proposal.json"
    f.write_text(json.dumps(doc))
    return f


def _check(bundle: Path, proposal: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    res = runner.invoke(
        app,
        [
            "check",
            "--baseline",
            str(bundle),
            "--proposed",
            str(proposal),
            "--start",
            START,
            "--format",
            "json",
            *extra,
        ],
    )
    assert res.exit_code in (0, 1), res.output
    return res.exit_code, json.loads(res.stdout)


def test_check_counts_a_tou_break_as_undetermined(tmp_path: Path) -> None:
    proposal = _proposal(tmp_path)
    code, doc = _check(_bundle(tmp_path, None), proposal)
    assert doc["connectionsBreaking"] == [] and code == 0
    items = {(u["kind"], u["id"]): u["reason"] for u in doc["undetermined"]}
    reason = items[("connection", "grace-approvals")]
    assert UNKNOWN in reason and "CA014" in reason
    assert ("flow", "contract-signoff") in items
    assert "2 undetermined" in doc["impactLine"]
    assert _check(_bundle(tmp_path / "s", None), proposal, "--strict")[0] == 1

    # Exported, nobody accepted: the break is certain (as on the example tenant).
    code, doc = _check(_bundle(tmp_path / "e", "[]"), proposal)
    assert [c["id"] for c in doc["connectionsBreaking"]] == ["grace-approvals"]
    assert code == 1 and doc["undetermined"] == []


def _scenario(tmp_path: Path, tenant: Path, events: str = "") -> Path:
    """Alice's Teams flow; a policy requiring the bundle's Finance Data Handling for Teams is
    added on day 5."""
    f = tmp_path / "scenario.yaml"
    f.write_text(
        f"tenant: {json.dumps(str(tenant))}\n"
        "start: 2026-01-05T09:00:00Z\n"
        "end: 2026-01-20T00:00:00Z\n"
        "flows:\n"
        "  - id: alice-teams-post\n"
        "    owner: alice@contoso.com\n"
        "    connections: [alice-teams]\n"
        "    trigger: {schedule: P1D, startTime: 2026-01-05T13:00:00Z}\n"
        "events:\n" + events + "  - at: 2026-01-10T00:00:00Z\n"
        "    addPolicy:\n"
        "      policy:\n"
        "        id: 66666666-0000-0000-0000-000000000111\n"
        "        displayName: S111 - Require Finance terms for Microsoft Teams\n"
        "        state: enabled\n"
        "        conditions:\n"
        "          clientAppTypes: [all]\n"
        "          users: {includeUsers: [alice@contoso.com]}\n"
        "          applications: {includeApplications: [cc15fd57-2c6c-4117-a88c-83b1d56b4bbe]}\n"
        f"        grantControls: {{operator: OR, termsOfUse: [{FINANCE_TERMS}]}}\n"
    )
    return f


def _simulate(scenario: Path) -> dict[str, Any]:
    res = runner.invoke(app, ["simulate", str(scenario), "--format", "json"])
    assert res.exit_code == 0, res.output
    return dict(json.loads(res.stdout))


def test_simulate_counts_a_tou_break_as_undetermined(tmp_path: Path) -> None:
    doc = _simulate(_scenario(tmp_path, _bundle(tmp_path, None)))
    assert doc["summary"]["connectionsBroken"] == 0 and doc["summary"]["undetermined"] >= 1
    [item] = [u for u in doc["undetermined"] if u["id"] == "alice-teams"]
    assert UNKNOWN in item["reason"] and "S111" in item["reason"]

    known = _simulate(_scenario(tmp_path / "e", _bundle(tmp_path / "e", "[]")))
    assert known["summary"]["connectionsBroken"] == 1 and known["summary"]["undetermined"] == 0


def test_an_acceptance_the_scenario_records_is_known(tmp_path: Path) -> None:
    """alice accepts on day 1 (re-accept every 30 days: still valid on day 5): the scenario
    says what the bundle does not, so the refresh is determined - it passes."""
    event = (
        "  - at: 2026-01-05T09:00:00Z\n"
        f"    acceptAgreement: {{user: alice@contoso.com, agreement: {FINANCE_TERMS}}}\n"
    )
    doc = _simulate(_scenario(tmp_path, _bundle(tmp_path, None), event))
    assert not [u for u in doc["undetermined"] if u["id"] == "alice-teams"]
    assert doc["summary"]["connectionsBroken"] == 0


def test_an_agreement_the_scenario_adds_was_accepted_by_nobody(tmp_path: Path) -> None:
    """tou-retroactive adds its agreement during the run: nobody accepted it before it existed,
    so its break is as certain without the bundle's acceptances as with them."""
    text = (SCENARIOS / "tou-retroactive.yaml").read_text()
    scenario = tmp_path / "retro.yaml"
    scenario.write_text(
        text.replace("tenant: ../contoso", f"tenant: {json.dumps(str(_bundle(tmp_path, None)))}")
    )
    doc = _simulate(scenario)
    assert doc["undetermined"] == []
    assert doc["summary"] == _simulate(SCENARIOS / "tou-retroactive.yaml")["summary"]


def test_advise_says_what_happens_either_way(tmp_path: Path) -> None:
    def finding(bundle: Path) -> tuple[dict[str, Any], list[str]]:
        res = runner.invoke(app, ["advise", str(bundle), "--json"])
        doc = json.loads(res.stdout)
        [f] = [f for f in doc["findings"] if f["ruleId"] == "terms_of_use_short_consent_expiry"]
        return f, doc["warnings"]

    blind, warnings = finding(_bundle(tmp_path, None))
    assert blind["message"].endswith(
        "Who accepted it is not in the bundle (no agreementAcceptances.json): if an owner has "
        "accepted, their connections keep working until the acceptance expires or a new "
        "version must be re-accepted; if not, they break at the next refresh."
    )
    assert any("[acceptances-unknown]" in w for w in warnings)
    example, warnings = finding(CONTOSO)
    assert "Who accepted it" not in example["message"]
    assert not any("acceptances-unknown" in w for w in warnings)
    assert {k: v for k, v in blind.items() if k != "message"} == {
        k: v for k, v in example.items() if k != "message"
    }


def test_a_refresh_knows_only_the_owners_own_history(tmp_path: Path) -> None:
    """A background refresh reads the owner's acceptances as of now (A-TOK-8): an agreement
    its history holds an acceptance of by now is known (valid or not), one accepted only later
    is not; an advise probe's assumption (``terms_known`` None) is taken as said; a per-device
    agreement never reaches a refresh from the cloud (docs/sources.md TS-5.4), accepted or not."""
    tenant = load_bundle(_bundle(tmp_path, None))
    alice = tenant.directory.user("alice@contoso.com")
    refresh = SignIn(user=alice, use_recorded_acceptances=False, terms_known=frozenset())
    now = datetime(2026, 2, 2, 9, tzinfo=UTC)
    assert terms_status(FINANCE_TERMS, refresh, tenant, now) == "unknown"
    known = refresh.evolve(terms_known=frozenset({FINANCE_TERMS}))
    assert terms_status(FINANCE_TERMS, known, tenant, now) == "notAccepted"
    probe = refresh.evolve(terms_known=None)
    assert terms_status(FINANCE_TERMS, probe, tenant, now) == "notAccepted"
    per_device = dataclasses.replace(tenant.agreements[FINANCE_TERMS], per_device=True)
    strict = dataclasses.replace(tenant, agreements={FINANCE_TERMS: per_device})
    assert terms_status(FINANCE_TERMS, refresh, strict, now) == "notAccepted"
    # whatif reads the bundle's acceptances: none recorded, so unknown
    whatif = SignIn(user=alice)
    assert terms_status(FINANCE_TERMS, whatif, tenant, now) == "unknown"
    assert terms_status(FINANCE_TERMS, whatif, load_bundle(CONTOSO), now) != "unknown"


def test_only_evaluated_policies_warn_about_unknown_acceptances(tmp_path: Path) -> None:
    """Review 9c F2: a disabled ToU policy is evaluated by no verb, so its unknown acceptances
    are not worth a warning on every verb; enabled CA006 and report-only CA007 both warn."""
    bundle = _bundle(tmp_path, None)
    warned = _whatif(bundle)[1]
    assert "CA006" in warned and "CA007" in warned
    assert " ".join(warned.split()).count("[acceptances-unknown]") == 2
    for f in (bundle / "policies").glob("CA00[67]-*.json"):
        doc = json.loads(f.read_text())
        f.write_text(json.dumps({**doc, "state": "disabled"}))
    doc, err = _whatif(bundle)
    assert "acceptances-unknown" not in err
    assert (doc["decision"], doc["certain"], doc["undetermined"]) == ("allow", True, [])
    # The agreements stay unrecorded: a scenario or proposal enabling the policy is uncertain.
    assert load_bundle(bundle).acceptances_unrecorded >= {GUEST_TERMS, FINANCE_TERMS}


#: Review 9c F1's reproducer (S111 requires Contoso Guest Terms from 01-10, alice accepts 01-12).
DOUBT_LATER = Path(__file__).parents[1] / "simulate" / "scenarios" / "tou-doubt-resolved-later.yaml"
_RESOLUTION = DOUBT_LATER.read_text().split("  # RESOLUTION", 1)[1]


def _doubt_later(tmp_path: Path, tenant: Path, remove: bool = False) -> Path:
    text = DOUBT_LATER.read_text().replace("tenant: TENANT", f"tenant: {json.dumps(str(tenant))}")
    if remove:
        text = text.replace(
            _RESOLUTION,
            "\n  - at: 2026-01-12T09:00:00Z\n"
            "    removePolicy: {id: 66666666-0000-0000-0000-000000000111}\n",
        )
    tmp_path.mkdir(parents=True, exist_ok=True)
    scenario = tmp_path / "doubt-later.yaml"
    scenario.write_text(text)
    return scenario


def test_a_doubt_resolved_later_stays_undetermined_for_the_refresh_before(
    tmp_path: Path,
) -> None:
    """The refreshes on 01-10 and 01-11 come before any acceptance the scenario knows: their
    outcome is unknown (with the exported acceptances they fail). A later acceptance, or the
    policy's removal, resolves the doubt only for later refreshes: the connection and its flow
    are undetermined, with the reason and the time of the first doubtful refresh."""
    for remove in (False, True):
        where = tmp_path / str(remove)
        doc = _simulate(_doubt_later(where, _bundle(where, None), remove))
        assert doc["summary"]["undetermined"] == 2, doc["undetermined"]
        conn, flow = doc["undetermined"]
        assert conn["kind"] == "connection" and conn["id"] == "alice-teams-new"
        assert UNKNOWN in conn["reason"] and "S111" in conn["reason"]
        assert conn["reason"].endswith("at the refresh of 2026-01-10T13:00:00Z")
        assert flow == {
            "kind": "flow",
            "id": "alice-teams-post",
            "reason": "uses undetermined connection(s) alice-teams-new",
        }
        assert doc["summary"]["connectionsBroken"] == 0
        assert doc["summary"]["flowsWithFailedRuns"] == 0

        # With the acceptances exported (alice has none) the same refreshes fail: certain.
        known = _simulate(_doubt_later(where / "ex", CONTOSO, remove))
        assert known["undetermined"] == []
        assert known["summary"]["flowsWithFailedRuns"] == 1
