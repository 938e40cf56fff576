"""terms_of_use_not_all_cloud_apps: seed 000 ToU Prevention "If Terms of Use must apply to flow
users, target All cloud apps so that acceptance during any interactive sign-in (such as Outlook
or Teams) also covers Power Automate"."""

from __future__ import annotations

from advise_support import FLOW, SPO, findings, policy

RULE = "terms_of_use_not_all_cloud_apps"
TERMS = "55555555-0000-0000-0000-000000000001"
TOU = {"operator": "OR", "termsOfUse": [TERMS]}


def test_fail_tou_on_sharepoint_only_reaches_connection_owners(make_bundle):
    fs = findings(make_bundle([policy("p1", [SPO], grant=TOU)]), RULE)
    assert len(fs) == 1
    f = fs[0]
    assert f.policies == ("p1",) and f.severity.value == "medium" and not f.report_only
    assert "svc-spo" in f.connections and "svc-flow@contoso.com" in f.users
    assert "not for" in f.message and "Microsoft Flow Service" in f.message.split("not for")[1]
    assert f.error_code == "AADSTS50158"
    assert f.evidence[0].pointer.endswith("/conditions/applications")


def test_fail_tou_on_flow_service_only_misses_outlook_and_teams(make_bundle):
    fs = findings(make_bundle([policy("p1", [FLOW], grant=TOU)]), RULE)
    assert fs and "Office 365 Exchange Online" in fs[0].message.split("not for")[1]


def test_report_only_is_one_severity_lower(make_bundle):
    p = policy("p1", [SPO], grant=TOU, state="enabledForReportingButNotEnforced")
    fs = findings(make_bundle([p]), RULE)
    assert fs and fs[0].report_only and fs[0].severity.value == "low"
    assert fs[0].message.startswith("would break when enabled: ")


def test_pass_all_cloud_apps_or_office365(make_bundle):
    assert not findings(make_bundle([policy("p1", ["All"], grant=TOU)]), RULE)
    assert not findings(make_bundle([policy("p1", ["Office365"], grant=TOU)]), RULE)


def test_pass_when_the_policy_reaches_no_flow_user(make_bundle):
    guests = {
        "includeGuestsOrExternalUsers": {
            "guestOrExternalUserTypes": "b2bCollaborationGuest",
            "externalTenants": {"membershipKind": "all"},
        }
    }
    assert not findings(make_bundle([policy("p1", [SPO], grant=TOU, users=guests)]), RULE)


def test_pass_without_terms_of_use(make_bundle):
    assert not findings(make_bundle([policy("p1", [SPO])]), RULE)
