"""Paper bills (admin): the bills waiting for the post, their PDFs, and marking them printed."""

from __future__ import annotations

import reflex as rx

from portal_app.services.core import formatting
from portal_app.services.billing import paper_bills
from portal_app.state.signed_in import signed_in_event
from portal_app.state.staff_session import StaffPage, StaffSessionState, client_id


class StaffPaperBillsState(StaffPage, StaffSessionState):
    bills: list[dict[str, str]] = []
    total: str = ""
    _shown: list[int] = []  # the bills on the page: MARK ALL PRINTED marks these, not ones that came since

    def _reload(self, db, principal) -> None:
        rows = paper_bills.paper_bills(db, principal=principal)
        self._shown = [r.invoice_id for r in rows]
        self.bills = [{"id": str(r.invoice_id), "number": r.number, "account": r.account_number, "name": r.name,
                       "issued": formatting.date(r.issued_on), "total": formatting.money(r.total_cents),
                       "href": f"/staff/documents/paper-bills.pdf?invoice={r.invoice_id}"} for r in rows]
        self.total = f"{len(rows)} bill{'s' if len(rows) != 1 else ''} waiting for the post"

    @rx.event
    @signed_in_event
    def mark_one(self, db, principal, invoice_id: str):
        marked = paper_bills.mark_printed(db, principal=principal, invoice_ids=[client_id(invoice_id, "invoice")])
        self._done(db, principal, "Marked printed." if marked else "That bill was already marked printed.")

    @rx.event
    @signed_in_event
    def mark_all(self, db, principal):
        marked = paper_bills.mark_printed(db, principal=principal, invoice_ids=list(self._shown))
        self._done(db, principal, f"{marked} bill{'s' if marked != 1 else ''} marked printed.")
