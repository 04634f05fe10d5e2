"""An invited staff member chooses their password from the emailed link (public page)."""

from __future__ import annotations

import reflex as rx

from portal_app.state.off_loop import in_one_session
from portal_app.services.staff import staff_users
from portal_app.services.core.errors import FieldErrors, NotFound
from portal_app.state.tab_guard import event_query_param

EXPIRED = "This link has expired or was used already. Ask an admin to send the invitation again."


class StaffSetPasswordState(rx.State):
    username: str = ""
    error: str = ""
    password_error: str = ""
    done: bool = False
    _token: str = ""  # backend-only: the raw token never goes to the browser's state

    @rx.event
    async def load(self):
        self._token = event_query_param(self, "token")[:200]  # links' credentials are not kept in router data
        self.done, self.password_error = False, ""
        try:
            self.username, self.error = await in_one_session(staff_users.invitation_for, token=self._token), ""
        except NotFound:
            self.username, self.error = "", EXPIRED

    @rx.event
    async def submit(self, form: dict):
        password = str(form.get("password", ""))[:1024]
        if password != str(form.get("confirm", ""))[:1024]:
            self.password_error = "The two passwords are not the same."
            return
        try:
            self.username = (await in_one_session(staff_users.accept_invitation, token=self._token,
                                                  password=password)).username
        except FieldErrors as problem:
            self.password_error = next(iter(problem.errors.values()))
            return
        except NotFound:
            self.error = EXPIRED
            return
        self._token, self.done, self.password_error = "", True, ""
