"""Doc-derived simulate regressions (issue 13, part 2).

* A disabled account gets no token at all: interactive sign-ins and connection creation fail
  with AADSTS50057 "The user account is disabled" (reference tokens-and-signins.md §3.2 "User
  disabled - new token requests fail"), not only background refreshes.
* Terms of Use acceptance is the user's state (seed: "target All cloud apps so that acceptance
  during any interactive sign-in (such as Outlook or Teams) also covers Power Automate";
  docs/assumptions.md A-TOK-8): accepting in Outlook before the connection's next refresh keeps
  it working.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from sim_support import events

from caflow.simulate import load_scenario, run_scenario

TOU = "55555555-0000-0000-0000-0000000000aa"
TENANT = {
    "tenant": {"id": "00000000-0000-0000-0000-0000000fab02", "displayName": "Semantics"},
    "directory": {
        "users": [
            {
                "id": "11111111-0000-0000-0000-00000000fa01",
                "userPrincipalName": "alice@fabrikam.com",
            },
            {
                "id": "11111111-0000-0000-0000-00000000fa02",
                "userPrincipalName": "gone@fabrikam.com",
                "accountEnabled": False,
            },
        ]
    },
}


def _run(tmp_path: Path, doc: dict):
    p = tmp_path / "scenario.yaml"
    p.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return run_scenario(load_scenario(p))


def test_disabled_user_sign_in_and_create_connection_fail_50057(tmp_path: Path) -> None:
    r = _run(
        tmp_path,
        {
            "tenant": TENANT,
            "start": "2026-01-05T08:00:00Z",
            "end": "2026-01-06T00:00:00Z",
            "events": [
                {"at": "2026-01-05T09:00:00Z", "disableUser": {"user": "alice@fabrikam.com"}},
                {
                    "at": "2026-01-05T09:05:00Z",
                    "signIn": {"user": "alice@fabrikam.com", "mfa": True},
                },
                {
                    "at": "2026-01-05T09:10:00Z",
                    "createConnection": {
                        "id": "alice-teams",
                        "user": "alice@fabrikam.com",
                        "connector": "teams",
                    },
                },
                {
                    "at": "2026-01-05T09:15:00Z",
                    "createConnection": {
                        "id": "gone-spo",
                        "user": "gone@fabrikam.com",
                        "connector": "sharepointonline",
                        "signIn": {"user": "gone@fabrikam.com", "mfa": True},
                    },
                },
            ],
        },
    )
    failed = events(r, kind="signInFailed")
    assert [(e["user"], e["errorCode"], e["cause"]) for e in failed] == [
        ("alice@fabrikam.com", "AADSTS50057", "userDisabled")
    ]
    created = events(r, kind="connectionCreateFailed")
    assert [(e["connection"], e["errorCode"], e["cause"]) for e in created] == [
        ("alice-teams", "AADSTS50057", "userDisabled"),
        ("gone-spo", "AADSTS50057", "userDisabled"),
    ]


def _tou_doc(accept_elsewhere: bool) -> dict:
    tenant = dict(TENANT)
    tenant["agreements"] = [{"id": TOU, "displayName": "Contoso ToU"}]
    events_ = [
        {"at": "2026-01-05T09:00:00Z", "signIn": {"user": "alice@fabrikam.com", "mfa": True}},
        {
            "at": "2026-01-05T09:05:00Z",
            "createConnection": {
                "id": "alice-teams",
                "user": "alice@fabrikam.com",
                "connector": "teams",
            },
        },
        {
            "at": "2026-01-06T08:00:00Z",
            "addPolicy": {
                "id": "p-tou",
                "displayName": "ToU for all cloud apps",
                "state": "enabled",
                "conditions": {
                    "users": {"includeUsers": ["All"]},
                    "applications": {"includeApplications": ["All"]},
                    "clientAppTypes": ["all"],
                },
                "grantControls": {"operator": "OR", "termsOfUse": [TOU]},
            },
        },
    ]
    if accept_elsewhere:
        # Alice opens Outlook on the web: the ToU prompt appears and she accepts it.
        events_.append(
            {
                "at": "2026-01-06T09:00:00Z",
                "signIn": {
                    "user": "alice@fabrikam.com",
                    "app": "Office 365 Exchange Online",
                    "mfa": True,
                },
            }
        )
    return {
        "tenant": tenant,
        "start": "2026-01-05T08:00:00Z",
        "end": "2026-01-08T00:00:00Z",
        "flows": [
            {
                "id": "alice-post",
                "owner": "alice@fabrikam.com",
                "connections": ["alice-teams"],
                "trigger": {"schedule": "P1D", "startTime": "2026-01-05T13:00:00Z"},
            }
        ],
        "events": events_,
    }


def test_tou_accepted_in_another_app_before_refresh_keeps_connection(tmp_path: Path) -> None:
    broken = _run(tmp_path, _tou_doc(accept_elsewhere=False))
    assert [e["cause"] for e in events(broken, kind="connectionBroken")] == ["termsOfUseRequired"]
    kept = _run(tmp_path, _tou_doc(accept_elsewhere=True))
    assert events(kept, kind="connectionBroken") == []
    assert kept.connection("alice-teams").status == "Connected"
