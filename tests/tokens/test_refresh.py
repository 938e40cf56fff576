"""Unit tests of the tokens layer: access-token cache, inactivity, revocation, ToU expiry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.examples_paths import CONTOSO

from caflow.io.bundle import load_bundle
from caflow.model.wellknown import TEAMS
from caflow.tokens import (
    Claims,
    Failure,
    RefreshToken,
    Revocation,
    TokenOptions,
    issue,
    refresh,
    use,
)

T0 = datetime(2026, 1, 5, 9, tzinfo=UTC)
TENANT = load_bundle(CONTOSO)
ALICE = TENANT.directory.user("alice@contoso.com")


def _token(**kw) -> RefreshToken:
    return issue(
        TEAMS,
        "Microsoft Teams Services",
        Claims(user=ALICE, auth_time=T0, ip="8.8.8.8", **kw),
        T0,
        TENANT,
    )


def test_cached_access_token_skips_evaluation():
    tok = _token()
    assert use(TENANT, tok, T0 + timedelta(minutes=74)) is tok
    fresh = use(TENANT, tok, T0 + timedelta(minutes=75))
    assert isinstance(fresh, RefreshToken) and fresh.last_used == T0 + timedelta(minutes=75)


def test_inactivity_90_days_and_code_option():
    tok = _token()
    ok = refresh(TENANT, tok, T0 + timedelta(days=90))
    assert isinstance(ok, RefreshToken)
    bad = refresh(TENANT, tok, T0 + timedelta(days=90, seconds=1))
    assert isinstance(bad, Failure) and (bad.code, bad.cause) == ("AADSTS70008", "inactivity")
    alt = refresh(
        TENANT, tok, T0 + timedelta(days=91), options=TokenOptions(inactivity_code="AADSTS700082")
    )
    assert isinstance(alt, Failure) and alt.code == "AADSTS700082"


def test_revocation_only_affects_tokens_issued_before():
    tok = _token()
    rev = (Revocation(T0 + timedelta(hours=1), "passwordChanged"),)
    bad = refresh(TENANT, tok, T0 + timedelta(hours=2), revocations=rev)
    assert isinstance(bad, Failure) and (bad.code, bad.cause) == ("AADSTS50173", "passwordChanged")
    later = issue(
        TEAMS,
        "Teams",
        tok.claims.evolve(auth_time=T0 + timedelta(hours=3)),
        T0 + timedelta(hours=3),
        TENANT,
    )
    assert isinstance(
        refresh(TENANT, later, T0 + timedelta(hours=5), revocations=rev), RefreshToken
    )


def test_rolling_tou_expiry_from_claims():
    claims = Claims(user=ALICE, auth_time=T0).accept("55555555-0000-0000-0000-000000000002", T0)
    assert claims.valid_terms(TENANT, T0 + timedelta(days=29), None)
    assert not claims.valid_terms(TENANT, T0 + timedelta(days=30), None)  # P30D re-accept
