"""A small, real OpenID Connect provider for tests, on 127.0.0.1: discovery, JWKS, authorize and token.

The authorization-code flow as an identity provider runs it: `/authorize` checks the client, the
redirect URI and the PKCE challenge (S256 only), then sends the browser back with a one-time code
(or first shows a "Continue" page, as a real provider's sign-in page would, when `show_page`);
`/token` authenticates the client (HTTP Basic or form), checks the code, its redirect URI and the
PKCE verifier, and answers with an RS256 ID token signed by joserfc. The person it signs in is
`user`. A test breaks one thing at a time: `claims_override` (a value of None drops the claim),
`tamper_signature`, `sign_with_other_key` (same key id, wrong key), `deny` (error=access_denied).
Every request is kept in `seen`.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlencode, urlsplit

from joserfc import jwt
from joserfc.jwk import RSAKey

_KEYS: dict[str, RSAKey] = {}


def _key(name: str) -> RSAKey:
    """RSA keys are slow to make: one per name per test run, all with the same key id."""
    if name not in _KEYS:
        _KEYS[name] = RSAKey.generate_key(2048, parameters={"kid": "test-key-1", "use": "sig", "alg": "RS256"})
    return _KEYS[name]


@dataclass
class Seen:
    method: str
    path: str
    params: dict[str, str]
    headers: dict[str, str]


@dataclass
class OidcProvider:
    client_id: str = "portal-staff"
    client_secret: str = "idp-client-secret-for-tests"
    user: dict = field(default_factory=lambda: {"sub": "idp-user-1", "email": "jo@provider.example",
                                                "email_verified": True, "name": "Jo Staff"})
    claims_override: dict = field(default_factory=dict)
    tamper_signature: bool = False
    sign_with_other_key: bool = False
    deny: bool = False
    show_page: bool = False
    seen: list[Seen] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.key, self.other_key = _key("idp"), _key("attacker")
        self.codes: dict[str, dict] = {}
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # --- running --------------------------------------------------------------------------------

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> OidcProvider:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                provider._handle(self, "GET")

            def do_POST(self) -> None:  # noqa: N802
                provider._handle(self, "POST")

            def log_message(self, *args) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def reset(self, **user) -> None:
        """Back to a well-behaved provider signing in `user` (merged over the default person)."""
        self.user = {"sub": "idp-user-1", "email": "jo@provider.example", "email_verified": True,
                     "name": "Jo Staff", **user}
        self.claims_override, self.tamper_signature, self.sign_with_other_key = {}, False, False
        self.deny, self.show_page = False, False
        self.seen.clear()

    # --- the endpoints ---------------------------------------------------------------------------

    def _handle(self, request: BaseHTTPRequestHandler, method: str) -> None:
        parts = urlsplit(request.path)
        length = int(request.headers.get("content-length") or 0)
        body = request.rfile.read(length).decode() if length else ""
        params = dict(parse_qsl(body if method == "POST" else parts.query, keep_blank_values=True))
        with self._lock:
            self.seen.append(Seen(method, parts.path, params, dict(request.headers)))
        routes = {("GET", "/.well-known/openid-configuration"): self._discovery, ("GET", "/jwks"): self._jwks,
                  ("GET", "/authorize"): self._authorize, ("POST", "/token"): self._token}
        handler = routes.get((method, parts.path))
        if handler is None:
            self._send(request, 404, {"error": "not_found"})
            return
        handler(request, params)

    @staticmethod
    def _send(request: BaseHTTPRequestHandler, status: int, body: dict | str, headers: dict | None = None) -> None:
        data = (json.dumps(body) if isinstance(body, dict) else body).encode()
        request.send_response(status)
        request.send_header("Content-Type", "application/json" if isinstance(body, dict) else "text/html; charset=utf-8")
        request.send_header("Content-Length", str(len(data)))
        request.send_header("Cache-Control", "no-store")
        for name, value in (headers or {}).items():
            request.send_header(name, value)
        request.end_headers()
        request.wfile.write(data)

    def _discovery(self, request, params) -> None:
        issuer = self.issuer
        self._send(request, 200, {
            "issuer": issuer, "authorization_endpoint": f"{issuer}/authorize", "token_endpoint": f"{issuer}/token",
            "jwks_uri": f"{issuer}/jwks", "response_types_supported": ["code"], "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"], "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "scopes_supported": ["openid", "email", "profile"], "grant_types_supported": ["authorization_code"],
        })

    def _jwks(self, request, params) -> None:
        self._send(request, 200, {"keys": [self.key.as_dict(private=False)]})

    def _authorize(self, request, params) -> None:
        redirect_uri = params.get("redirect_uri", "")
        if params.get("client_id") != self.client_id or not redirect_uri.startswith("http://"):
            self._send(request, 400, "<p>Unknown client or redirect URI.</p>")
            return
        back = {"state": params.get("state", "")}
        if self.deny:
            back["error"] = "access_denied"
        elif (params.get("response_type") != "code" or params.get("code_challenge_method") != "S256"
              or not params.get("code_challenge") or not params.get("nonce") or "openid" not in params.get("scope", "")):
            back["error"] = "invalid_request"
        else:
            code = secrets.token_urlsafe(24)
            with self._lock:
                self.codes[code] = {"redirect_uri": redirect_uri, "challenge": params["code_challenge"],
                                    "nonce": params["nonce"], "user": dict(self.user), "used": False}
            back["code"] = code
        location = f"{redirect_uri}?{urlencode(back)}"
        if self.show_page and "code" in back:
            who = html.escape(self.user.get("email", ""))
            self._send(request, 200, f"<!doctype html><html lang='en'><head><title>Test IdP</title></head><body>"
                                     f"<main><h1>Test IdP</h1><p>Signed in as {who}.</p>"
                                     f"<a href='{html.escape(location)}'>Continue to the portal</a></main></body></html>")
            return
        self._send(request, 302, "", {"Location": location})

    def _client_ok(self, request, params) -> bool:
        auth = request.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            client_id, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
        else:
            client_id, secret = params.get("client_id", ""), params.get("client_secret", "")
        return client_id == self.client_id and secrets.compare_digest(secret, self.client_secret)

    def _token(self, request, params) -> None:
        if not self._client_ok(request, params):
            self._send(request, 401, {"error": "invalid_client"})
            return
        with self._lock:
            grant = self.codes.get(params.get("code", ""))
            fresh = grant is not None and not grant["used"]
            if grant is not None:
                grant["used"] = True
        verifier = params.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if (params.get("grant_type") != "authorization_code" or not fresh
                or params.get("redirect_uri") != grant["redirect_uri"] or challenge != grant["challenge"]):
            self._send(request, 400, {"error": "invalid_grant", "error_description": "code, redirect_uri or PKCE"})
            return
        self._send(request, 200, {"access_token": secrets.token_urlsafe(24), "token_type": "Bearer",
                                  "expires_in": 300, "id_token": self.id_token(grant["user"], nonce=grant["nonce"])})

    def id_token(self, user: dict, *, nonce: str) -> str:
        now = int(time.time())
        claims = {"iss": self.issuer, "aud": self.client_id, "iat": now, "exp": now + 300, "nonce": nonce, **user}
        for name, value in self.claims_override.items():
            if value is None:
                claims.pop(name, None)
            else:
                claims[name] = value
        key = self.other_key if self.sign_with_other_key else self.key
        token = jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key)
        if self.tamper_signature:
            head, payload, signature = token.split(".")
            flipped = "A" if signature[10] != "A" else "B"
            token = ".".join([head, payload, signature[:10] + flipped + signature[11:]])
        return token
