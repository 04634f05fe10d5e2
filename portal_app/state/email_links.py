"""Pages an email link lands on: verify (and set a first password), reset the password, confirm a new email.

The raw token arrives in the link's query; the tab keeps it only sealed (encrypted with the
deployment's key) in a backend-only var, drops it once used, and the database stores only its hash.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import reflex as rx

from portal_app.models import session_scope
from portal_app.services.identity import account_security, auth, portal_users, ratelimit, tokens
from portal_app.services.core.errors import FieldErrors
from portal_app.services.identity.secrets_util import seal, unseal
from portal_app.services.core.i18n import _
from portal_app.state.language import LanguageState
from portal_app.state.off_loop import in_one_session
from portal_app.state.signin import send_new_verification_link
from portal_app.state.tab_guard import event_cookie, event_query_param

# Take the token out of the address bar once read, so later events of the page do not carry it.
_FORGET_LINK = rx.call_script("window.history.replaceState(window.history.state, '', window.location.pathname)")


def _token_from(state: rx.State) -> str:
    return event_query_param(state, "token")[:200]


def _follow(service: Callable[..., Any], raw: str, **kwargs: Any) -> tuple[bool, Any]:
    """Use an emailed link's token in one DB session (in a worker thread): (True, what the service
    returned), or (False, None) when the link is dead (expired, used, or never issued)."""
    try:
        with session_scope() as db:
            return True, service(db, raw_token=raw, **kwargs)
    except tokens.TokenInvalid:
        return False, None


async def _follow_link(service: Callable[..., Any], raw: str, **kwargs: Any) -> tuple[bool, Any]:
    return await asyncio.to_thread(_follow, service, raw, **kwargs)


class PasswordFromLink(rx.State, mixin=True):
    """A page whose emailed link lets someone choose a password: the token is kept sealed, the two
    typed passwords must agree, and a link that died meanwhile ends in the page's own message."""

    loaded: bool = False
    valid: bool = False
    username: str = ""
    error: str = ""
    password_error: str = ""
    submitting: bool = False
    _token: str = ""  # sealed
    _chosen: bool = False

    def _open(self, raw: str, username: str | None, dead: str) -> None:
        self.loaded, self.submitting, self.password_error = True, False, ""
        self.valid = username is not None
        self.username = username or ""
        self._token = seal(raw) if username is not None else ""
        self.error = "" if username is not None else self._t(dead)

    async def _choose_password(self, form_data: dict, service: Callable[..., Any], dead: str, **kwargs: Any):
        """Yields while it works; `self._chosen` tells the caller the password was set."""
        self._chosen = False
        password = str(form_data.get("password", ""))[:1024]
        if password != str(form_data.get("confirm", ""))[:1024]:
            self.password_error = self._t(_("The two passwords are not the same."))
            return
        self.submitting = True
        yield
        try:
            used, _done = await _follow_link(service, unseal(self._token), new_password=password, **kwargs)
        except FieldErrors as problems:
            self.password_error = self._t(problems.errors.get("password", problems.message))
            self.submitting = False
            return
        self._token = ""  # used or dead: nothing left to replay
        self.submitting = False
        if used:
            self._chosen = True
        else:
            self.valid, self.error = False, self._t(dead)


class VerifyState(PasswordFromLink, LanguageState):
    """/verify?token=…: a user staff created sets a password; a self-signed-up one is verified at once."""

    resend_notice: str = ""
    needs_password: bool = False

    @rx.event
    async def load(self):
        raw = _token_from(self)
        self.resend_notice = ""
        link = (await _follow_link(portal_users.inspect_verification, raw))[1]
        self._open(raw, link.username if link else None, portal_users.LINK_INVALID)
        self.needs_password = bool(link and link.needs_password)
        yield _FORGET_LINK
        if link is None or link.needs_password:
            return
        self._token = ""
        verified, _done = await _follow_link(portal_users.verify_email, raw, new_password=None)
        if not verified:
            self.valid, self.error = False, self._t(portal_users.LINK_INVALID)
            return
        yield rx.redirect("/signin?reason=verified", replace=True)

    @rx.event
    async def set_password(self, form_data: dict):
        async for update in self._choose_password(form_data, portal_users.verify_email, portal_users.LINK_INVALID):
            yield update
        if self._chosen:
            yield rx.redirect("/signin?reason=verified", replace=True)

    @rx.event
    async def resend(self, form_data: dict):
        """A dead link: send a new one to whoever this is, with the same answer for anyone."""
        login = str(form_data.get("login", ""))[:254]
        if not login.strip():
            return
        self.resend_notice = self._t(
            await asyncio.to_thread(send_new_verification_link, login, self.router.session.client_ip or ""))


class ForgotPasswordState(LanguageState):
    """Don't remember your password? One answer whether or not the address is known."""

    notice: str = ""
    error: str = ""
    email_error: str = ""
    submitting: bool = False

    @rx.event
    def load(self):
        self.notice = self.error = self.email_error = ""
        self.submitting = False

    @rx.event
    async def submit(self, form_data: dict):
        email = str(form_data.get("email", ""))[:254]
        self.submitting = True
        self.error = self.email_error = self.notice = ""
        yield
        try:
            # Not checked for format first: a malformed and an unknown address get the same answer.
            self.notice = self._t(await in_one_session(portal_users.request_password_reset, email=email,
                                                       client_ip=self.router.session.client_ip or ""))
        except FieldErrors as problems:
            self.email_error = self._t(problems.errors.get("email", problems.message))
        except ratelimit.RateLimited as limited:
            self.error = self._t(limited.message)
        self.submitting = False


RESET_LINK_DEAD = _("This reset link has expired or has already been used. Ask for a new one.")


class ResetPasswordState(PasswordFromLink, LanguageState):
    @rx.event
    async def load(self):
        raw = _token_from(self)
        _found, username = await _follow_link(portal_users.inspect_reset, raw)
        self._open(raw, username, RESET_LINK_DEAD)
        return _FORGET_LINK

    @rx.event
    async def submit(self, form_data: dict):
        browser = event_cookie(self, auth.PRESESSION_COOKIE) or ""
        async for update in self._choose_password(form_data, portal_users.reset_password, RESET_LINK_DEAD,
                                                  binding=browser):
            yield update
        if self._chosen:
            yield rx.redirect("/signin?reason=reset", replace=True)


class ConfirmEmailState(LanguageState):
    loaded: bool = False
    confirmed: bool = False

    @rx.event
    async def load(self):
        self.confirmed, _done = await _follow_link(account_security.confirm_email_change, _token_from(self))
        self.loaded = True
        return _FORGET_LINK


class ConfirmSignUpState(LanguageState):
    """/confirm-sign-up?token=…: someone who reads an address on the account finishes a new sign-in."""

    loaded: bool = False
    confirmed: bool = False
    username: str = ""
    email: str = ""
    verified: bool = False
    awaiting_approval: bool = False

    @rx.event
    async def load(self):
        _used, done = await _follow_link(portal_users.confirm_sign_up_link, _token_from(self))
        self.loaded, self.confirmed = True, done is not None
        self.username = done.username if done else ""
        self.email = done.email if done else ""
        self.verified = bool(done and done.verified)
        self.awaiting_approval = bool(done and done.awaiting_approval)
        return _FORGET_LINK


class RemoveSignInState(LanguageState):
    """/remove-sign-in?token=…: from the "new sign-in added" notice, remove a sign-in you do not know."""

    loaded: bool = False
    valid: bool = False
    removed: bool = False
    username: str = ""
    _token: str = ""  # sealed

    @rx.event
    async def load(self):
        raw = _token_from(self)
        _found, username = await _follow_link(portal_users.inspect_removal, raw)
        self.loaded, self.valid, self.removed = True, username is not None, False
        self.username = username or ""
        self._token = seal(raw) if username else ""
        return _FORGET_LINK

    @rx.event
    async def remove(self):
        if not self._token:
            return
        self.removed, _done = await _follow_link(portal_users.remove_by_link, unseal(self._token))
        self.valid = self.removed
        self._token = ""
