"""Every shared corpus under /work/shared/data/{policies,signins} loads, validates and evaluates.

Lower bounds come from /work/shared/data/PROFILE.md ("policies (deduplicated)": j0eyv 36,
AlexFilipin 59, ScubaGear 28, msgraph-docs 26). Golden expectations below were derived by
reading the policy JSON, not by running the engine. The What If pairs come from
signins/msgraph-docs/.../conditionalaccessroot-evaluate (beta ``evaluate`` examples; responses
are truncated, so each returned policy must apply, nothing more).
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.corpora_paths import DATA

from caflow.engine.evaluate import Evaluation, evaluate, validate_tenant
from caflow.engine.signin import UNREGISTERED, SignIn
from caflow.errors import InputError, LoadWarning
from caflow.io.bundle import LoadReport, load_bundle, load_tenant_from_documents
from caflow.io.decode import parse_document
from caflow.io.normalize import normalize_keys
from caflow.io.request import parse_evaluate_request
from caflow.model.directory import Directory, User
from caflow.model.policy import Policy
from caflow.model.tenant import Tenant

ROOTS = (DATA / "policies", DATA / "signins")
SUFFIXES = {".json", ".json5", ".yaml", ".yml"}
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)

J0EYV = DATA / "policies" / "j0eyv-ConditionalAccessBaseline"
ALEX = DATA / "policies" / "AlexFilipin-ConditionalAccess"
SCUBA = DATA / "policies" / "cisagov-ScubaGear" / "ProviderSettingsExport-slices"
DOCS_POLICIES = DATA / "policies" / "msgraph-docs"
DOCS_SIGNINS = DATA / "signins" / "msgraph-docs"
WHATIF = (
    DOCS_SIGNINS
    / "microsoft-graph-docs-contrib"
    / "beta"
    / "api"
    / "conditionalaccessroot-evaluate"
)


def _folders() -> list[Path]:
    out: list[Path] = []
    for root in ROOTS:
        if root.is_dir():
            out.append(root)
            out.extend(sorted(p for p in root.rglob("*") if p.is_dir()))
    return out


def _files() -> list[Path]:
    out: list[Path] = []
    for root in ROOTS:
        if root.is_dir():
            out.extend(
                sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)
            )
    return out


_LOADED: dict[Path, tuple[Tenant, LoadReport]] = {}


def _load(path: Path) -> tuple[Tenant, LoadReport]:
    if path not in _LOADED:
        report = LoadReport()
        # Some corpus files hold no tenant object at all (Graph docs responses about other
        # resources): read them anyway so the skipped list can be checked; the CLI refuses them
        # (test_no_tenant_data_is_refused).
        _LOADED[path] = (load_bundle(path, report, require_data=False), report)
    return _LOADED[path]


def _rel(p: Path) -> str:
    return str(p.relative_to(DATA))


# -- every folder, every file ------------------------------------------------------------------


@pytest.mark.parametrize("folder", _folders(), ids=_rel)
def test_every_folder_loads_and_validates(folder: Path) -> None:
    tenant, report = _load(folder)
    validate_tenant(tenant)  # every device/application filter compiles
    assert report.files == sum(
        1 for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES
    )
    for w in tenant.warnings:
        assert isinstance(w, LoadWarning)
        assert w.file and w.json_path.startswith("/")


@pytest.mark.parametrize("file", _files(), ids=_rel)
def test_every_file_loads_alone(file: Path) -> None:
    tenant, report = _load(file)
    validate_tenant(tenant)
    assert report.files == 1
    # Whatever the file is, every object in it is either classified or reported as skipped.
    assert sum(report.kinds.values()) + len(report.skipped) >= 1


def test_no_tenant_data_is_refused() -> None:
    """Issue 13: a corpus file without any tenant object is bad input for a verb, not an empty
    tenant that every verb would call safe (the skipped objects are named in the message)."""
    empty = [f for f in _files() if not _load(f)[1].kinds.total()]
    assert empty, "the corpora hold files without tenant objects: the check must be exercised"
    for f in empty[:5]:
        with pytest.raises(InputError) as info:
            load_bundle(f)
        assert info.value.code == "no-tenant-data" and "not a tenant object" in str(info.value)


def test_corpus_summary(record_property: Any) -> None:
    files = _files()
    summary = {"files": len(files)}
    for name, path in (
        ("j0eyv", J0EYV),
        ("AlexFilipin", ALEX),
        ("ScubaGear", SCUBA),
        ("docs-policies", DOCS_POLICIES),
        ("docs-signins", DOCS_SIGNINS),
    ):
        tenant, report = _load(path)
        summary[name] = {
            "policies": len(tenant.policies),
            "warnings": len(tenant.warnings),
            "files": report.files,
            "skipped": len(report.skipped),
        }
    record_property("corpus", json.dumps(summary))
    print(f"\ncorpus summary: {json.dumps(summary)}", file=sys.stderr)
    assert len(files) >= 250  # 256 data files at the time of writing (SOURCES.md)


# -- policy counts (PROFILE.md lower bounds) ---------------------------------------------------


def test_j0eyv_counts() -> None:
    tenant, report = _load(J0EYV)
    assert len(tenant.policies) >= 36
    assert report.kinds["namedLocation"] == 3  # 2 country + 1 compliant network (SOURCES.md)
    assert len(tenant.named_locations) == 3
    # Groups come from Config/Groups/*.json and MigrationTable.json; all 84 group references and
    # all 3 location references in the policies resolve (SOURCES.md).
    dangling = [
        w for w in tenant.warnings if "group '" in w.message or "named location" in w.message
    ]
    assert dangling == []


def test_alexfilipin_counts() -> None:
    tenant, _ = _load(ALEX)
    assert len(tenant.policies) >= 59
    assert all(
        p.state == "enabledForReportingButNotEnforced" for p in tenant.policies
    )  # PROFILE: 59 RO
    # Templates carry no id: synthetic ids must still be unique and stable.
    ids = [p.id for p in tenant.policies]
    assert len(set(ids)) == len(ids)
    again = load_bundle(ALEX)
    assert [p.id for p in again.policies] == ids


def test_scubagear_counts() -> None:
    tenant, _ = _load(SCUBA)
    assert len(tenant.policies) >= 28  # 7 + 20 + 1 (SOURCES.md)
    by_file: dict[str, int] = {}
    for p in tenant.policies:
        by_file[Path(p.source).name] = by_file.get(Path(p.source).name, 0) + 1
    assert by_file == {
        "Sample-Reports.conditional_access_policies.json": 7,
        "CreateReportStubs.conditional_access_policies.json": 20,
        "RunRegoStubs.conditional_access_policies.json": 1,  # a bare object, not an array
    }


def test_msgraph_docs_counts() -> None:
    policies = list(_load(DOCS_POLICIES)[0].policies) + list(_load(DOCS_SIGNINS)[0].policies)

    def key(p: Policy) -> str:
        raw = p.raw
        return json.dumps(
            [
                raw.get("displayName"),
                raw.get("conditions"),
                raw.get("grantControls"),
                raw.get("sessionControls"),
            ],
            sort_keys=True,
        )

    # PROFILE.md: 26 deduplicated on (displayName, conditions, grantControls, sessionControls).
    assert len({key(p) for p in policies}) >= 26
    assert len(_load(DOCS_SIGNINS)[0].policies) == 8  # What If responses: 2 + 1 + 3 + 2


# -- raw preservation and warnings -------------------------------------------------------------


def _resolve(doc: Any, pointer: str) -> Any:
    if pointer in ("", "/"):
        return doc
    for part in pointer.lstrip("/").split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        doc = doc[int(part)] if isinstance(doc, list) else doc[part]
    return doc


@pytest.mark.parametrize("corpus", [J0EYV, ALEX, SCUBA, DOCS_POLICIES, DOCS_SIGNINS], ids=_rel)
def test_unknown_fields_preserved_in_raw(corpus: Path) -> None:
    tenant, _ = _load(corpus)
    docs: dict[str, Any] = {}
    for p in tenant.policies:
        if p.source not in docs:
            docs[p.source] = parse_document(Path(p.source).read_bytes(), p.source)
        original = normalize_keys(_resolve(docs[p.source], p.source_path), file=p.source)
        if p.source_path.endswith("/details"):  # a template: details + id/name/state filled in
            assert all(p.raw.get(k) == v for k, v in original.items()), p.label
        else:
            assert p.raw == original, p.label


def test_odata_and_beta_fields_kept_j0eyv() -> None:
    tenant, _ = _load(J0EYV)
    ca000 = next(p for p in tenant.policies if p.display_name.startswith("CA000-"))
    for key in (
        "@odata.context",
        "@odata.type",
        "@odata.id",
        "templateId",
        "deletedDateTime",
        "partialEnablementStrategy",
        "state@odata.type",
    ):
        assert key in ca000.raw, key
    assert "agents" in ca000.raw["conditions"]
    assert "includeUsers@odata.type" in ca000.raw["conditions"]["users"]


def test_pascalcase_fields_kept_scubagear() -> None:
    tenant, _ = _load(SCUBA)
    stub = next(p for p in tenant.policies if "CreateReportStubs" in p.source)
    assert "additionalProperties" in stub.raw  # PowerShell SDK extra bag, camelCased, kept
    # .NET dates become ISO 8601 (normalize.dotnet_date)
    created = stub.raw.get("createdDateTime")
    assert created is None or str(created).endswith("Z")


def test_placeholders_are_warnings_not_errors() -> None:
    tenant, _ = _load(ALEX)
    placeholder = [w for w in tenant.warnings if "<ExclusionTempGroup>" in w.message]
    # 55 policies exclude <ExclusionTempGroup> (SOURCES.md)
    assert len(placeholder) >= 55
    for w in placeholder:
        assert w.json_path.startswith("/conditions/users/excludeGroups/"), w
        assert w.file.endswith(".json")
    tou = [w for w in tenant.warnings if "'ToU'" in w.message and w.code == "dangling-reference"]
    assert tou and tou[0].json_path == "/grantControls/termsOfUse/0"
    # The warning is attached to the policy it concerns.
    p203 = next(
        p
        for p in tenant.policies
        if p.display_name.endswith("Block access When high sign-in risk is detected")
    )  # either 203
    assert {w.message for w in p203.warnings} >= {
        "group '<ExclusionTempGroup>' is not defined in the bundle"
    }


# -- evaluation: no crash on a spread of sign-ins ----------------------------------------------

ALICE = User(id="aaaaaaaa-0000-0000-0000-00000000a11c", user_principal_name="alice@contoso.com")
GUEST = User(
    id="aaaaaaaa-0000-0000-0000-0000000000e5",
    user_principal_name="g_fabrikam.com#EXT#@contoso.onmicrosoft.com",
    user_type="Guest",
    guest_type="b2bCollaborationGuest",
    external_tenant_id="f0f0f0f0-0000-0000-0000-000000000001",
)
STRANGER = User(id="stranger@contoso.com", user_principal_name="stranger@contoso.com", unknown=True)

SIGNINS = [
    SignIn(
        user=ALICE,
        app_id="00000003-0000-0ff1-ce00-000000000000",
        ip="8.8.8.8",
        platform="windows",
        client_app="browser",
        device=UNREGISTERED,
    ),
    SignIn(
        user=ALICE,
        app_id="7df0a125-d3be-4c96-aa54-591f83ff541c",
        ip="2001:4860:4860::8888",
        platform="iOS",
        client_app="mobileAppsAndDesktopClients",
        device={
            "deviceId": "d1",
            "trustType": "AzureAD",
            "isCompliant": True,
            "operatingSystem": "iOS",
        },
        mfa=True,
        auth_methods=frozenset({"fido2"}),
    ),
    SignIn(
        user=ALICE,
        app_id="c44b4083-3bb0-49c1-b47d-974e53cbdf3c",
        client_app="other",
        sign_in_risk="high",
        user_risk="high",
        insider_risk="elevated",
        transfer_method="deviceCodeFlow",
    ),
    SignIn(
        user=GUEST,
        app_id="00000002-0000-0ff1-ce00-000000000000",
        ip="203.0.113.9",
        country="FR",
        platform="unknown",
        client_app="exchangeActiveSync",
    ),
    SignIn(user=STRANGER, user_action="urn:user:registersecurityinfo", ip="81.2.69.142"),
    SignIn(user=STRANGER, auth_context="c1"),
    SignIn(
        service_principal_id="c65b94a5-0049-439a-a6fd-bce307077730",
        app_id="00000003-0000-0000-c000-000000000000",
        service_principal_risk="high",
        ip="40.77.182.32",
    ),
    SignIn(user=ALICE),  # nearly nothing known
]


def _with_alice(tenant: Tenant) -> Tenant:
    return tenant.evolve(directory=Directory(users=(ALICE, GUEST)))


def _invariants(ev: Evaluation) -> None:
    out = ev.to_json()
    json.dumps(out)
    assert out["decision"] in ("allow", "block", "requires")
    assert (ev.decision == "allow") == (ev.error_code is None)
    for pid in ev.responsible_policies:
        assert any(r.policy.id == pid and r.policy.enforced and r.applies for r in ev.results)
    for r in ev.results:
        assert r.applies == (r.reasons == "notSet")
        if r.policy.state == "disabled":
            assert r.reasons == "policyNotEnabled"


@pytest.mark.parametrize(
    "corpus", [J0EYV, ALEX, SCUBA, DOCS_POLICIES, DOCS_SIGNINS, DATA / "policies"], ids=_rel
)
def test_evaluate_representative_signins(corpus: Path) -> None:
    tenant = _with_alice(_load(corpus)[0])
    for s in SIGNINS:
        ev = evaluate(tenant, s, NOW)
        _invariants(ev)
        assert evaluate(tenant, s, NOW).to_json() == ev.to_json()  # deterministic


# -- golden expectations read off the JSON -----------------------------------------------------


def _result(ev: Evaluation, pred: Any) -> Any:
    hits = [r for r in ev.results if pred(r.policy)]
    assert len(hits) == 1, [r.policy.label for r in hits]
    return hits[0]


def test_golden_j0eyv_ca000_mfa_everyone_any_app() -> None:
    # CA000: includeUsers All, excludes 7 groups and the Directory Synchronization Accounts role,
    # includeApplications All, clientAppTypes all, grant mfa, state enabled.
    tenant = _with_alice(_load(J0EYV)[0])
    s = SignIn(
        user=ALICE,
        app_id="00000003-0000-0ff1-ce00-000000000000",
        ip="8.8.8.8",
        platform="windows",
        client_app="browser",
        device=UNREGISTERED,
    )
    ev = evaluate(tenant, s, NOW)
    r = _result(ev, lambda p: p.display_name.startswith("CA000-"))
    assert (r.applies, r.reasons) == (True, "notSet")
    assert r.grant.result == "notSatisfied" and "mfa" in r.grant.unmet
    assert "mfa" in " ".join(ev.requirements) or ev.decision == "block"
    # With MFA done, CA000 is satisfied.
    r2 = _result(
        evaluate(tenant, s.evolve(mfa=True), NOW), lambda p: p.display_name.startswith("CA000-")
    )
    assert r2.grant.result == "satisfied"
    # The Directory Synchronization Accounts role is excluded (§6.1 d29b2b05-...).
    sync = replace(ALICE, role_ids=frozenset({"d29b2b05-8046-44ba-8758-1e26182fcf32"}))
    r3 = _result(
        evaluate(tenant, s.evolve(user=sync), NOW), lambda p: p.display_name.startswith("CA000-")
    )
    assert (r3.applies, r3.reasons) == (False, "users")


def test_golden_j0eyv_ca002_blocks_legacy_auth() -> None:
    # CA002: All users (2 groups excluded), All apps, clientAppTypes [exchangeActiveSync, other], block.
    tenant = _with_alice(_load(J0EYV)[0])
    s = SignIn(
        user=ALICE,
        app_id="00000002-0000-0ff1-ce00-000000000000",
        client_app="exchangeActiveSync",
        ip="8.8.8.8",
        platform="windows",
        device=UNREGISTERED,
    )
    ev = evaluate(tenant, s, NOW)
    r = _result(ev, lambda p: p.display_name.startswith("CA002-"))
    assert r.applies and r.grant.result == "blocked"
    assert ev.decision == "block" and ev.error_code == "AADSTS53003"


def test_golden_j0eyv_ca006_app_enforced_restrictions_on_unmanaged() -> None:
    # CA006: All users (1 group excluded), SharePoint + Exchange, clientAppTypes [browser], device
    # filter exclude 'isCompliant -eq True -and deviceOwnership -eq "Company"', session
    # applicationEnforcedRestrictions, enabled. Unregistered device: positive rule never exempts (§3).
    tenant = _with_alice(_load(J0EYV)[0])

    def pick(p: Policy) -> bool:
        return p.display_name.startswith("CA006-")

    assert (
        _result(evaluate(tenant, SignIn(user=ALICE), NOW), pick).policy.conditions.unsupported == ()
    )
    s = SignIn(
        user=ALICE,
        app_id="00000003-0000-0ff1-ce00-000000000000",
        client_app="browser",
        ip="8.8.8.8",
        platform="windows",
        device=UNREGISTERED,
    )
    r = _result(evaluate(tenant, s, NOW), pick)
    assert (r.applies, r.reasons) == (True, "notSet")
    managed = {
        "deviceId": "d1",
        "isCompliant": True,
        "deviceOwnership": "Company",
        "trustType": "AzureAD",
    }
    r2 = _result(evaluate(tenant, s.evolve(device=managed), NOW), pick)
    assert (r2.applies, r2.reasons) == (False, "devices")


def test_golden_alexfilipin_203_block_high_sign_in_risk() -> None:
    # 203 "All apps: Block access When high sign-in risk is detected": All users minus
    # GuestsOrExternalUsers and three placeholder groups, All apps, browser + mobile/desktop,
    # signInRiskLevels [high], block, report-only.
    tenant = _with_alice(_load(ALEX)[0])
    # Two upstream files share this displayName; the one excluding guests is
    # "203 - RING - Base protection - All apps Block access When high sign-in risk is detected.json".
    name = "203 - RING - Base protection - All apps Block access When high sign-in risk is detected.json"

    def pick(p: Policy) -> bool:
        return Path(p.source).name == name

    s = SignIn(
        user=ALICE,
        app_id="00000003-0000-0ff1-ce00-000000000000",
        client_app="browser",
        sign_in_risk="high",
        ip="8.8.8.8",
        platform="windows",
        device=UNREGISTERED,
    )
    ev = evaluate(tenant, s, NOW)
    r = _result(ev, pick)
    assert (r.applies, r.grant.result, r.report_only_result) == (
        True,
        "blocked",
        "reportOnlyFailure",
    )
    assert ev.decision == "allow"  # every AlexFilipin template is report-only: nothing enforced
    # Dangling placeholder groups are "not a member" for a user the bundle knows (DESIGN.md).
    assert any("<ExclusionTempGroup>" in w.message for w in r.policy.warnings)
    r_low = _result(evaluate(tenant, s.evolve(sign_in_risk="low"), NOW), pick)
    assert (r_low.applies, r_low.reasons) == (False, "signInRisk")
    r_guest = _result(evaluate(tenant, s.evolve(user=GUEST), NOW), pick)
    assert (r_guest.applies, r_guest.reasons) == (False, "users")
    r_eas = _result(evaluate(tenant, s.evolve(client_app="exchangeActiveSync"), NOW), pick)
    assert (r_eas.applies, r_eas.reasons) == (False, "clientApps")


def test_golden_scubagear_legacy_auth_block() -> None:
    # Sample-Reports "MS.AAD.1.1v1 Legacy authentication SHALL be blocked": PascalCase, All users,
    # All apps, ClientAppTypes [exchangeActiveSync, other], block, enabled.
    tenant = _with_alice(_load(SCUBA)[0])
    pick = lambda p: p.display_name == "MS.AAD.1.1v1 Legacy authentication SHALL be blocked"  # noqa: E731
    s = SignIn(
        user=ALICE,
        app_id="00000002-0000-0ff1-ce00-000000000000",
        client_app="other",
        ip="8.8.8.8",
        platform="windows",
        device=UNREGISTERED,
    )
    ev = evaluate(tenant, s, NOW)
    r = _result(ev, pick)
    assert r.policy.conditions.client_app_types == ("exchangeActiveSync", "other")
    assert (r.applies, r.grant.result) == (True, "blocked")
    assert ev.decision == "block" and r.policy.id in ev.responsible_policies
    r2 = _result(evaluate(tenant, s.evolve(client_app="browser"), NOW), pick)
    assert (r2.applies, r2.reasons) == (False, "clientApps")


def test_golden_docs_template_is_disabled() -> None:
    # conditionalaccessroot-list-templates: a template (details, no state) is never enforced.
    tenant = _load(DOCS_POLICIES)[0]
    tpl = [
        p
        for p in tenant.policies
        if p.display_name == "Require multifactor authentication for admins"
    ]
    assert tpl and all(not p.enforced for p in tpl)


# -- What If documentation samples --------------------------------------------------------------

WHATIF_PAIRS = [
    ("01-request-conditionalaccessrootthis.evaluate.json", "02-response.json"),
    ("03-request-conditionalaccessrootthis.evaluate.json", "04-response.json"),
    ("05-request-conditionalaccessrootthis.evaluate.json", "06-response.json"),
    ("07-request-conditionalaccessrootthis.evaluate.json", "08-response.json"),
]
WHATIF_USER = "15dc174b-f34c-4588-ac45-61d6e05dce93"


def _whatif_tenant(response: Path, with_directory: bool) -> Tenant:
    docs: list[tuple[str, bytes]] = [(f"policies/{response.name}", response.read_bytes())]
    if with_directory:
        # The response says the "All admin roles" policy applies, so the request's user must
        # actively hold one of its roles (§2.2); Global Administrator is the first one listed.
        directory = {
            "users": [
                {
                    "id": WHATIF_USER,
                    "userPrincipalName": "testaccount1@contoso.com",
                    "roles": ["Global Administrator"],
                }
            ]
        }
        docs.append(("directory.yaml", yaml.safe_dump(directory).encode()))
    return load_tenant_from_documents(
        [(n, (lambda b=b: b)) for n, b in docs], label=f"{response.parent}/"
    )


def _whatif_signin(request: Path, tenant: Tenant) -> SignIn:
    doc = parse_document(request.read_bytes(), str(request))
    kwargs = parse_evaluate_request(doc, tenant, str(request))
    return SignIn(**kwargs)


@pytest.mark.parametrize(("request_name", "response_name"), WHATIF_PAIRS)
def test_whatif_docs_every_returned_policy_applies(request_name: str, response_name: str) -> None:
    response = WHATIF / response_name
    expected = json.loads(response.read_text(encoding="utf-8"))["value"]
    assert all(p["policyApplies"] is True and p["analysisReasons"] == "notSet" for p in expected)

    # 1) A tenant made of the response's policies only: the request's user is not in it, so
    #    role-scoped policies may be undetermined, but none may be reported as "does not apply".
    tenant = _whatif_tenant(response, with_directory=False)
    ev = evaluate(tenant, _whatif_signin(WHATIF / request_name, tenant), NOW)
    by_id = {r.policy.id: r for r in ev.results}
    for p in expected:
        r = by_id[p["id"]]
        assert r.applies or r.reasons == "notEnoughInformation", (
            p["displayName"],
            r.reasons,
            r.undetermined_detail,
        )

    # 2) With the user defined (holding an admin role): every returned policy applies.
    tenant = _whatif_tenant(response, with_directory=True)
    ev = evaluate(tenant, _whatif_signin(WHATIF / request_name, tenant), NOW)
    by_id = {r.policy.id: r for r in ev.results}
    for p in expected:
        r = by_id[p["id"]]
        assert (r.applies, r.reasons) == (True, "notSet"), (
            p["displayName"],
            r.reasons,
            r.undetermined_detail,
        )
        assert r.policy.report_only  # all examples are report-only
        assert r.to_json()["policyApplies"] is True
    assert ev.decision == "allow"  # report-only policies never enforce


def test_whatif_request_translation() -> None:
    tenant = _whatif_tenant(WHATIF / "02-response.json", with_directory=True)
    s = _whatif_signin(WHATIF / "01-request-conditionalaccessrootthis.evaluate.json", tenant)
    # §4.6 compact example fields
    assert s.user is not None and s.user.id == WHATIF_USER and not s.user.unknown
    assert s.app_id == "00000003-0000-0ff1-ce00-000000000000"
    assert (s.platform, s.client_app, s.sign_in_risk, s.user_risk) == (
        "android",
        "browser",
        "high",
        "high",
    )
    assert (s.country, s.ip, s.insider_risk, s.transfer_method) == (
        "US",
        "40.77.182.32",
        "elevated",
        "deviceCodeFlow",
    )
    assert s.device is not None and s.device["isCompliant"] is True
    s3 = _whatif_signin(WHATIF / "05-request-conditionalaccessrootthis.evaluate.json", tenant)
    assert s3.user_action is not None and s3.app_id is None
    assert s3.device is not None and s3.device.get("trustType") == "AzureAD"  # "EntraID" spelling
    s4 = _whatif_signin(WHATIF / "07-request-conditionalaccessrootthis.evaluate.json", tenant)
    assert s4.user is None and s4.service_principal_id == "c65b94a5-0049-439a-a6fd-bce307077730"
