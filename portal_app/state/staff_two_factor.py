"""A staff member's own two-factor sign-in: scan a QR code, confirm a code."""

from __future__ import annotations

import reflex as rx

from portal_app.services.identity import auth
from portal_app.services.staff import staff_users
from portal_app.services.core.errors import FieldErrors
from portal_app.state.staff_session import StaffSessionState
from portal_app.state.staff_work import as_staff


class StaffTwoFactorState(StaffSessionState):
    enabled: bool = False
    qr: str = ""  # the QR image while setting up
    secret: str = ""  # the same secret as text, for typing in
    error: str = ""
    notice: str = ""

    @rx.event
    async def load(self):
        self.qr, self.secret, self.error, self.notice = "", "", "", ""
        try:
            _, self.enabled = await as_staff(self, lambda db, p: staff_users.two_factor_on(db, principal=p))
        except auth.SessionInvalid:
            return

    @rx.event
    async def start(self):
        try:
            _, enrolment = await as_staff(self, lambda db, p: staff_users.start_two_factor(db, principal=p))
        except auth.SessionInvalid:
            return
        except FieldErrors as problem:
            self.error = next(iter(problem.errors.values()))
            return
        self.qr, self.secret, self.error = enrolment.qr_data_uri, enrolment.secret, ""

    @rx.event
    async def confirm(self, form: dict):
        code = str(form.get("code", ""))[:20]
        try:
            await as_staff(self, lambda db, p: staff_users.confirm_two_factor(db, principal=p, code=code))
        except auth.SessionInvalid:
            return
        except FieldErrors as problem:
            self.error = next(iter(problem.errors.values()))
            return
        self.enabled, self.qr, self.secret, self.error = True, "", "", ""
        self.notice = "Two-factor sign-in is on: from now on staff sign-in asks for a code from your app."
