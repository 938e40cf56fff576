"""The Microsoft cloud instances ``caflow pull --cloud`` reads: each one's Entra sign-in
authority, Microsoft Graph root and Power Platform admin API roots.

The pull's endpoints are written once, for the global cloud (:mod:`caflow.pull.tenant`,
:mod:`caflow.pull.auth`); :meth:`Cloud.route` moves a URL to the chosen cloud and
:meth:`Cloud.audience` a token audience, in the HTTP layer and the token source, so one list of
endpoints serves every cloud. Sources (checked 2026-12):

* Entra authority and Graph root: Microsoft Graph "National cloud deployments"
  (https://learn.microsoft.com/graph/deployments): global ``login.microsoftonline.com`` /
  ``graph.microsoft.com``; US Government L4 (GCC High) ``login.microsoftonline.us`` /
  ``graph.microsoft.us``; L5 (DoD) ``login.microsoftonline.us`` / ``dod-graph.microsoft.us``;
  China (21Vianet) ``login.chinacloudapi.cn`` / ``microsoftgraph.chinacloudapi.cn``. GCC
  (moderate) tenants sign in to the global Entra ID and use the global Graph. A scope naming
  Graph must name the cloud's Graph root ("Access national cloud deployments with the Microsoft
  Graph SDKs", https://learn.microsoft.com/graph/sdks/national-clouds).
* Power Platform admin APIs: the endpoint and audience tables of the
  Microsoft.PowerApps.Administration.PowerShell module (``Add-PowerAppsAccount -Endpoint
  usgov|usgovhigh``, ``Get-DefaultAudienceForEndPoint``). For DoD and China that module names no
  Flow service audience, so caflow does not read Power Platform there: the ``powerplatform``
  part is unreadable, saying so (``--skip powerplatform`` to leave it out).
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


def _power_platform(prefix: str) -> dict[str, str]:
    """The US Government roots: ``gov.`` (GCC) or ``high.`` (GCC High) before each host."""
    return {
        POWERAPPS: f"https://{prefix}.service.powerapps.us",
        FLOW: f"https://{prefix}.service.flow.microsoft.us",
        BAP_ROOT: f"https://{prefix}.api.bap.microsoft.us",
        POWERAPPS_ROOT: f"https://{prefix}.api.powerapps.us",
        FLOW_ROOT: f"https://{prefix}.api.flow.microsoft.us",
    }


GLOBAL = Cloud(
    "global",
    "https://login.microsoftonline.com",
    GRAPH,
    {k: k for k in (POWERAPPS, FLOW, *_POWER_PLATFORM_ROOTS)},
)

CLOUDS: dict[CloudName, Cloud] = {
    CloudName.global_: GLOBAL,
    CloudName.usgov: Cloud(
        "usgov", "https://login.microsoftonline.com", GRAPH, _power_platform("gov")
    ),
    CloudName.usgovhigh: Cloud(
        "usgovhigh",
        "https://login.microsoftonline.us",
        "https://graph.microsoft.us",
        _power_platform("high"),
    ),
    CloudName.dod: Cloud(
        "dod", "https://login.microsoftonline.us", "https://dod-graph.microsoft.us"
    ),
    CloudName.china: Cloud(
        "china", "https://login.chinacloudapi.cn", "https://microsoftgraph.chinacloudapi.cn"
    ),
}
