"""Credentials for ``caflow pull``: one access token per API audience.

* ``environment``: tokens an admin already has, e.g. from
  ``az account get-access-token --resource https://graph.microsoft.com``, in environment
  variables (:data:`TOKEN_VARIABLES`). Nothing interactive, nothing stored.
* ``device-code``: an admin signs in interactively (msal device code flow, delegated rights),
  asking for the explicit delegated Graph scopes of what is being pulled (not ``/.default``).
* ``client-secret`` / ``certificate``: an app registration (msal client credentials,
  application rights) for automation. The secret is read from ``CAFLOW_CLIENT_SECRET`` only,
  never from the command line (shell history) and never written anywhere.

Tokens live in msal's in-memory cache for the run (renewed near expiry, and once more after a
401); the cache is not persisted. msal talks to Entra through an ``httpx`` client, as the pull
does to the APIs.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from caflow.errors import InputError, Shown
from caflow.pull.clouds import FLOW, GLOBAL, GRAPH, POWERAPPS, Cloud
from caflow.pull.errors import PullError, TokenSource
from caflow.pull.names import AuthMethod

__all__ = [
    "FLOW",
    "GRAPH",
    "POWERAPPS",
    "TOKEN_VARIABLES",
    "AuthMethod",
    "token_source",
]

# The APIs are named by their global-cloud audiences; Cloud.audience gives another cloud's.

#: audience -> environment variables tried in order (``environment`` method).
TOKEN_VARIABLES: Mapping[str, tuple[str, ...]] = {
    GRAPH: ("CAFLOW_ACCESS_TOKEN", "CAFLOW_GRAPH_TOKEN"),
    FLOW: ("CAFLOW_FLOW_TOKEN",),
    POWERAPPS: ("CAFLOW_POWERAPPS_TOKEN",),
}
SECRET_VARIABLE = "CAFLOW_CLIENT_SECRET"
#: Microsoft Graph Command Line Tools, the public client Graph PowerShell signs in with.
DEFAULT_PUBLIC_CLIENT = "14d82eec-204b-4c2f-b7e8-296a70dab67e"


@dataclass
class _Msal:
    """Tokens through msal, asked for before every request: msal's in-memory token cache
    answers until a token is about to expire, then renews it (client credentials: msal >= 1.23
    looks in its cache first; device code: ``acquire_token_silent`` uses the refresh token), so
    a pull longer than a token's lifetime keeps working. Nothing is persisted."""

    app: Any
    interactive: bool
    prompt: Callable[[str], None]
    authority: str
    cloud: Cloud = GLOBAL
    #: API (global audience) -> the delegated scopes a device-code sign-in asks for
    delegated: Mapping[str, Sequence[str]] = field(default_factory=dict)
    #: the client msal signs in through, with the last answer of the login endpoint
    seen: _Seen = field(default_factory=lambda: _Seen(None))

    def __call__(self, resource: str) -> str:
        return self._acquire(resource, fresh=False)

    def renew(self, resource: str) -> str | None:
        return self._acquire(resource, fresh=True)

    def _acquire(self, resource: str, *, fresh: bool) -> str:
        self.seen.last = None  # an answer from msal's cache is no answer heard now
        try:
            return self._token(resource, fresh=fresh)
        except PullError:
            raise
        except Exception as exc:
            # msal talks to the token endpoint itself: a failing or throttling endpoint (msal
            # raises MsalServiceError "HTTP Error: 503" on a 5xx; a body that is not JSON is a
            # ValueError) is the service's, a network failure the network's - each named with
            # the endpoint, never an internal error (review of issue 9, N1).
            answer = self.seen.last
            if answer is not None and (answer.status_code >= 400 or not _json(answer)):
                raise _endpoint_error(answer, self.seen.url, {}, resource) from None
            if not _network_error(exc):
                raise
            raise _unreachable(exc, self.authority) from None

    def rejected(self, resource: str) -> str:
        return (
            f"a token msal had just renewed from {self.authority} was refused: check that "
            "--tenant and --cloud name the tenant you mean to read"
        )

    def scopes(self, resource: str) -> list[str]:
        """What to ask Entra for. An app (client credentials) has application permissions,
        granted beforehand: ``/.default`` asks for all of them, the only form the grant accepts.
        A device-code sign-in is delegated: ``/.default`` there yields only the permissions
        already consented to the public client, so an admin who never used it gets 403s; the
        explicit scopes of what is being pulled let Entra ask for consent at sign-in
        (Microsoft identity platform, "scopes and permissions": the /.default scope). APIs with
        no delegated scope listed (the Power Platform admin APIs, whose module also signs users
        in with ``/.default``) keep ``/.default``. Scopes name the cloud's audience."""
        audience = self.cloud.audience(resource)
        names = self.delegated.get(resource, ()) if self.interactive else ()
        return [f"{audience}/{n}" for n in names] or [f"{audience}/.default"]

    def _token(self, resource: str, *, fresh: bool) -> str:
        scopes = self.scopes(resource)
        if self.interactive:
            result = None
            accounts = self.app.get_accounts()
            if accounts:
                result = self.app.acquire_token_silent(
                    scopes, account=accounts[0], force_refresh=fresh
                )
            if not result:
                flow = self.app.initiate_device_flow(scopes=scopes)
                if "user_code" not in flow:
                    raise self._refused(flow, resource)
                self.prompt(str(flow["message"]))
                result = self.app.acquire_token_by_device_flow(flow)
        else:
            if fresh:  # msal refuses force_refresh here: drop the cached (rejected) token
                self.app.remove_tokens_for_client()
            result = self.app.acquire_token_for_client(scopes=scopes)
        if not result or "access_token" not in result:
            raise self._refused(result or {}, resource)
        return str(result["access_token"])

    def _refused(self, result: Mapping[str, Any], resource: str) -> PullError:
        """msal's error answer: Entra refused the sign-in (4xx, ``pull-denied``) - unless the
        endpoint was throttling (429) or failing (5xx), which msal hands back the same way."""
        answer = self.seen.last
        if answer is not None and (answer.status_code == 429 or answer.status_code >= 500):
            return _endpoint_error(answer, self.seen.url, result, resource)
        return _sign_in_error(result, self.authority, resource)


class _Seen:
    """The HTTP client msal signs in through, remembering the answer to the last POST (the
    token and device-code endpoints): msal hands a throttled (429) or failed (5xx) token request
    back without its status or URL - an error dict like a refusal's, or
    ``MsalServiceError("HTTP Error: 503")`` - and the message must name both."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.last: Any = None  # the last response; its URL in ``url``
        self.url = ""

    def post(self, url: str, *args: Any, **kwargs: Any) -> Any:
        self.last, self.url = None, url.split("?")[0]
        self.last = self.client.post(url, *args, **kwargs)
        return self.last

    def get(self, *args: Any, **kwargs: Any) -> Any:
        # discovery only (tenant discovery fails in _sign_in_app); msal may fetch instance
        # metadata after a token request failed, which must not hide that answer
        return self.client.get(*args, **kwargs)

    def close(self) -> None:
        self.client.close()


def _json(answer: Any) -> Any:
    """The JSON body of an answer, or None."""
    try:
        return answer.json()
    except ValueError:
        return None


def _endpoint_error(answer: Any, url: str, result: Mapping[str, Any], resource: str) -> PullError:
    """The login endpoint answered ``answer`` (an HTTP error) to a token request: throttling
    (429: ``pull-throttled``, with its Retry-After), the service failing (5xx: ``pull-failed``,
    e.g. AADSTS90033 "a transient error has occurred"; "Microsoft Entra authentication and
    authorization error codes", https://learn.microsoft.com/entra/identity-platform/reference-error-codes)
    or another refusal (``pull-denied``); the message names the endpoint URL and the status."""
    status = int(answer.status_code)
    doc = _json(answer)
    if status < 400:  # msal could not read a successful answer
        return PullError(
            f"sign-in failed: HTTP {status}: the answer is not a token response (not JSON)",
            endpoint=url,
            permission="",
            status=status,
            code="pull-failed",
            hint="a proxy answering for the login endpoint causes this: check the proxy "
            "(HTTPS_PROXY)",
        )
    result = result or (doc if isinstance(doc, dict) else {})
    desc = str(result.get("error_description") or "").splitlines()
    said = ": ".join(x for x in (str(result.get("error") or ""), desc[0] if desc else "") if x)
    if status == 429:
        wait = str(answer.headers.get("Retry-After") or "").strip()
        return PullError(
            "sign-in throttled: HTTP 429: throttled" + (f": {said}" if said else ""),
            endpoint=url,
            permission="",
            status=status,
            code="pull-throttled",
            hint="not a permission problem: try again "
            + (
                f"in {wait} s or later (Retry-After)"
                if wait.isdigit()
                else f"after {wait} (Retry-After)"
                if wait
                else "later"
            ),
        )
    if status >= 500:
        return PullError(
            f"sign-in failed: HTTP {status}: the service failed" + (f": {said}" if said else ""),
            endpoint=url,
            permission="",
            status=status,
            code="pull-failed",
        )
    return PullError(
        f"sign-in failed: HTTP {status}" + (f": {said}" if said else ""),
        endpoint=url,
        permission=f"a token for {resource}",
        status=status,
        code="pull-denied" if status in (400, 401, 403) else "pull-failed",
    )


def _network_error(exc: BaseException) -> bool:
    """A transport failure from the HTTP stack msal uses (httpx or requests) or the OS."""
    import httpx

    if isinstance(exc, httpx.TransportError | OSError):
        return True
    try:
        import requests
    except ImportError:  # pragma: no cover - msal depends on requests
        return False
    return isinstance(exc, requests.RequestException)


def _unreachable(exc: BaseException, authority: str) -> PullError:
    """The sign-in endpoint could not be reached: the network's failure, not the user's input
    nor caflow's."""
    detail = str(exc).splitlines()[0] if str(exc) else ""
    return PullError(
        f"network error while signing in: {type(exc).__name__}" + (f": {detail}" if detail else ""),
        endpoint=authority,
        permission="",
        status=None,
        code="pull-failed",
        hint=f"check the network: DNS, a proxy (HTTPS_PROXY) or a firewall must let this "
        f"machine reach {_host(authority)}",
    )


def _host(url: str) -> str:
    """``login.microsoftonline.com`` of an authority URL."""
    from urllib.parse import urlsplit

    return urlsplit(url).hostname or url


#: msal's own message texts for a tenant discovery that failed (msal/authority.py: a 4xx - Entra
#: answers an unknown tenant with HTTP 400, ``invalid_tenant``/``AADSTS90002`` "Tenant ... not
#: found", per "Microsoft Entra authentication and authorization error codes",
#: https://learn.microsoft.com/entra/identity-platform/reference-error-codes - or an answer that
#: is not the OpenID configuration); every one names the authority.
_DISCOVERY_WORDS = ("authority", "oidc discovery")


def _sign_in_app(build: Callable[[], Any], authority: str, tenant: str | None) -> Any:
    """An msal application, built by ``build``. msal's constructors already talk to Entra: they
    fetch the tenant's OpenID configuration (``{authority}/v2.0/.well-known/openid-configuration``,
    msal "tenant discovery"), so a mistyped ``--tenant``, a tenant of another cloud, an
    unreachable or failing login endpoint all surface here - each a PullError naming the
    authority and what to check (review of issue 9), never an internal error."""
    import re

    from msal.exceptions import MsalServiceError

    try:
        return build()
    except MsalServiceError as exc:  # msal's raise_for_status(): "HTTP Error: 503" on a 5xx
        found = re.search(r"\b[1-5]\d\d\b", str(exc))
        status = int(found[0]) if found else None
        raise PullError(
            "the sign-in endpoint failed on tenant discovery"
            + (f": HTTP {status}" if status else f": {exc}"),
            endpoint=authority,
            permission="",
            status=status,
            code="pull-failed",
            hint="Entra's login endpoint is failing or a proxy answers for it: try again "
            "later; check the proxy (HTTPS_PROXY)",
        ) from None
    except ValueError as exc:
        text = f"{exc} {exc.__context__ or ''}"
        if not any(word in text.lower() for word in _DISCOVERY_WORDS):
            raise
        raise _unknown_tenant(text, authority, tenant) from None
    except Exception as exc:
        if not _network_error(exc):
            raise
        raise _unreachable(exc, authority) from None


def _unknown_tenant(text: str, authority: str, tenant: str | None) -> PullError:
    """Entra refused the tenant: its status and AADSTS code (msal keeps them in the message of
    the error it re-raised), and what to check."""
    import re

    status = re.search(r"HTTP status: (\d{3})", text)
    aadsts = re.search(r"AADSTS\d+", text)
    found = ", ".join(
        x for x in (f"HTTP {status[1]}" if status else "", aadsts[0] if aadsts else "") if x
    )
    named = f"tenant '{tenant}'" if tenant else "the tenant"
    return PullError(
        f"sign-in failed: Entra does not know {named} (tenant discovery"
        + (f": {found})" if found else ")"),
        endpoint=authority,
        permission="",
        status=int(status[1]) if status else None,
        code="pull-denied",
        hint="check --tenant: the tenant id GUID or one of its domains such as "
        "contoso.onmicrosoft.com, spelled as the Entra admin center shows it; and --cloud: US "
        "Government and China tenants sign in at their own login endpoint; a proxy answering "
        "for the login endpoint also causes this",
    )


def _sign_in_error(result: Mapping[str, Any], authority: str, resource: str) -> PullError:
    desc = str(result.get("error_description") or "").splitlines()
    return PullError(
        f"sign-in failed: {result.get('error') or 'no token'}: {desc[0] if desc else ''}".rstrip(
            ": "
        ),
        endpoint=authority,
        permission=f"a token for {resource}",
        status=None,
        code="pull-denied",
    )


def token_source(
    method: AuthMethod,
    *,
    tenant: str | None = None,
    client_id: str | None = None,
    certificate: Path | None = None,
    env: Mapping[str, str] | None = None,
    prompt: Callable[[str], None] = print,
    http_client: Any = None,
    cloud: Cloud = GLOBAL,
    delegated: Mapping[str, Sequence[str]] | None = None,
) -> TokenSource:
    """Bearer tokens per API, named by its global audience (:data:`GRAPH`, :data:`FLOW`, ...)
    and issued for ``cloud``'s. ``delegated``: per API the delegated scopes a device-code
    sign-in asks for (:func:`caflow.pull.tenant.delegated_scopes`). ``http_client`` is the
    requests-like client msal signs in through (an ``httpx.Client`` unless given)."""
    env = os.environ if env is None else env
    if method is AuthMethod.environment:
        return _EnvironmentTokens(env, cloud)
    import httpx
    import msal

    http = seen = _Seen(http_client or httpx.Client(timeout=httpx.Timeout(60.0, connect=15.0)))
    authority = cloud.authority(tenant)
    if method is AuthMethod.device_code:
        app = _sign_in_app(
            lambda: msal.PublicClientApplication(
                client_id or DEFAULT_PUBLIC_CLIENT, authority=authority, http_client=http
            ),
            authority,
            tenant,
        )
        return _Msal(
            app,
            interactive=True,
            prompt=prompt,
            authority=authority,
            cloud=cloud,
            delegated=delegated or {},
            seen=seen,
        )
    if not tenant or not client_id:
        raise InputError(
            "missing option",
            file="--tenant/--client-id",
            expected=f"both, for --auth {method.value} (an app registration in your tenant)",
        )
    credential: Any
    if method is AuthMethod.client_secret:
        credential = env.get(SECRET_VARIABLE)
        if not credential:
            raise InputError(
                "missing secret",
                file=SECRET_VARIABLE,
                expected="the app registration's client secret in this environment variable",
            )
    else:
        credential = _certificate_credential(certificate)
    app = _sign_in_app(
        lambda: msal.ConfidentialClientApplication(
            client_id, client_credential=credential, authority=authority, http_client=http
        ),
        authority,
        tenant,
    )
    return _Msal(app, interactive=False, prompt=prompt, authority=authority, cloud=cloud, seen=seen)


@dataclass(frozen=True)
class _EnvironmentTokens:
    """Tokens handed over in environment variables: the same one for every request (caflow
    cannot renew it; an expired one is a 401 naming the variable to refresh)."""

    env: Mapping[str, str]
    cloud: Cloud = GLOBAL

    def __call__(self, resource: str) -> str:
        names = TOKEN_VARIABLES.get(resource, ())
        for name in names:
            value = self.env.get(name, "").strip()
            if value.startswith("{"):
                value = _az_token(value, name)  # the whole `az account get-access-token` output
            if value:
                return value
        audience = self.cloud.audience(resource)
        raise PullError(
            f"no access token for {audience}",
            endpoint=audience,
            permission=f"a token in ${names[0] if names else 'CAFLOW_ACCESS_TOKEN'} "
            f"(az account get-access-token --resource {audience} --query accessToken -o tsv)",
            status=None,
            code="pull-denied",
        )

    def renew(self, resource: str) -> str | None:
        return None

    def rejected(self, resource: str) -> str:
        names = TOKEN_VARIABLES.get(resource, ("CAFLOW_ACCESS_TOKEN",))
        audience = self.cloud.audience(resource)
        return (
            f"the token in ${names[0]} is expired, malformed or not issued for {audience} in "
            f"this tenant: get a new one (az account get-access-token --resource {audience} "
            "--query accessToken -o tsv); tokens last about an hour"
        )


def _az_token(text: str, variable: str) -> str:
    """``az account get-access-token`` prints ``{"accessToken": ..., "expiresOn": ...}``."""
    import json

    try:
        doc = json.loads(text)
    except ValueError:
        doc = None
    token = doc.get("accessToken") if isinstance(doc, dict) else None
    if not isinstance(token, str) or not token:
        raise InputError(
            "not an access token",
            file="$" + variable,
            expected="a bearer token, or the JSON `az account get-access-token` prints",
            got=Shown("a JSON value without accessToken"),
        )
    return token


def _certificate_credential(path: Path | None) -> dict[str, str]:
    """A PEM file holding the private key and the certificate -> msal's credential mapping."""
    if path is None:
        raise InputError(
            "missing option",
            file="--certificate",
            expected="a PEM file with the private key and the certificate",
        )
    try:
        pem = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(
            "cannot read the certificate",
            file=str(path),
            expected="a PEM file",
            got=Shown(type(exc).__name__),
        ) from None
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    try:
        cert = x509.load_pem_x509_certificate(pem.encode("ascii"))
    except ValueError:
        raise InputError(
            "no certificate in the file", file=str(path), expected="a PEM CERTIFICATE block"
        ) from None
    if "PRIVATE KEY-----" not in pem:
        raise InputError(
            "no private key in the file", file=str(path), expected="a PEM PRIVATE KEY block"
        )
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    try:
        # msal signs its client assertion with this key only at the first token request, where
        # an unreadable key would be an internal error: read it now (review of issue 9).
        key = load_pem_private_key(pem.encode("ascii"), password=None)
    except TypeError:  # cryptography: "Password was not given but private key is encrypted"
        raise InputError(
            "the private key is encrypted",
            file=str(path),
            expected="an unencrypted PEM private key (caflow asks for no passphrase: "
            "`openssl pkey -in app.pem` prints it decrypted; keep the certificate in the file)",
        ) from None
    except Exception as exc:  # ValueError, UnsupportedAlgorithm, ...: the file's, not caflow's
        raise InputError(
            "cannot read the private key",
            file=str(path),
            expected="a PEM PRIVATE KEY block of an RSA key",
            got=Shown(type(exc).__name__),
        ) from None
    from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa

    if not isinstance(key, rsa.RSAPrivateKey):
        # Entra's client assertion is signed RS256 or PS256 - both RSA ("Microsoft identity
        # platform certificate credentials", Assertion format, header "alg",
        # https://learn.microsoft.com/entra/identity-platform/certificate-credentials), and msal
        # signs it RS256/PS256 only: an EC (or other) key would fail at the first token request
        # (review of issue 9, N2).
        kinds = {
            "EC": ec.EllipticCurvePrivateKey,
            "DSA": dsa.DSAPrivateKey,
            "Ed25519": ed25519.Ed25519PrivateKey,
            "Ed448": ed448.Ed448PrivateKey,
        }
        kind = next((name for name, cls in kinds.items() if isinstance(key, cls)), "")
        raise InputError(
            f"the private key is {kind or 'not RSA'}",
            file=str(path),
            expected="an RSA private key: Entra client certificates sign with RS256 or PS256, "
            "which need RSA (e.g. `openssl req -x509 -newkey rsa:2048 -nodes ...`)",
        ) from None
    der = cert.public_bytes(Encoding.DER)
    return {
        "private_key": pem,
        "thumbprint": hashlib.sha1(der).hexdigest(),  # Entra shows SHA-1 thumbprints
        "public_certificate": pem,
    }
