"""Staff users (admins): invite, change role, disable, reset two-factor."""

from __future__ import annotations

import reflex as rx

from portal_app.services.staff import staff_users
from portal_app.state.signed_in import signed_in_event
from portal_app.state.staff_session import StaffPage, StaffSessionState, client_id


def _row(s: staff_users.StaffRow, me: int | None) -> dict[str, str]:
    status = "Disabled" if s.disabled else ("Invited, no password yet" if s.invited else "Active")
    return {"id": str(s.id), "name": s.full_name, "username": s.username, "email": s.email, "role": s.role,
            "status": status, "disabled": "yes" if s.disabled else "", "invited": "yes" if s.invited else "",
            "two_factor": "Two-factor on" if s.two_factor else "Two-factor off", "me": "yes" if s.id == me else ""}


class StaffUsersState(StaffPage, StaffSessionState):
    rows: list[dict[str, str]] = []

    def _reload(self, db, principal) -> None:
        self.rows = [_row(r, principal.staff_user_id) for r in staff_users.list_staff(db, principal=principal)]

    @rx.event
    @signed_in_event
    def invite(self, db, principal, form: dict):
        name, email, role = (str(form.get(k, ""))[:254] for k in ("full_name", "email", "role"))
        staff_users.invite(db, principal=principal, full_name=name, email=email, role=role)
        self._done(db, principal, f"Invitation sent to {email.strip().lower()}. The link works once, for 5 days.")

    @rx.event
    @signed_in_event
    def set_role(self, db, principal, staff_id: str, role: str):
        staff_users.set_role(db, principal=principal, staff_id=client_id(staff_id, "staff user"), role=str(role))
        self._done(db, principal, "Role changed.")

    @rx.event
    @signed_in_event
    def set_disabled(self, db, principal, staff_id: str, disabled: bool):
        staff_users.set_disabled(db, principal=principal, staff_id=client_id(staff_id, "staff user"),
                                 disabled=bool(disabled))
        self._done(db, principal, "Disabled and signed out everywhere." if disabled else "Enabled again.")

    @rx.event
    @signed_in_event
    def reset_two_factor(self, db, principal, staff_id: str):
        staff_users.reset_two_factor(db, principal=principal, staff_id=client_id(staff_id, "staff user"))
        self._done(db, principal, "Two-factor reset: they sign in with their password and can set it up again.")

    @rx.event
    @signed_in_event
    def resend(self, db, principal, staff_id: str):
        staff_users.resend_invitation(db, principal=principal, staff_id=client_id(staff_id, "staff user"))
        self._done(db, principal, "Invitation sent again; the earlier link no longer works.")
