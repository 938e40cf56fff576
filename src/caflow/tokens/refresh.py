"""Background refresh of a connection's refresh token: a non-interactive sign-in by a
confidential client (API Hub) that cannot prompt (reference docs/sources.md TS-7.1, docs/sources.md PA-4.1).

Checks in order, first failure wins: account disabled (50057), revocation (50173),
inactivity (90 days fixed; MaxInactiveTime when legacy lifetimes are honoured), remember-MFA
age (50076), legacy MaxAge* (50076), Conditional Access evaluated with the token's own claims
and the IP of the original issuance (TS-7.2), sign-in frequency (deferred, TS-2.1), CAE strict
location against the connector egress IP (TS-4.2, TS-7.4).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, TypedDict, Unpack

from caflow.engine.evaluate import Evaluation, PolicyResult, evaluate
from caflow.engine.grants import evaluate_grant
from caflow.engine.session import sif_window
from caflow.engine.signature import UserSignature
from caflow.engine.signin import UNREGISTERED, SignIn
from caflow.model.directory import User
from caflow.model.durations import parse_timespan
from caflow.model.tenant import Tenant
from caflow.tokens.claims import Acceptance, Claims, valid_terms
from caflow.tokens.failure import Failure, aadsts_message, failure_from_evaluation
from caflow.tokens.options import TokenOptions

__all__ = [
    "PER_CLAIMS_OBJECT",
    "RecordingCache",
    "RedeemArgs",
    "RefreshToken",
    "Revocation",
    "egress_address",
    "inactivity_window",
    "issue",
    "may_fail_refresh",
    "refresh",
    "refresh_class",
    "use",
    "user_disabled",
]


@dataclass(frozen=True, slots=True)
class Revocation:
    at: datetime
    cause: str  # passwordChanged | sessionsRevoked | userDisabled


@dataclass(frozen=True)
class RefreshToken:
    """A connection's stored credential for one resource app."""

    app_id: str
    resource: str  # display name, for messages
    claims: Claims
    issued_at: datetime  # interactive issuance (creation or repair)
    last_used: datetime
    access_expires: datetime


class RedeemArgs(TypedDict, total=False):
    """Keyword arguments of a refresh-token redemption, shared by :func:`refresh` and
    :func:`use` (one definition, so the two entry points cannot drift apart)."""

    revocations: tuple[Revocation, ...]
    options: TokenOptions
    cache: dict[Any, Any] | None
    acceptances: tuple[Acceptance, ...] | None


def user_disabled(user: User, revocations: tuple[Revocation, ...], now: datetime) -> Failure | None:
    """AADSTS50057 when the account is disabled at ``now`` (directory ``accountEnabled: false``
    or a ``disableUser`` before ``now``): every token request fails (docs/sources.md TS-3.2)."""
    if not user.account_enabled or any(
        r.cause == "userDisabled" and r.at <= now for r in revocations
    ):
        return Failure("AADSTS50057", "userDisabled", (), aadsts_message("AADSTS50057"))
    return None


def issue(
    app_id: str, resource: str, claims: Claims, now: datetime, tenant: Tenant
) -> RefreshToken:
    """Interactive issuance: a fresh refresh token plus an access token (default 75 min, TS-1.1)."""
    return RefreshToken(
        app_id, resource, claims, now, now, now + tenant.settings.accessTokenLifetime
    )


def inactivity_window(tenant: Tenant, options: TokenOptions) -> timedelta:
    """90 days always; a custom MaxInactiveTime only when legacy lifetimes are honoured (TS-1.4)."""
    if tenant.settings.legacyTokenLifetimes:
        custom = parse_timespan(tenant.settings.tokenLifetimePolicy.MaxInactiveTime)
        if custom is not None:
            return custom
    return options.default_inactivity


def _timespan(d: timedelta) -> str:
    secs = int(d.total_seconds())
    return f"{secs // 86400}.{secs % 86400 // 3600:02d}:{secs % 3600 // 60:02d}:{secs % 60:02d}"


def _lifetime_failure(
    tenant: Tenant, token: RefreshToken, now: datetime, options: TokenOptions
) -> Failure | None:
    s = tenant.settings
    idle = now - token.last_used
    window = inactivity_window(tenant, options)
    if idle > window:
        code = options.inactivity_code
        msg = aadsts_message(code, issued=token.last_used.isoformat(), inactive=_timespan(window))
        if code == "AADSTS70008":
            msg = msg.replace("90.00:00:00", _timespan(window))
        return Failure(code, "inactivity", (), msg)
    c = token.claims
    # Seed: remember-MFA "changes the token policy settings that make the connections expire
    # every 14 days"; Entra checks the last MFA age at each refresh-token validation (TS-2.3).
    remembered = s.rememberMfa.enabled and c.mfa and c.mfa_time is not None
    if remembered and now - c.mfa_time > timedelta(days=s.rememberMfa.days):  # type: ignore[operator]
        msg = aadsts_message("AADSTS50076", resource=token.resource)
        return Failure("AADSTS50076", "rememberMfaExpired", (), msg)
    # Seed table: MaxAgeMultiFactor / MaxAgeSingleFactor -> AADSTS50076 after the fixed age,
    # regardless of use; MaxAgeSession* have no effect on connections. Honoured only with
    # legacyTokenLifetimes (retired 2021-01-30, docs/sources.md TS-1.4).
    if s.legacyTokenLifetimes:
        field = "MaxAgeMultiFactor" if c.mfa else "MaxAgeSingleFactor"
        max_age = parse_timespan(getattr(s.tokenLifetimePolicy, field))
        since = (c.mfa_time or c.auth_time) if c.mfa else c.auth_time
        if max_age is not None and now - since > max_age:
            return Failure(
                "AADSTS50076",
                "maxAgeExceeded",
                (),
                aadsts_message("AADSTS50076", resource=token.resource),
            )
    return None


def refresh(
    tenant: Tenant,
    token: RefreshToken,
    now: datetime,
    *,
    revocations: tuple[Revocation, ...] = (),
    options: TokenOptions = TokenOptions(),
    cache: dict[Any, Any] | None = None,
    acceptances: tuple[Acceptance, ...] | None = None,
) -> RefreshToken | Failure:
    """Redeem ``token`` at ``now``; a new token on success, a :class:`Failure` otherwise.

    ``acceptances``: the user's Terms of Use acceptances as of ``now`` (A-TOK-8: acceptance is
    the user's state, so one made in another app before this refresh counts); None = only those
    the token's own claims carry."""
    user = token.claims.user
    disabled = user_disabled(user, revocations, now)
    if disabled is not None:
        return disabled
    for rev in revocations:
        if rev.cause != "userDisabled" and token.issued_at < rev.at <= now:
            return Failure("AADSTS50173", rev.cause, (), aadsts_message("AADSTS50173"))
    lifetime = _lifetime_failure(tenant, token, now, options)
    if lifetime is not None:
        return lifetime
    c = token.claims
    accepted = c.acceptances if acceptances is None else acceptances
    # No registered device at refresh: per-device acceptances never count (docs/sources.md TS-5.4).
    terms = valid_terms(accepted, tenant, now, None)
    # What the owner's history says about each agreement, when the bundle does not record
    # every acceptance (A-TOU-1): only then can a ToU be unknown rather than not accepted.
    known = (
        # one made later says nothing about now (the bundle's earlier ones are unknown)
        frozenset(a.agreement_id.lower() for a in accepted if a.accepted_at <= now)
        if tenant.acceptances_unrecorded
        else frozenset()
    )
    egress = egress_address(tenant)
    ip, country = egress if options.refresh_ip == "egress" and egress[0] else (c.ip, c.country)

    def background_signin() -> SignIn:
        """The non-interactive sign-in of this refresh (built only on a cache miss: hot path)."""
        return SignIn(
            user=c.user,
            app_id=token.app_id,
            ip=ip,
            country=country,
            platform=options.refresh_platform,
            client_app=options.refresh_client_app,
            device=UNREGISTERED,
            mfa=c.mfa,
            auth_methods=c.auth_methods,
            accepted_terms=terms,
            use_recorded_acceptances=False,
            terms_known=known,  # the owner's acceptances as of now (A-TOK-8, A-TOU-1)
            interactive=False,
        )

    who = _claims_class(tenant, c, cache)
    ev = _evaluate_cached(
        tenant, background_signin, (token.app_id, who, terms, known, ip), now, cache
    )
    if ev.decision != "allow":
        per_device = frozenset(k for k, a in tenant.agreements.items() if a.per_device)
        return failure_from_evaluation(
            ev,
            token.resource,
            expired_terms=(
                c if acceptances is None else c.evolve(acceptances=accepted)
            ).expired_terms(tenant, now),
            per_device_terms=per_device,
        )
    sif = ev.session_controls.get("signInFrequency")
    if sif and not options.defer_sif_for_confidential_clients:
        window = _sif(str(sif))
        if window is not None and now - c.auth_time > window:
            return Failure(
                "AADSTS70043", "signInFrequency", _sif_policies(ev), aadsts_message("AADSTS70043")
            )
    if egress[0] and _has_strict_location(tenant, cache):
        # Strict location (docs/sources.md TS-4.2 "access is blocked whenever the IP seen by the resource is
        # not allowed"; TS-7.4 the resource sees the connector egress IP): evaluate what the
        # resource sees. The strict policy usually does not even apply from the original
        # (trusted) IP, so its session control is looked for in this second evaluation.
        seen = _evaluate_cached(
            tenant,
            lambda: background_signin().evolve(ip=egress[0], country=egress[1]),
            (token.app_id, who, terms, known, egress[0]),
            now,
            cache,
        )
        if seen.decision == "block" and (_strict(seen) or _strict(ev)):
            return Failure(
                "AADSTS53003",
                "locationBlocked",
                seen.blocking_policies,
                aadsts_message("AADSTS53003"),
            )
    # A new refresh/access token pair (built directly: dataclasses.replace is slow on this path).
    return RefreshToken(
        token.app_id,
        token.resource,
        token.claims,
        token.issued_at,
        now,
        now + tenant.settings.accessTokenLifetime,
    )


def may_fail_refresh(tenant: Tenant, ev: Evaluation, r: PolicyResult) -> bool:
    """Whether ``r``, a policy undetermined in the refresh evaluation ``ev`` (caflow cannot
    tell whether it applies), could fail the refresh if it did apply: it blocks, the refresh's
    claims do not meet its grant (or caflow cannot tell), or it carries a session control the
    refresh obeys (sign-in frequency, CAE strict location; see :func:`refresh`). A policy whose
    grant the claims meet and that has no such session control cannot change the outcome,
    applying or not: that is not a doubt (review of issue 13)."""
    session = r.policy.session
    if session is not None and (session.sign_in_frequency or session.strict_location):
        return True
    grant = evaluate_grant(r.policy.grant, ev.signin, tenant, ev.now)
    return grant.result not in ("satisfied", "notApplicable")


def use(
    tenant: Tenant, token: RefreshToken, now: datetime, **redeem: Unpack[RedeemArgs]
) -> RefreshToken | Failure:
    """Get an access token at ``now``: the cached one while valid (no CA evaluation), else
    :func:`refresh` with the same keyword arguments (reference docs/sources.md TS-1.1: the access token
    lives ``accessTokenLifetime``; CA is evaluated only when the refresh token is redeemed)."""
    if now < token.access_expires:
        return token
    return refresh(tenant, token, now, **redeem)


def egress_address(tenant: Tenant) -> tuple[str | None, str | None]:
    """(IP, country) of connector traffic: the first address of the first configured egress
    range (tenant ``connectorEgress``; docs/sources.md PA-4.3, docs/sources.md TS-7.4), or (None, None)."""
    egress = tenant.settings.connectorEgress
    if not egress.ipRanges:
        return None, None
    return _first_address(egress.ipRanges[0]), egress.country


@lru_cache(maxsize=256)
def _first_address(cidr: str) -> str:
    """First host address of ``cidr`` (cached: asked at every background refresh)."""
    net = ipaddress.ip_network(cidr, strict=False)
    return str(next(iter(net.hosts()), net.network_address))


def _evaluate_cached(
    tenant: Tenant,
    make_signin: Callable[[], SignIn],
    key: tuple[Any, ...],
    now: datetime,
    cache: dict[Any, Any] | None,
) -> Evaluation:
    """CA conditions do not depend on the clock; ToU expiry enters through the accepted terms in
    ``key`` (app, claims, terms, IP). A caller-owned cache keeps long runs fast."""
    full_key = (id(tenant), *key)
    ev = cache.get(full_key) if cache is not None else None
    if ev is None:
        ev = evaluate(tenant, make_signin(), now)
        if cache is not None:
            cache[full_key] = ev
    return ev


#: Put ``{PER_CLAIMS_OBJECT: True}`` in a refresh cache to key evaluations by claims object
#: (the plain reference path the class-keyed one is tested against).
PER_CLAIMS_OBJECT = "perClaimsObject"


def _claims_class(tenant: Tenant, c: Claims, cache: dict[Any, Any] | None) -> object:
    """What of ``c`` a background refresh's evaluation reads (the user by policy-relevant
    signature), so connections of one class share one evaluation; ``id(c)`` without a cache."""
    if cache is None or cache.get(PER_CLAIMS_OBJECT):
        return id(c)
    key = ("userSignature", id(tenant))
    signature = cache.get(key)
    if signature is None:
        signature = cache[key] = UserSignature.of(tenant.policies)
    return (signature(c.user), c.mfa, c.auth_methods, c.country)


def refresh_class(
    tenant: Tenant,
    token: RefreshToken,
    acceptances: tuple[Acceptance, ...],
    cache: dict[Any, Any],
    options: TokenOptions = TokenOptions(),
) -> tuple[object, ...]:
    """All that decides whether :func:`refresh` of ``token`` on ``tenant`` succeeds at a given
    moment and idle time, with no revocation and the user's ``acceptances``: the account state,
    the claim times the lifetime checks read under these settings (MFA time for remember-MFA,
    both for legacy MaxAge, the authentication time for a sign-in frequency not deferred), and
    the evaluation's key (app, claims class, accepted terms, IP). Tokens of one class succeed or
    fail together (the failure's text may still name the resource: ask ``refresh`` for it);
    the vectorised lifetime path asks ``refresh`` once per class and piece of time
    (simulate/covered.py). Kept next to :func:`refresh` so the two read the same things."""
    c = token.claims
    s = tenant.settings
    legacy = s.legacyTokenLifetimes
    return (
        token.app_id,
        c.user.account_enabled,
        _claims_class(tenant, c, cache),
        c.mfa_time if s.rememberMfa.enabled or legacy else None,
        c.auth_time if legacy or not options.defer_sif_for_confidential_clients else None,
        c.ip,
        tuple((a.agreement_id.lower(), a.accepted_at, a.device_id) for a in acceptances),
    )


def _strict(ev: Evaluation) -> bool:
    return (
        str(ev.session_controls.get("continuousAccessEvaluation", "")).lower() == "strictlocation"
    )


def _has_strict_location(tenant: Tenant, cache: dict[Any, Any] | None) -> bool:
    """Does any enforced policy of ``tenant`` use CAE strict location? (cached per version)"""
    key = ("strictLocation", id(tenant))
    if cache is not None and key in cache:
        return bool(cache[key])
    found = any(
        p.enforced and p.session is not None and p.session.strict_location for p in tenant.policies
    )
    if cache is not None:
        cache[key] = found
    return found


def _sif(text: str) -> timedelta | None:
    if text == "everyTime":
        return timedelta(0)
    value, _, unit = text.partition(" ")
    return sif_window(("timeBased", int(value), "days" if unit.startswith("day") else "hours"))


def _sif_policies(ev: Evaluation) -> tuple[str, ...]:
    return tuple(
        r.policy.id
        for r in ev.results
        if r.applies
        and r.policy.enforced
        and r.policy.session
        and r.policy.session.sign_in_frequency
    )


class RecordingCache(dict[Any, Any]):
    """A refresh cache that, while :attr:`seen` is a list, records the CA evaluations a
    redemption reads or makes: what ``check`` and ``simulate`` look at to name the policies
    that were undetermined for a connection's owner."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[Evaluation] | None = None

    def get(self, key: Any, default: Any = None) -> Any:
        value = super().get(key, default)
        if self.seen is not None and isinstance(value, Evaluation):
            self.seen.append(value)
        return value

    def __setitem__(self, key: Any, value: Any) -> None:
        super().__setitem__(key, value)
        if self.seen is not None and isinstance(value, Evaluation):
            self.seen.append(value)
