"""The public API is exactly ``caflow.__all__`` and every name resolves (like httpx's test)."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.examples_paths import CONTOSO

import caflow

EXPECTED = {
    "CaflowError",
    "Evaluation",
    "FLOW_SERVICE",
    "FileTooLargeError",
    "InputError",
    "LoadReport",
    "LoadWarning",
    "ParseError",
    "Policy",
    "PolicyResult",
    "SchemaError",
    "SignIn",
    "SimulationResult",
    "Tenant",
    "UNREGISTERED",
    "UnknownReferenceError",
    "__version__",
    "evaluate",
    "load_bundle",
    "load_scenario",
    "run_advise",
    "run_scenario",
    "simulate_tenant",
    "validate_tenant",
}


def test_exported_members_are_exact() -> None:
    assert set(caflow.__all__) == EXPECTED


def test_every_export_resolves() -> None:
    for name in caflow.__all__:
        assert getattr(caflow, name) is not None, name


def test_docstring_example_runs() -> None:
    tenant = caflow.load_bundle(CONTOSO)
    alice = tenant.directory.user("alice@contoso.com")
    ev = caflow.evaluate(
        tenant,
        caflow.SignIn(user=alice, app_id=caflow.FLOW_SERVICE),
        datetime(2026, 2, 2, tzinfo=UTC),
    )
    # Without IP, platform, client app or device, the policies that need them are undetermined
    # (reference §4.5), and none of the remaining ones demands anything of Alice for Flow.
    assert ev.decision == "allow"
    assert {r.policy.display_name[:5] for r in ev.undetermined} >= {"CA001", "CA003"}
