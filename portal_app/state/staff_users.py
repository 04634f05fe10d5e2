"""Staff users (admins): invite, change role, disable, reset two-factor."""

from __future__ import annotations

import reflex as rx

from portal_app.services.identity import auth
from portal_app.services.staff import staff_users
from portal_app.services.core.errors import FieldErrors, Forbidden, NotFound
from portal_app.state.staff_session import StaffSessionState
from portal_app.state.staff_work import as_staff


def _row(s: staff_users.StaffRow, me: int | None) -> dict[str, str]:
    status = "Disabled" if s.disabled else ("Invited, no password yet" if s.invited else "Active")
    return {"id": str(s.id), "name": s.full_name, "username": s.username, "email": s.email, "role": s.role,
            "status": status, "disabled": "yes" if s.disabled else "", "invited": "yes" if s.invited else "",
            "two_factor": "Two-factor on" if s.two_factor else "Two-factor off", "me": "yes" if s.id == me else ""}


class StaffUsersState(StaffSessionState):
    rows: list[dict[str, str]] = []
    errors: dict[str, str] = {}
    notice: str = ""
    refused: str = ""

    async def _do(self, work, notice: str) -> None:
        try:
            principal, _ = await as_staff(self, work)
        except auth.SessionInvalid:
            return
        except Forbidden as problem:
            self.refused, self.rows = str(problem), []
            return
        except FieldErrors as problem:
            self.errors, self.notice = dict(problem.errors), ""
            return
        except (NotFound, ValueError):
            self.errors, self.notice = {}, "That staff member could not be found."
            return
        self.errors, self.notice, self.refused = {}, notice, ""
        await self._reload()

    async def _reload(self) -> None:
        try:
            principal, rows = await as_staff(self, lambda db, p: staff_users.list_staff(db, principal=p))
        except auth.SessionInvalid:
            return
        except Forbidden as problem:
            self.refused, self.rows = str(problem), []
            return
        self.refused = ""
        self.rows = [_row(r, principal.staff_user_id) for r in rows]

    @rx.event
    async def load(self):
        self.errors, self.notice = {}, ""
        await self._reload()

    @rx.event
    async def invite(self, form: dict):
        name, email, role = (str(form.get(k, ""))[:254] for k in ("full_name", "email", "role"))
        await self._do(lambda db, p: staff_users.invite(db, principal=p, full_name=name, email=email, role=role),
                       f"Invitation sent to {email.strip().lower()}. The link works once, for 5 days.")

    @rx.event
    async def set_role(self, staff_id: str, role: str):
        await self._do(lambda db, p: staff_users.set_role(db, principal=p, staff_id=int(staff_id), role=str(role)),
                       "Role changed.")

    @rx.event
    async def set_disabled(self, staff_id: str, disabled: bool):
        await self._do(lambda db, p: staff_users.set_disabled(db, principal=p, staff_id=int(staff_id),
                                                              disabled=bool(disabled)),
                       "Disabled and signed out everywhere." if disabled else "Enabled again.")

    @rx.event
    async def reset_two_factor(self, staff_id: str):
        await self._do(lambda db, p: staff_users.reset_two_factor(db, principal=p, staff_id=int(staff_id)),
                       "Two-factor reset: they sign in with their password and can set it up again.")

    @rx.event
    async def resend(self, staff_id: str):
        await self._do(lambda db, p: staff_users.resend_invitation(db, principal=p, staff_id=int(staff_id)),
                       "Invitation sent again; the earlier link no longer works.")
