"""Combine session controls of all applying policies: the most restrictive wins (docs/sources.md CA-2.11).

Only the general rule is documented; per-control choices are docs/assumptions.md A-SESSION-1..3.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from caflow.model.policy import SessionControls

__all__ = ["combine_session", "sif_window"]

_MCAS_RANK = {"monitoronly": 1, "mcasconfigured": 2, "blockdownloads": 3}


def sif_window(sif: tuple[str, int | None, str | None] | None) -> timedelta | None:
    """A sign-in frequency as a window; ``everyTime`` -> 0 (full reauth, 5 min skew aside)."""
    if sif is None:
        return None
    interval, value, unit = sif
    if (interval or "").lower() == "everytime":
        return timedelta(0)
    if value is None:
        return None
    # Graph's signinFrequencyType is days | hours; no unit (or another word) is no window,
    # never hours by default (the policy is undetermined: io/policies.py).
    per = {"days": timedelta(days=1), "hours": timedelta(hours=1)}.get((unit or "").lower())
    return None if per is None else per * value


def combine_session(controls: Iterable[SessionControls]) -> dict[str, object]:
    out: dict[str, object] = {}
    best_sif: timedelta | None = None
    for c in controls:
        w = sif_window(c.sign_in_frequency)
        if w is not None and (best_sif is None or w < best_sif):
            best_sif = w
        # "never" is the more restrictive persistent-browser mode (A-SESSION-2).
        if c.persistent_browser and out.get("persistentBrowser") != "never":
            out["persistentBrowser"] = c.persistent_browser
        if c.cloud_app_security:
            prev = str(out.get("cloudAppSecurity", ""))
            if _MCAS_RANK.get(c.cloud_app_security.lower(), 0) >= _MCAS_RANK.get(prev.lower(), 0):
                out["cloudAppSecurity"] = c.cloud_app_security
        if c.application_enforced_restrictions:
            out["applicationEnforcedRestrictions"] = True
        if c.continuous_access_evaluation:
            prev = str(out.get("continuousAccessEvaluation", ""))
            if prev.lower() not in ("strictlocation", "strictenforcement"):
                out["continuousAccessEvaluation"] = c.continuous_access_evaluation
        if c.secure_sign_in_session:
            out["secureSignInSession"] = True
        if c.disable_resilience_defaults:
            out["disableResilienceDefaults"] = True
    if best_sif is not None:
        out["signInFrequency"] = "everyTime" if best_sif == timedelta(0) else _fmt(best_sif)
    return out


def _fmt(d: timedelta) -> str:
    hours = int(d.total_seconds() // 3600)
    if hours % 24 == 0 and hours >= 24:
        days = hours // 24
        return f"{days} day" if days == 1 else f"{days} days"
    return f"{hours} hour" if hours == 1 else f"{hours} hours"
