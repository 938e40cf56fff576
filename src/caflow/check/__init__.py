"""check: is a proposed policy change safe? (impact diff between two tenants, as a plan)."""

from caflow.check.overlay import DEFAULT_START, build_proposed, default_start, enable_policies
from caflow.check.plan import CheckResult, run_check
from caflow.check.policydiff import PolicyChange, diff_policies

__all__ = [
    "DEFAULT_START",
    "CheckResult",
    "PolicyChange",
    "build_proposed",
    "default_start",
    "diff_policies",
    "enable_policies",
    "run_check",
]
