"""Well-known Microsoft ids: first-party apps, app groups, directory role templates, strengths.

Source: docs/sources.md CA-5.3 (built-in authentication strengths), CA-6.1 (role
template ids), CA-6.2 (application ids), CA-6.3 (Office365 bundle membership, names only).
"""

from __future__ import annotations

from types import MappingProxyType

__all__ = [
    "ADMIN_PORTAL_APP_IDS",
    "APPS",
    "APP_ALIASES",
    "BUILTIN_STRENGTHS",
    "FLOW_SERVICE",
    "OFFICE365_APP_IDS",
    "ROLES",
    "app_id_for",
    "role_id_for",
    "role_name",
]

FLOW_SERVICE = "7df0a125-d3be-4c96-aa54-591f83ff541c"
SHAREPOINT = "00000003-0000-0ff1-ce00-000000000000"
EXCHANGE = "00000002-0000-0ff1-ce00-000000000000"
POWERAPPS = "475226c6-020e-4fb2-8a90-7a972cbfc1d4"
TEAMS = "cc15fd57-2c6c-4117-a88c-83b1d56b4bbe"
DATAVERSE = "00000007-0000-0000-c000-000000000000"

#: appId -> display name (CA-6.2).
APPS: MappingProxyType[str, str] = MappingProxyType(
    {
        EXCHANGE: "Office 365 Exchange Online",
        SHAREPOINT: "Office 365 SharePoint Online",
        "1fec8e78-bce4-4aaf-ab1b-5451cc387264": "Microsoft Teams",
        TEAMS: "Microsoft Teams Services",
        "5e3ce6c0-2b1f-4285-8d4b-75ee78787346": "Microsoft Teams Web Client",
        "d3590ed6-52b3-4102-aeff-aad2292ab01c": "Microsoft Office",
        "00000006-0000-0ff1-ce00-000000000000": "Microsoft Office 365 Portal",
        "4765445b-32c6-49b0-83e6-1d93765276ca": "OfficeHome",
        "4b233688-031c-404b-9a80-a4f3f2351f90": "Office.com",
        "00000004-0000-0ff1-ce00-000000000000": "Skype for Business Online",
        "00000005-0000-0ff1-ce00-000000000000": "Viva Engage",
        "ab9b8c07-8f02-4f72-87fa-80105867a763": "OneDrive SyncEngine",
        "c9a559d2-7aab-4f13-a6ed-e7e9c52aec87": "Microsoft Forms",
        "cf53fce8-def6-4aeb-8d30-b158e7b1cf83": "Microsoft Stream Portal",
        "00000003-0000-0000-c000-000000000000": "Microsoft Graph",
        "00000002-0000-0000-c000-000000000000": "Windows Azure Active Directory",
        "797f4846-ba00-4fd7-ba43-dac1f8f63013": "Windows Azure Service Management API",
        "c44b4083-3bb0-49c1-b47d-974e53cbdf3c": "Azure Portal",
        "497effe9-df71-4043-a8bb-14cf78c4b63b": "Exchange Admin Center",
        DATAVERSE: "Dataverse",
        POWERAPPS: "PowerApps Service",
        FLOW_SERVICE: "Microsoft Flow Service",
        "00000009-0000-0000-c000-000000000000": "Power BI Service",
        "00b41c95-dab0-4487-9791-b9d2c32c80f2": "Office 365 Management",
        "c5393580-f805-4401-95e8-94b7a6ef2fc2": "Office 365 Management APIs",
        "04b07795-8ddb-461a-bbee-02f9e1bf7b46": "Microsoft Azure CLI",
        "1950a258-227b-4e31-a9cf-717495945fc2": "Microsoft Azure PowerShell",
        "d4ebce55-015a-49b5-a083-c84d1797ae8c": "Microsoft Intune Enrollment",
    }
)

#: Apps of the ``Office365`` group (CA-6.2 "in Office365 bundle? yes"). Microsoft Flow Service is
#: added by assumption (docs/assumptions.md A-APP-1): the group lists "Microsoft Flow
#: Portal" and "PowerApps Service" by name and the seed recommends targeting Office 365 precisely
#: so that Power Automate and its hosts get the same requirements.
OFFICE365_APP_IDS: frozenset[str] = frozenset(
    {
        EXCHANGE,
        SHAREPOINT,
        "1fec8e78-bce4-4aaf-ab1b-5451cc387264",
        TEAMS,
        "5e3ce6c0-2b1f-4285-8d4b-75ee78787346",
        "d3590ed6-52b3-4102-aeff-aad2292ab01c",
        "00000006-0000-0ff1-ce00-000000000000",
        "4765445b-32c6-49b0-83e6-1d93765276ca",
        "4b233688-031c-404b-9a80-a4f3f2351f90",
        "00000004-0000-0ff1-ce00-000000000000",
        "00000005-0000-0ff1-ce00-000000000000",
        "ab9b8c07-8f02-4f72-87fa-80105867a763",
        "c9a559d2-7aab-4f13-a6ed-e7e9c52aec87",
        "cf53fce8-def6-4aeb-8d30-b158e7b1cf83",
        POWERAPPS,
        FLOW_SERVICE,
    }
)

#: ``MicrosoftAdminPortals`` members whose ids are documented (CA-2.4, CA-6.2).
ADMIN_PORTAL_APP_IDS: frozenset[str] = frozenset(
    {"c44b4083-3bb0-49c1-b47d-974e53cbdf3c", "497effe9-df71-4043-a8bb-14cf78c4b63b"}
)

#: Directory role display name -> role template id (CA-6.1).
ROLES: MappingProxyType[str, str] = MappingProxyType(
    {
        "Global Administrator": "62e90394-69f5-4237-9190-012177145e10",
        "Application Administrator": "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3",
        "Authentication Administrator": "c4e39bd9-1100-46d3-8c65-fb160da0071f",
        "Billing Administrator": "b0f54661-2d74-4c50-afa3-1ec803f12efe",
        "Cloud Application Administrator": "158c047a-c907-4556-b7ef-446551a6b5f7",
        "Conditional Access Administrator": "b1be1c3e-b65d-4f19-8427-f6fa0d97feb9",
        "Exchange Administrator": "29232cdf-9323-42fd-ade2-1d097af3e4de",
        "Helpdesk Administrator": "729827e3-9c14-49f7-bb1b-9608f156bbb8",
        "Password Administrator": "966707d0-3269-4727-9be2-8c3a10f19b9d",
        "Privileged Authentication Administrator": "7be44c8a-adaf-4e2a-84d6-ab2649e08a13",
        "Privileged Role Administrator": "e8611ab8-c189-46e8-94e1-60213ab1f814",
        "Security Administrator": "194ae4cb-b126-40b2-bd5b-6091b380977d",
        "SharePoint Administrator": "f28a1f50-f6e7-4571-818b-6a12f2af6b6c",
        "User Administrator": "fe930be7-5e62-47db-91af-98c3a49a38b1",
        "Teams Administrator": "69091246-20e8-4a56-aa4d-066075b2a7a8",
        "Power Platform Administrator": "11648597-926c-4cf3-9c36-bcebb0ba8dcc",
        "Dynamics 365 Administrator": "44367163-eba1-44c3-98af-f5787879f96a",
        "Directory Synchronization Accounts": "d29b2b05-8046-44ba-8758-1e26182fcf32",
    }
)
_ROLE_BY_ID = {v: k for k, v in ROLES.items()}
_ROLE_BY_LOWER = {k.lower(): v for k, v in ROLES.items()}
_APP_BY_LOWER = {v.lower(): k for k, v in APPS.items()}
_APP_ALIASES = {
    "power automate": FLOW_SERVICE,
    "flow": FLOW_SERVICE,
    "sharepoint": SHAREPOINT,
    "sharepoint online": SHAREPOINT,
    "exchange": EXCHANGE,
    "exchange online": EXCHANGE,
    "outlook": EXCHANGE,
    "teams": TEAMS,
    "power apps": POWERAPPS,
    "powerapps": POWERAPPS,
}
#: Short names ``--app`` also accepts (lower-case alias -> appId).
APP_ALIASES: MappingProxyType[str, str] = MappingProxyType(_APP_ALIASES)

#: Built-in authentication strengths (CA-5.3): id -> (display name, allowed combinations).
BUILTIN_STRENGTHS: MappingProxyType[str, tuple[str, tuple[frozenset[str], ...]]] = MappingProxyType(
    {
        "00000000-0000-0000-0000-000000000002": (
            "Multifactor authentication",
            tuple(
                frozenset(c.split(","))
                for c in (
                    "windowsHelloForBusiness",
                    "fido2",
                    "x509CertificateMultiFactor",
                    "deviceBasedPush",
                    "temporaryAccessPassOneTime",
                    "temporaryAccessPassMultiUse",
                    "password,microsoftAuthenticatorPush",
                    "password,softwareOath",
                    "password,hardwareOath",
                    "password,x509CertificateSingleFactor",
                    "password,x509CertificateMultiFactor",
                    "password,sms",
                    "password,voice",
                    "federatedMultiFactor",
                    "microsoftAuthenticatorPush,federatedSingleFactor",
                    "softwareOath,federatedSingleFactor",
                    "hardwareOath,federatedSingleFactor",
                    "sms,federatedSingleFactor",
                    "voice,federatedSingleFactor",
                )
            ),
        ),
        "00000000-0000-0000-0000-000000000003": (
            "Passwordless MFA",
            tuple(
                frozenset([c])
                for c in (
                    "windowsHelloForBusiness",
                    "fido2",
                    "x509CertificateMultiFactor",
                    "deviceBasedPush",
                )
            ),
        ),
        "00000000-0000-0000-0000-000000000004": (
            "Phishing-resistant MFA",
            tuple(
                frozenset([c])
                for c in ("windowsHelloForBusiness", "fido2", "x509CertificateMultiFactor")
            ),
        ),
    }
)


def role_id_for(name_or_id: str) -> str | None:
    """Role display name (case-insensitive) or template id -> template id; None if unknown name."""
    if name_or_id in _ROLE_BY_ID:
        return name_or_id
    return _ROLE_BY_LOWER.get(name_or_id.strip().lower())


def role_name(template_id: str) -> str:
    return _ROLE_BY_ID.get(template_id, template_id)


def app_id_for(name_or_id: str) -> str | None:
    """A well-known app display name or alias (case-insensitive) -> appId; None if not known."""
    key = name_or_id.strip().lower()
    if key in _APP_BY_LOWER:
        return _APP_BY_LOWER[key]
    if key in _APP_ALIASES:
        return _APP_ALIASES[key]
    if name_or_id in APPS:
        return name_or_id
    return None
