"""A staff member's own two-factor sign-in: scan a QR code, confirm a code."""

from __future__ import annotations

import reflex as rx

from portal_app.services.staff import staff_users
from portal_app.state.signed_in import signed_in_event
from portal_app.state.staff_session import StaffSessionState


class StaffTwoFactorState(StaffSessionState):
    enabled: bool = False
    qr: str = ""  # the QR image while setting up
    secret: str = ""  # the same secret as text, for typing in
    error: str = ""
    notice: str = ""

    def _show_problem(self, problem: Exception) -> None:
        self.error = str(problem)

    @rx.event
    @signed_in_event
    def load(self, db, principal):
        self.qr, self.secret, self.error, self.notice = "", "", "", ""
        self.enabled = staff_users.two_factor_on(db, principal=principal)

    @rx.event
    @signed_in_event
    def start(self, db, principal):
        enrolment = staff_users.start_two_factor(db, principal=principal)
        self.qr, self.secret, self.error = enrolment.qr_data_uri, enrolment.secret, ""

    @rx.event
    @signed_in_event
    def confirm(self, db, principal, form: dict):
        staff_users.confirm_two_factor(db, principal=principal, code=str(form.get("code", ""))[:20])
        self.enabled, self.qr, self.secret, self.error = True, "", "", ""
        self.notice = "Two-factor sign-in is on: from now on staff sign-in asks for a code from your app."
