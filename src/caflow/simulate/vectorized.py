"""Vectorised connection lifetimes (numpy): break time and cause only, no event timeline.

Not used by ``simulate`` or ``check`` (issue 10 item 2 is open): they print every event (each
failed run, turn-offs, surfaces), which this does not produce, and on the tenant-scale benchmark
the event loop's fast path already meets the time target (README "Performance"). Kept, tested
equal to the event loop, as the starting point for that integration; benchmarks/bench_simulate.py
measures it.

Scope: each connection is used by one scheduled flow; tenant changes are policy switches at
known instants, evaluated once per *claims class* by the engine (``affected`` masks), not per
connection. Same rules and order as :func:`caflow.tokens.refresh.refresh`: inactivity,
remember-MFA age, Conditional Access; a refresh happens at the first run after the cached
access token expires (tests/simulate/test_vectorized.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["CAUSES", "Lifetimes", "lifetimes"]

#: cause codes of the ``cause`` array (0 = still connected at the end)
CAUSES = ("", "inactivity", "rememberMfaExpired", "mfaRequired")


@dataclass(frozen=True)
class Lifetimes:
    broken_at: np.ndarray  # int64 seconds, -1 = not broken
    cause: np.ndarray  # int8 index into CAUSES


def _first_at_or_after(r0: np.ndarray, step: np.ndarray, x: np.ndarray) -> np.ndarray:
    j = np.maximum(0, -((r0 - x) // step))  # ceil((x - r0) / step), at least 0
    return r0 + j * step


def lifetimes(
    created: np.ndarray,
    first_run: np.ndarray,
    period: np.ndarray,
    mfa: np.ndarray,
    affected_at: np.ndarray,
    *,
    end: int,
    access_lifetime: int,
    inactivity: int,
    remember_mfa_days: int | None = None,
) -> Lifetimes:
    """All times in integer seconds. ``affected_at``: when CA starts failing the connection's
    claims (int64 max = never); ``created`` <= ``first_run``."""
    created = created.astype(np.int64)
    period = period.astype(np.int64)
    m = -(-access_lifetime // period)  # runs per refresh
    step = m * period
    k0 = np.maximum(0, -(-(created + access_lifetime - first_run) // period))
    r0 = first_run + k0 * period
    never = np.iinfo(np.int64).max
    cand = np.full((3, created.size), never, dtype=np.int64)
    # inactivity: first gap r0 - created, then every gap equals step
    cand[0] = np.where(r0 - created > inactivity, r0, np.where(step > inactivity, r0 + step, never))
    if remember_mfa_days is not None:
        limit = created + remember_mfa_days * 86400 + 1  # strictly older than N days
        cand[1] = np.where(mfa, _first_at_or_after(r0, step, limit), never)
    safe = np.minimum(affected_at, end + 1)
    cand[2] = np.where(affected_at < never, _first_at_or_after(r0, step, safe), never)
    broken = cand.min(axis=0)
    cause = (cand.argmin(axis=0) + 1).astype(np.int8)
    ok = broken > end
    return Lifetimes(np.where(ok, -1, broken), np.where(ok, 0, cause).astype(np.int8))
