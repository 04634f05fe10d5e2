"""Sign-in form: check the password, then hand the browser a one-time ticket for its cookie."""

from __future__ import annotations

import asyncio
import json
from urllib.parse import parse_qs, urlencode

import reflex as rx

from portal_app.models import session_scope
from portal_app.services import auth
from portal_app.services.errors import SignInFailed

NOTICES = {
    "expired": "Your session has expired. Please sign in again.",
    "signed_out": "You have signed out.",
    "ticket": "That sign-in link has expired. Please sign in again.",
}


def _check_credentials(login: str, password: str) -> str:
    """Runs in a worker thread: Argon2 is deliberately slow and must not block the event loop."""
    with session_scope() as db:
        try:
            user = auth.authenticate(db, login=login, password=password)
        except SignInFailed as failure:
            refusal = failure  # keep the failure count: leave the block normally so it commits
        else:
            return auth.create_session_ticket(db, user=user)
    raise refusal


class SignInState(rx.State):
    error: str = ""
    notice: str = ""
    submitting: bool = False
    _next_path: str = "/"

    @rx.event
    def load(self):
        query = parse_qs(self.router.url.query)
        self._next_path = auth.safe_next_path((query.get("next") or ["/"])[0])
        reason = (query.get("reason") or [""])[0]
        self.notice = NOTICES.get("signed_out" if "signed_out" in query else reason, "")
        self.error = ""
        self.submitting = False

    @rx.event
    async def submit(self, form_data: dict):
        login = str(form_data.get("login", ""))[:254]
        password = str(form_data.get("password", ""))[:1024]
        if not login.strip() or not password:
            self.error = "Enter your username or email and your password."
            return
        self.submitting = True
        self.notice = ""
        yield
        try:
            ticket = await asyncio.to_thread(_check_credentials, login, password)
        except SignInFailed as failure:
            self.error = str(failure)
            self.submitting = False
            return
        self.error = ""
        target = "/auth/session/start?" + urlencode({"ticket": ticket, "next": self._next_path})
        yield rx.call_script(f"window.location.assign({json.dumps(target)})")
