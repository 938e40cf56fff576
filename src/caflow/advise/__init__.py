"""advise: the seeds' recommendations as rules (``rules/<rule_id>.py`` + ``.meta.yaml``)."""

from caflow.advise.model import AdviseResult, Evidence, Finding, RuleMeta, Severity, Status
from caflow.advise.registry import Rule, load_rules
from caflow.advise.runner import run_advise

__all__ = [
    "AdviseResult",
    "Evidence",
    "Finding",
    "Rule",
    "RuleMeta",
    "Severity",
    "Status",
    "load_rules",
    "run_advise",
]
