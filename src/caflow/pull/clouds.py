"""The Microsoft cloud instances ``caflow pull --cloud`` reads: each one's Entra sign-in
authority, Microsoft Graph root and Power Platform admin API roots.

The pull's endpoints are written once, for the global cloud (:mod:`caflow.pull.tenant`,
:mod:`caflow.pull.auth`); :meth:`Cloud.route` moves a URL to the chosen cloud and
:meth:`Cloud.audience` a token audience, in the HTTP layer and the token source, so one list of
endpoints serves every cloud. Every host below names its source (checked 2026-12; the same
table, cloud by cloud, is in docs/export.md "National clouds"):

* [ENTRA] Microsoft Entra "National clouds", Microsoft Entra authentication endpoints
  (https://learn.microsoft.com/entra/identity-platform/authentication-national-cloud).
* [GRAPH] Microsoft Graph "National cloud deployments"
  (https://learn.microsoft.com/graph/deployments): the Graph roots, and "If you're working in a
  Microsoft 365 GCC environment, continue using the worldwide endpoints". A scope naming Graph
  must name the cloud's Graph root ("Access national cloud deployments with the Microsoft
  Graph SDKs", https://learn.microsoft.com/graph/sdks/national-clouds).
* [FLOW-AUD] Power Automate "Add OAuth authentication for HTTP request triggers", Audience
  values (https://learn.microsoft.com/power-automate/oauth-authentication#audience-values):
  the Flow service audience of every cloud.
* [SPMT] SharePoint Migration Tool "Step 1: Configure endpoints"
  (https://learn.microsoft.com/sharepointmigration/spmt-workflow-step1): the Business
  Application Platform (BAP) hosts and the Power Apps service hosts of the commercial, GCC,
  GCC High and DoD clouds, listed as required endpoints (not labelled as token audiences).
* [MODULE] not on Microsoft Learn: the endpoint and audience tables of the
  ``Microsoft.PowerApps.Administration.PowerShell`` module (``Add-PowerAppsAccount -Endpoint
  usgov|usgovhigh|dod``, ``Get-AudienceForHostName``), which Learn's "PowerShell support for
  Power Apps and Power Automate" names as the way to reach these clouds. Learn gives no Flow or
  Power Apps admin API host outside the commercial cloud (docs/assumptions.md A-PULL-4).

China (21Vianet): Learn gives its Flow audience ([FLOW-AUD]) but none of its Power Platform
admin hosts, so caflow does not read Power Platform there: the ``powerplatform`` part is
unreadable, saying so (``--skip powerplatform`` to leave it out).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from caflow.pull.names import CloudName

__all__ = ["CLOUDS", "GLOBAL", "Cloud"]

#: The global cloud's roots, as the rest of the pull writes them.
GRAPH = "https://graph.microsoft.com"
POWERAPPS = "https://service.powerapps.com"  # audience of api.bap / api.powerapps
FLOW = "https://service.flow.microsoft.com"  # audience of api.flow
BAP_ROOT = "https://api.bap.microsoft.com"
POWERAPPS_ROOT = "https://api.powerapps.com"
FLOW_ROOT = "https://api.flow.microsoft.com"
_POWER_PLATFORM_ROOTS = (BAP_ROOT, POWERAPPS_ROOT, FLOW_ROOT)


@dataclass(frozen=True)
class Cloud:
    name: str
    login: str  # Entra sign-in root: the authority is {login}/{tenant}
    graph: str  # Microsoft Graph root, also its token audience
    #: global Power Platform root or audience -> this cloud's; empty: Power Platform not read
    power_platform: Mapping[str, str] = field(default_factory=dict)

    def authority(self, tenant: str | None) -> str:
        return f"{self.login}/{tenant or 'organizations'}"

    def audience(self, resource: str) -> str:
        """The token audience, in this cloud, of the API named by its global audience."""
        if resource == GRAPH:
            return self.graph
        return self.power_platform.get(resource, resource)

    def route(self, text: str) -> str:
        """A URL - or a text listing URLs, as pull.json's parts do - moved to this cloud."""
        text = text.replace(GRAPH, self.graph)
        for root, here in self.power_platform.items():
            text = text.replace(root, here)
        return text

    def reads(self, url: str) -> bool:
        """False for a Power Platform URL in a cloud whose Power Platform caflow cannot read."""
        return bool(self.power_platform) or not url.startswith(_POWER_PLATFORM_ROOTS)


def _power_platform(
    *, powerapps: str, flow: str, bap: str, powerapps_api: str, flow_api: str
) -> dict[str, str]:
    """A cloud's Power Platform: the audiences (``powerapps`` for BAP and the Power Apps admin
    API, ``flow`` for the Flow admin API) and the three admin API roots."""
    return {
        POWERAPPS: powerapps,
        FLOW: flow,
        BAP_ROOT: bap,
        POWERAPPS_ROOT: powerapps_api,
        FLOW_ROOT: flow_api,
    }


GLOBAL = Cloud(
    "global",
    "https://login.microsoftonline.com",  # [ENTRA]
    GRAPH,  # [GRAPH]
    {k: k for k in (POWERAPPS, FLOW, *_POWER_PLATFORM_ROOTS)},
)

CLOUDS: dict[CloudName, Cloud] = {
    CloudName.global_: GLOBAL,
    # GCC (moderate): the worldwide Entra ID and Graph, US Government Power Platform.
    CloudName.usgov: Cloud(
        "usgov",
        "https://login.microsoftonline.com",  # [GRAPH] GCC note; [ENTRA] global service
        GRAPH,  # [GRAPH] GCC note
        _power_platform(
            powerapps="https://gov.service.powerapps.us",  # host: [SPMT]; as audience: [MODULE]
            flow="https://gov.service.flow.microsoft.us",  # [FLOW-AUD]
            bap="https://gov.api.bap.microsoft.us",  # [SPMT]
            powerapps_api="https://gov.api.powerapps.us",  # [MODULE]
            flow_api="https://gov.api.flow.microsoft.us",  # [MODULE]
        ),
    ),
    CloudName.usgovhigh: Cloud(
        "usgovhigh",
        "https://login.microsoftonline.us",  # [ENTRA] US Government; [GRAPH] GCC High note
        "https://graph.microsoft.us",  # [GRAPH] US Government L4, GCC High note
        _power_platform(
            powerapps="https://high.service.powerapps.us",  # host: [SPMT]; audience: [MODULE]
            flow="https://high.service.flow.microsoft.us",  # [FLOW-AUD]
            bap="https://high.api.bap.microsoft.us",  # [SPMT]
            powerapps_api="https://high.api.powerapps.us",  # [MODULE]
            flow_api="https://high.api.flow.microsoft.us",  # [MODULE]
        ),
    ),
    CloudName.dod: Cloud(
        "dod",
        "https://login.microsoftonline.us",  # [ENTRA] US Government; [GRAPH] DoD note
        "https://dod-graph.microsoft.us",  # [GRAPH] US Government L5 (DOD)
        _power_platform(
            powerapps="https://service.apps.appsplatform.us",  # host: [SPMT]; audience: [MODULE]
            flow="https://service.flow.appsplatform.us",  # [FLOW-AUD]
            bap="https://api.bap.appsplatform.us",  # [SPMT]
            powerapps_api="https://api.apps.appsplatform.us",  # [MODULE]
            flow_api="https://api.flow.appsplatform.us",  # [MODULE]
        ),
    ),
    # China: [ENTRA] names login.partner.microsoftonline.cn; [GRAPH] still lists the older
    # login.chinacloudapi.cn, which msal calls DEPRECATED_AZURE_CHINA. Power Platform: not read.
    CloudName.china: Cloud(
        "china",
        "https://login.partner.microsoftonline.cn",  # [ENTRA]
        "https://microsoftgraph.chinacloudapi.cn",  # [GRAPH]
    ),
}
