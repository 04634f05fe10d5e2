"""Make a Payment: read the form, call the payments service once, show the outcome."""

from __future__ import annotations

import reflex as rx

from portal_app.services.billing import autopay, billing, hosted_payments, payments
from portal_app.services.billing.mandates import ach_terms_text
from portal_app.services.core.access import BILLING, access_account
from portal_app.services.core.clock import provider_today
from portal_app.services.core.errors import FieldErrors, PortalError
from portal_app.services.core.i18n import _
from portal_app.services.core import formatting
from portal_app.state.session import SessionState
from portal_app.state.signed_in import checks_session, signed_in_event

NEW_CARD = "card"
NEW_ACH = "ach"
# The browser writes this form's attempt reference here when PAY NOW is tapped (before the event
# leaves the page), so the tap outlives a worker that stops before it saves the tab's state.
TAPPED_KEY = "portal_pay_tapped"


def tap_marker(form_id: str, storage_key: str) -> str:
    """The script a PAY NOW button runs in the browser: note the form's attempt reference."""
    return (f"var f = document.getElementById('{form_id}'); "
            f"if (f) window.sessionStorage.setItem('{storage_key}', f.dataset.attempt || '');")


MARK_TAP = tap_marker("pay-form", TAPPED_KEY)
NOT_MADE = _("Your last payment was not made: the connection dropped before it reached us. Nothing was charged; "
             "you can pay now.")
FIELDS = ("amount", "method", "card_number", "expiry", "cvc", "routing", "bank_account", "ach_authorization", "recurring")


def money(cents: int) -> str:
    return formatting.money(cents)


def balance(cents: int) -> str:
    return formatting.balance(cents)


class PaymentAttempt(rx.State, mixin=True):
    """One payment form's attempt: a key (never sent to the browser) that makes a repeated tap charge
    once, its public reference, and what a tap marked in the browser (the class's `pay_tapped`)."""

    attempt_ref: str = ""  # a public name for this form's attempt (not the key): what a tap marks
    # The form both payment pages show (Make a Payment, Quick Pay) and the receipt once paid.
    method_choice: str = NEW_CARD
    amount: str = ""
    hosted: bool = False  # the gateway collects new cards on its own page (Stripe Checkout)
    ach_terms: str = ""
    errors: dict[str, str] = {}
    submitting: bool = False
    done_amount: str = ""
    done_receipt: str = ""
    done_pending: bool = False
    done_confirming: bool = False  # the processor's answer is still awaited (never "received" until it comes)
    _attempt_key: str = ""
    _expected_balance: int = 0

    def _new_attempt(self) -> None:
        self._attempt_key = payments.new_attempt_key()
        self.attempt_ref = payments.attempt_reference(self._attempt_key)

    def _show_paid(self, outcome: payments.PaymentOutcome | payments.AttemptOutcome) -> None:
        self.done_amount = formatting.money(outcome.amount_cents)
        self.done_receipt = outcome.receipt_number
        self.done_pending = outcome.status == "pending"

    def _tap_went_unanswered(self) -> bool:
        """PAY NOW was tapped on this very form and its answer never reached the page."""
        return bool(self.pay_tapped) and self.pay_tapped == self.attempt_ref  # type: ignore[attr-defined]

    async def _clearing_tap(self, work):
        try:
            async for update in work:
                yield update
        finally:
            self.pay_tapped = ""  # the tap's outcome is on the page (or the form said what to fix)


class PaymentState(PaymentAttempt, SessionState):
    method_options: list[dict] = []
    balance_text: str = ""
    pending_text: str = ""  # payments still settling, e.g. "<amount> payment pending (bank)"
    left_text: str = ""
    repeat_on_text: str = ""
    save_method: bool = False
    recurring: bool = False
    recurring_added: bool = False
    has_autopay: bool = False
    form_error: str = ""
    done: bool = False
    done_method: str = ""
    done_balance: str = ""
    done_payment_id: int = 0
    done_autopay: bool = False
    done_note: str = ""  # what the payer still has to do (verify microdeposits)
    # What the browser marked when PAY NOW was last tapped; read on the next load only to tell a tap
    # that never reached a worker ("nothing was charged") from a page opened afresh.
    pay_tapped: str = rx.SessionStorage("", name=TAPPED_KEY)

    @rx.var
    def is_new_card(self) -> bool:
        return self.method_choice == NEW_CARD

    @rx.var
    def is_ach(self) -> bool:
        return self.method_choice == NEW_ACH or any(
            o["value"] == self.method_choice and o["kind"] == "ach" for o in self.method_options)

    @rx.var
    def is_new_method(self) -> bool:
        return self.method_choice in (NEW_CARD, NEW_ACH)

    @rx.var
    def method_label(self) -> str:
        return next((o["label"] for o in self.method_options if o["value"] == self.method_choice), "")

    @rx.event
    @signed_in_event
    def load(self, db, principal):
        tapped = self._tap_went_unanswered()
        # This tab's last attempt, if its answer never reached the page (its worker stopped, or the
        # processor's answer was lost): decided now and shown instead of a fresh form.
        earlier = (payments.attempt_outcome(db, principal=principal, attempt_key=self._attempt_key)
                   if self._attempt_key else None)
        account = access_account(db, principal)
        due = billing.amount_due(db, account_id=account.id, today=provider_today())
        methods = autopay.stored_methods(db, principal=principal)
        self.has_autopay = autopay.active(db, account_id=account.id) is not None
        self.method_options = [{"value": NEW_CARD, "label": "Credit/Debit Card", "option": self._t(_("Credit/Debit Card")),
                                "kind": "card"},
                               {"value": NEW_ACH, "label": "ACH (bank account)", "option": self._t(_("ACH (bank account)")),
                                "kind": "ach"}][:2 if payments.ach_offered() else 1] + [
            {"value": f"pm:{m.id}", "label": autopay.method_label(m), "option": autopay.option_label(m), "kind": m.kind}
            for m in methods]
        query = self.router.url.query or ""
        wants = next((part[7:] for part in query.split("&") if part.startswith("method=")), "")
        self.method_choice = wants if any(o["value"] == wants for o in self.method_options) else NEW_CARD
        self._expected_balance = due.balance_cents
        self.balance_text = balance(due.balance_cents)
        # A bank debit still settling is not asked for again: the amount defaults to what is left.
        self.pending_text = (f"{money(due.pending_cents)} payment pending" + (" (bank)" if due.pending_bank else "")
                             if due.pending_cents else "")
        self.left_text = money(due.left_cents) if due.pending_cents else ""
        self.amount = formatting.plain_amount(due.left_cents) if due.left_cents > 0 else ""
        self.repeat_on_text = (f"Invoice due date (next: {formatting.date(due.due_on)})" if due.due_on
                               else "Invoice due date")
        self.ach_terms = ach_terms_text()
        self.hosted = hosted_payments.uses_hosted_collection()
        self.save_method = False
        self.recurring = "autopay=1" in query and not self.has_autopay
        self.recurring_added = False
        self.errors = {}
        self.form_error = ""
        self.submitting = False
        self.done = False
        self.done_confirming = False
        self.pay_tapped = ""
        if earlier is not None and earlier.hosted and earlier.status == "pending":
            pass  # a page at the processor still open decides that one (and its webhook): a new payment here
        elif earlier is not None and earlier.status != "failed":
            self._show_outcome(earlier)
            if earlier.status == "pending" and not earlier.settling:
                return  # still unknown: this tab keeps the attempt and asks again on its next load
        elif earlier is not None:
            self.form_error = self._t(_("Your last payment did not go through: %(reason)s You can pay now.",
                                        reason=self._t(earlier.reason)))
        elif tapped:
            self.form_error = self._t(NOT_MADE)
        self._new_attempt()

    def _show_outcome(self, outcome: payments.PaymentOutcome | payments.AttemptOutcome) -> None:
        self.done = True
        self._show_paid(outcome)
        self.done_method = outcome.method_label
        self.done_balance = balance(outcome.new_balance_cents)
        self.done_confirming = outcome.status == "pending" and not outcome.settling
        self.done_payment_id = outcome.payment_id
        self.done_autopay = outcome.autopay_on
        self.done_note = outcome.note

    @rx.event
    def choose_method(self, value: str):
        if any(o["value"] == value for o in self.method_options):
            self.method_choice = value
            self.errors = {}
            self.recurring_added = False

    @rx.event
    def set_save_method(self, value: bool):
        self.save_method = bool(value)

    @rx.event
    def set_recurring(self, value: bool):
        self.recurring = bool(value) and not self.has_autopay
        self.recurring_added = False

    @rx.event
    def add_recurring(self):
        self.recurring_added = self.recurring
        self.errors = {k: v for k, v in self.errors.items() if k != "recurring"}

    @rx.event
    @checks_session(needs=BILLING)
    async def submit(self, form: dict):
        async for update in self._clearing_tap(self._submit(form)):
            yield update

    async def _submit(self, form: dict):
        if self.submitting or self.done:
            return
        self.form_error = ""
        errors: dict[str, str] = {}
        method = amount_cents = None
        try:
            method = None if self.hosted and self.method_choice in (NEW_CARD, NEW_ACH) else self._method(form)
        except FieldErrors as problems:
            errors.update(problems.errors)
        try:
            amount_cents = payments.parse_amount(str(form.get("amount", "")))
        except FieldErrors as problems:
            errors.update(problems.errors)
        if self.recurring and not self.recurring_added:
            errors["recurring"] = _("Tap ADD RECURRING to confirm AutoPay, or turn the slider off.")
        if errors:
            self.errors = {field: self._t(message) for field, message in errors.items()}
            return
        self.errors = {}
        self.amount = str(form.get("amount", ""))[:20]
        self.submitting = True
        yield
        hosted = method is None  # new card or bank account: on the gateway's hosted page
        key, expected, client_ip = self._attempt_key, self._expected_balance, self.router.session.client_ip
        save_asked = self.save_method
        save = save_asked and self.method_choice in (NEW_CARD, NEW_ACH)
        autopay_on, ach_ok, kind = self.recurring and self.recurring_added, bool(form.get("ach_authorization")), \
            self.method_choice

        def work(db, principal):
            """Off the loop, in the event's one session: the processor's answer, or why it refused."""
            try:
                if hosted:
                    return hosted_payments.start_checkout(
                        db, principal=principal, amount_cents=amount_cents, kind=kind, attempt_key=key,
                        expected_balance_cents=expected, save_method=save_asked, autopay_on=autopay_on,
                        ach_authorized=ach_ok, client_ip=client_ip, return_path="/pay")
                return payments.pay(db, principal=principal, amount_cents=amount_cents, method=method, attempt_key=key,
                                    expected_balance_cents=expected, save_method=save, autopay=autopay_on,
                                    ach_authorized=ach_ok, client_ip=client_ip)
            except PortalError as refusal:
                return refusal  # each refusal is shown its own way below

        result = await self._signed_in(work, needs=BILLING)
        self.submitting = False
        if isinstance(result, FieldErrors):
            self.errors = {field: self._t(message) for field, message in result.errors.items()}
        elif isinstance(result, PortalError):
            self.form_error = self._t(result.message)
            if not isinstance(result, payments.PaymentPending):  # a lost answer keeps its key: never two charges
                self._new_attempt()  # a decline or refusal may be retried
        elif isinstance(result, str):
            # The hosted page decides it (and its webhook records it): coming back here is a new form.
            self._new_attempt()
            self.pay_tapped = ""
            yield rx.redirect(result)
        elif isinstance(result, payments.PaymentOutcome):
            self._show_outcome(result)
            self._new_attempt()  # shown: a later visit to this page starts a new payment
        elif result is not None:
            yield result  # the session ended: the tab was reset and goes to sign-in

    def _method(self, form: dict):
        if self.method_choice in (NEW_CARD, NEW_ACH):
            return payments.new_method_from_form("ach" if self.method_choice == NEW_ACH else "card", form)
        return payments.StoredMethod(int(self.method_choice.removeprefix("pm:")))

