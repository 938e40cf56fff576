"""Terms of Use expiry semantics (model/agreements.py; engine/grants.py terms_status).

reference/tokens-and-signins.md §5.3 "Expiry and re-accept semantics":
- Expire consents (startDateTime + frequency) is one schedule for all users: start Jan 1,
  monthly; Alice accepts Jan 1, Bob Jan 15 -> both expire Feb 1, Mar 1, Apr 1. A start date in
  the future: users accept now, all consents expire on the start date and then every frequency.
- Duration before re-acceptance is per user from their acceptance: 30 days: Alice Jan 1 ->
  Jan 31 -> Mar 2 -> Apr 1; Bob Jan 15 -> Feb 14 -> Mar 16 -> Apr 15. The two can be combined.
§5.4: per-device acceptance is keyed by a registered device id.
"""

from __future__ import annotations

from datetime import UTC, datetime

from caflow.engine.grants import terms_status
from caflow.engine.signin import UNREGISTERED, SignIn
from caflow.model.agreements import Agreement, AgreementAcceptance
from caflow.model.directory import Directory, User
from caflow.model.durations import parse_iso_duration
from caflow.model.tenant import Tenant


def d(m: int, day: int, y: int = 2026, h: int = 0) -> datetime:
    return datetime(y, m, day, h, tzinfo=UTC)


MONTHLY = Agreement(
    id="tou-monthly",
    display_name="Monthly",
    expiration_start=d(1, 1),
    expiration_frequency=parse_iso_duration("P1M"),
)
ROLLING = Agreement(
    id="tou-rolling", display_name="Rolling", reaccept_every=parse_iso_duration("P30D")
)


def _chain(agreement: Agreement, first: datetime, n: int) -> list[datetime]:
    """Accept, then re-accept exactly when each acceptance expires."""
    out, at = [], first
    for _ in range(n):
        nxt = agreement.acceptance_expires(at)
        assert nxt is not None
        out.append(nxt)
        at = nxt
    return out


def test_monthly_schedule_common_to_all_users() -> None:
    assert MONTHLY.acceptance_expires(d(1, 1)) == d(2, 1)  # Alice Jan 1
    assert MONTHLY.acceptance_expires(d(1, 15)) == d(2, 1)  # Bob Jan 15
    assert _chain(MONTHLY, d(1, 1), 3) == [d(2, 1), d(3, 1), d(4, 1)]
    assert _chain(MONTHLY, d(1, 15), 3) == [d(2, 1), d(3, 1), d(4, 1)]
    assert MONTHLY.acceptance_expires(d(1, 31, h=23)) == d(2, 1)


def test_monthly_schedule_last_and_next() -> None:
    assert MONTHLY.last_scheduled_expiry(d(12, 31, y=2025)) is None  # before the start
    assert MONTHLY.last_scheduled_expiry(d(1, 1)) == d(1, 1)
    assert MONTHLY.last_scheduled_expiry(d(2, 15)) == d(2, 1)
    assert MONTHLY.last_scheduled_expiry(d(3, 1)) == d(3, 1)
    assert MONTHLY.next_scheduled_expiry(d(12, 1, y=2025)) == d(1, 1)
    assert MONTHLY.next_scheduled_expiry(d(2, 1)) == d(3, 1)  # strictly after


def test_schedule_start_in_the_future() -> None:
    future = Agreement(
        id="f",
        display_name="F",
        expiration_start=d(3, 1),
        expiration_frequency=parse_iso_duration("P1M"),
    )
    assert future.acceptance_expires(d(1, 10)) == d(3, 1)  # accepted now, expires on the start date
    assert future.acceptance_expires(d(3, 5)) == d(4, 1)  # then every month


def test_schedule_without_frequency_expires_once() -> None:
    once = Agreement(id="o", display_name="O", expiration_start=d(3, 1))
    assert once.acceptance_expires(d(1, 10)) == d(3, 1)
    assert once.acceptance_expires(d(3, 2)) is None
    assert once.last_scheduled_expiry(d(6, 1)) == d(3, 1)


def test_thirty_day_rolling_per_user() -> None:
    assert _chain(ROLLING, d(1, 1), 3) == [d(1, 31), d(3, 2), d(4, 1)]  # Alice
    assert _chain(ROLLING, d(1, 15), 3) == [d(2, 14), d(3, 16), d(4, 15)]  # Bob


def test_combined_rules_earliest_wins() -> None:
    both = Agreement(
        id="b",
        display_name="B",
        reaccept_every=parse_iso_duration("P30D"),
        expiration_start=d(1, 1),
        expiration_frequency=parse_iso_duration("P1M"),
    )
    assert both.acceptance_expires(d(1, 10)) == d(2, 1)  # schedule before rolling (Feb 9)
    assert both.acceptance_expires(d(2, 1)) == d(3, 1)  # Feb 1 + 30 d = Mar 3 > Mar 1
    assert both.acceptance_expires(d(2, 10)) == d(3, 1)


def test_no_expiry_configured() -> None:
    plain = Agreement(id="p", display_name="P")
    assert plain.acceptance_expires(d(1, 1)) is None
    assert (
        plain.last_scheduled_expiry(d(1, 1)) is None
        and plain.next_scheduled_expiry(d(1, 1)) is None
    )


# -- through the grant check (engine/grants.py terms_status) ---------------------------------------

ALICE = User(id="u-alice", user_principal_name="alice@contoso.com")
PER_DEVICE = Agreement(id="tou-device", display_name="Per device", per_device=True)


def _tenant(*acceptances: AgreementAcceptance) -> Tenant:
    return Tenant(
        agreements={a.id: a for a in (MONTHLY, ROLLING, PER_DEVICE)},
        acceptances=acceptances,
        directory=Directory(users=(ALICE,)),
    )


def test_terms_status_rolling_and_schedule() -> None:
    t = _tenant(
        AgreementAcceptance(agreement_id="tou-rolling", user_id="u-alice", recorded=d(1, 1)),
        AgreementAcceptance(agreement_id="tou-monthly", user_id="u-alice", recorded=d(1, 15)),
    )
    s = SignIn(user=ALICE, app_id="x")
    assert terms_status("tou-rolling", s, t, d(1, 30)) == "accepted"
    assert terms_status("tou-rolling", s, t, d(1, 31)) == "expired"  # at the expiry instant
    assert terms_status("tou-monthly", s, t, d(1, 31, h=23)) == "accepted"
    assert terms_status("tou-monthly", s, t, d(2, 1, h=1)) == "expired"
    assert terms_status("TOU-ROLLING", s, t, d(1, 2)) == "accepted"  # ids case-insensitive
    assert (
        terms_status("tou-rolling", s, t, d(12, 31, y=2025)) == "notAccepted"
    )  # recorded in the future
    # accepted during this sign-in
    assert (
        terms_status("tou-rolling", s.evolve(accepted_terms=frozenset({"tou-rolling"})), t, d(6, 1))
        == "accepted"
    )
    # recorded acceptances can be ignored (e.g. a fresh user in a scenario)
    assert (
        terms_status("tou-rolling", s.evolve(use_recorded_acceptances=False), t, d(1, 2))
        == "notAccepted"
    )


def test_terms_status_explicit_expiration_and_declined() -> None:
    t = _tenant(
        AgreementAcceptance(
            agreement_id="tou-rolling", user_id="u-alice", recorded=d(1, 1), expiration=d(1, 10)
        ),
        AgreementAcceptance(
            agreement_id="tou-monthly", user_id="u-alice", recorded=d(1, 15), state="declined"
        ),
    )
    s = SignIn(user=ALICE, app_id="x")
    assert (
        terms_status("tou-rolling", s, t, d(1, 11)) == "expired"
    )  # expirationDateTime before the 30 days
    assert terms_status("tou-monthly", s, t, d(1, 16)) == "notAccepted"  # decline is no acceptance


def test_terms_status_per_device() -> None:
    t = _tenant(
        AgreementAcceptance(
            agreement_id="tou-device", user_id="u-alice", recorded=d(1, 1), device_id="dev-1"
        )
    )
    s = SignIn(user=ALICE, app_id="x", device={"deviceId": "dev-1"})
    assert terms_status("tou-device", s, t, d(2, 1)) == "accepted"
    assert (
        terms_status("tou-device", s.evolve(device={"deviceId": "dev-2"}), t, d(2, 1))
        == "perDevice"
    )
    assert (
        terms_status("tou-device", s.evolve(device=UNREGISTERED), t, d(2, 1)) == "perDevice"
    )  # §5.4 registered only
