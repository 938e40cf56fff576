"""Vectorised connection lifetimes (numpy): when a scheduled flow's connection first fails a
background refresh, for many connections at once (issue 10 item 2).

A connection used by one scheduled flow refreshes at a fixed cadence: the first run at or
after its access token expires (``r0``), then every ``step`` = the smallest multiple of the
flow's period that covers the access-token lifetime (docs/sources.md PA-8.1; the same arithmetic
as :meth:`caflow.simulate.runner.Simulator._skip_ahead`). Same rules and order as
:func:`caflow.tokens.refresh.refresh`: inactivity first (an idle gap longer than the window),
then whatever else makes a refresh fail, given here as *failing windows*: closed intervals of
instants at which a refresh with no idle time fails (worked out by the caller with ``refresh``
itself, once per claims class and piece of time - ``Simulator._vectorize``).

:func:`first_failures` is what ``simulate`` and ``check`` use (through the simulator, for the
connections it covers); :func:`lifetimes` is the older single-switch form (benchmarks,
tests/simulate/test_vectorized.py), written on top of it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["CAUSES", "NEVER", "Lifetimes", "first_failures", "lifetimes", "refresh_grid"]

#: cause codes of the ``cause`` array (0 = still connected at the end)
CAUSES = ("", "inactivity", "rememberMfaExpired", "mfaRequired")
NEVER = np.iinfo(np.int64).max


@dataclass(frozen=True)
class Lifetimes:
    broken_at: np.ndarray  # int64, -1 = not broken
    cause: (
        np.ndarray
    )  # int8 index into CAUSES (first_failures: 1 inactivity, else the window's code)


def _first_at_or_after(r0: np.ndarray, step: np.ndarray, x: np.ndarray) -> np.ndarray:
    j = np.maximum(0, -((r0 - x) // step))  # ceil((x - r0) / step), at least 0
    return r0 + j * step


def refresh_grid(
    access_expires: np.ndarray, first_run: np.ndarray, period: np.ndarray, access_lifetime: int
) -> tuple[np.ndarray, np.ndarray]:
    """(r0, step): the first refresh (first run at or after the access token expires) and the
    cadence of the following ones (all int64, one unit)."""
    period = period.astype(np.int64)
    m = -(-access_lifetime // period)  # runs per access token
    k0 = np.maximum(0, -(-(access_expires - first_run) // period))
    return first_run + k0 * period, m * period


def first_failures(
    last_used: np.ndarray,
    r0: np.ndarray,
    step: np.ndarray,
    *,
    inactivity: int,
    end: int,
    window_of: np.ndarray,
    window_lo: np.ndarray,
    window_hi: np.ndarray,
    window_code: np.ndarray,
) -> Lifetimes:
    """The first refresh (<= ``end``) of each connection that fails, and why.

    Connection ``i``'s token was last used at ``last_used[i]``; it refreshes at ``r0[i] + j *
    step[i]`` (:func:`refresh_grid`) until one fails. Windows: for
    each ``w``, connection ``window_of[w]``'s refreshes in ``[window_lo[w], window_hi[w]]``
    fail with code ``window_code[w]`` (>= 2); inactivity (code 1) is checked first at a refresh,
    then the windows (lowest code first when windows overlap)."""
    n = last_used.size
    # inactivity: the first gap is r0 - last_used, then every gap equals step
    idle = np.where(r0 - last_used > inactivity, r0, np.where(step > inactivity, r0 + step, NEVER))
    # Candidates as time * 8 + code, so one minimum orders by time, then rule order.
    best = np.where(idle <= end, idle * 8 + 1, NEVER)
    if window_of.size:
        lo = np.minimum(window_lo, end + 1)
        x = _first_at_or_after(r0[window_of], step[window_of], lo)
        hit = (x <= np.minimum(window_hi, end)) & (window_lo <= end)
        np.minimum.at(best, window_of[hit], x[hit] * 8 + window_code[hit])
    ok = best == NEVER
    return (
        Lifetimes(np.where(ok, -1, best // 8), np.where(ok, 0, best % 8).astype(np.int8))
        if n
        else Lifetimes(np.zeros(0, np.int64), np.zeros(0, np.int8))
    )


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
    """Connections created (token issued) at ``created`` <= ``first_run``, CA failing their
    claims from ``affected_at`` on (int64 max = never), remember-MFA ``remember_mfa_days``
    for the ``mfa`` ones; all times in integer seconds."""
    created = created.astype(np.int64)
    n = created.size
    idx = np.arange(n)
    never = NEVER
    of, lo, code = [idx[affected_at < never]], [affected_at[affected_at < never]], [3]
    if remember_mfa_days is not None:
        of.append(idx[mfa])
        lo.append(created[mfa] + remember_mfa_days * 86400 + 1)  # strictly older than N days
        code.append(2)
    window_of = np.concatenate(of)
    r0, step = refresh_grid(
        created + access_lifetime, first_run.astype(np.int64), period, access_lifetime
    )
    return first_failures(
        created,
        r0,
        step,
        inactivity=inactivity,
        end=end,
        window_of=window_of,
        window_lo=np.concatenate(lo).astype(np.int64),
        window_hi=np.full(window_of.size, never, dtype=np.int64),
        window_code=np.concatenate(
            [np.full(o.size, c, dtype=np.int64) for o, c in zip(of, code, strict=True)]
        ),
    )
