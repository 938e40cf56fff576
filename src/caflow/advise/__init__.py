"""advise: the seeds' recommendations as rules (``rules/<rule_id>.py`` + ``.meta.yaml``).

Names are imported lazily (like ``caflow/__init__.py``) so that the CLI can import the light
``caflow.advise.severity`` for ``--help`` without loading pydantic, the engine and the rules.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from caflow.advise.model import AdviseResult, Evidence, Finding, RuleMeta, Status
    from caflow.advise.registry import Rule, load_rules
    from caflow.advise.runner import run_advise
    from caflow.advise.severity import FailOn, Severity
    from caflow.advise.suppressions import Suppression, load_suppressions

_EXPORTS = {
    "AdviseResult": "caflow.advise.model",
    "Evidence": "caflow.advise.model",
    "Finding": "caflow.advise.model",
    "RuleMeta": "caflow.advise.model",
    "Status": "caflow.advise.model",
    "Severity": "caflow.advise.severity",
    "FailOn": "caflow.advise.severity",
    "Rule": "caflow.advise.registry",
    "load_rules": "caflow.advise.registry",
    "run_advise": "caflow.advise.runner",
    "Suppression": "caflow.advise.suppressions",
    "load_suppressions": "caflow.advise.suppressions",
}

__all__ = [
    "AdviseResult",
    "Evidence",
    "FailOn",
    "Finding",
    "Rule",
    "RuleMeta",
    "Severity",
    "Status",
    "Suppression",
    "load_rules",
    "load_suppressions",
    "run_advise",
]


def __getattr__(name: str) -> Any:
    """Import a public name on first use (PEP 562)."""
    if name not in _EXPORTS:
        raise AttributeError(f"module 'caflow.advise' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
