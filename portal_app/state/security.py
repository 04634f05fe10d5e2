"""Account security page: password, email address, sessions, two-factor sign-in."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import reflex as rx

from portal_app.services.identity import account_security, two_factor
from portal_app.services.core.errors import FieldErrors
from portal_app.services.core.errors import PortalError
from portal_app.services.core.i18n import _
from portal_app.services.core.principal import Principal
from portal_app.state.session import SessionState
from portal_app.state.signed_in import signed_in_event


@dataclass
class _Outcome:
    ok: bool
    result: Any = None
    then: Any = None  # what the handler yields when the call did not happen (a sign-in redirect)


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

    def _refresh(self, db, principal: Principal) -> None:
        view = account_security.security_view(db, principal=principal)
        left = two_factor.recovery_codes_left(db, principal=principal) if view.two_factor_on else 0
        self.username, self.email, self.two_factor_on = view.username, view.email, view.two_factor_on
        self.recovery_left = left

    @rx.event
    @signed_in_event
    def load(self, db, principal):
        self.errors = {}
        self.notice = ""
        self.enrolling = False
        self.qr_data_uri = self.manual_key = ""
        self.showing_recovery_codes = False
        self._refresh(db, principal)

    def _show_problem(self, problem: Exception) -> None:
        if isinstance(problem, FieldErrors):
            self.errors = {field: self._t(message) for field, message in problem.errors.items()}
        else:
            self.errors = {"form": self._t(problem.message if isinstance(problem, PortalError) else str(problem))}

    async def _call(self, fn, **kwargs) -> _Outcome:
        """One service call through the preamble (off the loop: Argon2 is slow); field errors land
        next to their fields. A handler that gets `ok=False` yields `then` (a sign-in redirect or None)."""
        done: dict = {}

        def work(db, principal):
            done["result"] = fn(db, principal=principal, **kwargs)

        then = await self._signed_in(work)
        if "result" not in done:
            return _Outcome(ok=False, then=then)
        self.errors = {}
        return _Outcome(ok=True, result=done["result"])

    @rx.event
    async def change_password(self, form_data: dict):
        new = str(form_data.get("new_password", ""))[:1024]
        if new != str(form_data.get("confirm_password", ""))[:1024]:
            self.errors = {"confirm_password": self._t(_("The two passwords are not the same."))}
            return
        self.busy = True
        yield
        done = await self._call(
            account_security.change_password,
            current_password=str(form_data.get("current_password", ""))[:1024],
            new_password=new,
        )
        self.busy = False
        if not done.ok:
            yield done.then
        else:
            self.notice = self._t(_("Your password has been changed. Other devices were signed out."))

    @rx.event
    async def change_email(self, form_data: dict):
        self.busy = True
        yield
        done = await self._call(
            account_security.request_email_change,
            password=str(form_data.get("email_password", ""))[:1024],
            new_email=str(form_data.get("new_email", ""))[:254],
        )
        self.busy = False
        yield done.then
        if done.ok:
            self.notice = self._t(done.result)

    @rx.event
    async def sign_out_everywhere(self):
        done = await self._call(account_security.sign_out_everywhere)
        yield SessionState.sign_out if done.ok else done.then

    @rx.event
    async def start_two_factor(self):
        done = await self._call(two_factor.start_enrolment)
        yield done.then
        if done.ok:
            enrolment = done.result
            self.enrolling = True
            self.qr_data_uri = enrolment.qr_data_uri
            self.manual_key = " ".join(enrolment.secret[i:i + 4] for i in range(0, len(enrolment.secret), 4))

    @rx.event
    async def confirm_two_factor(self, form_data: dict):
        done = await self._call(two_factor.confirm_enrolment, code=str(form_data.get("code", ""))[:20])
        yield done.then
        if done.ok:
            codes = done.result
            self.enrolling = False
            self.qr_data_uri = self.manual_key = ""
            self.showing_recovery_codes = True
            self.two_factor_on = True
            self.recovery_left = len(codes)
            self.notice = self._t(_("Two-factor sign-in is on. Keep your recovery codes somewhere safe."))
            yield _show_codes_script(codes)

    @rx.event
    async def disable_two_factor(self, form_data: dict):
        done = await self._call(two_factor.disable, password=str(form_data.get("disable_password", ""))[:1024])
        yield done.then
        if done.ok:
            self.two_factor_on = False
            self.showing_recovery_codes = False
            self.notice = self._t(_("Two-factor sign-in is off."))
