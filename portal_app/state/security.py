"""Account security page: password, email address, sessions, two-factor sign-in."""

from __future__ import annotations

import asyncio
import json

import reflex as rx

from portal_app.models import session_scope
from portal_app.services.identity import account_security, two_factor
from portal_app.services.core.errors import FieldErrors, NotFound
from portal_app.services.core.principal import Principal
from portal_app.state.session import SessionState
from portal_app.state.off_loop import off_the_loop


def _run(fn, **kwargs):
    with session_scope() as db:
        return fn(db, **kwargs)


def _show_codes_script(codes: list[str]) -> rx.event.EventSpec:
    """Writes the codes into their list once it is on the page; React renders that list empty."""
    return rx.call_script(
        "(function fill(tries){const list=document.getElementById('recovery-codes');"
        "if(!list){if(tries<100){setTimeout(function(){fill(tries+1);},30);}return;}"
        f"list.replaceChildren(...{json.dumps(codes)}.map(function(code){{"
        "const item=document.createElement('li');const text=document.createElement('code');"
        "text.className='recovery-code';text.textContent=code;item.appendChild(text);return item;}));})(0)"
    )


class SecurityState(SessionState):
    username: str = ""
    email: str = ""
    two_factor_on: bool = False
    recovery_left: int = 0
    errors: dict[str, str] = {}
    notice: str = ""
    busy: bool = False
    # Enrolment: the QR code and the secret belong to the signed-in subscriber and are shown to them only.
    enrolling: bool = False
    qr_data_uri: str = ""
    manual_key: str = ""
    # The recovery codes are never kept in the tab's state (which anyone holding the tab token is
    # served): they go to the page once, inside a script, and this flag only shows their box.
    showing_recovery_codes: bool = False

    def _refresh(self, principal: Principal) -> None:
        with session_scope() as db:
            view = account_security.security_view(db, principal=principal)
            left = two_factor.recovery_codes_left(db, principal=principal) if view.two_factor_on else 0
        self.username, self.email, self.two_factor_on = view.username, view.email, view.two_factor_on
        self.recovery_left = left

    @rx.event
    @off_the_loop
    def load(self):
        principal = self._principal()
        if principal is None:
            return
        self.errors = {}
        self.notice = ""
        self.enrolling = False
        self.qr_data_uri = self.manual_key = ""
        self.showing_recovery_codes = False
        self._refresh(principal)

    async def _call(self, fn, **kwargs):
        """One service call in a worker thread (Argon2 is slow); field errors land next to their fields."""
        principal = self._principal()
        if principal is None:
            return None, False
        try:
            result = await asyncio.to_thread(_run, fn, principal=principal, **kwargs)
        except FieldErrors as problems:
            self.errors = dict(problems.errors)
            return None, False
        except NotFound as missing:
            self.errors = {"form": str(missing)}
            return None, False
        self.errors = {}
        return result, True

    @rx.event
    async def change_password(self, form_data: dict):
        new = str(form_data.get("new_password", ""))[:1024]
        if new != str(form_data.get("confirm_password", ""))[:1024]:
            self.errors = {"confirm_password": "The two passwords are not the same."}
            return
        self.busy = True
        yield
        _, ok = await self._call(
            account_security.change_password,
            current_password=str(form_data.get("current_password", ""))[:1024],
            new_password=new,
        )
        self.busy = False
        if ok:
            self.notice = "Your password has been changed. Other devices were signed out."

    @rx.event
    async def change_email(self, form_data: dict):
        self.busy = True
        yield
        answer, ok = await self._call(
            account_security.request_email_change,
            password=str(form_data.get("email_password", ""))[:1024],
            new_email=str(form_data.get("new_email", ""))[:254],
        )
        self.busy = False
        if ok:
            self.notice = answer

    @rx.event
    async def sign_out_everywhere(self):
        _, ok = await self._call(account_security.sign_out_everywhere)
        if ok:
            yield SessionState.sign_out

    @rx.event
    async def start_two_factor(self):
        enrolment, ok = await self._call(two_factor.start_enrolment)
        if ok:
            self.enrolling = True
            self.qr_data_uri = enrolment.qr_data_uri
            self.manual_key = " ".join(enrolment.secret[i:i + 4] for i in range(0, len(enrolment.secret), 4))

    @rx.event
    async def confirm_two_factor(self, form_data: dict):
        codes, ok = await self._call(two_factor.confirm_enrolment, code=str(form_data.get("code", ""))[:20])
        if ok:
            self.enrolling = False
            self.qr_data_uri = self.manual_key = ""
            self.showing_recovery_codes = True
            self.two_factor_on = True
            self.recovery_left = len(codes)
            self.notice = "Two-factor sign-in is on. Keep your recovery codes somewhere safe."
            yield _show_codes_script(codes)

    @rx.event
    async def disable_two_factor(self, form_data: dict):
        _, ok = await self._call(two_factor.disable, password=str(form_data.get("disable_password", ""))[:1024])
        if ok:
            self.two_factor_on = False
            self.showing_recovery_codes = False
            self.notice = "Two-factor sign-in is off."
