"""Staff account page, Payments tab: the account's payments and refunds (full or partial, with a reason)."""

from __future__ import annotations

import secrets

import reflex as rx

from portal_app.services.core import formatting
from portal_app.services.billing import payments, refunds
from portal_app.services.core.errors import FieldErrors, NotFound, PortalError
from portal_app.state.staff_session import StaffSessionState
from portal_app.state.tickets import show_day

STATUS_WORDS = {"succeeded": "Paid", "pending": "Pending", "failed": "Declined"}



class StaffPaymentsState(StaffSessionState):
    payments: list[dict] = []
    refunding_id: int = 0  # the payment whose refund form is open
    refund_max: str = ""
    err_refund_amount: str = ""
    err_refund_reason: str = ""
    notice: str = ""
    working: bool = False
    _account_number: str = ""
    _refund_key: str = ""

    def _open(self, db, principal, account_number: str) -> None:
        """Part of the account page's one load (StaffAccountState.load); "" when there is no such account."""
        self._account_number = account_number
        self.refunding_id = 0
        self._clear_messages()
        self._list(db, principal)

    def _list(self, db, principal) -> None:
        rows = refunds.staff_payments(db, principal=principal, account_number=self._account_number) \
            if self._account_number else []
        self.payments = [
            {"id": r.id, "receipt": r.receipt_number, "date": show_day(r.created_at), "method": r.method_label,
             "amount": formatting.money(r.amount_cents), "status": STATUS_WORDS.get(r.status, r.status), "flag": r.flag,
             "taken_back": formatting.money(r.taken_back_cents) if r.taken_back_cents else "",
             "refundable": r.refundable_cents > 0, "refundable_text": formatting.money(r.refundable_cents)}
            for r in rows
        ]

    @rx.event
    def open_refund(self, payment_id: int):
        row = next((p for p in self.payments if p["id"] == payment_id and p["refundable"]), None)
        if row is None:
            return
        if self.refunding_id != int(payment_id) or not self._refund_key:
            self._refund_key = "refund_" + secrets.token_hex(16)
        self.refunding_id, self.refund_max = int(payment_id), row["refundable_text"]
        self._clear_messages()

    @rx.event
    def close_refund(self):
        self.refunding_id = 0

    def _refund(self, db, principal, amount_cents: int, reason: str) -> None:
        """The refund and the tab as it then stands, in one DB session off the loop (the gateway call too)."""
        try:
            adjustment = refunds.refund_payment(db, principal=principal, account_number=self._account_number,
                                                payment_id=self.refunding_id, amount_cents=amount_cents,
                                                reason=reason, refund_key=self._refund_key)
        except (FieldErrors, NotFound):
            raise  # beside the fields, or on top; the form (and its key) stays for another try
        except PortalError as problem:  # the processor refused or did not answer: what it did is kept
            db.rollback()
            self._clear_messages()
            self.notice = str(problem)
        else:
            cents, status = adjustment.amount_cents, adjustment.status
            self._clear_messages()
            self.notice = (f"Refunded {formatting.money(cents)}. The subscriber is emailed." if status == "applied"
                           else f"Refund of {formatting.money(cents)} is {status} at the processor.")
            self.refunding_id, self._refund_key = 0, ""
        self._list(db, principal)

    @rx.event
    async def refund(self, form_data: dict):
        if not self.refunding_id or self.working:
            return
        try:
            amount = payments.parse_amount(str(form_data.get("refund_amount", ""))[:20])
        except FieldErrors:
            self._clear_messages()
            self.err_refund_amount = "Enter an amount in dollars and cents, such as 20.00."
            return
        reason = str(form_data.get("refund_reason", ""))[:200]
        self.working = True
        yield
        try:
            outcome = await self._signed_in(lambda db, principal: self._refund(db, principal, amount, reason))
        finally:
            self.working = False
        yield outcome
