"""Benchmark: 100k connections x 365 days, an MFA policy switched on mid-way (day 182).

Prints a table: the numpy lifetimes kernel (all 100k; simulate/vectorized.py, break times only),
the simulator with its numpy path (all 100k: events and final state, as ``simulate`` and
``check`` run it for the flows it covers - here every flow) and the event loop alone with its
fast path (``vectorized=False``). The event loop runs a
subset (default 500 connections) and is extrapolated linearly to 100k (stated in the table).
The engine is asked once per claims class (MFA / single-factor), as the numpy path does.

    python benchmarks/bench_simulate.py [--n 100000] [--subset 500]
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from caflow.automation import ConnectionState, FlowState
from caflow.engine.evaluate import evaluate
from caflow.io.bundle import load_bundle
from caflow.io.policies import parse_policy
from caflow.model.directory import User
from caflow.model.powerplatform import ConnectionRef, Flow, Trigger
from caflow.model.wellknown import TEAMS
from caflow.simulate.runner import Simulator
from caflow.simulate.scenario import Action
from caflow.simulate.vectorized import lifetimes
from caflow.tokens import Claims, issue

T0 = datetime(2026, 1, 1, tzinfo=UTC)
DAYS = 365
POLICY = parse_policy(
    {
        "id": "P-MID",
        "displayName": "MFA for Teams",
        "state": "enabled",
        "conditions": {
            "clientAppTypes": ["all"],
            "users": {"includeUsers": ["All"]},
            "applications": {"includeApplications": [TEAMS]},
        },
        "grantControls": {"operator": "OR", "builtInControls": ["mfa"]},
    },
    "<bench>",
)


def population(n: int, seed: int = 7):
    rng = np.random.default_rng(seed)
    created = rng.integers(0, 30 * 86400, n)
    period = rng.choice(
        [3600, 4 * 3600, 86400, 7 * 86400, 100 * 86400], n, p=[0.1, 0.2, 0.5, 0.15, 0.05]
    )
    offset = rng.integers(0, 3600, n)
    mfa = rng.random(n) < 0.4
    return created, created + offset, period, mfa


def run_numpy(tenant, created, first, period, mfa):
    policy_at = DAYS // 2 * 86400
    user = User("u", "u@x")
    # One engine call per claims class decides which classes the new policy fails.
    t2 = tenant.with_policies((POLICY,))
    fails = {}
    for m in (False, True):
        c = Claims(user=user, auth_time=T0, mfa=m, ip="8.8.8.8")
        fails[m] = evaluate(t2, c.signin(t2, TEAMS, T0, interactive=False), T0).decision != "allow"
    never = np.iinfo(np.int64).max
    affected = np.where(
        mfa, policy_at if fails[True] else never, policy_at if fails[False] else never
    )
    return lifetimes(
        created,
        first,
        period,
        mfa,
        affected,
        end=DAYS * 86400,
        access_lifetime=int(tenant.settings.accessTokenLifetime.total_seconds()),
        inactivity=90 * 86400,
    )


def build_sim(tenant, created, first, period, mfa, vectorized):
    """The simulator over these connections (one scheduled flow each), not yet run."""
    sim = Simulator(tenant, T0, T0 + timedelta(days=DAYS), vectorized=vectorized)
    user = User("u", "u@x")
    for i in range(created.size):
        at = T0 + timedelta(seconds=int(created[i]))
        claims = Claims(
            user=user, auth_time=at, mfa=bool(mfa[i]), mfa_time=at if mfa[i] else None, ip="8.8.8.8"
        )
        sim.connections[f"c{i}"] = ConnectionState(
            f"c{i}", "teams", "u", token=issue(TEAMS, "Teams", claims, at, tenant)
        )
        f = Flow(
            f"f{i}",
            f"f{i}",
            "u",
            trigger=Trigger(
                "schedule",
                period=timedelta(seconds=int(period[i])),
                start=T0 + timedelta(seconds=int(first[i])),
            ),
            connections=(ConnectionRef(f"c{i}", f"c{i}", "teams"),),
        )
        sim.flow_defs[f.name] = f
        sim.flows[f.name] = FlowState(f.name, "u")
    return sim


def run_sim(tenant, sim):
    """Run ``sim`` with the policy switched on mid-way; (result, CPU seconds of the run)."""
    act = Action(
        0,
        T0 + timedelta(days=DAYS // 2),
        "addPolicy",
        {"tenant": tenant.with_policies((POLICY,))},
        "/",
    )
    t = time.process_time()
    res = sim.run([act])
    return res, time.process_time() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--subset", type=int, default=500)
    args = ap.parse_args()
    root = Path(__file__).resolve().parents[1]
    tenant = load_bundle(root / "src" / "caflow" / "examples" / "contoso").evolve(
        policies=(), connections=(), flows=(), acceptances=()
    )
    created, first, period, mfa = population(args.n)
    t = time.perf_counter()
    lt = run_numpy(tenant, created, first, period, mfa)
    t_np = time.perf_counter() - t
    k = min(args.subset, args.n)
    sub = (created[:k], first[:k], period[:k], mfa[:k])
    res, t_loop = run_sim(tenant, build_sim(tenant, *sub, vectorized=False))
    t_loop *= args.n / k
    same = sum(
        (c.broken_at is not None) == (lt.broken_at[i] >= 0) for i, c in enumerate(res.connections)
    )
    # The simulator as simulate/check run it, numpy path on: every connection, full timeline.
    sim = build_sim(tenant, created, first, period, mfa, vectorized=True)
    full, t_vec = run_sim(tenant, sim)
    sub_vec, _ = run_sim(tenant, build_sim(tenant, *sub, vectorized=True))
    identical = json.dumps(sub_vec.to_json()) == json.dumps(res.to_json())
    print(f"{'path':<44} {'connections':>11} {'seconds':>9}")
    print(f"{'numpy lifetimes kernel (break times only)':<44} {args.n:>11} {t_np:>9.3f}")
    print(f"{'simulator, numpy path (events + state), CPU':<44} {args.n:>11} {t_vec:>9.2f}")
    print(f"{'event loop, CPU (extrapolated from ' + str(k) + ')':<44} {args.n:>11} {t_loop:>9.1f}")
    print(
        f"ratio event loop / numpy kernel: {t_loop / t_np:,.0f}x, / simulator numpy path: "
        f"{t_loop / t_vec:,.0f}x; covered {sim.coverage}; broken: {(lt.broken_at >= 0).sum()} "
        f"of {args.n} (simulator: {sum(c.broken_at is not None for c in full.connections)}); "
        f"subset agreement {same}/{k}; subset JSON identical (numpy path vs loop): {identical}"
    )


if __name__ == "__main__":
    main()
