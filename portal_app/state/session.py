"""The signed-in subscriber, resolved from the HttpOnly session cookie once per event."""

from __future__ import annotations

from dataclasses import asdict

import reflex as rx
from sqlmodel import Session

from portal_app.services.core.access import BILLING, FULL, ROLE_LABELS, may
from portal_app.services.identity import auth, memberships
from portal_app.services.identity import language as user_language
from portal_app.services.core.principal import Principal
from portal_app.services.core.errors import PortalError
from portal_app.services.notify import outages
from portal_app.state import live
from portal_app.state.language import LanguageState
from portal_app.state.signed_in import SignedIn
from portal_app.state.tab_guard import event_cookie, reset_tab
from portal_app.services.core.i18n import Text

SIGN_IN_PATH = "/signin"
__all__ = ["SIGN_IN_PATH", "SessionState"]


class SessionState(SignedIn, LanguageState):
    """Base for every signed-in page. Identity stays on the server (never a client var).

    A substate of LanguageState: every page reads (and the header sets) the tab's language."""

    signed_in: bool = False
    display_name: str = ""
    # Open outage or maintenance notices for the account's area: a banner on every page.
    outage_banners: list[dict[str, str]] = []
    # (account id, service area id or -1) of the page just loaded, for live updates (state/live.py).
    _live_where: tuple[int, int] = (0, -1)
    # The sign-in's role on the chosen account (full | billing | view): what the pages offer follows it; the
    # handlers and services check the role from the session themselves (access.require_role).
    role: str = FULL
    # The accounts this sign-in holds (the header's switcher shows when there are two or more) and the chosen one.
    accounts: list[dict[str, str]] = []
    account_id: str = ""
    refused: str = ""  # a change the role does not allow, said on the page

    @rx.var
    def may_pay(self) -> bool:
        return may(self.role, BILLING)

    @rx.var
    def may_change(self) -> bool:
        return may(self.role, FULL)

    @rx.var
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, "")

    @rx.var
    def account_label(self) -> str:
        return next((a["label"] for a in self.accounts if a["id"] == self.account_id), "")

    def _session_token(self) -> str | None:
        # The websocket's own cookies, held on the server beside the router data (state/connection.py).
        return event_cookie(self, auth.SESSION_COOKIE)

    def _token(self) -> str | None:
        return self._session_token()

    def _resolve(self, db: Session, token: str | None) -> Principal:
        return auth.resolve_session(db, token=token)

    def _translate(self, text: str) -> str:
        return self._t(text)

    def _on_page_load(self, db: Session, principal: Principal) -> None:
        # The tab reads the subscriber's own language (chosen in any browser, kept on their sign-in).
        chosen = user_language.language_of(db, principal)
        if chosen:
            self._set_lang(chosen)
        # Read with each page load (not every tap), so a notice posted or restored shows on the next page.
        shown = [{k: self._t(v) if isinstance(v, Text) else str(v) for k, v in asdict(b).items()}
                 for b in outages.banners(db, account_id=principal.account_id)]
        if shown != self.outage_banners:  # unchanged: nothing to send to the browser
            self.outage_banners = shown
        area = outages.area_of(db, account_id=principal.account_id)
        self._live_where = (principal.account_id or 0, -1 if area is None else area)
        held = [{"id": str(c.account_id), "label": f"{c.account_number} · {c.name}", "number": c.account_number,
                 "name": c.name, "role": self._t(c.role_label)} for c in memberships.accounts_of(db, principal=principal)]
        if held != self.accounts:
            self.accounts = held
        if self.refused:
            self.refused = ""

    def _after_page_load(self) -> None:
        account_id, area = self._live_where
        if account_id:
            live.register(self.router.session.client_token, account_id=account_id, area_id=None if area < 0 else area,
                          route=self.router.url.path or "/")

    def _show_refusal(self, problem: Exception) -> None:
        self.refused = self._translate(problem.message if isinstance(problem, PortalError) else str(problem))

    def _on_principal(self, principal: Principal) -> None:
        # Each assignment marks the var dirty and sends it with the event's answer: set only what changed.
        if not self.signed_in:
            self.signed_in = True
        if self.display_name != principal.display_name:
            self.display_name = principal.display_name
        if self.role != principal.role:
            self.role = principal.role
        if self.account_id != str(principal.account_id or ""):
            self.account_id = str(principal.account_id or "")

    def _sign_in_page(self) -> tuple[str, str]:
        return SIGN_IN_PATH, "/"

    @rx.event
    async def require_subscriber(self):
        """on_load guard of a page that loads nothing else (pages that load data check the session
        in their own load handler): visitors without a live session go to sign-in, then back."""
        return await self._signed_in(lambda db, principal: None, page_load=True)

    @rx.event
    async def switch_account(self, account_id: str):
        """Act for another account this sign-in holds: the session row remembers it; nothing this tab
        loaded for the old account stays (the whole tree is reset), and the current page loads again for the
        new one (which also moves the tab's live updates to it)."""
        chosen = await self._signed_in(
            lambda db, principal: memberships.switch_account(db, principal=principal, account_id=account_id))
        if not isinstance(chosen, memberships.AccountChoice):
            return chosen  # a sign-in redirect, or nothing (an account it does not hold: refused, shown)
        route = self.router.url.path or "/"
        keeps_ids = bool(self.router.url.query)  # /ticket?id=... names a row of the old account
        await reset_tab(self)
        if keeps_ids:
            return rx.redirect("/")
        return live.loaders_for(route) or rx.call_script("window.location.reload()")

    @rx.event
    async def choose_my_language(self, lang: str):
        """The header's choice: this tab switches at once, and the sign-in keeps it (pages, mail, PDFs)."""
        if lang not in ("en", "es"):
            return None
        self._set_lang(lang)
        return await self._signed_in(
            lambda db, principal: user_language.choose_language(db, principal=principal, lang=lang))

    @rx.event
    async def sign_out(self):
        return await self._sign_out_through("/auth/sign-out")
