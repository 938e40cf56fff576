"""Sign-in failures of ``caflow pull`` (review of issue 9, H1): real msal against recorded
login-endpoint answers (respx). msal's application constructors already fetch the tenant's
OpenID configuration, so a mistyped ``--tenant`` (Entra answers HTTP 400 ``invalid_tenant`` /
AADSTS90002), an unreachable login endpoint or one answering 5xx must each be exit 2 naming the
authority and what to check - on every auth method and cloud, with nothing written. A token
Graph refuses (401) says the token is expired or invalid, not that a permission is missing."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
import respx
from tests.graph_contoso import contoso_graph
from tests.pull.recorded import RecordedTenant, graph_error
from typer.testing import CliRunner

from caflow.cli.main import app
from caflow.pull.clouds import CLOUDS
from caflow.pull.names import CloudName

runner = CliRunner()
APP_ID = "11111111-1111-1111-1111-111111111111"
TYPO = "contso.onmicrosoft.com"

#: Entra's answer to the OpenID configuration of a tenant it does not know.
INVALID_TENANT = {
    "error": "invalid_tenant",
    "error_description": f"AADSTS90002: Tenant '{TYPO}' not found. Check to make sure you have "
    "the correct tenant ID and are signing into the correct cloud.\r\nTrace ID: "
    "0f6b0e3a-0000-0000-0000-000000000000\r\nCorrelation ID: c\r\nTimestamp: 2026-02-02 09:00:00Z",
    "error_codes": [90002],
}


@pytest.fixture(scope="module")
def pem(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A PEM file with a private key and its self-signed certificate."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "caflow-test")])
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    path = tmp_path_factory.mktemp("cert") / "app.pem"
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        + cert.public_bytes(serialization.Encoding.PEM)
    )
    return path


def _args(method: str, pem: Path, tenant: str | None) -> list[str]:
    args = ["--auth", method]
    if tenant:
        args += ["--tenant", tenant]
    if method != "device-code":
        args += ["--client-id", APP_ID]
    if method == "certificate":
        args += ["--certificate", str(pem)]
    return args


def _pull(
    tmp_path: Path,
    answer: Callable[[httpx.Request], httpx.Response],
    args: list[str],
    cloud: CloudName,
) -> tuple[int, str, list[str]]:
    """``caflow pull`` with the cloud's login host answering ``answer``; Graph must never be
    asked (a sign-in that failed reads nothing)."""
    out = tmp_path / "bundle"
    login = httpx.URL(CLOUDS[cloud].login).host
    with respx.mock(assert_all_called=False) as router:
        router.route(host=login).mock(side_effect=answer)
        rec = RecordedTenant(dataclasses.replace(contoso_graph()))
        rec.mount(router, graph=httpx.URL(CLOUDS[cloud].graph).host)
        res = runner.invoke(
            app,
            ["pull", "--out", str(out), "--cloud", cloud.value, *args],
            env={"CAFLOW_CLIENT_SECRET": "s3cr3t-value", "CAFLOW_ACCESS_TOKEN": ""},
        )
        seen = [str(c.request.url) for c in router.calls]
    assert not rec.seen and not out.exists()
    assert not list(tmp_path.iterdir())  # no temporary folder left either
    assert "internal error" not in res.output and "s3cr3t-value" not in res.output
    return res.exit_code, res.output, seen


@pytest.mark.parametrize("cloud", [CloudName.global_, CloudName.usgovhigh, CloudName.china])
@pytest.mark.parametrize("method", ["device-code", "client-secret", "certificate"])
def test_mistyped_tenant_names_the_authority_and_the_tenant(
    tmp_path: Path, pem: Path, method: str, cloud: CloudName
) -> None:
    code, output, seen = _pull(
        tmp_path,
        lambda _: httpx.Response(400, json=INVALID_TENANT),
        _args(method, pem, TYPO),
        cloud,
    )
    authority = f"{CLOUDS[cloud].login}/{TYPO}"
    assert seen == [f"{authority}/v2.0/.well-known/openid-configuration"]
    assert code == 2 and output.startswith(f"error: {authority}: sign-in failed"), output
    assert f"Entra does not know tenant '{TYPO}'" in output
    assert "HTTP 400" in output and "AADSTS90002" in output
    assert "check --tenant" in output and "--cloud" in output and "[pull-denied]" in output


@pytest.mark.parametrize("method", ["device-code", "client-secret", "certificate"])
def test_no_network_at_sign_in_names_the_login_endpoint(
    tmp_path: Path, pem: Path, method: str
) -> None:
    def unreachable(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno -3] Temporary failure in name resolution", request=request)

    tenant = None if method == "device-code" else "contoso.onmicrosoft.com"
    code, output, _ = _pull(tmp_path, unreachable, _args(method, pem, tenant), CloudName.global_)
    authority = f"https://login.microsoftonline.com/{tenant or 'organizations'}"
    assert code == 2 and output.startswith(f"error: {authority}: network error while signing in")
    assert "ConnectError" in output and "name resolution" in output
    assert "HTTPS_PROXY" in output and "reach login.microsoftonline.com" in output
    assert "[pull-failed]" in output


def test_a_failing_login_endpoint_is_the_service_not_the_tenant(tmp_path: Path, pem: Path) -> None:
    code, output, _ = _pull(
        tmp_path,
        lambda _: httpx.Response(503, text="Service Unavailable"),
        _args("client-secret", pem, "contoso.onmicrosoft.com"),
        CloudName.global_,
    )
    assert code == 2 and "the sign-in endpoint failed on tenant discovery: HTTP 503" in output
    assert "try again later" in output and "[pull-failed]" in output
    assert "check --tenant" not in output


def test_other_value_errors_in_msal_are_not_hidden() -> None:
    """Only msal's tenant-discovery failures are the tenant's: another ValueError is a bug."""
    from caflow.pull.auth import _sign_in_app

    def broken() -> object:
        raise ValueError("unexpected keyword")

    with pytest.raises(ValueError, match="unexpected keyword"):
        _sign_in_app(broken, "https://login.microsoftonline.com/t", "t")


@pytest.mark.parametrize(
    ("token", "message"),
    [
        ("eyJ0eXAiOiJKV1QifQ.expired.sig", "Lifetime validation failed, the token is expired."),
        ("not-a-token", "IDX14100: JWT is not well formed, there are no dots (.)."),
    ],
)
def test_a_rejected_environment_token_says_expired_or_invalid(
    tmp_path: Path, recorded: RecordedTenant, token: str, message: str
) -> None:
    recorded.always[r"/conditionalAccess/policies$"] = (
        401,
        {},
        graph_error(401, "InvalidAuthenticationToken", message),
    )
    out = tmp_path / "bundle"
    res = runner.invoke(app, ["pull", "--out", str(out)], env={"CAFLOW_ACCESS_TOKEN": token})
    assert res.exit_code == 2 and not out.exists()
    assert "HTTP 401: the access token was rejected (expired or invalid)" in res.output
    assert message in res.output and "$CAFLOW_ACCESS_TOKEN" in res.output
    assert "az account get-access-token --resource https://graph.microsoft.com" in res.output
    assert "needs Policy.Read.All" not in res.output and token not in res.output
