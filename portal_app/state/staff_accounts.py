"""Staff account tools: search, and an account's Portal and History tabs."""

from __future__ import annotations

from dataclasses import asdict
from urllib.parse import parse_qs

import reflex as rx

from portal_app.models import session_scope
from portal_app.services.staff import staff_accounts
from portal_app.services.core.errors import FieldErrors, NotFound, PortalError
from portal_app.state.staff_session import StaffSessionState
from portal_app.state.off_loop import off_the_loop


class StaffSearchState(StaffSessionState):
    query: str = ""
    results: list[dict[str, str]] = []
    searched: bool = False

    @rx.event
    def load(self):
        self.results = []
        self.searched = False

    @rx.event
    @off_the_loop
    def search(self, form_data: dict):
        principal = self._staff_principal()
        if principal is None:
            return
        self.query = str(form_data.get("q", ""))[:120]
        with session_scope() as db:
            hits = staff_accounts.find_accounts(db, principal=principal, query=self.query)
        self.results = [asdict(hit) for hit in hits]
        self.searched = True


class StaffAccountState(StaffSessionState):
    account_number: str = ""
    account_name: str = ""
    account_kind: str = ""
    found: bool = False
    users: list[dict] = []
    history: list[dict[str, str]] = []
    kinds: list[str] = []
    kind: str = staff_accounts.HISTORY_KINDS_ALL
    history_page: int = 1
    history_pages: int = 1
    errors: dict[str, str] = {}
    notice: str = ""
    tab: str = "portal"

    def _reload(self, principal) -> None:
        with session_scope() as db:
            account = staff_accounts.access_account_by_number(db, principal=principal, account_number=self.account_number)
            self.account_name = account.display_name
            self.account_kind = account.kind
            self.users = [asdict(u) for u in staff_accounts.portal_users(db, principal=principal, account_number=self.account_number)]
            self.kinds = staff_accounts.history_kinds(db, principal=principal, account_number=self.account_number)
            shown = staff_accounts.account_history(db, principal=principal, account_number=self.account_number,
                                                   kind=self.kind, page=self.history_page)
            self.history = [asdict(h) for h in shown.rows]
            self.history_page, self.history_pages = shown.page, shown.pages

    @rx.event
    @off_the_loop
    def load(self):
        principal = self._staff_principal()
        if principal is None:
            return
        self.account_number = (parse_qs(self.router.url.query).get("number") or [""])[0][:32]
        self.kind = staff_accounts.HISTORY_KINDS_ALL
        self.history_page = 1
        self.errors = {}
        self.notice = ""
        self.tab = "portal"
        try:
            self._reload(principal)
            self.found = True
        except NotFound:
            self.found = False
            self.users, self.history, self.kinds = [], [], []

    @rx.event
    @off_the_loop
    def set_tab(self, tab: str):
        self.tab = tab if tab in ("portal", "history", "tickets", "payments") else "portal"
        principal = self._staff_principal()
        if self.tab == "history" and principal is not None and self.found:
            self._reload(principal)  # ticket notes and status changes made on the Tickets tab show up

    @rx.event
    @off_the_loop
    def filter_kind(self, kind: str):
        principal = self._staff_principal()
        if principal is None or not self.found:
            return
        self.kind = kind if kind in self.kinds else staff_accounts.HISTORY_KINDS_ALL
        self.history_page = 1
        self._reload(principal)

    @rx.event
    @off_the_loop
    def history_go_to(self, page: int):
        principal = self._staff_principal()
        if principal is None or not self.found:
            return
        self.history_page = int(page) if str(page).isdigit() else 1
        self._reload(principal)

    @rx.event
    @off_the_loop
    def add_user(self, form_data: dict):
        principal = self._staff_principal()
        if principal is None or not self.found:
            return
        try:
            with session_scope() as db:
                user = staff_accounts.add_portal_user(
                    db, principal=principal, account_number=self.account_number,
                    email=str(form_data.get("email", ""))[:254], username=str(form_data.get("username", ""))[:64],
                )
                added = f"Portal user {user.username} added. The verification email to {user.email} is on its way."
        except FieldErrors as problems:
            self.errors = dict(problems.errors)
            return
        self.errors = {}
        self.notice = added
        self._reload(principal)

    @rx.event
    @off_the_loop
    def resend(self, user_id: int):
        principal = self._staff_principal()
        if principal is None or not self.found:
            return
        try:
            with session_scope() as db:
                user = staff_accounts.resend_verification(
                    db, principal=principal, account_number=self.account_number, user_id=int(user_id)
                )
                self.notice = f"Verification email sent again to {user.email}."
        except (PortalError, ValueError, TypeError) as problem:
            self.notice = str(problem) if isinstance(problem, PortalError) else "That portal user could not be found."
        self._reload(principal)



    @rx.event
    @off_the_loop
    def unlock(self, user_id: int):
        principal = self._staff_principal()
        if principal is None or not self.found:
            return
        try:
            with session_scope() as db:
                user = staff_accounts.unlock_portal_user(
                    db, principal=principal, account_number=self.account_number, user_id=int(user_id)
                )
                self.notice = f"{user.username} can sign in again."
        except (NotFound, ValueError, TypeError):
            self.notice = "That portal user could not be found."
        self._reload(principal)

    @rx.event
    @off_the_loop
    def enable(self, user_id: int):
        principal = self._staff_principal()
        if principal is None or not self.found:
            return
        try:
            with session_scope() as db:
                user = staff_accounts.enable_portal_user(
                    db, principal=principal, account_number=self.account_number, user_id=int(user_id)
                )
                self.notice = f"{user.username} is enabled."
        except (NotFound, ValueError, TypeError):
            self.notice = "That portal user could not be found."
        self._reload(principal)
