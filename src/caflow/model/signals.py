"""Closed value sets of sign-in signals (What If ``signInConditions``, docs/sources.md CA-4.2).

A sign-in value outside these sets is a typo in the user's input (exit 2), never a silent
"not included": ``--platform Windows10`` must not make a Windows-only block policy skip.
"""

from __future__ import annotations

from types import MappingProxyType

from caflow.errors import InputError, did_you_mean

__all__ = ["SIGNALS", "canonical_signal", "signal_choices"]

#: kind -> {lower-case accepted spelling: canonical value}
SIGNALS: MappingProxyType[str, MappingProxyType[str, str]] = MappingProxyType(
    {
        "devicePlatform": MappingProxyType(
            {
                "android": "android",
                "ios": "iOS",
                "windows": "windows",
                "windowsphone": "windowsPhone",
                "macos": "macOS",
                "linux": "linux",
                "unknown": "unknown",  # unknown/unsupported platform: only "all" matches (CA-2.5)
            }
        ),
        "clientAppType": MappingProxyType(
            {
                "browser": "browser",
                "mobileappsanddesktopclients": "mobileAppsAndDesktopClients",
                "exchangeactivesync": "exchangeActiveSync",
                "other": "other",
                # deprecated names (CA-1.2)
                "eassupported": "exchangeActiveSync",
                "easunsupported": "exchangeActiveSync",
                "modern": "mobileAppsAndDesktopClients",
            }
        ),
        "transferMethod": MappingProxyType(
            {
                "none": "none",
                "devicecodeflow": "deviceCodeFlow",
                "authenticationtransfer": "authenticationTransfer",
            }
        ),
        "userAction": MappingProxyType(
            {
                "registersecurityinformation": "registerSecurityInformation",
                "registerorjoindevices": "registerOrJoinDevices",
                # policy spellings (includeUserActions, CA-1.4)
                "urn:user:registersecurityinfo": "registerSecurityInformation",
                "urn:user:registerdevice": "registerOrJoinDevices",
                "registersecurityinfo": "registerSecurityInformation",
                "registerdevice": "registerOrJoinDevices",
            }
        ),
        "guestOrExternalUserType": MappingProxyType(
            {
                v.lower(): v
                for v in (
                    "internalGuest",
                    "b2bCollaborationGuest",
                    "b2bCollaborationMember",
                    "b2bDirectConnectUser",
                    "otherExternalUser",
                    "serviceProvider",
                )
            }
        ),
        "riskLevel": MappingProxyType({v: v for v in ("low", "medium", "high", "hidden", "none")}),
        "insiderRiskLevel": MappingProxyType(
            {v: v for v in ("minor", "moderate", "elevated", "none")}
        ),
        # Graph authenticationMethodModes (the methods of an authentication strength's
        # allowedCombinations, CA-5.3): a sign-in's methods (whatif --method, a scenario's
        # authMethods, tenant.yaml defaultMfaMethods). A misspelt method would silently fail
        # every strength that lists it.
        "authenticationMethod": MappingProxyType(
            {
                v.lower(): v
                for v in (
                    "password",
                    "voice",
                    "hardwareOath",
                    "softwareOath",
                    "sms",
                    "fido2",
                    "windowsHelloForBusiness",
                    "microsoftAuthenticatorPush",
                    "deviceBasedPush",
                    "temporaryAccessPassOneTime",
                    "temporaryAccessPassMultiUse",
                    "email",
                    "x509CertificateSingleFactor",
                    "x509CertificateMultiFactor",
                    "federatedSingleFactor",
                    "federatedMultiFactor",
                    "qrCodePin",
                )
            }
        ),
    }
)


def canonical_signal(kind: str, value: str, *, source: str, path: tuple[str, ...] = ()) -> str:
    """The canonical spelling of ``value``; an unknown value is bad input naming ``source``."""
    if kind == "authenticationContext":
        v = value.strip().lower()
        if v.startswith("c") and v[1:].isdigit() and 1 <= int(v[1:]) <= 99:
            return v  # c1 .. c99 (CA-1.4)
        raise InputError(
            "invalid value", file=source, path=path or None, expected="c1 .. c99", got=value
        )
    table = SIGNALS[kind]
    found = table.get(value.strip().lower())
    if found is None:
        close = did_you_mean(value, table)
        raise InputError(
            "invalid value",
            file=source,
            path=path or None,
            expected="one of " + ", ".join(signal_choices(kind)),
            got=value,
            hint=f"did you mean '{table[close]}'?" if close else None,
        )
    return found


def signal_choices(kind: str) -> list[str]:
    """The canonical values of ``kind`` in documentation order (deprecated spellings omitted)."""
    return list(dict.fromkeys(SIGNALS[kind].values()))
