"""`caflow apps`: every name and id `--app` accepts is listed, and every listed name resolves."""

from __future__ import annotations

import json

import pytest
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


@pytest.mark.parametrize("fmt", [[], ["--format", "json"]])
def test_a_filter_matching_nothing_is_bad_input_with_a_did_you_mean(fmt: list[str]) -> None:
    """Review of issue 9 (L6): ``caflow apps nosuchapp`` printed an empty table, exit 0. A
    filter naming nothing is exit 2 on every verb (advise --select, matrix --user, schema
    NAME), so here too, with the closest name or alias."""
    res = runner.invoke(app, ["apps", "sharepont", *fmt])
    assert res.exit_code == 2, res.output
    assert res.stdout == ""
    assert "no application matches 'sharepont'" in res.stderr
    assert "did you mean 'sharepoint'?" in res.stderr
    res = runner.invoke(app, ["apps", "nosuchapp", *fmt])
    assert res.exit_code == 2 and "no application matches 'nosuchapp'" in res.stderr
    assert "caflow apps" in res.stderr  # where to look: the list without a filter
