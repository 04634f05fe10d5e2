"""Staff account page, Tickets tab: the account's tickets, one ticket with ALL its notes, new notes, status."""

from __future__ import annotations

import reflex as rx

from portal_app.services.selfservice import tickets
from portal_app.services.staff import staff_accounts
from portal_app.state.signed_in import signed_in_event
from portal_app.state.staff_session import StaffSessionState, client_id
from portal_app.state.tickets import STATUS_LABELS, show_day, show_time

STATUS_OPTIONS = [{"id": s, "name": STATUS_LABELS[s]} for s in tickets.STATUSES]


class StaffTicketsState(StaffSessionState):
    tickets: list[dict[str, str]] = []
    statuses: list[dict[str, str]] = STATUS_OPTIONS
    open_id: int = 0  # 0: the list; otherwise the ticket shown
    ticket: dict[str, str] = {}  # the ticket shown: number, subject, category, status (and its label), dates
    notes: list[dict[str, str]] = []
    err_body: str = ""
    err_status: str = ""
    notice: str = ""
    note_form_key: int = 0  # a new key re-mounts the note form: empty, and back to Private
    _account_number: str = ""

    def _account_id(self, db, principal) -> int:
        return staff_accounts.access_account_by_number(db, principal=principal,
                                                       account_number=self._account_number).id

    def _open(self, db, principal, account_number: str) -> None:
        """Part of the account page's one load (StaffAccountState.load); "" when there is no such account."""
        self._account_number = account_number
        self._list(db, principal)

    def _list(self, db, principal) -> None:
        self.open_id, self.ticket, self.notes, self.tickets = 0, {}, [], []
        self._clear_messages()
        if not self._account_number:
            return
        self.tickets = [
            {"id": str(t.id), "number": t.number, "subject": t.subject,
             "status": STATUS_LABELS.get(t.status, t.status), "opened": show_day(t.opened_at),
             "updated": show_day(t.updated_at)}
            for t in tickets.staff_list_tickets(db, principal=principal, account_id=self._account_id(db, principal))
        ]

    def _show(self, db, principal, ticket_id: int) -> None:
        detail = tickets.staff_ticket(db, principal=principal, ticket_id=ticket_id,
                                      account_id=self._account_id(db, principal))
        t = detail.ticket
        self.open_id = ticket_id
        self.ticket = {"number": t.number, "subject": t.subject, "category": t.category, "status": t.status,
                       "status_label": STATUS_LABELS.get(t.status, t.status), "opened": show_time(t.opened_at),
                       "updated": show_time(t.updated_at)}
        self.notes = [
            {"id": str(n.id), "body": n.body, "when": show_time(n.created_at),
             "visibility": "PUBLIC" if n.is_public else "PRIVATE",
             "author": f"{n.author_name} ({'staff' if n.author_kind == 'staff' else 'subscriber'})"}
            for n in detail.notes
        ]

    @rx.event
    @signed_in_event
    def open_ticket(self, db, principal, ticket_id: int):
        self._clear_messages()
        self._show(db, principal, client_id(ticket_id, "ticket"))

    @rx.event
    @signed_in_event
    def back(self, db, principal):
        self._list(db, principal)

    @rx.event
    @signed_in_event
    def add_note(self, db, principal, form_data: dict):
        if not self.open_id:
            return
        public = str(form_data.get("visibility", "private")) == "public"
        tickets.staff_add_note(db, principal=principal, ticket_id=self.open_id, public=public,
                               body=str(form_data.get("body", ""))[:10_000], account_id=self._account_id(db, principal))
        self._clear_messages()
        self.notice = ("Public note added; the subscriber is emailed." if public
                       else "Private note added; only staff can see it.")
        self._show(db, principal, self.open_id)
        # After every note the form starts over, so the next note is never public by accident.
        self.note_form_key += 1

    @rx.event
    @signed_in_event
    def set_status(self, db, principal, form_data: dict):
        if not self.open_id:
            return
        ticket = tickets.staff_set_status(db, principal=principal, ticket_id=self.open_id,
                                          status=str(form_data.get("status", "")),
                                          account_id=self._account_id(db, principal))
        self._clear_messages()
        self.notice = f"Status is now {STATUS_LABELS.get(ticket.status, ticket.status)}."
        self._show(db, principal, self.open_id)
