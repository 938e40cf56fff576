"""The fix the seeds recommend, per cause (KB 4467879 "To resolve this issue", "Solution",
"Prevention"; docs/sources.md PA-5)."""

from __future__ import annotations

__all__ = ["FIXES"]

FIXES: dict[str, str] = {
    "mfaRequired": "Owner signs in to the Power Automate portal under conditions matching the service's policy "
    "(MFA, corporate network, ...), then repairs or re-creates the connection.",
    "blocked": "Change the policy or its exclusions, then re-authorize the connection.",
    "locationBlocked": "Sign in from an allowed network (e.g. the corporate network) and repair the connection; "
    "exclude connection owners or change the location policy.",
    "deviceNotCompliant": "Background refresh cannot present a device: exclude the connection owner or change the policy.",
    "termsOfUseRequired": "Owner signs in interactively (accepts the Terms of Use) and repairs the connection; "
    "exclude service accounts and flow connection owners from ToU policies.",
    "termsOfUseExpired": "Owner re-accepts interactively and repairs the connection at every consent expiry; "
    "avoid short 'Expire consents' durations for flow users.",
    "termsOfUsePerDevice": "Never use per-device Terms of Use for apps Power Automate connects to: flows run on "
    "Microsoft infrastructure, not on a registered device.",
    "inactivity": "Re-create or re-authorize the connection; keep MaxInactiveTime at 90 days.",
    "maxAgeExceeded": "Set MaxAgeMultiFactor/MaxAgeSingleFactor to until-revoked; repair the connection.",
    "rememberMfaExpired": "Don't use 'remember multifactor authentication'; use a token lifetime policy "
    "(MaxAgeMultiFactor until-revoked) instead; repair the connection.",
    "signInFrequency": "Periodic interactive repair, or exclude connection owners from the sign-in frequency policy.",
    "passwordChanged": "Re-authenticate every affected connection after the password change.",
    "userDisabled": "Another user re-authorizes (takes over) the connection, or replace it.",
    "sessionsRevoked": "Re-authenticate every affected connection.",
    "embeddedMismatch": "Target Office 365 or All cloud apps, or include Microsoft Flow Service "
    "(7df0a125-d3be-4c96-aa54-591f83ff541c) with the host apps; users sign out and back in.",
    "policyInfoNotPassed": "Create similar flows yourself and share them manually, or disable the Conditional Access "
    "policies if this functionality is required.",
}
