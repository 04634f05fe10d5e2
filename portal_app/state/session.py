"""The signed-in subscriber, resolved from the HttpOnly session cookie on every use."""

from __future__ import annotations

from urllib.parse import urlencode

import reflex as rx

from portal_app.models import session_scope
from portal_app.services.identity import auth
from portal_app.services.core.principal import Principal
from portal_app.state.tab_guard import cookie_value, event_cookie_header, reset_tab

SIGN_IN_PATH = "/signin"
__all__ = ["SIGN_IN_PATH", "SessionState", "cookie_value"]


def _cookie_token(cookie_header: str) -> str | None:
    return cookie_value(cookie_header, auth.SESSION_COOKIE)


class SessionState(rx.State):
    """Base for every signed-in page. Identity stays on the server (never a client var)."""

    signed_in: bool = False
    display_name: str = ""

    def _session_token(self) -> str | None:
        # Reflex keeps the request's cookie header on the server; the browser never sees it here.
        return _cookie_token(event_cookie_header(self))

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
    async def require_subscriber(self):
        """on_load guard: send visitors without a live session to sign-in, then back.

        Without a principal nothing of a previous sign-in may stay in this tab: the whole tree is reset.
        """
        try:
            with session_scope() as db:
                principal = auth.resolve_session(db, token=self._session_token())
        except auth.SessionInvalid as problem:
            await reset_tab(self)
            return self._sign_in_redirect(problem.reason)
        self.signed_in = True
        self.display_name = principal.display_name

    @rx.event
    async def sign_out(self):
        # Every substate of this tab (account data, staff data, secrets) goes back to its defaults.
        await reset_tab(self)
        # A full page load so the API route can revoke the session and clear the HttpOnly cookie.
        # POST, so another site cannot sign a subscriber out with a link.
        return rx.call_script(
            "const form = document.createElement('form');"
            "form.method = 'post'; form.action = '/auth/sign-out';"
            "document.body.appendChild(form); form.submit();"
        )
