"""`caflow apps`: every name and id `--app` accepts is listed, and every listed name resolves."""

from __future__ import annotations

import json

from tests.examples_paths import CONTOSO
from typer.testing import CliRunner

from caflow.cli.main import app
from caflow.model.wellknown import APP_ALIASES, APPS, FLOW_SERVICE, app_id_for

runner = CliRunner()


def listed(*args: str) -> list[dict]:
    res = runner.invoke(app, ["apps", "--format", "json", *args])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)["apps"]


def test_lists_every_well_known_app_and_alias() -> None:
    rows = listed()
    assert {r["appId"] for r in rows} == set(APPS)
    assert {a for r in rows for a in r["aliases"]} == set(APP_ALIASES)


def test_every_listed_name_and_alias_is_accepted_by_app_resolution() -> None:
    for r in listed():
        assert app_id_for(r["displayName"]) == r["appId"]
        assert all(app_id_for(a) == r["appId"] for a in r["aliases"])


def test_filter_and_groups() -> None:
    (flow,) = listed("flow service")
    assert flow["appId"] == FLOW_SERVICE and "Office365" in flow["groups"]
    assert listed("no-such-app") == []


def test_table_names_and_ids() -> None:
    res = runner.invoke(app, ["apps"], env={"COLUMNS": "200"})
    assert res.exit_code == 0
    assert "Microsoft Flow Service" in res.output and FLOW_SERVICE in res.output


def test_unknown_app_suggests_the_closest_name_and_points_to_apps() -> None:
    res = runner.invoke(
        app, ["whatif", str(CONTOSO), "--user", "alice@contoso.com", "--app", "Sharepoint Onlin"]
    )
    assert res.exit_code == 2
    assert "did you mean 'sharepoint online'?" in res.output
    assert "caflow apps" in res.output
