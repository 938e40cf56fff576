"""Claims of connections that already exist in a bundle: assumed created interactively by the
owner at the simulation start with the *minimal* claims that satisfied ``claims_tenant``'s
policies for the connector's resource app (brief for ``simulate_tenant``; A-SIM-4)."""

from __future__ import annotations

import ipaddress
from dataclasses import replace
from datetime import datetime
from typing import Any

from caflow.engine.evaluate import evaluate
from caflow.engine.signature import UserSignature
from caflow.model.directory import User
from caflow.model.locations import IpNamedLocation
from caflow.model.tenant import Tenant
from caflow.simulate.scenario import _platform
from caflow.tokens import Claims

__all__ = ["minimal_claims", "trusted_ip"]


def trusted_ip(tenant: Tenant) -> str | None:
    """An IP inside the first trusted IP named location (else the MFA trusted IPs)."""
    for loc in tenant.named_locations.values():
        if isinstance(loc, IpNamedLocation) and loc.is_trusted:
            for net in loc.ranges:
                if net.version == 4:
                    return str(next(iter(net.hosts()), net.network_address))
    for cidr in tenant.settings.mfaTrustedIps:
        net = ipaddress.ip_network(cidr, strict=False)
        return str(next(iter(net.hosts()), net.network_address))
    return None


def minimal_claims(
    tenant: Tenant,
    claims_tenant: Tenant,
    user: User,
    app_id: str,
    at: datetime,
    cache: dict[Any, Any] | None = None,
) -> Claims:
    """``cache`` (caller-owned, one per tenant pair and moment): users of one policy-relevant
    signature with the same device get the same claims for an app, worked out once."""
    device = None
    for did in user.device_ids:
        d = tenant.directory.device(did)
        if d is not None:
            device = dict(d.properties)
            break
    key: tuple[object, ...] = ()
    if cache is not None:
        sig_key = ("userSignature", id(claims_tenant))
        signature = cache.get(sig_key)
        if signature is None:
            signature = cache[sig_key] = UserSignature.of(claims_tenant.policies)
        device_class = _device_class(claims_tenant, device, cache)
        inputs = _tenant_inputs(tenant, cache)
        key = ("minimalClaims", inputs, id(claims_tenant), signature(user), device_class)
        key += (app_id, at)
        hit = cache.get(key)
        if hit is not None:
            same = replace(hit, user=user, device=device)
            # acceptances were recorded on the claims' device: this user's
            kept = tuple(replace(a, device_id=same.device_id) for a in hit.acceptances)
            return replace(same, acceptances=kept)
    claims = _minimal_claims(tenant, claims_tenant, user, app_id, at, device)
    if cache is not None:
        cache[key] = claims
    return claims


def _tenant_inputs(tenant: Tenant, cache: dict[Any, Any]) -> tuple[object, ...]:
    """All that ``_minimal_claims`` reads of ``tenant`` (the policies it asks are
    ``claims_tenant``'s): check's baseline and proposed tenants share these, so connections
    replayed against a proposal reuse the claims worked out for the baseline."""
    key = ("claimsInputs", id(tenant))
    found = cache.get(key)
    if found is None:
        methods = frozenset(tenant.settings.defaultMfaMethods)
        found = cache[key] = (trusted_ip(tenant), methods)
    return found


#: Device properties that single one device out; policies see them only through a device filter.
_IDENTITY = ("deviceid", "displayname")


def _device_class(
    claims_tenant: Tenant, device: dict[str, Any] | None, cache: dict[Any, Any]
) -> object:
    """The device properties the policies can observe: all but its id and name, unless a
    device filter of ``claims_tenant`` names those."""
    if device is None:
        return None
    key = ("deviceIdentityNamed", id(claims_tenant))
    named = cache.get(key)
    if named is None:
        named = cache[key] = any(
            p.conditions.device_filter is not None
            and any(k in p.conditions.device_filter.rule.lower() for k in _IDENTITY)
            for p in claims_tenant.policies
        )
    return tuple(
        (k, repr(v)) for k, v in sorted(device.items()) if named or k.lower() not in _IDENTITY
    )


def _minimal_claims(
    tenant: Tenant,
    claims_tenant: Tenant,
    user: User,
    app_id: str,
    at: datetime,
    device: dict[str, Any] | None,
) -> Claims:
    claims = Claims(
        user=user,
        auth_time=at,
        device=device,
        ip=trusted_ip(tenant),
        platform=_platform(device) or "windows",
        auth_methods=frozenset({"password"}),
    )
    for _ in range(4):  # add one kind of proof at a time until the policies are satisfied
        ev = evaluate(claims_tenant, claims.signin(claims_tenant, app_id, at), at)
        if ev.decision != "requires":
            break
        changed = False
        for req in ev.requirements:
            head = req.split(" or ")[0]
            if head in ("mfa",) or head.startswith("authenticationStrength"):
                if not claims.mfa:
                    claims = claims.evolve(
                        mfa=True,
                        mfa_time=at,
                        auth_methods=frozenset(tenant.settings.defaultMfaMethods),
                    )
                    changed = True
            elif head.startswith("termsOfUse:"):
                claims = claims.accept(head.split(":", 1)[1], at, claims.device_id)
                changed = True
        if not changed:
            break
    return claims
