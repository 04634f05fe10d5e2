"""Online portal setup (CREATE ACCOUNT): match the account, prove control of it, then the sign-in exists."""

from __future__ import annotations

import asyncio

import reflex as rx

from portal_app.models import session_scope
from portal_app.services.identity import portal_users, ratelimit, tokens
from portal_app.services.core.errors import FieldErrors, PortalError
from portal_app.services.identity.secrets_util import seal, unseal
from portal_app.services.core.i18n import _
from portal_app.state.language import LanguageState

FIELDS = (
    "account_number", "last_name", "billing_zip", "first_name", "contact_last_name", "phone", "email", "username",
    "password",
)
EXPIRED = _("This sign-up has expired. Start again.")
NOT_THE_SAME = _("The two passwords are not the same.")


def _attempt(fn, **kwargs):
    """One service call in its own transaction. Refusals are returned, not raised, so what the call
    counted against the rate limits commits with the block."""
    with session_scope() as db:
        try:
            return fn(db, **kwargs)
        except (PortalError, ratelimit.RateLimited, tokens.TokenInvalid) as refusal:
            return refusal


class SignUpState(LanguageState):
    """A substate of LanguageState: the portal setup reads the tab's language."""

    errors: dict[str, str] = {}
    error: str = ""
    step: str = "details"  # details | prove | link_sent | done
    business: bool = False
    submitting: bool = False
    username: str = ""
    choices: list[dict[str, str]] = []  # {"id", "masked"}: addresses already on the account
    bill_proof: bool = False
    link_sent_to: str = ""
    email_sent_to: str = ""
    verified: bool = False
    awaiting_approval: bool = False
    _request: str = ""  # the pending sign-up's token, sealed (never raw in the state store)

    @rx.event
    def load(self):
        self._start_over()

    def _start_over(self) -> None:
        self.errors, self.error = {}, ""
        self.step = "details"
        self.submitting = False
        self.username = self.link_sent_to = self.email_sent_to = ""
        self.choices = []
        self.verified = self.awaiting_approval = self.bill_proof = False
        self._request = ""

    @rx.event
    def set_business(self, value: bool):
        self.business = bool(value)

    def _refused(self, refusal: Exception) -> None:
        if isinstance(refusal, FieldErrors):
            self.errors = {field: self._t(message) for field, message in refusal.errors.items()}
        elif isinstance(refusal, tokens.TokenInvalid):
            self._start_over()
            self.error = self._t(EXPIRED)
        else:
            self.errors = {}
            self.error = self._t(refusal.message) if isinstance(refusal, PortalError) else str(refusal)

    @rx.event
    async def submit(self, form_data: dict):
        values = {name: str(form_data.get(name, ""))[:254 if name != "password" else 1024] for name in FIELDS}
        if self.business:
            values["last_name"] = ""
        else:
            values["billing_zip"] = ""
        if values["password"] != str(form_data.get("confirm", ""))[:1024]:
            self.errors = {"confirm": self._t(NOT_THE_SAME)}
            return
        self.submitting = True
        self.error = ""
        yield
        result = await asyncio.to_thread(_attempt, portal_users.sign_up, form=portal_users.SignUpForm(**values),
                                         client_ip=self.router.session.client_ip or "")
        self.submitting = False
        if isinstance(result, Exception):
            self._refused(result)
            return
        self.errors = {}
        self._request = seal(result.request)
        self.username = result.username
        self.choices = [{"id": str(choice.id), "masked": choice.masked} for choice in result.choices]
        self.bill_proof = result.bill_proof
        self.step = "prove"

    @rx.event
    async def send_link(self, form_data: dict):
        try:
            choice = int(str(form_data.get("choice", "")))
        except ValueError:
            self.errors = {"choice": self._t(_("Choose where to send the link."))}
            return
        self.submitting = True
        yield
        result = await asyncio.to_thread(_attempt, portal_users.send_sign_up_link, request=unseal(self._request),
                                         choice_id=choice, client_ip=self.router.session.client_ip or "")
        self.submitting = False
        if isinstance(result, Exception):
            self._refused(result)
            return
        self.errors, self.error = {}, ""
        self.link_sent_to = result
        self.step = "link_sent"

    @rx.event
    async def prove_with_bill(self, form_data: dict):
        self.submitting = True
        yield
        result = await asyncio.to_thread(_attempt, portal_users.prove_with_bill, request=unseal(self._request),
                                         value=str(form_data.get("bill_value", ""))[:40])
        self.submitting = False
        if isinstance(result, Exception):
            self._refused(result)
            return
        self._request = ""  # used
        self.errors, self.error = {}, ""
        self.email_sent_to = result.email
        self.verified = result.verified
        self.awaiting_approval = result.awaiting_approval
        self.step = "done"
