"""Staff account page, Payments tab: the account's payments and refunds (full or partial, with a reason)."""

from __future__ import annotations

import asyncio
import secrets
from urllib.parse import parse_qs

import reflex as rx

from portal_app.models import session_scope
from portal_app.services.billing import payments, refunds
from portal_app.services.core.errors import FieldErrors, NotFound, PortalError
from portal_app.money import format_cents
from portal_app.state.staff_session import StaffSessionState
from portal_app.state.tickets import show_day
from portal_app.theming import current_theme
from portal_app.state.off_loop import off_the_loop

STATUS_WORDS = {"succeeded": "Paid", "pending": "Pending", "failed": "Declined"}


def _money(cents: int) -> str:
    return format_cents(cents, current_theme().currency)


def _refund(principal, account_number: str, payment_id: int, amount_cents: int, reason: str, key: str):
    """Runs in a worker thread: the gateway call must not block the event loop."""
    with session_scope() as db:
        adjustment = refunds.refund_payment(db, principal=principal, account_number=account_number,
                                            payment_id=payment_id, amount_cents=amount_cents, reason=reason,
                                            refund_key=key)
        return adjustment.amount_cents, adjustment.status


class StaffPaymentsState(StaffSessionState):
    payments: list[dict] = []
    refunding_id: int = 0  # the payment whose refund form is open
    refund_max: str = ""
    err_amount: str = ""
    err_reason: str = ""
    notice: str = ""
    working: bool = False
    _account_number: str = ""
    _refund_key: str = ""

    def _list(self, principal) -> None:
        with session_scope() as db:
            rows = refunds.staff_payments(db, principal=principal, account_number=self._account_number)
        self.payments = [
            {"id": r.id, "receipt": r.receipt_number, "date": show_day(r.created_at), "method": r.method_label,
             "amount": _money(r.amount_cents), "status": STATUS_WORDS.get(r.status, r.status), "flag": r.flag,
             "taken_back": _money(r.taken_back_cents) if r.taken_back_cents else "",
             "refundable": r.refundable_cents > 0, "refundable_text": _money(r.refundable_cents)}
            for r in rows
        ]

    @rx.event
    @off_the_loop
    def load(self):
        principal = self._staff_principal()
        if principal is None:
            return
        self._account_number = (parse_qs(self.router.url.query).get("number") or [""])[0][:32]
        self.refunding_id, self.err_amount, self.err_reason, self.notice = 0, "", "", ""
        try:
            self._list(principal)
        except NotFound:
            self.payments = []

    @rx.event
    def open_refund(self, payment_id: int):
        row = next((p for p in self.payments if p["id"] == payment_id and p["refundable"]), None)
        if row is None:
            return
        if self.refunding_id != int(payment_id) or not self._refund_key:
            self._refund_key = "refund_" + secrets.token_hex(16)
        self.refunding_id, self.refund_max = int(payment_id), row["refundable_text"]
        self.err_amount = self.err_reason = self.notice = ""

    @rx.event
    def close_refund(self):
        self.refunding_id = 0

    @rx.event
    async def refund(self, form_data: dict):
        principal = self._staff_principal()
        if principal is None or not self.refunding_id or self.working:
            return
        self.err_amount = self.err_reason = ""
        try:
            amount = payments.parse_amount(str(form_data.get("refund_amount", ""))[:20])
        except FieldErrors:
            self.err_amount = "Enter an amount in dollars and cents, such as 20.00."
            return
        self.working = True
        yield
        try:
            cents, status = await asyncio.to_thread(_refund, principal, self._account_number, self.refunding_id, amount,
                                                    str(form_data.get("refund_reason", ""))[:200], self._refund_key)
        except FieldErrors as problems:
            self.err_amount = problems.errors.get("refund_amount", "")
            self.err_reason = problems.errors.get("refund_reason", "")
        except PortalError as problem:  # NotFound included; the form (and its key) stays for a retry
            self.notice = str(problem) if not isinstance(problem, NotFound) else "That payment could not be found."
        else:
            self.notice = (f"Refunded {_money(cents)}. The subscriber is emailed." if status == "applied"
                           else f"Refund of {_money(cents)} is {status} at the processor.")
            self.refunding_id, self._refund_key = 0, ""
        self.working = False
        self._list(principal)
