"""Named locations (docs/sources.md CA-2.6, CA-5.1, CA-5.2)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

__all__ = [
    "COMPLIANT_NETWORK_ID",
    "CountryNamedLocation",
    "IpNamedLocation",
    "NamedLocation",
    "OtherNamedLocation",
]

#: Global Secure Access "All Compliant Network locations" (CA-1.7).
COMPLIANT_NETWORK_ID = "3d46dbda-8382-466a-856d-eb00cbc6b910"

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True, slots=True)
class IpNamedLocation:
    id: str
    display_name: str
    is_trusted: bool
    ranges: tuple[IpNetwork, ...]

    def contains(self, ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
        # Compare within the same address family (CA-2.6 inference).
        return any(ip.version == net.version and ip in net for net in self.ranges)


@dataclass(frozen=True, slots=True)
class CountryNamedLocation:
    id: str
    display_name: str
    countries: frozenset[str]
    include_unknown: bool = False
    lookup_method: str = "clientIpAddress"  # or authenticatorAppGps
    is_trusted: bool = False


@dataclass(frozen=True, slots=True)
class OtherNamedLocation:
    """A location type caflow cannot evaluate offline (compliant network, future types)."""

    id: str
    display_name: str
    odata_type: str
    is_trusted: bool = False


NamedLocation = IpNamedLocation | CountryNamedLocation | OtherNamedLocation
