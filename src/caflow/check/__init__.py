"""check: is a proposed policy change safe? (impact diff between two tenants, as a plan)."""

from caflow.check.overlay import build_proposed, enable_policies
from caflow.check.plan import CheckResult, check_window, run_check
from caflow.check.policydiff import PolicyChange, diff_policies

__all__ = [
    "CheckResult",
    "PolicyChange",
    "build_proposed",
    "check_window",
    "diff_policies",
    "enable_policies",
    "run_check",
]
