"""Policies the tests propose (``check --proposed``, ``replay --proposed``, a scenario's
``addPolicy``), each defined once: several test folders had written the same JSON again.
The ``policy_file`` and ``bundle_without_users`` fixtures that go with them are in conftest.py.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["FLOW_REFRESH", "MFA_FOR_ALL", "MFA_O365", "PolicyFile", "policy_for_all"]

#: The ``policy_file`` fixture: writes a policy as the JSON file ``--proposed`` reads.
PolicyFile = Callable[..., Path]


def policy_for_all(
    pid: str, display_name: str, apps: list[str], controls: list[str], *, state: str = "enabled"
) -> dict[str, Any]:
    """A Graph policy for all users on ``apps`` (every client app) granting ``controls``."""
    return {
        "id": pid,
        "displayName": display_name,
        "state": state,
        "conditions": {
            "users": {"includeUsers": ["All"]},
            "applications": {"includeApplications": apps},
            "clientAppTypes": ["all"],
        },
        "grantControls": {"operator": "OR", "builtInControls": controls},
    }


#: MFA for every user and app: breaks every connection of the example tenant whose claims lack it.
MFA_FOR_ALL = policy_for_all(
    "99999999-0000-0000-0000-000000000001", "MFA for all", ["All"], ["mfa"]
)
#: A proposal the Flow Service refresh in FLOW_REFRESH fails (tests/replay/test_replay_cli.py).
MFA_O365 = policy_for_all(
    "99999999-0000-0000-0000-0000000000a1", "Proposed: MFA for Office 365", ["Office365"], ["mfa"]
)
#: Sign-in log rows of svc-flow's Flow Service refresh (a replay input).
FLOW_REFRESH = Path(__file__).resolve().parent / "replay" / "flow-service-refresh.jsonl"
