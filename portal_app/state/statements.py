"""Invoices and Payments lists (one page of rows as plain dicts), and the statement form beside them."""

from __future__ import annotations

import reflex as rx

from portal_app.services.billing import account_statement, statements
from portal_app.services.core.errors import FieldErrors
from portal_app.services.core.i18n import _
from portal_app.services.core.clock import provider_today
from portal_app.services.core import formatting
from portal_app.state.session import SessionState
from portal_app.state.signed_in import signed_in_event



def _signed(cents: int | None) -> str:
    if cents is None:
        return ""
    return formatting.signed(cents)


def _reasons(reasons, say) -> list[dict[str, str]]:
    return [{"text": say(r.text), "amount": _signed(r.amount_cents)} for r in reasons]


def _page_from_query(query: str) -> int:
    for part in (query or "").split("&"):
        if part.startswith("page=") and part[5:].isdigit():
            return min(int(part[5:]), 10_000)
    return 1


class PagedList(rx.State, mixin=True):
    """A list shown a page at a time, its page number in the address (?page=N): each list says how to
    fetch one page (`_fetch`) and keeps its own rows, page and page count."""

    page: int = 1
    pages: int = 1

    @rx.event
    @signed_in_event
    def load(self, db, principal):
        self._fetch(db, principal, _page_from_query(self.router.url.query))

    @rx.event
    @signed_in_event
    def go_to(self, db, principal, page: int):
        self._fetch(db, principal, int(page) if str(page).isdigit() else 1)

    def _fetch(self, db, principal, page: int) -> None:
        raise NotImplementedError

    def _set_page(self, page: int, pages: int) -> None:
        # An assigned var goes out with the answer even when unchanged: only what changed.
        if self.page != page:
            self.page = page
        if self.pages != pages:
            self.pages = pages


class InvoicesState(PagedList, SessionState):
    invoices: list[dict] = []

    def _fetch(self, db, principal, page: int) -> None:
        fmt = self._formats()
        result = statements.list_invoices(db, principal=principal, today=provider_today(), page=page)
        self._set_page(result.page, result.pages)
        # "Why is my bill different?" is filled in when it is opened (`explain`): a page stays one statement.
        self.invoices = [
            {"id": inv.id, "number": inv.number, "date": fmt.date(inv.issued_on),
             "due": fmt.date(inv.due_on), "amount": fmt.money(inv.total_cents), "status": status,
             "pdf": f"/documents/invoices/{inv.id}.pdf", "explainable": inv.status != "void", **_explained(None, self._t)}
            for inv, status in result.rows
        ]

    @rx.event
    @signed_in_event
    def explain(self, db, principal, invoice_id: int):
        """A bill's "Why is my bill different?" was opened: read it once (it stays while the page is shown)."""
        invoice_id = int(invoice_id)
        at = next((n for n, row in enumerate(self.invoices) if row["id"] == invoice_id), None)
        if at is None or self.invoices[at]["headline"]:
            return
        explanation = statements.explain_invoice(db, principal=principal, invoice_id=invoice_id, fmt=self._formats())
        rows = list(self.invoices)
        rows[at] = {**rows[at], **_explained(explanation, self._t)}
        self.invoices = rows


def _explained(explanation, say) -> dict:
    """Why is my bill different?: the headline, what changed, and the payments and balance since the last bill
    (`say`: in the tab's language); empty until it is read."""
    if explanation is None:
        return {"headline": "", "changes": [], "account": []}
    return {"headline": say(explanation.headline), "changes": _reasons(explanation.changes, say),
            "account": _reasons(explanation.account, say)}


class PaymentsListState(PagedList, SessionState):
    payments: list[dict] = []

    def _fetch(self, db, principal, page: int) -> None:
        result = statements.list_payments(db, principal=principal, page=page)
        self._set_page(result.page, result.pages)
        fmt = self._formats()
        self.payments = [
            {"id": p.id, "receipt": p.receipt_number, "date": fmt.date(p.created_at), "method": p.method_label,
             "amount": fmt.money(p.amount_cents), "status": statements.PAYMENT_STATUS.get(p.status, p.status),
             "applied": ", ".join(number for number, _amount in applied) or self._t(_("Credit on account")),
             "taken_back": self._t(result.notes.get(p.id, "")),
             "pdf": f"/documents/receipts/{p.id}.pdf"}
            for p, applied in result.rows
        ]


class StatementFormState(SessionState):
    """A statement for two dates: checks them and offers the PDF link (the route checks the session and
    serves only the signed-in account's statement)."""

    href: str = ""
    label: str = ""
    err_from: str = ""
    err_to: str = ""

    @rx.var
    def default_from(self) -> str:
        today = provider_today()
        return today.replace(year=today.year - 1 if today.month <= 3 else today.year,
                             month=(today.month - 4) % 12 + 1, day=1).isoformat()

    @rx.var
    def default_to(self) -> str:
        return provider_today().isoformat()

    @rx.event
    def make(self, form: dict):
        self.href, self.label, self.err_from, self.err_to = "", "", "", ""
        try:
            start, end = account_statement.parse_range(str(form.get("from", "")), str(form.get("to", "")),
                                                       today=provider_today())
        except FieldErrors as problem:
            self.err_from, self.err_to = self._t(problem.errors.get("from", "")), self._t(problem.errors.get("to", ""))
            return
        self.href = f"/documents/statement.pdf?from={start.isoformat()}&to={end.isoformat()}"
        self.label = self._formats().date_range(start, end)
