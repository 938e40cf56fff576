"""The connector catalogue: which Entra resource app each connector's token is for, and which
connectors use no Entra user token at all (docs/sources.md PA-1.4; docs/assumptions.md
A-AUTO-1, A-AUTO-6). Lives in the model so loaders can name unmapped connectors;
``caflow.automation.connectors`` is the API the layers above use.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from types import MappingProxyType

from caflow.model.wellknown import (
    DATAVERSE,
    EXCHANGE,
    FLOW_SERVICE,
    POWERAPPS,
    SHAREPOINT,
    TEAMS,
)

__all__ = [
    "CONNECTOR_RESOURCE",
    "DATAVERSE_CONNECTORS",
    "KNOWN_CONNECTORS",
    "NON_ENTRA_CONNECTORS",
    "ConnectorKind",
    "connector_kind",
    "unmapped_connectors",
    "unmapped_reason",
]

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
        # A-AUTO-1 (unverified, docs/sources.md PA-9): Approvals is a Power Automate service and
        # Flow Management calls the Flow API -> Microsoft Flow Service; the Power Apps / Power
        # Platform admin connectors call the PowerApps Service.
        "approvals": FLOW_SERVICE,
        "flowmanagement": FLOW_SERVICE,
        "powerappsforadmins": POWERAPPS,
        "powerplatformforadmins": POWERAPPS,
    }
)

#: Dataverse connectors: the current-environment exception (docs/sources.md PA-1.5).
DATAVERSE_CONNECTORS = frozenset({"commondataservice", "commondataserviceforapps"})


#: Connectors that authenticate with something other than an Entra user token (their own
#: OAuth/basic credentials, or none): Conditional Access of this tenant never evaluates them.
NON_ENTRA_CONNECTORS = frozenset(
    {
        "rss",
        "http",  # the HTTP action with no Entra authentication
        "logicflows",  # "Run a Child Flow": no connection token of its own
        "ftp",
        "sftp",
        "sftpwithssh",
        "smtp",
        "twitter",
        "dropbox",
        "box",
        "gmail",
        "googledrive",
        "googlecalendar",
        "googlesheet",
        "slack",
        "salesforce",
        "github",
        "trello",
        "asana",
        "mailchimp",
    }
)

#: Every connector name a scenario may use (an unknown one is a typo: exit 2).
KNOWN_CONNECTORS = frozenset(CONNECTOR_RESOURCE) | NON_ENTRA_CONNECTORS


class ConnectorKind(StrEnum):
    ENTRA = "entra"
    NON_ENTRA = "nonEntra"
    UNMAPPED = "unmapped"


def connector_kind(connector: str) -> ConnectorKind:
    key = connector.lower()
    if key in CONNECTOR_RESOURCE:
        return ConnectorKind.ENTRA
    if key in NON_ENTRA_CONNECTORS:
        return ConnectorKind.NON_ENTRA
    return ConnectorKind.UNMAPPED


def unmapped_reason(connector: str) -> str:
    """Why a connection of an unmapped connector is undetermined (one sentence)."""
    return (
        f"connector '{connector}' is not mapped to an Entra resource app (a custom connector or "
        "one caflow does not list): whether Conditional Access applies to it is unknown"
    )


def unmapped_connectors(connections: Iterable[tuple[str, str]]) -> dict[str, tuple[str, ...]]:
    """(connection name, connector) pairs -> {unmapped connector: its connection names}, sorted."""
    out: dict[str, list[str]] = {}
    for name, connector in connections:
        if connector_kind(connector) is ConnectorKind.UNMAPPED:
            out.setdefault(connector.lower(), []).append(name)
    return {k: tuple(sorted(v)) for k, v in sorted(out.items())}
