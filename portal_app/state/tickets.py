"""Tickets list and one ticket's page: view data from the tickets service (public notes only)."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs

import reflex as rx

from portal_app.services.selfservice import tickets
from portal_app.services.core.provider_settings import provider_settings
from portal_app.services.core.errors import FieldErrors, NotFound
from portal_app.state.dialogs import FormDialog
from portal_app.state.session import SessionState
from portal_app.services.core.access import FULL
from portal_app.state.signed_in import signed_in_event
from portal_app.theming import current_theme
from portal_app.services.core import formatting

CATEGORY_OPTIONS = [{"id": c, "name": c} for c in tickets.CATEGORIES]
STATUS_LABELS = {"open": "Open", "pending": "Pending", "closed": "Closed"}


def show_time(moment: dt.datetime) -> str:
    return formatting.moment(moment)


def show_day(moment: dt.datetime) -> str:
    return formatting.date(moment)


class TicketsState(FormDialog, SessionState):
    tickets: list[dict[str, str]] = []
    categories: list[dict[str, str]] = CATEGORY_OPTIONS
    can_create: bool = False
    loaded: bool = False
    err_category: str = ""
    err_subject: str = ""
    err_description: str = ""
    err_form: str = ""

    def _refresh(self, db, principal) -> None:
        rows = tickets.list_tickets(db, principal=principal)
        self.can_create = provider_settings(db).allow_ticket_creation
        self.tickets = [
            {"id": str(t.id), "number": t.number, "subject": t.subject, "category": t.category,
             "status": STATUS_LABELS.get(t.status, t.status), "opened": show_day(t.opened_at),
             "updated": show_day(t.updated_at), "href": f"/ticket?id={t.id}"}
            for t in rows
        ]
        self.loaded = True

    @rx.event
    @signed_in_event
    def load(self, db, principal):
        self.form_open = False
        self._refresh(db, principal)

    @rx.event
    def open_form(self):
        if not self.can_create:
            return
        self.err_category = self.err_subject = self.err_description = self.err_form = ""
        self.form_open = True

    @rx.event
    @signed_in_event(needs=FULL)
    def submit(self, db, principal, form_data: dict):
        self.err_category = self.err_subject = self.err_description = self.err_form = ""
        ticket = tickets.open_ticket(db, principal=principal, category=str(form_data.get("category", "")),
                                     subject=str(form_data.get("subject", ""))[:1000],
                                     description=str(form_data.get("description", ""))[:10_000])
        self.form_open = False
        return rx.redirect(f"/ticket?id={ticket.id}")


class TicketDetailState(SessionState):
    found: bool = False
    missing: str = ""
    number: str = ""
    subject: str = ""
    category: str = ""
    status: str = ""
    opened: str = ""
    updated: str = ""
    notes: list[dict[str, str]] = []
    can_reply: bool = False
    err_reply: str = ""
    notice: str = ""
    _ticket_id: int | None = None

    def _show(self, db, principal) -> None:
        try:
            detail = tickets.ticket_detail(db, principal=principal, ticket_id=self._ticket_id or 0)
        except NotFound as problem:
            self.found, self.missing, self.notes = False, str(problem), []
            self.number = self.subject = self.category = self.status = self.opened = self.updated = ""
            self.can_reply = False
            return
        t = detail.ticket
        self.found, self.missing = True, ""
        self.number, self.subject, self.category = t.number, t.subject, t.category
        self.status = STATUS_LABELS.get(t.status, t.status)
        self.opened, self.updated = show_time(t.opened_at), show_time(t.updated_at)
        self.can_reply = detail.can_reply
        self.notes = [
            {"id": str(n.id), "body": n.body, "when": show_time(n.created_at),
             "author": "You" if n.author_kind == "subscriber" else f"{n.author_name} ({current_theme().short_name})"}
            for n in detail.notes
        ]

    @rx.event
    @signed_in_event
    def load(self, db, principal):
        raw = (parse_qs(self.router.url.query).get("id") or [""])[0]
        self._ticket_id = int(raw) if raw.isdigit() else None
        self.err_reply = self.notice = ""
        self._show(db, principal)

    def _show_problem(self, problem: Exception) -> None:
        if isinstance(problem, FieldErrors):
            self.err_reply = next(iter(problem.errors.values()))
        else:
            self.missing, self.found = str(problem), False

    @rx.event
    @signed_in_event(needs=FULL)
    def reply(self, db, principal, form_data: dict):
        if self._ticket_id is None:
            return
        self.err_reply = self.notice = ""
        tickets.add_reply(db, principal=principal, ticket_id=self._ticket_id,
                          body=str(form_data.get("reply", ""))[:10_000])
        self.notice = "Your reply was added."
        self._show(db, principal)
        return rx.set_value("field-reply", "")
