"""Connector -> Entra resource app (docs/sources.md PA-1.4; docs/assumptions.md
A-AUTO-1 for the mappings the sources do not state).

Three kinds of connector: *Entra* ones (mapped to the resource app whose token the connection
stores: Conditional Access decides them), *non-Entra* ones caflow knows do not use an Entra user
token (CA cannot break them), and *unmapped* ones (custom connectors, connectors caflow does not
list): whether CA applies is unknown, so their connections are undetermined, never "never
breaks" (docs/assumptions.md A-AUTO-6).
"""

from __future__ import annotations

from caflow.errors import did_you_mean
from caflow.model.connectors import (
    CONNECTOR_RESOURCE,
    DATAVERSE_CONNECTORS,
    KNOWN_CONNECTORS,
    NON_ENTRA_CONNECTORS,
    ConnectorKind,
    connector_kind,
    unmapped_connectors,
    unmapped_reason,
)
from caflow.model.wellknown import APPS

__all__ = [
    "CONNECTOR_RESOURCE",
    "DATAVERSE_CONNECTORS",
    "KNOWN_CONNECTORS",
    "NON_ENTRA_CONNECTORS",
    "ConnectorKind",
    "connector_kind",
    "is_entra",
    "resource_for",
    "service_name",
    "suggest_connector",
    "unmapped_connectors",
    "unmapped_reason",
]


def suggest_connector(connector: str) -> str | None:
    """The closest known connector name (did-you-mean), if any is close."""
    return did_you_mean(connector, sorted(KNOWN_CONNECTORS))


def resource_for(connector: str) -> str | None:
    """Resource app id, or None for a non-Entra or unmapped connector (see
    :func:`connector_kind`: only the non-Entra ones are known never to break)."""
    return CONNECTOR_RESOURCE.get(connector.lower())


def is_entra(connector: str) -> bool:
    return resource_for(connector) is not None


def service_name(connector: str) -> str:
    app = resource_for(connector)
    return APPS.get(app, connector) if app else connector
