"""What ``caflow pull`` could not read changes the verdicts of the bundle it wrote (issue 9,
"never guess silently"): flows or connections of an environment that pull.json lists as not
read are named and counted undetermined by ``check`` and ``simulate``, in every format, and
``check --strict`` exits 1 on them; a complete pull of the same recorded tenant changes
nothing. A hand-edited pull.json is read as strictly as every bundle file (exit 2)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from tests.examples_paths import EXAMPLES
from tests.pull.recorded import ENV as PP_ENV
from tests.pull.recorded import RecordedTenant
from tests.pull.test_pull import ENV, _pull, runner

from caflow.cli.main import app
from caflow.io.bundle import load_bundle
from caflow.io.pullmanifest import MANIFEST_KEYS, OPTIONAL_KEYS
from caflow.model.pulled import PART_NAMES
from caflow.pull.tenant import PARTS, PullOptions
from caflow.report.contracts import PullManifest
from caflow.report.schemas import schema

START = "2026-02-02T09:00:00Z"
#: Enables CA014 (MFA for Microsoft Flow Service): grace's approvals connection breaks.
CA014 = EXAMPLES / "proposals" / "CA014-enabled.json"
NO_FLOW_TOKEN = {k: v for k, v in ENV.items() if k != "CAFLOW_FLOW_TOKEN"}
FORBIDDEN = (403, {}, {"error": {"code": "Forbidden", "message": "no access"}})


def _cli_pull(tmp_path: Path, env: dict[str, str], *extra: str) -> Path:
    out = tmp_path / "bundle"
    res = runner.invoke(app, ["pull", "--out", str(out), "--all-users", *extra], env=env)
    assert res.exit_code in (0, 1), res.output
    return out


def _check(bundle: Path, *extra: str, proposed: Path | None = None) -> tuple[int, str]:
    res = runner.invoke(
        app,
        [
            "check",
            "--baseline",
            str(bundle),
            "--proposed",
            str(proposed or bundle),
            "--start",
            START,
            *extra,
        ],
    )
    assert res.exit_code in (0, 1), res.output
    return res.exit_code, res.stdout


def _items(out: str, kind: str) -> dict[str, str]:
    return {u["id"]: u["reason"] for u in json.loads(out)["undetermined"] if u["kind"] == kind}


def test_flows_not_pulled_are_undetermined_and_fail_strict(
    tmp_path: Path, recorded: RecordedTenant
) -> None:
    """No $CAFLOW_FLOW_TOKEN: the flows of every environment are unknown. An unchanged tenant
    is no longer "safe" under --strict (1 undetermined, exit 1); a change that breaks a
    connection names it as one whose flows fail at their next run (which, not known)."""
    out = _cli_pull(tmp_path, NO_FLOW_TOKEN)
    code, text = _check(out, "--format", "json")
    assert code == 0  # undetermined is exit 0 without --strict (docs/output.md)
    doc = json.loads(text)
    [reason] = _items(text, "flows").values()
    assert _items(text, "flows") == {"every environment": reason}
    assert reason.startswith("flows not pulled (pull.json /notReadable/0: no token for this API")
    assert "CAFLOW_FLOW_TOKEN" in reason
    assert "which flows run and which connections they use is not in the bundle" in reason
    assert doc["summary"]["undetermined"] == len(doc["undetermined"]) >= 1
    assert "undetermined." in doc["impactLine"] and " 0 undetermined" not in doc["impactLine"]
    assert _check(out, "--strict")[0] == 1

    code, text = _check(out, "--format", "json", proposed=CA014)
    assert code == 1
    reason = _items(text, "flows")["every environment"]
    assert "connection(s) grace-approvals break: the flows using them fail at their next run" in (
        reason
    )
    assert [c["id"] for c in json.loads(text)["connectionsBreaking"]] == ["grace-approvals"]


def test_a_complete_pull_is_judged_as_before(tmp_path: Path, recorded: RecordedTenant) -> None:
    out = _cli_pull(tmp_path, ENV)
    code, text = _check(out, "--format", "json", "--strict")
    assert code == 0 and json.loads(text)["undetermined"] == []
    code, text = _check(out, "--format", "json", proposed=CA014)
    doc = json.loads(text)
    assert not _items(text, "flows") and not _items(text, "connections")
    assert [f["id"] for f in doc["flowsFailing"]] == ["contract-signoff"]


@pytest.mark.parametrize(
    ("fmt", "shown"),
    [
        ("table", "? flows every environment undetermined: flows not pulled"),
        ("markdown", "flows not pulled"),
        ("junit", 'type="undetermined"'),
        ("sarif", '"ruleId": "check_undetermined"'),
        ("github", "::warning title=caflow check%3A flows every environment undetermined::"),
    ],
)
def test_flows_not_pulled_in_every_format(
    tmp_path: Path, recorded: RecordedTenant, fmt: str, shown: str
) -> None:
    out = _cli_pull(tmp_path, NO_FLOW_TOKEN)
    _, text = _check(out, "--format", fmt)
    assert shown in text and "flows not pulled" in text


def test_connections_not_pulled_name_their_environment(
    tmp_path: Path, recorded: RecordedTenant
) -> None:
    """The environment refused its connections: which exist is unknown (counted, named by
    environment), and the flows read there use connections the bundle does not hold."""
    recorded.always[r"api.powerapps.com.*/connections$"] = FORBIDDEN
    out = _pull(tmp_path)
    _, text = _check(out, "--format", "json")
    reason = _items(text, "connections")[PP_ENV]
    assert reason.startswith(
        "connections not pulled (pull.json /notReadable/0: HTTP 403: access denied: Forbidden"
    )
    assert reason.count("access denied") == 1  # said once (review N6: it was said twice)
    assert "whether any breaks, is not in the bundle" in reason
    assert any("not in the export" in r for r in _items(text, "flow").values())
    assert _check(out, "--strict")[0] == 1


def test_a_flow_not_read_quotes_its_pull_json_entry(
    tmp_path: Path, recorded: RecordedTenant
) -> None:
    """Each flow's definition refused (403): its undetermined item quotes pull.json's entry
    (JSON path, HTTP status), as environment gaps do, instead of guessing between an admin API
    list export and a flow pull could not read (review N8); check and simulate alike."""
    recorded.always[r"api.flow.microsoft.com.*/flows/[^/]+$"] = FORBIDDEN
    out = _cli_pull(tmp_path, ENV)
    _, text = _check(out, "--format", "json")
    flows = _items(text, "flow")
    assert flows and all(
        re.match(r"caflow pull could not read the flow \(pull\.json /notReadable/\d+: HTTP 403", r)
        for r in flows.values()
    ), flows
    assert not any("admin API list shape" in r for r in flows.values())
    doc = _simulate(_scenario(tmp_path, out))
    said = [u["reason"] for u in doc["undetermined"] if u["kind"] == "flow"]
    assert said and all(
        r.startswith("caflow pull could not read the flow (pull.json") for r in said
    )


def test_power_platform_not_pulled_is_one_undetermined_item(
    tmp_path: Path, recorded: RecordedTenant
) -> None:
    """Neither connections nor flows of any environment: the whole part, said once (not also
    once per environment item of pull.json)."""
    for pattern in (r"api.powerapps.com.*/connections$", r"api.flow.microsoft.com.*/v2/flows$"):
        recorded.always[pattern] = FORBIDDEN
    out = _pull(tmp_path)
    _, text = _check(out, "--format", "json")
    assert not _items(text, "flows")
    [(where, reason)] = _items(text, "connections").items()
    assert where == "every environment"
    assert reason.startswith(
        "powerplatform (connections, flows) not pulled (pull.json /unreadable/0"
    )


def test_skipped_power_platform_is_not_read_as_no_connections(
    tmp_path: Path, recorded: RecordedTenant
) -> None:
    out = _pull(tmp_path, PullOptions(skip=frozenset({"powerplatform"})))
    tenant = load_bundle(out)
    [gap] = [g for g in tenant.not_pulled if g.part == "powerplatform"]
    assert gap.status == "skipped" and gap.json_path.startswith("/parts/")
    [warning] = [w for w in tenant.warnings if w.json_path == gap.json_path]
    assert "caflow pull did not read powerplatform (--skip)" in warning.message
    _, text = _check(out, "--format", "json")
    assert "not pulled (pull.json /parts/" in _items(text, "connections")["every environment"]
    assert _check(out, "--strict")[0] == 1


def _scenario(tmp_path: Path, bundle: Path) -> Path:
    f = tmp_path / "scenario.yaml"
    f.write_text(
        f"tenant: {json.dumps(str(bundle))}\nstart: {START}\nend: 2026-02-09T09:00:00Z\n",
        encoding="utf-8",
    )
    return f


def _simulate(scenario: Path) -> dict[str, Any]:
    res = runner.invoke(app, ["simulate", str(scenario), "--format", "json"])
    assert res.exit_code == 0, res.output
    return dict(json.loads(res.stdout))


def test_simulate_counts_flows_not_pulled(tmp_path: Path, recorded: RecordedTenant) -> None:
    """simulate never exits 1 (docs/output.md): the gap is in undetermined[], the summary and
    the text summary line."""
    out = _cli_pull(tmp_path, NO_FLOW_TOKEN)
    doc = _simulate(_scenario(tmp_path, out))
    flows = [u for u in doc["undetermined"] if u["kind"] == "flows"]
    assert [u["id"] for u in flows] == ["every environment"]
    assert flows[0]["reason"].startswith("flows not pulled (pull.json /notReadable/0")
    assert doc["summary"]["undetermined"] == len(doc["undetermined"])
    text = runner.invoke(app, ["simulate", str(_scenario(tmp_path, out))]).stdout
    assert "? flows every environment undetermined: flows not pulled" in text


def test_simulate_of_a_complete_pull_has_no_gap(tmp_path: Path, recorded: RecordedTenant) -> None:
    out = _cli_pull(tmp_path, ENV)
    doc = _simulate(_scenario(tmp_path, out))
    assert not [u for u in doc["undetermined"] if u["kind"] in ("flows", "connections")]


# -- Terms of Use acceptances ----------------------------------------------------------------

MALLORY = "mallory_fabrikam.com#EXT#@contoso.onmicrosoft.com"  # accepted CA006's agreement
CA006 = "66666666-0000-0000-0000-000000000006"
AGREEMENT = "55555555-0000-0000-0000-000000000001"  # CA006's


def _no_acceptances(tmp_path: Path, recorded: RecordedTenant) -> Path:
    recorded.always[r"/termsOfUse/agreements/[^/]+/acceptances$"] = FORBIDDEN
    return _cli_pull(tmp_path / "noacc", ENV)


def _tou_on_flow(tmp_path: Path) -> Path:
    """CA014 requiring CA006's agreement instead of MFA: grace (no acceptance) is in scope."""
    doc = json.loads(CA014.read_text())
    doc["displayName"] = "CA014 - Require Terms of Use for Microsoft Flow Service"
    doc["grantControls"].update(builtInControls=[], termsOfUse=[AGREEMENT])
    f = tmp_path / "tou.json"
    f.write_text(json.dumps(doc), encoding="utf-8")
    return f


def _whatif(bundle: Path, *extra: str) -> dict[str, Any]:
    res = runner.invoke(
        app,
        [
            "whatif",
            str(bundle),
            "--user",
            MALLORY,
            "--app",
            "Office 365 Exchange Online",
            "--mfa",
            "--client-app",
            "browser",
            "--country",
            "US",
            "--format",
            "json",
            *extra,
        ],
    )
    assert res.exit_code == 0, res.output
    return dict(json.loads(res.stdout))


def test_whatif_is_not_certain_when_acceptances_were_not_pulled(
    tmp_path: Path, recorded: RecordedTenant
) -> None:
    """Mallory accepted CA006's Terms of Use: allowed, certain, on a complete pull. Without the
    acceptances ("unknown", not "not accepted") CA006 is undetermined for her and the decision
    from the other policies is not certain."""
    full = _whatif(_cli_pull(tmp_path / "full", ENV))
    assert (full["decision"], full["certain"], full["undetermined"]) == ("allow", True, [])
    gap = _whatif(_no_acceptances(tmp_path, recorded))
    assert gap["decision"] == "allow" and gap["certain"] is False
    [u] = gap["undetermined"]
    assert u["id"] == CA006
    assert u["reason"].startswith("Terms of Use acceptances not pulled (pull.json /unreadable/0")
    assert "whether the user accepted is unknown" in u["reason"]


def test_check_does_not_guess_a_terms_of_use_break_without_acceptances(
    tmp_path: Path, recorded: RecordedTenant
) -> None:
    """A new policy requiring Terms of Use on Flow Service breaks grace's connection when the
    pull read that she never accepted; without the acceptances it is undetermined (with its
    flow), exit 0, and 1 under --strict."""
    proposed = _tou_on_flow(tmp_path)
    code, text = _check(_cli_pull(tmp_path / "full", ENV), "--format", "json", proposed=proposed)
    assert code == 1
    assert [c["id"] for c in json.loads(text)["connectionsBreaking"]] == ["grace-approvals"]
    out = _no_acceptances(tmp_path, recorded)
    code, text = _check(out, "--format", "json", proposed=proposed)
    doc = json.loads(text)
    assert code == 0 and doc["connectionsBreaking"] == [] and doc["flowsFailing"] == []
    reason = _items(text, "connection")["grace-approvals"]
    assert "Terms of Use acceptances not pulled (pull.json /unreadable/0" in reason
    assert _items(text, "flow") == {
        "contract-signoff": "uses undetermined connection(s) grace-approvals"
    }
    assert _check(out, "--strict", proposed=proposed)[0] == 1


def test_simulate_does_not_guess_a_terms_of_use_break_without_acceptances(
    tmp_path: Path, recorded: RecordedTenant
) -> None:
    policy = json.loads(_tou_on_flow(tmp_path).read_text())
    policy.pop("@odata.context")
    policy["id"] = "66666666-0000-0000-0000-000000000114"

    def run(bundle: Path) -> dict[str, Any]:
        f = _scenario(tmp_path, bundle)
        event = {"at": "2026-02-02T10:00:00Z", "addPolicy": {"policy": policy}}
        f.write_text(f.read_text() + "events: " + json.dumps([event]) + "\n", encoding="utf-8")
        return _simulate(f)

    full = run(_cli_pull(tmp_path / "full", ENV))
    assert full["summary"]["connectionsBroken"] == 1 and full["summary"]["undetermined"] == 0
    gap = run(_no_acceptances(tmp_path, recorded))
    assert gap["summary"]["connectionsBroken"] == 0 and gap["summary"]["undetermined"] == 2
    [grace] = [c for c in gap["connections"] if c["id"] == "grace-approvals"]
    assert "Terms of Use acceptances not pulled" in grace["undetermined"]


def test_whatif_does_not_guess_cross_tenant_trust_it_could_not_pull(
    tmp_path: Path, recorded: RecordedTenant
) -> None:
    """A policy requiring a compliant device of guests blocks Mallory (a B2B guest) when the
    pulled cross-tenant settings trust no home-tenant device claim (A-EXT-2); when pull could
    not read those settings, met-or-impossible is unknown: undetermined, certain false."""
    guests = json.loads(CA014.read_text())
    guests.pop("@odata.context")
    guests.update(id="66666666-0000-0000-0000-000000000115", displayName="CA015 - guests")
    guests["conditions"]["users"].update(
        includeGroups=[], excludeGroups=[], includeUsers=["GuestsOrExternalUsers"]
    )
    guests["conditions"]["applications"]["includeApplications"] = ["All"]
    guests["grantControls"].update(builtInControls=["compliantDevice"])
    extra = ("--platform", "windows", "--accepted-terms", AGREEMENT)

    def whatif(bundle: Path) -> dict[str, Any]:
        (bundle / "policies" / "ca015.json").write_text(json.dumps(guests), encoding="utf-8")
        return _whatif(bundle, *extra)

    full = whatif(_cli_pull(tmp_path / "full", ENV))
    assert (full["decision"], full["certain"], full["undetermined"]) == ("block", True, [])
    recorded.always[r"/policies/crossTenantAccessPolicy/"] = FORBIDDEN
    gap = whatif(_cli_pull(tmp_path / "gap", ENV))
    assert gap["certain"] is False and gap["decision"] != "block"
    [u] = gap["undetermined"]
    assert u["id"] == guests["id"]
    assert u["reason"].startswith(
        "cross-tenant access settings not pulled (pull.json /unreadable/0"
    )


# -- advise -------------------------------------------------------------------------------------


def _advise(bundle: Path, *extra: str) -> tuple[int, dict[str, dict[str, Any]]]:
    res = runner.invoke(app, ["advise", str(bundle), "--format", "json", *extra])
    assert res.exit_code in (0, 1), res.output
    return res.exit_code, {f["ruleId"]: f for f in json.loads(res.stdout)["findings"]}


def test_advise_does_not_pass_a_rule_on_flows_not_pulled(
    tmp_path: Path, recorded: RecordedTenant
) -> None:
    """terms_of_use_not_all_cloud_apps looks at the owners of connections and flows: with the
    flows not pulled its PASS would claim flows nobody read, so it is NOT_EVALUATED naming
    pull.json (and counts under --strict); a rule that FAILs on what was read still FAILs."""
    rule = "terms_of_use_not_all_cloud_apps"
    strict = ("--select", rule, "--strict", "--fail-on", "medium")
    full = _cli_pull(tmp_path / "full", ENV)
    code, findings = _advise(full, *strict)
    assert code == 0 and findings[rule]["status"] == "PASS"
    _, before = _advise(full)
    out = _cli_pull(tmp_path / "noflow", NO_FLOW_TOKEN)
    code, findings = _advise(out, *strict)
    assert code == 1 and findings[rule]["status"] == "NOT_EVALUATED"
    reason = findings[rule]["reason"]
    assert reason.startswith("caflow pull could not read flows of every environment (1)")
    assert "pull.json /notReadable/0" in reason and "no issue in what the bundle holds" in reason
    _, after = _advise(out)
    assert {r for r, f in after.items() if f["status"] == "FAIL"} == {
        r for r, f in before.items() if f["status"] == "FAIL"
    }


def test_advise_names_connections_not_pulled_as_the_missing_need(
    tmp_path: Path, recorded: RecordedTenant
) -> None:
    recorded.always[r"api.powerapps.com.*/connections$"] = FORBIDDEN
    out = _pull(tmp_path)
    _, findings = _advise(out)
    f = findings["connection_requirements_mismatch"]
    assert f["status"] == "NOT_EVALUATED"
    assert "holds no Power Platform connection" in f["reason"]
    assert f"caflow pull could not read connections of environment {PP_ENV}" in f["reason"]


# -- a hand-edited pull.json -------------------------------------------------------------------


def test_manifest_keys_are_the_contract() -> None:
    assert set(MANIFEST_KEYS) == set(PullManifest.model_fields)


@pytest.mark.parametrize(
    ("edit", "path", "said"),
    [
        (lambda d: d.update(notreadable=d.pop("notReadable")), "/notreadable", "notReadable"),
        (lambda d: d.update(notReadable={"item": "x"}), "/notReadable", "a list of objects"),
        (lambda d: d["notReadable"].append("flows"), "/notReadable/1", "an object"),
        (lambda d: d["notReadable"][0].update(item=7), "/notReadable/0/item", "a string"),
        (lambda d: d["notReadable"][0].pop("why"), "/notReadable/0/why", "a string"),
        (lambda d: d["parts"][0].update(status="red"), "/parts/0/status", "read"),
        (lambda d: d.update(schemaVersion=2), "/schemaVersion", "1 (the pull.json"),
        (lambda d: d.clear() or d.update(x=1), "/x", "unknown key"),
        # review N5: read as laxly as these, each hid or bent a gap; the schema refuses them too
        (lambda d: d["notReadable"][0].update(status="403"), "/notReadable/0/status", "integer"),
        (lambda d: d["notReadable"][0].update(status=True), "/notReadable/0/status", "integer"),
        (lambda d: d.update(notReadable=None), "/notReadable", "a list of objects"),
        (lambda d: d.pop("notReadable"), "/notReadable", "missing key"),
        (
            lambda d: d["notReadable"][0].update(part="powerplatfrom"),
            "/notReadable/0/part",
            "did you mean 'powerplatform'",
        ),
        (lambda d: d["parts"][0].update(name="polices"), "/parts/0/name", "'policies'"),
        (lambda d: d["parts"][0].update(count="14"), "/parts/0/count", "an integer"),
    ],
)
def test_a_hand_edited_manifest_is_exit_2_with_file_and_path(
    tmp_path: Path, recorded: RecordedTenant, edit: Any, path: str, said: str
) -> None:
    """pull.json decides verdicts: a typo that hid every gap would guess silently, so it is
    read like every bundle file - exit 2 naming pull.json, the JSON path, a did-you-mean."""
    out = _cli_pull(tmp_path, NO_FLOW_TOKEN)
    manifest = out / "pull.json"
    doc = json.loads(manifest.read_text())
    edit(doc)
    manifest.write_text(json.dumps(doc), encoding="utf-8")
    res = runner.invoke(app, ["check", "--baseline", str(out), "--proposed", str(out)])
    assert res.exit_code == 2, res.output
    err = " ".join(res.stderr.split())
    assert f"pull.json: {path}" in err or f"pull.json: {path.lstrip('/')}" in err, err
    assert said in err
    # the published schema and the loader agree: what the loader refuses, the schema refuses
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, schema("pull"))


@pytest.mark.parametrize(
    ("edit", "path"),
    [
        (lambda d: d["parts"][0].update(status="unreadable"), "/parts/0/status"),
        (lambda d: d["parts"][1].update(status="skipped"), "/parts/1/status"),
        (lambda d: d["unreadable"].append(dict(d["parts"][0])), "/unreadable/0/name"),
    ],
)
def test_a_required_part_marked_not_read_is_exit_2(
    tmp_path: Path, recorded: RecordedTenant, edit: Any, path: str
) -> None:
    """Review 9c F4: pull exits with an error rather than write policies (or named locations)
    as not read, so a manifest saying so is a hand edit: exit 2 naming the entry, never a
    not-pulled warning over policy files then read as if complete."""
    out = _cli_pull(tmp_path, NO_FLOW_TOKEN)
    manifest = out / "pull.json"
    doc = json.loads(manifest.read_text())
    assert [p["name"] for p in doc["parts"][:2]] == ["policies", "namedLocations"]
    edit(doc)
    manifest.write_text(json.dumps(doc), encoding="utf-8")
    res = runner.invoke(app, ["check", "--baseline", str(out), "--proposed", str(out)])
    assert res.exit_code == 2, res.output
    err = " ".join(res.stderr.split())
    assert f"pull.json: {path}: invalid value" in err, err
    assert "is required: a bundle whose" in err and "were not read cannot be evaluated" in err
    assert "not-pulled" not in err


def test_the_manifest_pull_writes_is_read_and_valid(
    tmp_path: Path, recorded: RecordedTenant
) -> None:
    """The other way round: pull's own manifest, with an entry of every list, loads and
    validates; an extra key inside an entry is allowed by both (additionalProperties)."""
    recorded.always[r"api.powerapps.com.*/connections$"] = FORBIDDEN
    out = _pull(tmp_path, PullOptions(skip=frozenset({"devices"})))
    doc = json.loads((out / "pull.json").read_text())
    doc["notReadable"][0]["note"] = "kept"
    (out / "pull.json").write_text(json.dumps(doc), encoding="utf-8")
    assert doc["notReadable"] and any(p["status"] == "skipped" for p in doc["parts"])
    jsonschema.validate(doc, schema("pull"))
    assert {g.part for g in load_bundle(out).not_pulled} == {"powerplatform", "devices"}


def test_part_names_are_the_parts_pull_reads() -> None:
    assert tuple(PARTS) == PART_NAMES


def test_the_schema_requires_what_the_loader_requires() -> None:
    doc = schema("pull")
    assert set(doc["required"]) == set(MANIFEST_KEYS) - set(OPTIONAL_KEYS)
    assert doc["additionalProperties"] is False


def test_many_flows_not_read_are_one_counted_warning(
    tmp_path: Path, recorded: RecordedTenant
) -> None:
    """Thousands of flows not shared with the admin: every one is a gap (each flow stays
    undetermined), said on every verb in one counted line, not thousands."""
    out = _cli_pull(tmp_path, ENV)
    manifest = out / "pull.json"
    doc = json.loads(manifest.read_text())
    doc["notReadable"] = [
        {"part": "powerplatform", "item": f"flow f{i}", "endpoint": "x", "status": 403, "why": "no"}
        for i in range(5000)
    ]
    manifest.write_text(json.dumps(doc), encoding="utf-8")
    tenant = load_bundle(out)
    assert len(tenant.not_pulled) == 5000
    [said] = [w for w in tenant.warnings if w.code == "not-pulled"]
    assert said.json_path == "/notReadable/0"
    assert "could not read 5000 flow(s) (notReadable, e.g. f0, f1, f2; first: no)" in said.message
    res = runner.invoke(app, ["advise", str(out), "--select", "remember_mfa_enabled"])
    assert res.stderr.count("[not-pulled]") == 1


def test_a_manifest_that_is_not_json_is_exit_2(tmp_path: Path, recorded: RecordedTenant) -> None:
    out = _cli_pull(tmp_path, ENV)
    (out / "pull.json").write_text('{"parts": [', encoding="utf-8")
    res = runner.invoke(app, ["check", "--baseline", str(out), "--proposed", str(out)])
    assert res.exit_code == 2 and "pull.json" in res.stderr and "[parse-error]" in res.stderr
