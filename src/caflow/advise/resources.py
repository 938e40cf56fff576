"""Which Entra resource each Power Automate surface talks to.

The seed names the apps that embed Power Automate ("SharePoint, Power Apps, Excel, and Teams")
and the services its connectors call (SharePoint, Exchange, Teams, Excel);
reference/power-automate.md §1.4 lists which connectors Conditional Access can break.
"""

from __future__ import annotations

from types import MappingProxyType

from caflow.model.wellknown import (
    APPS,
    DATAVERSE,
    EXCHANGE,
    FLOW_SERVICE,
    POWERAPPS,
    SHAREPOINT,
    TEAMS,
)

__all__ = [
    "CONNECTOR_RESOURCES",
    "EMBEDDING_HOSTS",
    "FLOW_SERVICE",
    "OFFICE_APP",
    "app_name",
    "resource_for",
]

OFFICE_APP = "d3590ed6-52b3-4102-aeff-aad2292ab01c"  # Microsoft Office (Excel add-in host)

#: Apps that embed Power Automate and do a token exchange with it (seed, "Using Power Automate
#: features embedded in other Microsoft services"; power-automate.md §4.4).
EMBEDDING_HOSTS: tuple[str, ...] = (SHAREPOINT, TEAMS, OFFICE_APP, POWERAPPS)

#: Connector short name -> resource app id whose CA policies a background refresh meets.
CONNECTOR_RESOURCES: MappingProxyType[str, str] = MappingProxyType(
    {
        "sharepointonline": SHAREPOINT,
        "onedriveforbusiness": SHAREPOINT,
        "excelonlinebusiness": SHAREPOINT,
        "office365": EXCHANGE,
        "office365users": EXCHANGE,
        "office365groups": EXCHANGE,
        "outlook": EXCHANGE,
        "teams": TEAMS,
        "planner": EXCHANGE,
        "approvals": FLOW_SERVICE,
        "flowmanagement": FLOW_SERVICE,
        "powerappsforappmakers": POWERAPPS,
        "commondataservice": DATAVERSE,
        "commondataserviceforapps": DATAVERSE,
    }
)


def resource_for(connector: str) -> str | None:
    """Resource app id for a connector; None for non-Entra connectors (rss, http ...)."""
    return CONNECTOR_RESOURCES.get(connector.lower())


def app_name(app_id: str) -> str:
    return APPS.get(app_id, app_id)
