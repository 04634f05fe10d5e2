"""Quick Pay (public): identify the account, then pay; the account id stays on the server."""

from __future__ import annotations

import asyncio

import reflex as rx

from portal_app.models import session_scope
from portal_app.services.billing import hosted_payments, payments, quickpay
from portal_app.services.billing.mandates import ach_terms_text
from portal_app.services.core.errors import FieldErrors, PortalError
from portal_app.services.core import formatting
from portal_app.services.core.i18n import _
from portal_app.state.language import LanguageState
from portal_app.state.tab_guard import event_query_param
from portal_app.state.off_loop import in_one_session
from portal_app.state.payment import NOT_MADE, PaymentAttempt, tap_marker

TAPPED_KEY = "portal_quickpay_tapped"
MARK_TAP = tap_marker("qp-pay-form", TAPPED_KEY)



class QuickPayState(PaymentAttempt, LanguageState):
    """A substate of the tab's language: its messages are said in it (`self._t`)."""

    step: str = "identify"  # identify | pay | done
    method_options: list[dict] = [{"value": "card", "label": "Credit/Debit Card", "option": "Credit/Debit Card", "kind": "card"},
                                  {"value": "ach", "label": "ACH (bank account)", "option": "ACH (bank account)",
                                   "kind": "ach"}]

    @staticmethod
    def method_options_default() -> list[dict]:
        options = [{"value": "card", "label": _("Credit/Debit Card"), "kind": "card"}]
        if payments.ach_offered():  # ACH debits exist only in US dollars
            options.append({"value": "ach", "label": _("ACH (bank account)"), "kind": "ach"})
        return options

    masked_name: str = ""
    amount_due: str = ""
    error: str = ""
    done_email: str = ""
    pay_tapped: str = rx.SessionStorage("", name=TAPPED_KEY)  # see PaymentState.pay_tapped
    restore_note: str = ""  # opened by a restore link: what restores the service
    done_restored: bool = False  # the payment restored a suspended service
    _account_id: int = 0

    @rx.event
    async def load(self):
        tapped = self._tap_went_unanswered()
        earlier = None
        if self._account_id and self._attempt_key:
            # This tab's last attempt, if its answer never reached the page (see PaymentState.load).
            earlier = await in_one_session(payments.attempt_outcome, principal=quickpay.principal_for(self._account_id),
                                           attempt_key=self._attempt_key)
        self.step, self.error, self.errors, self.submitting = "identify", "", {}, False
        self.pay_tapped, self.done_confirming = "", False
        open_elsewhere = earlier is not None and earlier.hosted and earlier.status == "pending"
        if earlier is not None and earlier.status != "failed" and not open_elsewhere:
            self.step = "done"
            self._show_paid(earlier)
            self.done_email = ""
            self.done_confirming = earlier.status == "pending" and not earlier.settling
            if not self.done_confirming:
                self._account_id, self._attempt_key = 0, ""  # shown: a later visit starts afresh
            return
        if earlier is not None and not open_elsewhere:
            self.error = self._t(_("Your last payment did not go through: %(reason)s You can pay now.",
                                   reason=earlier.reason))
        elif tapped and earlier is None:
            self.error = self._t(NOT_MADE)
        self._account_id, self._attempt_key = 0, ""
        self.ach_terms = ach_terms_text()
        self.hosted = hosted_payments.uses_hosted_collection()
        self.method_options = [{**option, "option": self._t(option["label"])}
                               for option in QuickPayState.method_options_default()]
        token = event_query_param(self, "t")
        if token:
            try:
                found = await in_one_session(quickpay.identify_by_link, token=token)
            except PortalError as refusal:
                self.error = self._t(refusal.message)
                return
            notice = self.error  # what became of a last payment stays above the form
            self._show(found)
            self.error = notice

    @rx.event
    async def identify(self, form: dict):
        try:
            found = await asyncio.to_thread(_identify, str(form.get("account_number", "")),
                                            str(form.get("name_or_zip", "")), self.router.session.client_ip)
        except PortalError as refusal:
            self.error = self._t(refusal.message)
            return
        self._show(found)

    def _show(self, found: quickpay.QuickPayAccount) -> None:
        self._account_id = found.account_id
        self._expected_balance = found.balance_cents  # the real balance: a credit is negative
        self._new_attempt()
        self.masked_name = found.masked_name
        self.amount_due = formatting.balance(found.balance_cents)
        self.amount = formatting.plain_amount(found.amount_due_cents) if found.amount_due_cents else ""
        self.restore_note = (self._t(_("Pay %(amount)s and your service is restored at once.",
                                       amount=formatting.money(found.restore_cents)))
                             if found.restore_cents else "")
        self.error = ""
        self.step = "pay"

    @rx.event
    def choose_method(self, value: str):
        if value in ("card", "ach"):
            self.method_choice = value
            self.errors = {}

    @rx.event
    def start_over(self):
        self._account_id = 0
        self.step, self.error, self.errors = "identify", "", {}

    @rx.event
    async def pay(self, form: dict):
        async for update in self._clearing_tap(self._pay(form)):
            yield update

    async def _pay(self, form: dict):
        if self.step != "pay" or not self._account_id or self.submitting:
            return
        self.error = ""
        email = str(form.get("email", "")).strip()[:254]
        try:
            amount_cents = payments.parse_amount(str(form.get("amount", "")))
            method = None if self.hosted else payments.new_method_from_form(self.method_choice, form)
            if email and ("@" not in email or "." not in email.rsplit("@", 1)[-1]):
                raise FieldErrors({"email": _("Enter an email address such as name@example.com, or leave it empty.")})
        except FieldErrors as problems:
            self.errors = {field: self._t(message) for field, message in problems.errors.items()}
            return
        self.errors = {}
        self.submitting = True
        yield
        if method is None:
            try:
                url = await in_one_session(
                    hosted_payments.start_checkout, principal=quickpay.principal_for(self._account_id),
                    amount_cents=amount_cents, kind=self.method_choice, attempt_key=self._attempt_key,
                    expected_balance_cents=self._expected_balance, save_method=False, autopay_on=False,
                    ach_authorized=bool(form.get("ach_authorization")), client_ip=self.router.session.client_ip,
                    return_path="/quickpay", source="quickpay")
            except FieldErrors as problems:
                self.errors = {field: self._t(message) for field, message in problems.errors.items()}
            except PortalError as refusal:
                self.error = self._t(refusal.message)
                self._new_attempt()
            else:
                self._new_attempt()  # the hosted page decides it; coming back here is a new form
                self.pay_tapped = ""
                yield rx.redirect(url)
            self.submitting = False
            return
        try:
            outcome = await in_one_session(
                payments.pay, principal=quickpay.principal_for(self._account_id), amount_cents=amount_cents,
                method=method, attempt_key=self._attempt_key, expected_balance_cents=self._expected_balance,
                ach_authorized=bool(form.get("ach_authorization")), client_ip=self.router.session.client_ip,
                receipt_email=email or None, source="quickpay")
        except FieldErrors as problems:
            self.errors = {field: self._t(message) for field, message in problems.errors.items()}
        except PortalError as refusal:
            self.error = self._t(refusal.message)
            if not isinstance(refusal, payments.PaymentPending):  # a lost answer keeps its key: never two charges
                self._new_attempt()
        else:
            self._attempt_key = ""  # shown: a later visit starts afresh
            self.step = "done"
            self._show_paid(outcome)
            self.done_email = email
            self.done_restored = outcome.service_restored
        self.submitting = False


def _identify(account_number: str, name_or_zip: str, client_ip: str) -> quickpay.QuickPayAccount:
    with session_scope() as db:
        try:
            return quickpay.identify(db, account_number=account_number, name_or_zip=name_or_zip, client_ip=client_ip)
        except quickpay.QuickPayRefused as failure:
            refusal = failure  # keep the failure count: leave the block normally so it commits
    raise refusal
