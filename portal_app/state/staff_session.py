"""The signed-in staff member, resolved from the staff HttpOnly cookie once per event.

Staff pages subclass `StaffSessionState` and run their work through `@signed_in_event` or
`self._signed_in(...)` (portal_app/state/signed_in.py). Subscriber cookies never resolve here, and
staff cookies never resolve as subscribers.
"""

from __future__ import annotations

import reflex as rx
from sqlmodel import Session

from portal_app.services.identity import staff_auth
from portal_app.services.core.principal import Principal
from portal_app.state.signed_in import SignedIn
from portal_app.state.tab_guard import cookie_value, event_cookie_header, reset_tab

STAFF_SIGN_IN_PATH = "/staff/signin"


class StaffSessionState(SignedIn, rx.State):
    staff_signed_in: bool = False
    staff_name: str = ""
    staff_is_admin: bool = False  # only shapes the navigation; the services decide what each role may do

    def _staff_token(self) -> str | None:
        return cookie_value(event_cookie_header(self), staff_auth.STAFF_COOKIE)

    def _token(self) -> str | None:
        return self._staff_token()

    def _resolve(self, db: Session, token: str | None) -> Principal:
        return staff_auth.resolve_staff_session(db, token=token)

    def _on_principal(self, principal: Principal) -> None:
        self.staff_signed_in = True
        self.staff_name = principal.display_name
        self.staff_is_admin = principal.staff_role == "admin"

    def _sign_in_page(self) -> tuple[str, str]:
        return STAFF_SIGN_IN_PATH, "/staff"

    @rx.event
    async def require_staff(self):
        """on_load guard of a staff page that loads nothing else (see `require_subscriber`)."""
        return await self._signed_in(lambda db, principal: None)

    @rx.event
    async def staff_sign_out(self):
        await reset_tab(self)
        return rx.call_script(
            "const form = document.createElement('form');"
            "form.method = 'post'; form.action = '/auth/staff/sign-out';"
            "document.body.appendChild(form); form.submit();"
        )
