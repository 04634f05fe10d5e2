"""OpenID Connect for staff sign-in: discovery, the authorization URL, the code exchange, the ID token.

authlib does the OAuth 2 client work (discovery metadata checks, the authorization URL with PKCE,
the token request with client authentication); joserfc verifies the ID token: its signature against
the provider's published keys (JWKS), then issuer, audience, expiry, issued-at and nonce. Every call
here blocks on the network: callers run it in a thread, never on the event loop.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

import requests
from authlib.common.security import generate_token
from authlib.integrations.base_client import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from authlib.oidc.discovery import OpenIDProviderMetadata, get_well_known_url
from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

TIMEOUT = 10  # seconds for any one request to the identity provider
CACHE_SECONDS = 3600  # discovery and keys: refetched after an hour, or at once for an unknown key id
CLOCK_SKEW = 60  # seconds of leeway on exp / iat between our clock and the provider's
SCOPE = "openid email profile"
# Asymmetric algorithms only: never "none", and never HS256 keyed with a secret we share.
ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")


class ProviderUnavailable(Exception):
    """The identity provider could not be reached, or answered with something that is not OpenID Connect."""


class ProviderRefused(Exception):
    """The identity provider answered with an OAuth error (a used or expired code, a wrong client secret)."""


class IdTokenInvalid(Exception):
    """The ID token failed verification: signature, issuer, audience, expiry or nonce."""


@dataclass(frozen=True)
class Client:
    """This portal as a client of the provider's identity provider."""

    issuer: str
    client_id: str
    client_secret: str
    redirect_uri: str


@dataclass(frozen=True)
class Provider:
    """What discovery said: the endpoints and the signing algorithms we accept from it."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    algorithms: tuple[str, ...]
    token_auth_method: str


_lock = threading.Lock()
_providers: dict[str, tuple[float, Provider]] = {}
_key_sets: dict[str, tuple[float, KeySet]] = {}


def forget_cached() -> None:
    """Drop cached discovery documents and keys (tests; a provider that moved)."""
    with _lock:
        _providers.clear()
        _key_sets.clear()


def _get_json(url: str) -> dict[str, Any]:
    try:
        response = requests.get(url, timeout=TIMEOUT, headers={"Accept": "application/json"})
        response.raise_for_status()
        body = response.json()
    except (requests.RequestException, ValueError) as problem:
        raise ProviderUnavailable(f"{url}: {type(problem).__name__}: {problem}"[:300]) from problem
    if not isinstance(body, dict):
        raise ProviderUnavailable(f"{url}: the answer is not a JSON object")
    return body


def discover(issuer: str) -> Provider:
    """The provider's metadata from `<issuer>/.well-known/openid-configuration`, checked (cached an hour)."""
    now = time.monotonic()
    with _lock:
        cached = _providers.get(issuer)
    if cached and now - cached[0] < CACHE_SECONDS:
        return cached[1]
    document = _get_json(get_well_known_url(issuer, external=True))
    metadata = OpenIDProviderMetadata(document)
    try:
        metadata.validate()  # https (or loopback) endpoints, the required fields, RS256 among the algorithms
    except (ValueError, KeyError) as problem:
        raise ProviderUnavailable(f"discovery document: {problem}") from problem
    if metadata["issuer"] != issuer:  # OpenID Connect Discovery 1.0, section 4.3
        raise ProviderUnavailable(f"discovery names issuer {metadata['issuer']!r}, not {issuer!r}")
    methods = metadata.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    provider = Provider(
        issuer=issuer,
        authorization_endpoint=metadata["authorization_endpoint"],
        token_endpoint=metadata["token_endpoint"],
        jwks_uri=metadata["jwks_uri"],
        algorithms=tuple(a for a in metadata["id_token_signing_alg_values_supported"] if a in ALGORITHMS),
        token_auth_method="client_secret_basic" if "client_secret_basic" in methods else "client_secret_post",
    )
    with _lock:
        _providers[issuer] = (now, provider)
    return provider


def new_secret() -> str:
    """A random value for state, nonce or PKCE code verifier (43 characters: RFC 7636's shortest verifier,
    about 256 bits)."""
    return generate_token(43)


def _session(client: Client, provider: Provider) -> OAuth2Session:
    return OAuth2Session(
        client_id=client.client_id, client_secret=client.client_secret, scope=SCOPE,
        redirect_uri=client.redirect_uri, code_challenge_method="S256",
        token_endpoint_auth_method=provider.token_auth_method,
    )


def authorization_url(client: Client, provider: Provider, *, state: str, nonce: str, code_verifier: str) -> str:
    """Where to send the browser: the authorization-code flow with PKCE (S256), state and nonce."""
    with _session(client, provider) as session:
        url, _ = session.create_authorization_url(provider.authorization_endpoint, state=state, nonce=nonce,
                                                  code_verifier=code_verifier)
    return url


def exchange_code(client: Client, provider: Provider, *, code: str, code_verifier: str) -> str:
    """Swap the authorization code for tokens at the token endpoint; return the ID token."""
    try:
        with _session(client, provider) as session:
            token = session.fetch_token(provider.token_endpoint, grant_type="authorization_code", code=code,
                                        code_verifier=code_verifier, timeout=TIMEOUT)
    except OAuthError as refusal:
        raise ProviderRefused(f"{refusal.error}: {refusal.description or ''}"[:300]) from refusal
    except (requests.RequestException, ValueError) as problem:
        raise ProviderUnavailable(f"token endpoint: {type(problem).__name__}: {problem}"[:300]) from problem
    id_token = token.get("id_token")
    if not isinstance(id_token, str) or not id_token:
        raise ProviderRefused("the token response carries no id_token")
    return id_token


def _key_set(jwks_uri: str, *, fresh: bool = False) -> KeySet:
    now = time.monotonic()
    with _lock:
        cached = _key_sets.get(jwks_uri)
    if cached and not fresh and now - cached[0] < CACHE_SECONDS:
        return cached[1]
    try:
        keys = KeySet.import_key_set(_get_json(jwks_uri))
    except (JoseError, ValueError, KeyError, TypeError) as problem:
        raise ProviderUnavailable(f"jwks: {type(problem).__name__}: {problem}"[:300]) from problem
    with _lock:
        _key_sets[jwks_uri] = (now, keys)
    return keys


def _has_key(keys: KeySet, kid: str | None) -> bool:
    return kid is None or any(key.kid == kid for key in keys)


def verify_id_token(client: Client, provider: Provider, id_token: str, *, nonce: str,
                    now: int | None = None) -> dict[str, Any]:
    """The ID token's claims once its signature (JWKS), issuer, audience, expiry, issued-at and nonce
    check out; IdTokenInvalid otherwise. An unknown key id fetches the keys again once (key rotation)."""
    try:
        kid = jws.extract_compact(id_token.encode()).protected.get("kid")
    except (JoseError, ValueError) as problem:
        raise IdTokenInvalid(f"not a signed JWT: {problem}") from problem
    keys = _key_set(provider.jwks_uri)
    if not _has_key(keys, kid):
        keys = _key_set(provider.jwks_uri, fresh=True)
    try:
        token = jwt.decode(id_token, keys, algorithms=list(provider.algorithms))
        claims = token.claims
        jwt.JWTClaimsRegistry(
            now=now, leeway=CLOCK_SKEW,
            iss={"essential": True, "value": provider.issuer},
            aud={"essential": True, "value": client.client_id},
            sub={"essential": True},
            exp={"essential": True},
            iat={"essential": True},
            nonce={"essential": True, "value": nonce},
        ).validate(claims)
    except (JoseError, ValueError) as problem:
        raise IdTokenInvalid(f"{type(problem).__name__}: {problem}"[:300]) from problem
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if len(audiences) > 1 and claims.get("azp") != client.client_id:  # OpenID Connect Core 3.1.3.7, steps 4-5
        raise IdTokenInvalid("several audiences and azp is not this client")
    return claims
