"""Staff account tools: search, and an account page (Portal, History, Tickets and Payments tabs)."""

from __future__ import annotations

from dataclasses import asdict

import reflex as rx

from portal_app.services.core.errors import NotFound, PortalError
from portal_app.services.staff import staff_accounts
from portal_app.state.signed_in import checks_session, signed_in_event
from portal_app.state.staff_payments import StaffPaymentsState
from portal_app.state.staff_session import StaffAccountPage, StaffSessionState, client_id
from portal_app.state.staff_tickets import StaffTicketsState

TABS = ("portal", "history", "tickets", "payments")
# What staff can do for a portal user: the service, and what the page then says.
USER_CHANGES = {
    "unlock": (staff_accounts.unlock_portal_user, "{username} can sign in again."),
    "enable": (staff_accounts.enable_portal_user, "{username} is enabled."),
    "resend": (staff_accounts.resend_verification, "Verification email sent again to {email}."),
}


class StaffSearchState(StaffSessionState):
    query: str = ""
    results: list[dict[str, str]] = []
    searched: bool = False

    @rx.event
    @signed_in_event
    def load(self, db, principal):
        self.results = []
        self.searched = False

    @rx.event
    @signed_in_event
    def search(self, db, principal, form_data: dict):
        self.query = str(form_data.get("q", ""))[:120]
        self.results = [asdict(hit) for hit in staff_accounts.find_accounts(db, principal=principal, query=self.query)]
        self.searched = True


class StaffAccountState(StaffAccountPage, StaffSessionState):
    account_kind: str = ""
    users: list[dict] = []
    people: list[dict[str, str]] = []  # who holds the account: username, email, role, since, added_by
    invitations: list[dict] = []  # waiting: id, email, role, expires
    history: list[dict[str, str]] = []
    kinds: list[str] = []
    kind: str = staff_accounts.HISTORY_KINDS_ALL
    history_page: int = 1
    history_pages: int = 1
    tab: str = "portal"

    def _reload(self, db, principal) -> None:
        number = self.account_number
        account = staff_accounts.access_account_by_number(db, principal=principal, account_number=number)
        self.account_name, self.account_kind = account.display_name, account.kind
        self.users = [asdict(u) for u in staff_accounts.portal_users(db, principal=principal, account_number=number)]
        people, waiting = staff_accounts.people_with_access(db, principal=principal, account_number=number)
        self.people, self.invitations = [asdict(p) for p in people], [asdict(i) for i in waiting]
        self.kinds = staff_accounts.history_kinds(db, principal=principal, account_number=number)
        shown = staff_accounts.account_history(db, principal=principal, account_number=number, kind=self.kind,
                                               page=self.history_page)
        self.history = [asdict(h) for h in shown.rows]
        self.history_page, self.history_pages = shown.page, shown.pages

    def _empty(self) -> None:
        self.account_kind, self.users, self.history, self.kinds = "", [], [], []
        self.people, self.invitations = [], []

    @rx.event
    @checks_session
    async def load(self):
        """The account page's one on_load: the session checked once, every tab filled in one DB session."""
        tabs = [await self.get_state(cls) for cls in (StaffTicketsState, StaffPaymentsState)]
        self.kind, self.history_page, self.tab = staff_accounts.HISTORY_KINDS_ALL, 1, "portal"

        def fill(db, principal):
            self._open(db, principal)
            for tab in tabs:
                tab._open(db, principal, self.account_number if self.found else "")

        return await self._signed_in(fill)

    @rx.event
    @signed_in_event
    def set_tab(self, db, principal, tab: str):
        self.tab = tab if tab in TABS else "portal"
        if self.tab == "history" and self.found:
            self._reload(db, principal)  # ticket notes and status changes made on the Tickets tab show up

    def _history(self, db, principal, kind: str, page: int) -> None:
        self.kind, self.history_page = kind, page
        self._reload(db, principal)

    @rx.event
    @signed_in_event
    def filter_kind(self, db, principal, kind: str):
        self._history(db, principal, kind if kind in self.kinds else staff_accounts.HISTORY_KINDS_ALL, 1)

    @rx.event
    @signed_in_event
    def history_go_to(self, db, principal, page: int):
        self._history(db, principal, self.kind, int(page) if str(page).isdigit() else 1)

    @rx.event
    @signed_in_event
    def add_user(self, db, principal, form_data: dict):
        user = staff_accounts.add_portal_user(
            db, principal=principal, account_number=self.account_number,
            email=str(form_data.get("email", ""))[:254], username=str(form_data.get("username", ""))[:64],
        )
        self._done(db, principal,
                   f"Portal user {user.username} added. The verification email to {user.email} is on its way.")

    @rx.event
    @signed_in_event
    def change_user(self, db, principal, user_id: int, action: str):
        """UNLOCK, ENABLE or RESEND VERIFICATION EMAIL for one of the account's portal users."""
        if str(action) not in USER_CHANGES:
            raise NotFound("action")
        change, done = USER_CHANGES[str(action)]
        try:
            user = change(db, principal=principal, account_number=self.account_number,
                          user_id=client_id(user_id, "portal user"))
        except PortalError as problem:  # gone, or verified meanwhile: say so over the list as it now stands
            db.rollback()
            self._done(db, principal, str(problem))
            return
        self._done(db, principal, done.format(username=user.username, email=user.email))

    @rx.event
    @signed_in_event
    def revoke_invitation(self, db, principal, invitation_id: int):
        """REVOKE a pending invitation to the account: its link stops working."""
        try:
            email = staff_accounts.revoke_invitation(db, principal=principal, account_number=self.account_number,
                                                     invitation_id=client_id(invitation_id, "invitation"))
        except NotFound:  # accepted, expired or revoked meanwhile: say so over the list as it now stands
            db.rollback()
            self._done(db, principal, "That invitation is no longer waiting.")
            return
        self._done(db, principal, f"The invitation to {email} is revoked; its link no longer works.")
