"""AADSTS codes a sign-in gets for each unmet control (docs/sources.md TS-1.6,
docs/sources.md PA-5, the seed KB 4467879)."""

from __future__ import annotations

__all__ = ["CAUSES", "MESSAGES", "code_for_requirement"]

#: Documented message text (seed wording where the seed gives one).
MESSAGES = {
    "AADSTS50076": "Due to a configuration change made by your administrator, or because you moved to a new "
    "location, you must use multi-factor authentication to access '{resource}'.",
    "AADSTS53003": "Access has been blocked by Conditional Access policies. The access policy does not allow "
    "token issuance.",
    "AADSTS53000": "Device is not in required device state: compliant. Conditional Access policy requires a "
    "compliant device, and the device is not compliant.",
    "AADSTS53001": "Device is not in required device state: domain_joined. Conditional Access policy requires a "
    "domain joined device, and the device is not domain joined.",
    "AADSTS50158": "External security challenge not satisfied (the Terms of Use grant control is Not Satisfied; "
    "a silent token refresh cannot show the acceptance page).",
    "AADSTS70008": "The refresh token has expired due to inactivity. The token was issued on {issued} and was "
    "inactive for 90.00:00:00.",
    "AADSTS700082": "The refresh token has expired due to inactivity. The token was issued on {issued} and was "
    "inactive for {inactive}.",
    "AADSTS70043": "The refresh token has expired or is invalid due to sign-in frequency checks by Conditional "
    "Access.",
    "AADSTS50173": "The provided grant has expired due to it being revoked, a fresh auth token is needed. The user "
    "might have changed or reset their password.",
    "AADSTS50057": "The user account is disabled.",
    "AADSTS50133": "Session is invalid due to expiration or recent password change.",
}

_BY_REQUIREMENT = {
    "block": ("AADSTS53003", "blocked"),
    "mfa": ("AADSTS50076", "mfaRequired"),
    "authenticationStrength": ("AADSTS50076", "mfaRequired"),
    "compliantDevice": ("AADSTS53000", "deviceNotCompliant"),
    "domainJoinedDevice": ("AADSTS53001", "deviceNotCompliant"),
    # App-based controls: grouped with the device-state failures in docs/sources.md PA-5.
    "approvedApplication": ("AADSTS53000", "deviceNotCompliant"),
    "compliantApplication": ("AADSTS53000", "deviceNotCompliant"),
    "passwordChange": ("AADSTS53003", "blocked"),
    "riskRemediation": ("AADSTS53003", "blocked"),
    "termsOfUse": ("AADSTS50158", "termsOfUseRequired"),
    "customControl": ("AADSTS50158", "blocked"),
}

CAUSES = frozenset(
    {
        "mfaRequired",
        "blocked",
        "locationBlocked",
        "deviceNotCompliant",
        "termsOfUseRequired",
        "termsOfUseExpired",
        "termsOfUsePerDevice",
        "inactivity",
        "maxAgeExceeded",
        "rememberMfaExpired",
        "signInFrequency",
        "passwordChanged",
        "userDisabled",
        "sessionsRevoked",
        "embeddedMismatch",
        "policyInfoNotPassed",
    }
)


def code_for_requirement(requirement: str, tou_code: str = "AADSTS50158") -> tuple[str, str]:
    """(AADSTS code, cause) for one unmet requirement string such as ``termsOfUse:<id>``."""
    head = requirement.split(" or ")[0].split(":", 1)[0]
    code, cause = _BY_REQUIREMENT.get(head, ("AADSTS53003", "blocked"))
    if head == "termsOfUse":
        code = tou_code
    return code, cause
