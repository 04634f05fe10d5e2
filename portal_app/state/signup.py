"""Online portal setup (CREATE ACCOUNT): match the account, create the sign-in, send the verification email."""

from __future__ import annotations

import asyncio

import reflex as rx

from portal_app.models import session_scope
from portal_app.services.identity import portal_users, ratelimit
from portal_app.services.core.errors import FieldErrors

FIELDS = (
    "account_number", "last_name", "billing_zip", "first_name", "contact_last_name", "phone", "email", "username",
    "password",
)


def _sign_up(form: portal_users.SignUpForm, client_ip: str) -> str:
    """Returns the refusal message, or '' once the user exists (the transaction commits either way)."""
    with session_scope() as db:
        try:
            portal_users.sign_up(db, form=form, client_ip=client_ip)
        except portal_users.SignUpRefused as refusal:
            return str(refusal)  # leave the block normally: the rate-limit count commits
    return ""


class SignUpState(rx.State):
    errors: dict[str, str] = {}
    error: str = ""
    done: bool = False
    email_sent_to: str = ""
    business: bool = False
    submitting: bool = False

    @rx.event
    def load(self):
        self.errors = {}
        self.error = ""
        self.done = False
        self.email_sent_to = ""
        self.submitting = False

    @rx.event
    def set_business(self, value: bool):
        self.business = bool(value)

    @rx.event
    async def submit(self, form_data: dict):
        values = {name: str(form_data.get(name, ""))[:254 if name != "password" else 1024] for name in FIELDS}
        if self.business:
            values["last_name"] = ""
        else:
            values["billing_zip"] = ""
        if values["password"] != str(form_data.get("confirm", ""))[:1024]:
            self.errors = {"confirm": "The two passwords are not the same."}
            return
        self.submitting = True
        self.error = ""
        yield
        try:
            refusal = await asyncio.to_thread(
                _sign_up, portal_users.SignUpForm(**values), self.router.session.client_ip or ""
            )
        except FieldErrors as problems:
            self.errors = dict(problems.errors)
            self.submitting = False
            return
        except ratelimit.RateLimited as limited:
            refusal = str(limited)
        self.submitting = False
        self.errors = {}
        if refusal:
            self.error = refusal
            return
        self.done = True
        self.email_sent_to = values["email"].strip().lower()
