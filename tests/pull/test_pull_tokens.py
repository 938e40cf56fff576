"""Token lifetime in ``caflow pull`` (review of issue 9): real msal against recorded Entra token
responses (respx serves ``login.microsoftonline.com`` to msal's httpx client).

Tokens are asked for before every request, so msal's cache answers until a token is close to
expiry and then renews it (a long pull outlives any one token); a 401 is retried once with a
freshly acquired token; a token handed over in the environment cannot be renewed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs

import httpx
import pytest
import respx
from tests.graph_contoso import contoso_graph
from tests.pull.recorded import RecordedTenant, facts, graph_error

from caflow.pull.auth import GRAPH, AuthMethod, token_source
from caflow.pull.errors import PullError
from caflow.pull.http import Api, Endpoint
from caflow.pull.tenant import PullOptions, pull_tenant
from caflow.pull.write import manifest, write_bundle

TENANT = "contoso.onmicrosoft.com"
LOGIN = f"https://login.microsoftonline.com/{TENANT}"
ENDPOINT = Endpoint(GRAPH, "Policy.Read.All")
URL = f"{GRAPH}/v1.0/organization"


@dataclasses.dataclass
class Entra:
    """The token endpoint: client-credentials answers shaped as Entra documents them
    (``token_type``, ``expires_in``, ``ext_expires_in``, ``access_token``)."""

    expires_in: int = 3599
    issued: list[str] = dataclasses.field(default_factory=list)

    def token(self, request: httpx.Request) -> httpx.Response:
        form = parse_qs(request.content.decode())
        assert form["grant_type"] == ["client_credentials"]
        assert form["client_secret"] == ["s3cret"]
        self.issued.append(f"token-{len(self.issued) + 1}")
        return httpx.Response(
            200,
            json={
                "token_type": "Bearer",
                "expires_in": self.expires_in,
                "ext_expires_in": self.expires_in,
                "access_token": self.issued[-1],
            },
        )

    def mount(self, router: respx.Router) -> None:
        router.get(f"{LOGIN}/v2.0/.well-known/openid-configuration").mock(
            return_value=httpx.Response(
                200,
                json={
                    "token_endpoint": f"{LOGIN}/oauth2/v2.0/token",
                    "authorization_endpoint": f"{LOGIN}/oauth2/v2.0/authorize",
                    "device_authorization_endpoint": f"{LOGIN}/oauth2/v2.0/devicecode",
                    "issuer": f"https://login.microsoftonline.com/{TENANT}/v2.0",
                },
            )
        )
        router.get(url__startswith="https://login.microsoftonline.com/common/discovery/").mock(
            return_value=httpx.Response(
                200,
                json={
                    "tenant_discovery_endpoint": f"{LOGIN}/v2.0/.well-known/openid-configuration",
                    "metadata": [
                        {
                            "preferred_network": "login.microsoftonline.com",
                            "preferred_cache": "login.windows.net",
                            "aliases": ["login.microsoftonline.com", "login.windows.net"],
                        }
                    ],
                },
            )
        )
        router.post(f"{LOGIN}/oauth2/v2.0/token").mock(side_effect=self.token)


@pytest.fixture
def router() -> Iterator[respx.Router]:
    with respx.mock(assert_all_called=False) as r:
        yield r


def _tokens(entra: Entra, router: respx.Router):
    entra.mount(router)
    return token_source(
        AuthMethod.client_secret,
        tenant=TENANT,
        client_id="00000000-0000-0000-0000-0000000000c1",
        env={"CAFLOW_CLIENT_SECRET": "s3cret"},
    )


def _graph_seen(router: respx.Router, answers: list[int]) -> list[str]:
    """Serve ``URL`` with the given statuses (then 200s); return the bearer tokens sent."""
    sent: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request.headers["Authorization"].removeprefix("Bearer "))
        status = answers.pop(0) if answers else 200
        if status == 401:
            return httpx.Response(
                401,
                json=graph_error(
                    401,
                    "InvalidAuthenticationToken",
                    "Lifetime validation failed, the token is expired.",
                ),
            )
        return httpx.Response(200, json={"value": [{"id": "t"}]})

    router.get(URL).mock(side_effect=answer)
    return sent


def test_msal_cache_serves_a_valid_token(router: respx.Router) -> None:
    entra = Entra(expires_in=3599)
    api = Api(_tokens(entra, router), sleep=lambda s: None)
    sent = _graph_seen(router, [])
    for _ in range(3):
        api.get(URL, ENDPOINT)
    assert sent == ["token-1"] * 3 and entra.issued == ["token-1"]


def test_a_token_near_expiry_is_renewed_per_request(router: respx.Router) -> None:
    """msal treats a token within 5 minutes of expiry as expired: with 60-second tokens every
    request gets a new one, as a pull longer than a token's lifetime would."""
    entra = Entra(expires_in=60)
    api = Api(_tokens(entra, router), sleep=lambda s: None)
    sent = _graph_seen(router, [])
    for _ in range(3):
        api.get(URL, ENDPOINT)
    assert sent == ["token-1", "token-2", "token-3"]


def test_401_is_retried_once_with_a_fresh_token(router: respx.Router) -> None:
    entra = Entra()
    api = Api(_tokens(entra, router), sleep=lambda s: None)
    sent = _graph_seen(router, [401])
    assert api.get(URL, ENDPOINT) == {"value": [{"id": "t"}]}
    assert sent == ["token-1", "token-2"] and api.renewals == 1


def test_401_after_renewal_is_a_clear_error(router: respx.Router) -> None:
    entra = Entra()
    api = Api(_tokens(entra, router), sleep=lambda s: None)
    sent = _graph_seen(router, [401, 401, 401])
    with pytest.raises(PullError) as info:
        api.get(URL, ENDPOINT)
    assert sent == ["token-1", "token-2"]  # one renewal, no loop
    assert info.value.code == "pull-denied" and info.value.status == 401
    assert "token is expired" in str(info.value)


def test_environment_token_is_not_renewed(router: respx.Router) -> None:
    api = Api(
        token_source(AuthMethod.environment, env={"CAFLOW_ACCESS_TOKEN": "env-token"}),
        sleep=lambda s: None,
    )
    sent = _graph_seen(router, [401])
    with pytest.raises(PullError) as info:
        api.get(URL, ENDPOINT)
    assert sent == ["env-token"] and info.value.status == 401


def test_a_whole_pull_with_short_lived_tokens(tmp_path: Path, router: respx.Router) -> None:
    """The recorded tenant read with client credentials whose tokens last 60 seconds: every
    request carries a token msal just renewed; the bundle is complete."""
    entra = Entra(expires_in=60)
    tokens = _tokens(entra, router)
    recorded = RecordedTenant(contoso_graph())
    recorded.mount(router)
    api = Api(tokens, sleep=lambda s: None)
    pulled = pull_tenant(api, PullOptions(skip=frozenset({"powerplatform"})))
    out = tmp_path / "bundle"
    write_bundle(pulled, out, manifest(pulled, **facts(api.requests)), force=False)
    graph_calls = [r for r in recorded.seen if r.url.host == "graph.microsoft.com"]
    bearers = {r.headers["Authorization"] for r in graph_calls}
    assert len(graph_calls) > 20 and len(bearers) == len(graph_calls)
    assert (out / "directory.yaml").exists() and len(list((out / "policies").iterdir())) == 14


class _Unreachable:
    """An msal application whose HTTP stack cannot reach the login endpoint."""

    def __init__(self, exc: Exception) -> None:
        self.exc = exc

    def get_accounts(self) -> list[object]:
        return []

    def initiate_device_flow(self, scopes: list[str]) -> dict[str, str]:
        raise self.exc

    def acquire_token_for_client(self, scopes: list[str]) -> dict[str, str]:
        raise self.exc

    def remove_tokens_for_client(self) -> None:
        return None


@pytest.mark.parametrize("interactive", [True, False])
@pytest.mark.parametrize(
    "exc",
    [
        httpx.ConnectError("no route"),
        OSError("network unreachable"),
        __import__("requests").ConnectionError("refused"),
    ],
)
def test_sign_in_network_failure_is_a_pull_error_naming_the_login_endpoint(
    interactive: bool, exc: Exception
) -> None:
    from caflow.pull.auth import _Msal
    from caflow.pull.errors import PullError

    source = _Msal(
        _Unreachable(exc),
        interactive=interactive,
        prompt=lambda _: None,
        authority="https://login.microsoftonline.com/contoso.onmicrosoft.com",
    )
    with pytest.raises(PullError) as info:
        source("https://graph.microsoft.com")
    assert info.value.code == "pull-failed"
    assert "login.microsoftonline.com" in str(info.value)
    assert "network error while signing in" in str(info.value)


def test_other_msal_failures_are_not_hidden() -> None:
    from caflow.pull.auth import _Msal

    source = _Msal(
        _Unreachable(KeyError("bug")), interactive=False, prompt=lambda _: None, authority="a"
    )
    with pytest.raises(KeyError):
        source("https://graph.microsoft.com")
