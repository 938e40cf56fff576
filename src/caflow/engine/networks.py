"""Where a sign-in comes from: named-location membership (docs/sources.md CA-2.6).

IP named locations compare within the address family; ``AllTrusted`` = trusted named locations
plus the legacy MFA trusted IPs (IPv4 only); country locations map the client IP to a country
offline with ``iptocc`` (no match -> "unknown country", governed by
``includeUnknownCountriesAndRegions``) or, for ``authenticatorAppGps``, need the country the
caller supplies.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from functools import lru_cache

from caflow.engine.logic import Tri
from caflow.model.locations import CountryNamedLocation, IpNamedLocation, NamedLocation

__all__ = ["country_of", "in_location", "in_trusted", "parse_ip"]

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@lru_cache(maxsize=65536)
def parse_ip(text: str) -> IpAddress:
    """An IP address; an IPv4-mapped IPv6 address (``::ffff:203.0.113.7``, as dual-stack
    proxies log IPv4 clients) is that IPv4 address, so it matches IPv4 ranges and countries."""
    addr = ipaddress.ip_address(text.strip())
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        return addr.ipv4_mapped
    return addr


@lru_cache(maxsize=65536)
def country_of(ip: str) -> str | None:
    """ISO country of a public IP, None when the table maps it to no country (unknown)."""
    import iptocc

    try:
        code = iptocc.country_code(ip)
    except Exception:  # iptocc raises on malformed input; callers validate first
        return None
    return code.upper() if code else None


@lru_cache(maxsize=4096)
def _trusted_networks(
    ips: tuple[str, ...],
) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(c, strict=False) for c in ips)


def in_location(loc: NamedLocation, ip: str | None, country: str | None) -> Tri:
    """Is the sign-in inside ``loc``? None when the signal the location needs is missing."""
    if isinstance(loc, IpNamedLocation):
        if ip is None:
            return None
        return loc.contains(parse_ip(ip))
    if isinstance(loc, CountryNamedLocation):
        method = loc.lookup_method.lower()
        if method not in ("clientipaddress", "authenticatorappgps"):
            # Graph's countryLookupMethodType is clientIpAddress, authenticatorAppGps and the
            # evolvable-enum sentinel unknownFutureValue: a method caflow does not know is
            # never read as the IP lookup (io/policies.py POLICY_VALUES countryLookupMethod).
            return None
        if method == "authenticatorappgps":
            # GPS from the Authenticator app: only an explicit country can answer (CA-2.6).
            if country is None:
                return None
            code: str | None = country.upper()
        elif country is not None:
            code = country.upper()  # explicit What If ``country`` (docs/assumptions.md A-LOC-2)
        elif ip is not None:
            code = country_of(str(parse_ip(ip)))
        else:
            return None
        if code is None or code in ("", "XX", "UNKNOWN"):
            return loc.include_unknown
        return code in loc.countries
    return None  # compliant network and future location types: cannot be decided offline


def in_trusted(
    locations: Mapping[str, NamedLocation], mfa_trusted_ips: tuple[str, ...], ip: str | None
) -> Tri:
    """``AllTrusted``: trusted named locations + MFA trusted IPs (IPv4) (CA-2.6)."""
    if ip is None:
        return None
    addr = parse_ip(ip)
    for loc in locations.values():
        if isinstance(loc, IpNamedLocation) and loc.is_trusted and loc.contains(addr):
            return True
    if addr.version == 4:
        for net in _trusted_networks(tuple(mfa_trusted_ips)):
            if net.version == 4 and addr in net:
                return True
    # A trusted country location is possible in the API; evaluate it too.
    for loc in locations.values():
        if isinstance(loc, CountryNamedLocation) and loc.is_trusted and in_location(loc, ip, None):
            return True
    return False
