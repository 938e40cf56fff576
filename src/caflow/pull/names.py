"""Names ``caflow pull`` options accept, kept free of httpx/msal so ``caflow --help`` and shell
completion stay fast (:mod:`caflow.pull.tenant` checks them against its parts at import)."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["AuthMethod", "CloudName", "OptionalPart", "SignInType"]


class AuthMethod(StrEnum):
    """How ``caflow pull`` gets its tokens (here, not in :mod:`caflow.pull.auth`, which imports
    hashlib and friends: the CLI needs only the names to register the verb)."""

    environment = "environment"
    device_code = "device-code"
    client_secret = "client-secret"
    certificate = "certificate"


class OptionalPart(StrEnum):
    """Parts ``--skip`` may leave out (policies, named locations and the directory are needed
    for any answer; sign-ins are read only with ``--since``)."""

    organization = "organization"
    authenticationStrengths = "authenticationStrengths"
    authenticationContexts = "authenticationContexts"
    agreements = "agreements"
    agreementAcceptances = "agreementAcceptances"
    crossTenantAccess = "crossTenantAccess"
    devices = "devices"
    servicePrincipals = "servicePrincipals"
    powerplatform = "powerplatform"


class SignInType(StrEnum):
    """Graph ``signIn.signInEventTypes`` values. v1.0 ``/auditLogs/signIns`` returns only
    interactive user sign-ins; the others are read from the beta endpoint filtered on
    ``signInEventTypes/any(t: t eq '...')`` (Microsoft Entra sign-in logs, "Return log data with
    Microsoft Graph"; https://learn.microsoft.com/graph/api/signin-list?view=graph-rest-beta)."""

    interactiveUser = "interactiveUser"
    nonInteractiveUser = "nonInteractiveUser"
    servicePrincipal = "servicePrincipal"
    managedIdentity = "managedIdentity"


class CloudName(StrEnum):
    """``--cloud``: the Microsoft cloud instance the tenant lives in (:mod:`caflow.pull.clouds`
    holds each one's sign-in authority and API roots). The names are those of
    ``Add-PowerAppsAccount -Endpoint`` (``global`` for its ``prod``)."""

    global_ = "global"
    usgov = "usgov"  # GCC: the global Entra ID and Graph, US Government Power Platform
    usgovhigh = "usgovhigh"  # GCC High
    dod = "dod"  # US Government DoD
    china = "china"  # operated by 21Vianet
