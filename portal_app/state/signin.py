"""Sign-in form: rate limits, password, two-factor code, then a one-time ticket for the cookie."""

from __future__ import annotations

import asyncio
import json
from urllib.parse import parse_qs, urlencode

import reflex as rx

from portal_app.models import session_scope
from portal_app.services.core import i18n
from portal_app.services.core.i18n import _
from portal_app.services.identity import auth, portal_users, ratelimit, signin_flow
from portal_app.services.identity.secrets_util import seal, unseal
from portal_app.state.language import LanguageState
from portal_app.state.tab_guard import event_cookie, event_query_param

NOTICES = {
    "expired": _("Your session has expired. Please sign in again."),
    "signed_out": _("You have signed out."),
    "ticket": _("That sign-in link has expired. Please sign in again."),
    "verified": _("Your email address is verified. Sign in with your username and password."),
    "reset": _("Your password has been changed. Sign in with the new one."),
    "email_changed": _("Your email address has been changed."),
}


def _sign_in(login: str, password: str, client_ip: str, binding: str, language: str | None) -> signin_flow.Outcome:
    """Runs in a worker thread: Argon2 is deliberately slow and must not block the event loop.

    The outcome is returned, not raised, so the counted failure commits with the block.
    """
    with session_scope() as db:
        return signin_flow.sign_in(db, login=login, password=password, client_ip=client_ip, binding=binding,
                                   language=language)


def _second_step(token: str, code: str, client_ip: str, binding: str, language: str | None) -> signin_flow.Outcome:
    with session_scope() as db:
        return signin_flow.complete_two_factor(db, two_factor_token=token, code=code, client_ip=client_ip,
                                               binding=binding, language=language)


def send_new_verification_link(login: str, client_ip: str) -> str:
    """A new verification link for whoever this is (the same answer for anyone); off the loop."""
    try:
        with session_scope() as db:
            return portal_users.resend_verification(db, login=login, client_ip=client_ip)
    except ratelimit.RateLimited as limited:
        return limited.message


class SignInState(LanguageState):
    """A substate of LanguageState: the page reads the tab's language, and a language picked here is kept
    for whoever signs in next in this tab (their portal user's `language`)."""

    error: str = ""
    notice: str = ""
    submitting: bool = False
    not_verified: bool = False
    two_factor: bool = False
    _login: str = ""
    _two_factor_token: str = ""
    _picked_lang: str = ""  # chosen on this page: stored for the user who signs in

    def _client_ip(self) -> str:
        return self.router.session.client_ip or ""

    def _binding(self) -> str:
        """This browser's pre-session cookie: the ticket will work only where it is sent."""
        return event_cookie(self, auth.PRESESSION_COOKIE) or ""

    @rx.event
    def load(self):
        query = parse_qs(self.router.url.query)
        reason = (query.get("reason") or [""])[0]
        self.notice = self._t(NOTICES.get("signed_out" if "signed_out" in query else reason, ""))
        self.error = ""
        self.submitting = False
        self.not_verified = False
        self.two_factor = False
        self._two_factor_token = ""

    def _next_path(self) -> str:
        # Read from the page's URL at submit time (a fast submit may come before on_load has run), from the
        # event's own routing data: the stored copy has no link tokens (an invitation's rides in `next`).
        return auth.safe_next_path(event_query_param(self, "next") or "/")

    def _go(self, ticket: str, home_first: bool = False):
        # A suspended service is said first thing, on Home, whatever page sign-in was asked for.
        target = "/auth/session/start?" + urlencode({"ticket": ticket, "next": "/" if home_first else self._next_path()})
        return rx.call_script(f"window.location.assign({json.dumps(target)})")

    @rx.event
    async def submit(self, form_data: dict):
        login = str(form_data.get("login", ""))[:254]
        password = str(form_data.get("password", ""))[:1024]
        if not login.strip() or not password:
            self.error = self._t(_("Enter your username or email and your password."))
            return
        if not self._binding():
            self.error = self._t(auth.NO_PRESESSION)
            return
        self.submitting = True
        self.notice = ""
        self.not_verified = False
        yield
        outcome = await asyncio.to_thread(_sign_in, login, password, self._client_ip(), self._binding(),
                                          self._picked_lang or None)
        self.submitting = False
        self._login = login
        self.error = self._t(outcome.error)
        self.not_verified = outcome.not_verified
        if outcome.two_factor_token:
            self._two_factor_token = seal(outcome.two_factor_token)  # never raw in the state store
            self.two_factor = True
            return
        if outcome.ticket:
            yield self._go(outcome.ticket, outcome.home_first)

    @rx.event
    async def submit_code(self, form_data: dict):
        code = str(form_data.get("code", ""))[:40]
        if not self._two_factor_token:
            self.two_factor = False
            self.error = self._t(signin_flow.CODE_EXPIRED)
            return
        if not code.strip():
            self.error = self._t(_("Enter the 6-digit code from your authenticator app, or a recovery code."))
            return
        self.submitting = True
        yield
        outcome = await asyncio.to_thread(_second_step, unseal(self._two_factor_token), code, self._client_ip(),
                                          self._binding(), self._picked_lang or None)
        self.submitting = False
        self.error = self._t(outcome.error)
        if outcome.ticket:
            # Reflex keeps this state for the tab: leave it on the password step for next time.
            self._two_factor_token = ""
            self.two_factor = False
            yield self._go(outcome.ticket, outcome.home_first)
        elif not outcome.two_factor_token:  # the step expired: back to the password
            self._two_factor_token = ""
            self.two_factor = False

    @rx.event
    async def resend_verification(self):
        if not self._login:
            return
        answer = await asyncio.to_thread(send_new_verification_link, self._login, self._client_ip())
        self.error = ""
        self.not_verified = False
        self.notice = self._t(answer)

    @rx.event
    def pick_language(self, lang: str):
        """English / Español on the sign-in page: the page switches, and the next sign-in keeps it."""
        if lang in i18n.LANGUAGES:
            self._set_lang(lang)
            self._picked_lang = lang
