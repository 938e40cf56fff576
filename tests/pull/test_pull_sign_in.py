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
from typing import Any

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
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return _pem_file(tmp_path_factory.mktemp("cert") / "app.pem", key)


def _pem_file(path: Path, key: Any) -> Path:
    """``path`` holding ``key`` (PKCS#8, unencrypted) and a self-signed certificate for it."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519
    from cryptography.x509.oid import NameOID

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
        .sign(key, None if isinstance(key, ed25519.Ed25519PrivateKey) else hashes.SHA256())
    )
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


#: Entra's answer while its token service is failing: AADSTS90033 "A transient error has
#: occurred" ("Microsoft Entra authentication and authorization error codes").
TRANSIENT = {
    "error": "temporarily_unavailable",
    "error_description": "AADSTS90033: A transient error has occurred. Try again.\r\nTrace ID: "
    "0f6b0e3a-0000-0000-0000-000000000000\r\nCorrelation ID: c\r\nTimestamp: 2026-02-02 09:00:00Z",
    "error_codes": [90033],
}


def _login(
    token: httpx.Response | None = None, device: httpx.Response | None = None
) -> Callable[[httpx.Request], httpx.Response]:
    """The login endpoint: its OpenID configuration for any tenant, then ``token`` on the token
    endpoint and ``device`` on the device authorization endpoint (a device code, by default)."""

    def answer(request: httpx.Request) -> httpx.Response:
        base = f"https://{request.url.host}/{request.url.path.split('/')[1]}"
        if request.url.path.endswith("/openid-configuration"):
            return httpx.Response(
                200,
                json={
                    "token_endpoint": f"{base}/oauth2/v2.0/token",
                    "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                    "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
                    "issuer": f"{base}/v2.0",
                },
            )
        if request.url.path.endswith("/devicecode"):
            return device or httpx.Response(
                200,
                json={
                    "user_code": "ABCD-EFGH",
                    "device_code": "dc",
                    "verification_uri": "https://microsoft.com/devicelogin",
                    "expires_in": 900,
                    "interval": 5,
                    "message": "To sign in, enter ABCD-EFGH",
                },
            )
        if request.url.path.endswith("/token") and token is not None:
            return token
        return httpx.Response(200, json={"tenant_discovery_endpoint": "", "metadata": []})

    return answer


@pytest.mark.parametrize(
    ("method", "step"),
    [
        ("client-secret", "token"),
        ("certificate", "token"),
        ("device-code", "devicecode"),  # asking for a device code
        ("device-code", "token"),  # polling for the token after the code was shown
    ],
)
@pytest.mark.parametrize(
    "failed",
    [
        httpx.Response(503, json=TRANSIENT, headers={"Retry-After": "5"}),
        httpx.Response(500, text="<html>Internal Server Error</html>"),
    ],
    ids=["503-aadsts90033", "500-html"],
)
def test_a_failing_token_endpoint_is_the_service_not_caflow(
    tmp_path: Path, pem: Path, method: str, step: str, failed: httpx.Response
) -> None:
    """Review of issue 9, N1: msal raises MsalServiceError on a 5xx of the token endpoint (and
    a ValueError on a body that is not JSON); each is exit 2 naming the endpoint URL and the
    status, never an internal error and never a permission."""
    tenant = None if method == "device-code" else "contoso.onmicrosoft.com"
    answer = _login(token=failed) if step == "token" else _login(device=failed)
    code, output, seen = _pull(tmp_path, answer, _args(method, pem, tenant), CloudName.global_)
    url = f"https://login.microsoftonline.com/{tenant or 'organizations'}/oauth2/v2.0/{step}"
    assert seen[-1] == url
    status = failed.status_code
    assert code == 2, output
    # the last line: a device code already shown comes first
    last = output.splitlines()[-1]
    assert last.startswith(f"error: {url}: sign-in failed: HTTP {status}: the service failed")
    assert "not a permission problem: try again later" in output and "[pull-failed]" in output
    assert ("AADSTS90033: A transient error has occurred" in output) == (status == 503)
    assert "needs" not in output and "pull-denied" not in output


@pytest.mark.parametrize(
    ("method", "step"), [("client-secret", "token"), ("device-code", "devicecode")]
)
def test_a_throttling_token_endpoint_is_throttling_not_a_refusal(
    tmp_path: Path, pem: Path, method: str, step: str
) -> None:
    """Review of issue 9, N7: msal hands a 429 back as an error answer like a refusal; it is
    throttling, with the endpoint and the Retry-After it asked for."""
    throttled = httpx.Response(429, json=TRANSIENT, headers={"Retry-After": "5"})
    tenant = None if method == "device-code" else "contoso.onmicrosoft.com"
    answer = _login(token=throttled) if step == "token" else _login(device=throttled)
    code, output, _ = _pull(tmp_path, answer, _args(method, pem, tenant), CloudName.global_)
    url = f"https://login.microsoftonline.com/{tenant or 'organizations'}/oauth2/v2.0/{step}"
    assert code == 2 and output.startswith(f"error: {url}: sign-in throttled: HTTP 429"), output
    assert "try again in 5 s or later (Retry-After)" in output and "[pull-throttled]" in output
    assert "needs" not in output and "pull-denied" not in output


def test_a_token_answer_that_is_not_json_names_the_endpoint(tmp_path: Path, pem: Path) -> None:
    """A proxy answering the token request with a page of its own (HTTP 200, HTML)."""
    page = httpx.Response(200, text="<html>sign in to the proxy</html>")
    code, output, _ = _pull(
        tmp_path,
        _login(token=page),
        _args("client-secret", pem, "contoso.onmicrosoft.com"),
        CloudName.global_,
    )
    url = "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token"
    assert code == 2 and output.startswith(f"error: {url}: sign-in failed: HTTP 200"), output
    assert "not a token response" in output and "HTTPS_PROXY" in output


def test_a_refused_secret_stays_a_refusal(tmp_path: Path, pem: Path) -> None:
    """A 401 of the token endpoint is Entra refusing the credentials (pull-denied), unchanged."""
    refused = httpx.Response(
        401,
        json={
            "error": "invalid_client",
            "error_description": "AADSTS7000215: Invalid client secret provided.",
        },
    )
    code, output, _ = _pull(
        tmp_path,
        _login(token=refused),
        _args("client-secret", pem, "contoso.onmicrosoft.com"),
        CloudName.global_,
    )
    assert code == 2 and "AADSTS7000215" in output and "[pull-denied]" in output


def _ec() -> Any:
    from cryptography.hazmat.primitives.asymmetric import ec

    return ec.generate_private_key(ec.SECP256R1())


def _ed25519() -> Any:
    from cryptography.hazmat.primitives.asymmetric import ed25519

    return ed25519.Ed25519PrivateKey.generate()


@pytest.mark.parametrize(("make", "kind"), [(_ec, "EC"), (_ed25519, "Ed25519")])
def test_a_key_that_is_not_rsa_is_refused_before_any_request(
    tmp_path: Path, make: Callable[[], Any], kind: str
) -> None:
    """Review of issue 9, N2: Entra's client assertion is signed RS256/PS256 ("certificate
    credentials"), so msal (PyJWT) failed on an EC key at the first token request with an
    internal InvalidKeyError. Now exit 2 naming the file, before the login endpoint is asked."""
    keys = tmp_path.parent / f"{tmp_path.name}-keys"
    keys.mkdir()
    path = _pem_file(keys / "app.pem", make())
    code, output, seen = _pull(
        tmp_path, _login(), _args("certificate", path, "contoso.onmicrosoft.com"), CloudName.global_
    )
    assert seen == [] and code == 2, output
    assert output.startswith(f"error: {path}: the private key is {kind}")
    assert "RS256 or PS256" in output and "RSA" in output and "[invalid-input]" in output


def test_an_unreadable_key_block_names_the_file(tmp_path: Path, pem: Path) -> None:
    """A PRIVATE KEY block whose content is not a key: exit 2 naming the file."""
    keys = tmp_path.parent / f"{tmp_path.name}-keys"
    keys.mkdir()
    text = pem.read_text()
    start = text.index("-----BEGIN PRIVATE KEY-----\n") + len("-----BEGIN PRIVATE KEY-----\n")
    broken = keys / "broken.pem"
    broken.write_text(
        text[:start] + "QUJD" * 16 + "\n" + text[text.index("-----END PRIVATE KEY") :]
    )
    code, output, seen = _pull(
        tmp_path,
        _login(),
        _args("certificate", broken, "contoso.onmicrosoft.com"),
        CloudName.global_,
    )
    assert seen == [] and code == 2, output
    assert output.startswith(f"error: {broken}: cannot read the private key")
