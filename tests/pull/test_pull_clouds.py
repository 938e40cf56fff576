"""``caflow pull --cloud`` (review of issue 9): national clouds sign in at their own authority
and read their own Graph and Power Platform hosts (recorded responses served on those hosts);
Power Platform where caflow does not know the endpoints is an unreadable part, said so."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any, ClassVar

import httpx
import msal
import pytest
import respx
from tests.graph_contoso import contoso_graph
from tests.pull.recorded import RecordedTenant
from typer.testing import CliRunner

from caflow.cli.main import app
from caflow.io.bundle import load_bundle
from caflow.pull.auth import GRAPH, AuthMethod, token_source
from caflow.pull.clouds import CLOUDS
from caflow.pull.names import CloudName

runner = CliRunner()
ENV = {
    "CAFLOW_ACCESS_TOKEN": "graph-token",
    "CAFLOW_POWERAPPS_TOKEN": "pa-token",
    "CAFLOW_FLOW_TOKEN": "flow-token",
}
HIGH_PP = ("high.api.bap.microsoft.us", "high.api.powerapps.us", "high.api.flow.microsoft.us")


def _serve(router: respx.Router, graph: str, pp: tuple[str, str, str]) -> RecordedTenant:
    rec = RecordedTenant(dataclasses.replace(contoso_graph()))
    rec.mount(router, graph=graph, power_platform=pp)
    return rec


def test_gcc_high_reads_its_own_hosts(tmp_path: Path) -> None:
    with respx.mock(assert_all_called=False) as router:
        rec = _serve(router, "graph.microsoft.us", HIGH_PP)
        out = tmp_path / "bundle"
        res = runner.invoke(app, ["pull", "--out", str(out), "--cloud", "usgovhigh"], env=ENV)
    assert res.exit_code == 0, res.output
    hosts = {r.url.host for r in rec.seen}
    assert hosts == {"graph.microsoft.us", *HIGH_PP}  # nothing sent to a global host
    doc = json.loads((out / "pull.json").read_text())
    assert doc["cloud"] == {
        "name": "usgovhigh",
        "authority": "https://login.microsoftonline.us",
        "graph": "https://graph.microsoft.us",
    }
    endpoints = " ".join(p["endpoint"] for p in doc["parts"])
    assert "graph.microsoft.us/beta/identity/conditionalAccess/policies" in endpoints
    assert "high.api.flow.microsoft.us" in endpoints and "microsoft.com" not in endpoints
    tenant = load_bundle(out)
    assert len(tenant.policies) == 14 and tenant.flows and tenant.connections


DOD_PP = ("api.bap.appsplatform.us", "api.apps.appsplatform.us", "api.flow.appsplatform.us")


def test_dod_reads_its_own_hosts(tmp_path: Path) -> None:
    """DoD (review of issue 9): Learn names its Flow audience (service.flow.appsplatform.us)
    and its BAP host, the same evidence as GCC High, so its Power Platform is read too."""
    with respx.mock(assert_all_called=False) as router:
        rec = _serve(router, "dod-graph.microsoft.us", DOD_PP)
        out = tmp_path / "bundle"
        res = runner.invoke(app, ["pull", "--out", str(out), "--cloud", "dod"], env=ENV)
    assert res.exit_code == 0, res.output
    assert {r.url.host for r in rec.seen} == {"dod-graph.microsoft.us", *DOD_PP}
    doc = json.loads((out / "pull.json").read_text())
    assert doc["cloud"]["authority"] == "https://login.microsoftonline.us"
    assert "api.flow.appsplatform.us" in " ".join(p["endpoint"] for p in doc["parts"])
    tenant = load_bundle(out)
    assert tenant.flows and tenant.connections


def test_china_reads_graph_and_says_power_platform_is_not_read(tmp_path: Path) -> None:
    with respx.mock(assert_all_called=False) as router:
        rec = _serve(router, "microsoftgraph.chinacloudapi.cn", HIGH_PP)
        out = tmp_path / "bundle"
        res = runner.invoke(app, ["pull", "--out", str(out), "--cloud", "china"], env=ENV)
    assert res.exit_code == 1, res.output  # an optional part unreadable
    assert {r.url.host for r in rec.seen} == {"microsoftgraph.chinacloudapi.cn"}
    doc = json.loads((out / "pull.json").read_text())
    assert doc["cloud"]["authority"] == "https://login.partner.microsoftonline.cn"
    [bad] = doc["unreadable"]
    assert bad["name"] == "powerplatform" and "china cloud" in bad["reason"]
    assert "Learn gives none of its admin API hosts" in bad["reason"]
    assert "powerplatform not read" in " ".join(res.output.split())
    # --skip powerplatform: a complete pull of what caflow reads there.
    with respx.mock(assert_all_called=False) as router:
        _serve(router, "microsoftgraph.chinacloudapi.cn", HIGH_PP)
        res = runner.invoke(
            app,
            ["pull", "--out", str(tmp_path / "b2"), "--cloud", "china", "--skip", "powerplatform"],
            env=ENV,
        )
    assert res.exit_code == 0, res.output


def test_each_hosts_audience_is_the_one_learn_documents() -> None:
    """The Flow service audience per cloud, as Power Automate's "Audience values" table lists
    it (trailing "/" aside), and Power Platform read exactly where caflow knows the hosts."""
    from caflow.pull.clouds import FLOW

    learn = {
        CloudName.global_: "https://service.flow.microsoft.com",
        CloudName.usgov: "https://gov.service.flow.microsoft.us",
        CloudName.usgovhigh: "https://high.service.flow.microsoft.us",
        CloudName.dod: "https://service.flow.appsplatform.us",
    }
    for name, audience in learn.items():
        assert CLOUDS[name].audience(FLOW) == audience, name
    assert not CLOUDS[CloudName.china].reads("https://api.flow.microsoft.com/providers/x")
    # Entra authentication endpoints (Microsoft Entra "National clouds")
    assert CLOUDS[CloudName.china].login == "https://login.partner.microsoftonline.cn"
    assert CLOUDS[CloudName.usgov].login == "https://login.microsoftonline.com"  # GCC


def test_cloud_typo_is_exit_2_with_did_you_mean(tmp_path: Path) -> None:
    res = runner.invoke(app, ["pull", "--out", str(tmp_path / "b"), "--cloud", "usgovhi"], env=ENV)
    assert res.exit_code == 2 and "usgovhigh" in res.output


def test_missing_environment_token_names_the_clouds_audience() -> None:
    from caflow.pull.errors import PullError

    tokens = token_source(AuthMethod.environment, env={}, cloud=CLOUDS[CloudName.china])
    with pytest.raises(PullError) as info:
        tokens(GRAPH)
    assert "--resource https://microsoftgraph.chinacloudapi.cn" in str(info.value)


class _Public:
    """msal's PublicClientApplication, recording the authority and the scopes asked for."""

    made: ClassVar[list[dict[str, Any]]] = []

    def __init__(self, client_id: str, authority: str, http_client: Any) -> None:
        self.asked: list[list[str]] = []
        _Public.made.append({"authority": authority, "asked": self.asked})

    def get_accounts(self) -> list[dict[str, str]]:
        return [{"username": "admin"}] if self.asked else []

    def acquire_token_silent(self, scopes: list[str], account: Any, **kw: Any) -> dict[str, Any]:
        self.asked.append(scopes)
        return {"access_token": "silent"}

    def initiate_device_flow(self, scopes: list[str]) -> dict[str, Any]:
        self.asked.append(scopes)
        return {"user_code": "C", "message": "open https://microsoft.com/devicelogin"}

    def acquire_token_by_device_flow(self, flow: dict[str, Any]) -> dict[str, Any]:
        return {"access_token": "device"}


def test_device_code_in_gcc_high_signs_in_there_with_its_graph_scopes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(msal, "PublicClientApplication", _Public)
    _Public.made = []
    with respx.mock(assert_all_called=False) as router:
        _serve(router, "graph.microsoft.us", HIGH_PP)
        res = runner.invoke(
            app,
            ["pull", "--out", str(tmp_path / "b"), "--cloud", "usgovhigh", "--auth", "device-code"],
            env={},
        )
    assert res.exit_code == 0, res.output
    [made] = _Public.made
    assert made["authority"] == "https://login.microsoftonline.us/organizations"
    first = made["asked"][0]
    assert "https://graph.microsoft.us/Policy.Read.All" in first
    assert all(s.startswith("https://graph.microsoft.us/") for s in first)
    assert ["https://high.service.flow.microsoft.us/.default"] in made["asked"]


def test_every_cloud_routes_graph_and_keeps_other_text() -> None:
    for name, cloud in CLOUDS.items():
        url = cloud.route(f"{GRAPH}/v1.0/users?$select=id")
        assert url.startswith(cloud.graph + "/v1.0/users"), name
        assert cloud.authority("t") == f"{cloud.login}/t"
    assert httpx.URL(CLOUDS[CloudName.usgov].graph).host == "graph.microsoft.com"  # GCC


@pytest.mark.parametrize(
    ("cloud", "login", "scope"),
    [
        (CloudName.usgovhigh, "login.microsoftonline.us", "https://graph.microsoft.us/.default"),
        (
            CloudName.china,
            "login.partner.microsoftonline.cn",
            "https://microsoftgraph.chinacloudapi.cn/.default",
        ),
    ],
)
def test_client_credentials_with_real_msal_sign_in_at_the_clouds_authority(
    cloud: CloudName, login: str, scope: str
) -> None:
    """msal itself (not a stand-in) against the cloud's recorded token endpoint: discovery and
    the client-credentials grant go to the cloud's authority, for the cloud's Graph audience."""
    from urllib.parse import parse_qs

    base = f"https://{login}/contoso.example"
    grants: list[dict[str, list[str]]] = []

    def token(request: httpx.Request) -> httpx.Response:
        grants.append(parse_qs(request.content.decode()))
        return httpx.Response(
            200,
            json={"token_type": "Bearer", "expires_in": 3599, "access_token": "cloud-token"},
        )

    with respx.mock(assert_all_called=False) as router:
        router.get(f"{base}/v2.0/.well-known/openid-configuration").mock(
            return_value=httpx.Response(
                200,
                json={
                    "token_endpoint": f"{base}/oauth2/v2.0/token",
                    "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                    "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
                    "issuer": f"{base}/v2.0",
                },
            )
        )
        router.post(f"{base}/oauth2/v2.0/token").mock(side_effect=token)
        tokens = token_source(
            AuthMethod.client_secret,
            tenant="contoso.example",
            client_id="00000000-0000-0000-0000-0000000000c1",
            env={"CAFLOW_CLIENT_SECRET": "s3cret"},
            cloud=CLOUDS[cloud],
        )
        assert tokens(GRAPH) == "cloud-token"
        hosts = {r.request.url.host for r in router.calls}
    assert hosts == {login}
    [grant] = grants
    assert grant["grant_type"] == ["client_credentials"] and grant["scope"] == [scope]
