"""Automation layer: connections, flows, runs and the portal/embedded surfaces."""

from __future__ import annotations

from caflow.automation.connectors import (
    CONNECTOR_RESOURCE,
    DATAVERSE_CONNECTORS,
    is_entra,
    resource_for,
    service_name,
)
from caflow.automation.state import ConnectionState, FlowState, iso
from caflow.automation.surfaces import (
    HOSTS,
    embedded_exchange,
    list_sharing,
    picker,
    sharepoint_flow,
)

__all__ = [
    "CONNECTOR_RESOURCE",
    "DATAVERSE_CONNECTORS",
    "HOSTS",
    "ConnectionState",
    "FlowState",
    "embedded_exchange",
    "is_entra",
    "iso",
    "list_sharing",
    "picker",
    "resource_for",
    "service_name",
    "sharepoint_flow",
]
