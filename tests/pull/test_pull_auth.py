"""Credentials for ``caflow pull``: msal flows (with a stand-in for msal's application
objects: msal talks to login.microsoftonline.com through ``requests``), environment tokens,
and the bad-input paths (missing secret, unreadable certificate), none of which may print or
store a secret."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, ClassVar

import msal
import pytest
from typer.testing import CliRunner

from caflow.cli.main import app
from caflow.errors import InputError
from caflow.pull.auth import FLOW, GRAPH, AuthMethod, token_source
from caflow.pull.errors import PullError

runner = CliRunner()


class FakeConfidential:
    calls: ClassVar[list[list[str]]] = []

    def __init__(
        self, client_id: str, client_credential: Any, authority: str, http_client: Any
    ) -> None:
        self.credential = client_credential

    def remove_tokens_for_client(self) -> None:
        pass

    def acquire_token_for_client(self, scopes: list[str]) -> dict[str, Any]:
        FakeConfidential.calls.append(scopes)
        if self.credential == "wrong":
            return {
                "error": "invalid_client",
                "error_description": "AADSTS7000215: Invalid client secret provided.\\nTrace ID: x",
            }
        return {"access_token": "tok-" + scopes[0]}


class FakePublic:
    #: (method, scopes) of every token request, in order
    calls: ClassVar[list[tuple[str, list[str]]]] = []

    def __init__(self, client_id: str, authority: str, http_client: Any) -> None:
        self.client_id = client_id
        self.accounts: list[dict[str, str]] = []

    def get_accounts(self) -> list[dict[str, str]]:
        return self.accounts

    def acquire_token_silent(
        self, scopes: list[str], account: Any, force_refresh: bool = False
    ) -> dict[str, Any]:
        FakePublic.calls.append(("silent", scopes))
        return {"access_token": ("fresh-" if force_refresh else "silent-") + scopes[0]}

    def initiate_device_flow(self, scopes: list[str]) -> dict[str, Any]:
        FakePublic.calls.append(("device", scopes))
        return {
            "user_code": "ABCD",
            "message": "To sign in, use a web browser to open the page "
            "https://microsoft.com/devicelogin and enter the code ABCD to authenticate.",
        }

    def acquire_token_by_device_flow(self, flow: dict[str, Any]) -> dict[str, Any]:
        self.accounts.append({"username": "admin@contoso.com"})
        return {"access_token": "device-token"}


@pytest.fixture(autouse=True)
def fake_msal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(msal, "ConfidentialClientApplication", FakeConfidential)
    monkeypatch.setattr(msal, "PublicClientApplication", FakePublic)
    FakeConfidential.calls = []
    FakePublic.calls = []


def test_client_secret_asks_msal_per_request() -> None:
    """No cache of caflow's own: msal's answers (its cache, renewed near expiry; the
    respx-recorded msal tests in test_pull_tokens.py show the renewal)."""
    tokens = token_source(
        AuthMethod.client_secret,
        tenant="contoso.onmicrosoft.com",
        client_id="app",
        env={"CAFLOW_CLIENT_SECRET": "s3cret"},
    )
    assert tokens(GRAPH) == "tok-https://graph.microsoft.com/.default"
    assert tokens(FLOW).endswith("service.flow.microsoft.com/.default")
    assert tokens(GRAPH) == "tok-https://graph.microsoft.com/.default"
    assert FakeConfidential.calls == [
        ["https://graph.microsoft.com/.default"],
        ["https://service.flow.microsoft.com/.default"],
        ["https://graph.microsoft.com/.default"],
    ]


def test_wrong_secret_names_the_sign_in_not_the_secret() -> None:
    tokens = token_source(
        AuthMethod.client_secret, tenant="t", client_id="app", env={"CAFLOW_CLIENT_SECRET": "wrong"}
    )
    with pytest.raises(PullError) as info:
        tokens(GRAPH)
    text = str(info.value)
    assert "invalid_client" in text and "AADSTS7000215" in text and "wrong" not in text
    assert info.value.code == "pull-denied"


def test_device_code_prompts_once_then_reuses_the_account() -> None:
    shown: list[str] = []
    tokens = token_source(AuthMethod.device_code, prompt=shown.append)
    assert tokens(GRAPH) == "device-token"
    assert tokens(FLOW) == "silent-https://service.flow.microsoft.com/.default"
    # After a 401: msal's refresh token, not a second device-code prompt.
    assert tokens.renew(GRAPH) == "fresh-https://graph.microsoft.com/.default"
    assert len(shown) == 1 and "devicelogin" in shown[0]


def test_secret_only_from_the_environment(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="CAFLOW_CLIENT_SECRET"):
        token_source(AuthMethod.client_secret, tenant="t", client_id="app", env={})
    res = runner.invoke(
        app,
        ["pull", "--out", str(tmp_path / "b"), "--auth", "client-secret", "--tenant", "t"],
        env={"CAFLOW_CLIENT_SECRET": "x"},
    )
    assert res.exit_code == 2 and "--client-id" in res.output


def test_certificate_needs_key_and_certificate(tmp_path: Path) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "caflow-test")])
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    cert_pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    only_cert = tmp_path / "cert.pem"
    only_cert.write_text(cert_pem)
    with pytest.raises(InputError, match="no private key"):
        token_source(AuthMethod.certificate, tenant="t", client_id="app", certificate=only_cert)
    both = tmp_path / "both.pem"
    both.write_text(key_pem + cert_pem)
    tokens = token_source(AuthMethod.certificate, tenant="t", client_id="app", certificate=both)
    assert tokens(GRAPH).startswith("tok-")
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a certificate")
    with pytest.raises(InputError, match="no certificate"):
        token_source(AuthMethod.certificate, tenant="t", client_id="app", certificate=garbage)
    # A key msal could not sign with was an internal error at the first token request
    # (review of issue 9): it is bad input, named, before any request.
    encrypted = tmp_path / "encrypted.pem"
    encrypted.write_text(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"passphrase"),
        ).decode()
        + cert_pem
    )
    with pytest.raises(InputError, match="the private key is encrypted") as info:
        token_source(AuthMethod.certificate, tenant="t", client_id="app", certificate=encrypted)
    assert "openssl pkey" in str(info.value) and str(encrypted) in str(info.value)
    broken = tmp_path / "broken.pem"
    broken.write_text("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n" + cert_pem)
    with pytest.raises(InputError, match="cannot read the private key"):
        token_source(AuthMethod.certificate, tenant="t", client_id="app", certificate=broken)


def test_environment_token_missing_names_the_variable() -> None:
    tokens = token_source(AuthMethod.environment, env={})
    with pytest.raises(PullError) as info:
        tokens(GRAPH)
    assert "CAFLOW_ACCESS_TOKEN" in str(info.value)
    assert "az account get-access-token" in str(info.value)


def test_environment_accepts_az_cli_json() -> None:
    az = '{"accessToken": "abc.def.ghi", "expiresOn": "2026-02-02 10:00:00.000000", "tokenType": "Bearer"}'
    assert (
        token_source(AuthMethod.environment, env={"CAFLOW_ACCESS_TOKEN": az})(GRAPH)
        == "abc.def.ghi"
    )
    with pytest.raises(InputError, match="CAFLOW_ACCESS_TOKEN"):
        token_source(AuthMethod.environment, env={"CAFLOW_ACCESS_TOKEN": '{"x": 1}'})(GRAPH)


def test_device_code_asks_for_the_explicit_delegated_scopes_of_the_pull() -> None:
    """/.default on the Graph Command Line Tools client yields only permissions already
    consented to it: a first-time admin would get 403s. The device code asks for the scopes of
    what is pulled (Entra then asks for consent); client credentials keep /.default."""
    from caflow.pull.tenant import PullOptions, delegated_scopes

    tokens = token_source(
        AuthMethod.device_code, prompt=lambda m: None, delegated=delegated_scopes(PullOptions())
    )
    tokens(GRAPH)
    tokens(FLOW)
    (kind, graph), (_, flow) = FakePublic.calls
    assert kind == "device" and not any(s.endswith("/.default") for s in graph)
    assert {
        "https://graph.microsoft.com/Policy.Read.All",
        "https://graph.microsoft.com/Agreement.Read.All",
        "https://graph.microsoft.com/User.Read.All",
        "https://graph.microsoft.com/GroupMember.Read.All",
        "https://graph.microsoft.com/RoleManagement.Read.Directory",
    } <= set(graph)
    assert "https://graph.microsoft.com/AuditLog.Read.All" not in graph  # no --since
    # The Power Platform admin APIs list no delegated scope: /.default, as their module does.
    assert flow == ["https://service.flow.microsoft.com/.default"]


def test_delegated_scopes_follow_what_is_pulled() -> None:
    from datetime import UTC, datetime

    from caflow.pull.tenant import PullOptions, delegated_scopes

    full = set(delegated_scopes(PullOptions(since=datetime(2026, 1, 1, tzinfo=UTC)))[GRAPH])
    assert {"AuditLog.Read.All", "Directory.Read.All"} <= full  # sign-ins need both
    skipped = set(
        delegated_scopes(PullOptions(skip=frozenset({"agreements", "agreementAcceptances"})))[GRAPH]
    )
    assert "Agreement.Read.All" not in skipped and "Policy.Read.All" in skipped
    assert not any("/" in s or s.endswith(".default") for s in full)


def test_pull_device_code_requests_sign_in_scopes_with_since(tmp_path: Path) -> None:
    """The CLI builds the scopes from its options: --since adds AuditLog.Read.All."""
    import dataclasses

    import respx
    from tests.graph_contoso import contoso_graph
    from tests.pull.recorded import RecordedTenant

    with respx.mock(assert_all_called=False) as router:
        RecordedTenant(dataclasses.replace(contoso_graph())).mount(router)
        res = runner.invoke(
            app,
            [
                "pull",
                "--out",
                str(tmp_path / "b"),
                "--auth",
                "device-code",
                "--since",
                "2026-02-01",
                "--skip",
                "powerplatform",
            ],
            env={},
        )
    assert res.exit_code == 0, res.output
    kind, scopes = FakePublic.calls[0]
    assert kind == "device" and "https://graph.microsoft.com/AuditLog.Read.All" in scopes
    assert "devicelogin" in res.output
