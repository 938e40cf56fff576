"""Connector -> Entra resource app (reference power-automate §1.4; docs/assumptions.md
A-AUTO-1 for the mappings the sources do not state)."""

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

__all__ = ["CONNECTOR_RESOURCE", "DATAVERSE_CONNECTORS", "is_entra", "resource_for", "service_name"]

CONNECTOR_RESOURCE: MappingProxyType[str, str] = MappingProxyType(
    {
        "sharepointonline": SHAREPOINT,
        "onedriveforbusiness": SHAREPOINT,  # OneDrive for Business is SharePoint Online
        "excelonlinebusiness": SHAREPOINT,  # workbooks live in SPO/ODB
        "office365": EXCHANGE,
        "outlook": EXCHANGE,
        "office365users": EXCHANGE,
        "office365groups": EXCHANGE,
        "teams": TEAMS,
        "commondataservice": DATAVERSE,
        "commondataserviceforapps": DATAVERSE,
        # A-AUTO-1 (unverified, power-automate §9): Approvals is a Power Automate service and
        # Flow Management calls the Flow API -> Microsoft Flow Service; the Power Apps / Power
        # Platform admin connectors call the PowerApps Service.
        "approvals": FLOW_SERVICE,
        "flowmanagement": FLOW_SERVICE,
        "powerappsforadmins": POWERAPPS,
        "powerplatformforadmins": POWERAPPS,
    }
)

#: Dataverse connectors: the current-environment exception (power-automate §1.5).
DATAVERSE_CONNECTORS = frozenset({"commondataservice", "commondataserviceforapps"})


def resource_for(connector: str) -> str | None:
    """Resource app id, or None for a non-Entra connector (rss, http, ...) CA cannot break."""
    return CONNECTOR_RESOURCE.get(connector.lower())


def is_entra(connector: str) -> bool:
    return resource_for(connector) is not None


def service_name(connector: str) -> str:
    app = resource_for(connector)
    return APPS.get(app, connector) if app else connector
