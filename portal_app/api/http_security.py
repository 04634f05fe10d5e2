"""Security headers on every HTTP response, and the pre-session cookie that binds sign-in tickets.

Wrapped around the whole backend (pages, API routes, assets) through `rx.App(api_transformer=...)`.
The Content-Security-Policy is what the Reflex build needs and no more: its pages carry inline
bootstrap scripts and `rx.call_script` runs code through `eval`, so scripts need 'unsafe-inline'
and 'unsafe-eval'; everything else (frames, plugins, base URL, form targets, where data may be
sent) is locked to this origin.
"""

from __future__ import annotations

from http.cookies import SimpleCookie

from starlette.datastructures import MutableHeaders
from starlette.types import Message, Receive, Scope, Send

from portal_app.api.middleware import HttpMiddleware
from portal_app.api.client_address import client_address
from portal_app.config import get_settings
from portal_app.services.identity.auth import PRESESSION_COOKIE
from portal_app.services.identity.secrets_util import new_token

__all__ = ["PRESESSION_COOKIE", "HttpSecurity", "client_ip", "from_our_pages", "security_headers"]

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self' 'unsafe-inline' 'unsafe-eval'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "frame-ancestors 'none'",
    "frame-src 'none'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
])


def security_headers(*, production: bool) -> dict[str, str]:
    headers = {
        "Content-Security-Policy": CONTENT_SECURITY_POLICY,
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "strict-origin-when-cross-origin",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    }
    if production:
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    return headers


def client_ip(request) -> str:
    """The visitor's address as Reflex resolves it for events (so sessions, history and rate limits
    agree): X-Forwarded-For counts only through REFLEX_TRUSTED_PROXY_HOPS trusted proxies."""
    return client_address(request)


def from_our_pages(headers) -> bool:
    """A state-changing form POST (sign-out) must come from the portal's own pages, not another site.

    Browsers send Origin on every cross-site POST and Sec-Fetch-Site on modern ones; a request with
    neither (no browser involved) cannot carry a victim's cookies by itself.
    """
    origin = headers.get("origin")
    if origin is not None and origin != get_settings().public_origin:
        return False
    return headers.get("sec-fetch-site", "same-origin") in ("same-origin", "none")


def _has_presession(scope: Scope) -> bool:
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            jar = SimpleCookie()
            try:
                jar.load(value.decode("latin-1"))
            except Exception:  # noqa: BLE001 - a malformed Cookie header is just no cookie
                return False
            return PRESESSION_COOKIE in jar
    return False


class HttpSecurity(HttpMiddleware):
    """ASGI middleware: adds the headers above (a route's own value wins) and, on a page load
    without one, sets the HttpOnly pre-session cookie that sign-in tickets are bound to."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        settings = get_settings()
        extra = security_headers(production=settings.is_production)
        needs_presession = not _has_presession(scope)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in extra.items():
                    if name not in headers:
                        headers[name] = value
                if needs_presession and headers.get("content-type", "").startswith("text/html"):
                    secure = "; Secure" if settings.is_production else ""
                    headers.append("set-cookie",
                                   f"{PRESESSION_COOKIE}={new_token()}; Path=/; HttpOnly; SameSite=Lax{secure}")
            await send(message)

        await self.app(scope, receive, send_with_headers)
