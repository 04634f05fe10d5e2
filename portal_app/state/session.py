"""The signed-in subscriber, resolved from the HttpOnly session cookie on every use."""

from __future__ import annotations

from http.cookies import CookieError, SimpleCookie
from urllib.parse import urlencode

import reflex as rx

from portal_app.models import session_scope
from portal_app.services import auth
from portal_app.services.principal import Principal

SIGN_IN_PATH = "/signin"


def cookie_value(cookie_header: str, name: str) -> str | None:
    if not cookie_header:
        return None
    jar = SimpleCookie()
    try:
        jar.load(cookie_header)
    except CookieError:
        return None
    morsel = jar.get(name)
    return morsel.value if morsel else None


def _cookie_token(cookie_header: str) -> str | None:
    return cookie_value(cookie_header, auth.SESSION_COOKIE)


class SessionState(rx.State):
    """Base for every signed-in page. Identity stays on the server (never a client var)."""

    signed_in: bool = False
    display_name: str = ""

    def _session_token(self) -> str | None:
        # Reflex keeps the request's cookie header on the server; the browser never sees it here.
        return _cookie_token(self.router.headers.cookie)

    def _principal(self) -> Principal | None:
        """The current subscriber, re-checked against the session table on every call."""
        try:
            with session_scope() as db:
                return auth.resolve_session(db, token=self._session_token())
        except auth.SessionInvalid:
            return None

    def _sign_in_redirect(self, reason: str) -> rx.event.EventSpec:
        current = self.router.url.path or "/"
        if self.router.url.query:
            current = f"{current}?{self.router.url.query}"
        query = {"next": current}
        if reason in ("expired", "revoked"):
            query["reason"] = "expired"
        return rx.redirect(f"{SIGN_IN_PATH}?{urlencode(query)}", replace=True)

    @rx.event
    def require_subscriber(self):
        """on_load guard: send visitors without a live session to sign-in, then back."""
        try:
            with session_scope() as db:
                principal = auth.resolve_session(db, token=self._session_token())
        except auth.SessionInvalid as problem:
            self.signed_in = False
            self.display_name = ""
            return self._sign_in_redirect(problem.reason)
        self.signed_in = True
        self.display_name = principal.display_name

    @rx.event
    def sign_out(self):
        self.signed_in = False
        self.display_name = ""
        # A full page load so the API route can revoke the session and clear the HttpOnly cookie.
        # POST, so another site cannot sign a subscriber out with a link.
        return rx.call_script(
            "const form = document.createElement('form');"
            "form.method = 'post'; form.action = '/auth/sign-out';"
            "document.body.appendChild(form); form.submit();"
        )
