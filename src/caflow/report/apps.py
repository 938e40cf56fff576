"""``caflow apps``: the well-known application names and ids ``--app`` (and scenarios) accept."""

from __future__ import annotations

import json
from typing import Any

from caflow.model.wellknown import ADMIN_PORTAL_APP_IDS, APP_ALIASES, APPS, OFFICE365_APP_IDS

__all__ = ["app_rows", "render_json", "render_table"]


def app_rows(match: str | None = None) -> list[dict[str, Any]]:
    """One row per known app, by name; ``match`` keeps rows whose name, alias or id contains it."""
    rows = []
    for app_id, name in APPS.items():
        aliases = sorted(a for a, target in APP_ALIASES.items() if target == app_id)
        groups = [
            g
            for g, members in (
                ("Office365", OFFICE365_APP_IDS),
                ("MicrosoftAdminPortals", ADMIN_PORTAL_APP_IDS),
            )
            if app_id in members
        ]
        row = {"displayName": name, "appId": app_id, "aliases": aliases, "groups": groups}
        if match and not any(match.lower() in v.lower() for v in (name, app_id, *aliases)):
            continue
        rows.append(row)
    return sorted(rows, key=lambda r: r["displayName"].lower())


def render_json(rows: list[dict[str, Any]]) -> str:
    return json.dumps({"schemaVersion": 1, "apps": rows}, indent=2) + "\n"


def render_table(rows: list[dict[str, Any]]) -> Any:
    """A rich table (printed by the caller, at the terminal's width)."""
    from rich.table import Table

    table = Table(
        caption="Policies may also target the groups All, Office365 and MicrosoftAdminPortals.",
        caption_justify="left",
    )
    table.add_column("name", overflow="fold")
    table.add_column("appId", no_wrap=True)
    table.add_column("also accepted as", overflow="fold")
    table.add_column("in group", overflow="fold")
    for r in rows:
        table.add_row(r["displayName"], r["appId"], ", ".join(r["aliases"]), ", ".join(r["groups"]))
    return table
