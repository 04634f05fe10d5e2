"""Staff account page, Tickets tab: the account's tickets, one ticket with ALL its notes, new notes, status."""

from __future__ import annotations

from urllib.parse import parse_qs

import reflex as rx

from portal_app.models import session_scope
from portal_app.services.selfservice import tickets
from portal_app.services.staff import staff_accounts
from portal_app.services.core.errors import FieldErrors, NotFound, PortalError
from portal_app.state.staff_session import StaffSessionState
from portal_app.state.tickets import STATUS_LABELS, show_day, show_time
from portal_app.state.off_loop import off_the_loop

STATUS_OPTIONS = [{"id": s, "name": STATUS_LABELS[s]} for s in tickets.STATUSES]


class StaffTicketsState(StaffSessionState):
    tickets: list[dict[str, str]] = []
    statuses: list[dict[str, str]] = STATUS_OPTIONS
    open_id: int = 0  # 0: the list; otherwise the ticket shown
    number: str = ""
    subject: str = ""
    category: str = ""
    status: str = ""
    status_label: str = ""
    opened: str = ""
    updated: str = ""
    notes: list[dict[str, str]] = []
    err_body: str = ""
    err_status: str = ""
    notice: str = ""
    note_form_key: int = 0  # a new key re-mounts the note form: empty, and back to Private
    _account_number: str = ""

    def _account_id(self, db, principal) -> int:
        return staff_accounts.access_account_by_number(db, principal=principal,
                                                       account_number=self._account_number).id

    def _list(self, principal) -> None:
        with session_scope() as db:
            rows = tickets.staff_list_tickets(db, principal=principal, account_id=self._account_id(db, principal))
        self.tickets = [
            {"id": str(t.id), "number": t.number, "subject": t.subject,
             "status": STATUS_LABELS.get(t.status, t.status), "opened": show_day(t.opened_at),
             "updated": show_day(t.updated_at)}
            for t in rows
        ]

    def _show(self, principal) -> None:
        with session_scope() as db:
            detail = tickets.staff_ticket(db, principal=principal, ticket_id=self.open_id,
                                          account_id=self._account_id(db, principal))
        t = detail.ticket
        self.number, self.subject, self.category = t.number, t.subject, t.category
        self.status, self.status_label = t.status, STATUS_LABELS.get(t.status, t.status)
        self.opened, self.updated = show_time(t.opened_at), show_time(t.updated_at)
        self.notes = [
            {"id": str(n.id), "body": n.body, "when": show_time(n.created_at),
             "visibility": "PUBLIC" if n.is_public else "PRIVATE",
             "author": f"{n.author_name} ({'staff' if n.author_kind == 'staff' else 'subscriber'})"}
            for n in detail.notes
        ]

    def _clear(self) -> None:
        self.err_body = self.err_status = self.notice = ""

    @rx.event
    @off_the_loop
    def load(self):
        principal = self._staff_principal()
        if principal is None:
            return
        self._account_number = (parse_qs(self.router.url.query).get("number") or [""])[0][:32]
        self.open_id, self.notes, self.tickets = 0, [], []
        self._clear()
        try:
            self._list(principal)
        except NotFound:
            self.tickets = []

    @rx.event
    @off_the_loop
    def open_ticket(self, ticket_id: int):
        principal = self._staff_principal()
        if principal is None:
            return
        self._clear()
        try:
            self.open_id = int(ticket_id)
            self._show(principal)
        except (NotFound, TypeError, ValueError):
            self.open_id, self.notes = 0, []
            self.notice = "That ticket could not be found."

    @rx.event
    @off_the_loop
    def back(self):
        principal = self._staff_principal()
        if principal is None:
            return
        self.open_id, self.notes = 0, []
        self._clear()
        try:
            self._list(principal)
        except NotFound:
            self.tickets = []

    @rx.event
    @off_the_loop
    def add_note(self, form_data: dict):
        principal = self._staff_principal()
        if principal is None or not self.open_id:
            return
        self._clear()
        public = str(form_data.get("visibility", "private")) == "public"
        try:
            with session_scope() as db:
                tickets.staff_add_note(db, principal=principal, ticket_id=self.open_id,
                                       body=str(form_data.get("body", ""))[:10_000], public=public,
                                       account_id=self._account_id(db, principal))
        except FieldErrors as problem:
            self.err_body = next(iter(problem.errors.values()))
            return
        except NotFound:
            self.notice = "That ticket could not be found."
            return
        self.notice = ("Public note added; the subscriber is emailed." if public
                       else "Private note added; only staff can see it.")
        self._show(principal)
        # After every note the form starts over, so the next note is never public by accident.
        self.note_form_key += 1

    @rx.event
    @off_the_loop
    def set_status(self, form_data: dict):
        principal = self._staff_principal()
        if principal is None or not self.open_id:
            return
        self._clear()
        try:
            with session_scope() as db:
                ticket = tickets.staff_set_status(db, principal=principal, ticket_id=self.open_id,
                                                  status=str(form_data.get("status", "")),
                                                  account_id=self._account_id(db, principal))
                label = STATUS_LABELS.get(ticket.status, ticket.status)
        except FieldErrors as problem:
            self.err_status = next(iter(problem.errors.values()))
            return
        except (NotFound, PortalError):
            self.notice = "That ticket could not be found."
            return
        self.notice = f"Status is now {label}."
        self._show(principal)
