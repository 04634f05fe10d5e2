"""The signed-in staff member, resolved from the staff HttpOnly cookie on every use.

Staff pages subclass `StaffSessionState` and call `self._staff_principal()` at the top of every
handler; it is None unless a live staff session stands behind the request. Subscriber cookies
never resolve here, and staff cookies never resolve as subscribers.
"""

from __future__ import annotations

from urllib.parse import urlencode

import reflex as rx

from portal_app.models import session_scope
from portal_app.services.identity import auth, staff_auth
from portal_app.services.core.principal import Principal
from portal_app.state.tab_guard import cookie_value, event_cookie_header, reset_tab

STAFF_SIGN_IN_PATH = "/staff/signin"


class StaffSessionState(rx.State):
    staff_signed_in: bool = False
    staff_name: str = ""
    staff_is_admin: bool = False  # only shapes the navigation; the services decide what each role may do

    def _staff_token(self) -> str | None:
        return cookie_value(event_cookie_header(self), staff_auth.STAFF_COOKIE)

    def _staff_principal(self) -> Principal | None:
        try:
            with session_scope() as db:
                return staff_auth.resolve_staff_session(db, token=self._staff_token())
        except auth.SessionInvalid:
            return None

    @rx.event
    async def require_staff(self):
        """on_load guard of every staff page."""
        try:
            with session_scope() as db:
                principal = staff_auth.resolve_staff_session(db, token=self._staff_token())
        except auth.SessionInvalid as problem:
            await reset_tab(self)  # nothing of a previous sign-in stays in this tab
            current = self.router.url.path or "/staff"
            if self.router.url.query:
                current = f"{current}?{self.router.url.query}"
            query = {"next": current}
            if problem.reason in ("expired", "revoked"):
                query["reason"] = "expired"
            return rx.redirect(f"{STAFF_SIGN_IN_PATH}?{urlencode(query)}", replace=True)
        self.staff_signed_in = True
        self.staff_name = principal.display_name
        self.staff_is_admin = principal.staff_role == "admin"

    @rx.event
    async def staff_sign_out(self):
        await reset_tab(self)
        return rx.call_script(
            "const form = document.createElement('form');"
            "form.method = 'post'; form.action = '/auth/staff/sign-out';"
            "document.body.appendChild(form); form.submit();"
        )
