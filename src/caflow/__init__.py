"""caflow: predict which Power Automate flows a Conditional Access change will break.

Public API (everything else is internal and may change)::

    import caflow
    tenant = caflow.load_bundle("examples/contoso")
    alice = tenant.directory.user("alice@contoso.com")
    ev = caflow.evaluate(tenant, caflow.SignIn(user=alice, app_id=caflow.FLOW_SERVICE), now)
    ev.decision, ev.requirements, ev.error_code

Names are imported lazily so that ``caflow --help`` starts fast.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    # loading
    "load_bundle": "caflow.io.bundle",
    "LoadReport": "caflow.io.bundle",
    # model
    "Tenant": "caflow.model.tenant",
    "Policy": "caflow.model.policy",
    "FLOW_SERVICE": "caflow.model.wellknown",
    # engine
    "SignIn": "caflow.engine.signin",
    "UNREGISTERED": "caflow.engine.signin",
    "evaluate": "caflow.engine.evaluate",
    "validate_tenant": "caflow.engine.evaluate",
    "Evaluation": "caflow.engine.evaluate",
    "PolicyResult": "caflow.engine.evaluate",
    # simulate
    "load_scenario": "caflow.simulate",
    "run_scenario": "caflow.simulate",
    "simulate_tenant": "caflow.simulate",
    "SimulationResult": "caflow.simulate",
    # advise
    "run_advise": "caflow.advise",
    # errors
    "CaflowError": "caflow.errors",
    "InputError": "caflow.errors",
    "ParseError": "caflow.errors",
    "SchemaError": "caflow.errors",
    "UnknownReferenceError": "caflow.errors",
    "FileTooLargeError": "caflow.errors",
    "LoadWarning": "caflow.errors",
}

__all__ = sorted([*_EXPORTS, "__version__"])


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'caflow' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
