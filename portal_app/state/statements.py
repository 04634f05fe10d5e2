"""Invoices and Payments lists: one page of rows as plain dicts."""

from __future__ import annotations

import reflex as rx

from portal_app.models import session_scope
from portal_app.services.billing import statements
from portal_app.services.core.clock import provider_today
from portal_app.money import format_cents
from portal_app.state.session import SessionState
from portal_app.theming import current_theme


def _money(cents: int) -> str:
    return format_cents(cents, current_theme().currency)


def _page_from_query(query: str) -> int:
    for part in (query or "").split("&"):
        if part.startswith("page=") and part[5:].isdigit():
            return min(int(part[5:]), 10_000)
    return 1


class InvoicesState(SessionState):
    invoices: list[dict] = []
    page: int = 1
    pages: int = 1

    @rx.event
    def load(self):
        self._show(_page_from_query(self.router.url.query))

    @rx.event
    def go_to(self, page: int):
        self._show(int(page) if str(page).isdigit() else 1)

    def _show(self, page: int):
        principal = self._principal()
        if principal is None:
            return
        with session_scope() as db:
            result = statements.list_invoices(db, principal=principal, today=provider_today(), page=page)
        self.page, self.pages = result.page, result.pages
        self.invoices = [
            {"id": inv.id, "number": inv.number, "date": f"{inv.issued_on:%b %-d, %Y}",
             "due": f"{inv.due_on:%b %-d, %Y}", "amount": _money(inv.total_cents), "status": status,
             "pdf": f"/documents/invoices/{inv.id}.pdf"}
            for inv, status in result.rows
        ]


class PaymentsListState(SessionState):
    payments: list[dict] = []
    page: int = 1
    pages: int = 1

    @rx.event
    def load(self):
        self._show(_page_from_query(self.router.url.query))

    @rx.event
    def go_to(self, page: int):
        self._show(int(page) if str(page).isdigit() else 1)

    def _show(self, page: int):
        principal = self._principal()
        if principal is None:
            return
        with session_scope() as db:
            result = statements.list_payments(db, principal=principal, page=page)
        self.page, self.pages = result.page, result.pages
        self.payments = [
            {"id": p.id, "receipt": p.receipt_number, "date": f"{p.created_at:%b %-d, %Y}", "method": p.method_label,
             "amount": _money(p.amount_cents), "status": statements.PAYMENT_STATUS.get(p.status, p.status),
             "applied": ", ".join(number for number, _ in applied) or "Credit on account",
             "taken_back": result.notes.get(p.id, ""),
             "pdf": f"/documents/receipts/{p.id}.pdf"}
            for p, applied in result.rows
        ]
