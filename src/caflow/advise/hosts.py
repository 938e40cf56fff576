"""The apps that embed Power Automate, and how findings name an app.

Seed 000 "Using Power Automate features embedded in other Microsoft services": Power Automate is
embedded in "SharePoint, Power Apps, Excel, and Teams", which exchange their token for a Flow
Service token (docs/sources.md PA-4.4). Which resource a *connector* calls is not decided here:
advise uses the automation layer's one mapping (``caflow.automation.connectors``; assumption
A-AUTO-1), the same the simulator uses.
"""

from __future__ import annotations

from caflow.model.wellknown import APPS, POWERAPPS, SHAREPOINT, TEAMS

__all__ = ["EMBEDDING_HOSTS", "OFFICE_APP", "app_name"]

OFFICE_APP = "d3590ed6-52b3-4102-aeff-aad2292ab01c"  # Microsoft Office (Excel add-in host)

#: Apps that embed Power Automate and do a token exchange with it.
EMBEDDING_HOSTS: tuple[str, ...] = (SHAREPOINT, TEAMS, OFFICE_APP, POWERAPPS)


def app_name(app_id: str) -> str:
    """Display name of a first-party app (``APPS``), else the id itself."""
    return APPS.get(app_id, app_id)
