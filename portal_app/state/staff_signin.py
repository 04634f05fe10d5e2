"""Staff sign-in: the staff password, then a one-time ticket for the staff cookie; or, when configured,
the provider's identity provider (the button links to the route that starts it)."""

from __future__ import annotations

import asyncio
import json
from urllib.parse import parse_qs, urlencode

import reflex as rx

from portal_app.api.staff_auth_routes import OIDC_START
from portal_app.config import get_settings
from portal_app.models import session_scope
from portal_app.services.identity import auth, ratelimit, staff_auth, staff_oidc
from portal_app.services.core.errors import SignInFailed
from portal_app.state.tab_guard import event_cookie

NOTICES = {
    "expired": "Your staff session has expired. Please sign in again.",
    "signed_out": "You have signed out.",
    "ticket": "That sign-in took too long. Please sign in again.",
}


def _sign_in(username: str, password: str, client_ip: str, binding: str, code: str = "") -> tuple[str, str]:
    """(ticket, '') or ('', message); the failure count commits with the block."""
    with session_scope() as db:
        try:
            return staff_auth.sign_in_staff(db, username=username, password=password, client_ip=client_ip,
                                            binding=binding, code=code), ""
        except (SignInFailed, ratelimit.RateLimited) as refusal:
            return "", str(refusal)


def _next_path(query: dict[str, list[str]]) -> str:
    return auth.safe_next_path((query.get("next") or ["/staff"])[0], default="/staff")


class StaffSignInState(rx.State):
    error: str = ""
    notice: str = ""
    submitting: bool = False
    needs_code: bool = False  # two-factor is on for this staff member: the code field shows
    oidc_button: str = ""  # "SIGN IN WITH <label>" when sign-in with the identity provider is configured
    oidc_domain: str = ""
    oidc_href: str = ""

    @rx.event
    def load(self):
        query = parse_qs(self.router.url.query)
        reason = (query.get("reason") or [""])[0]
        settings = get_settings()
        self.notice = NOTICES.get("signed_out" if "signed_out" in query else reason, "")
        self.error = ""
        if reason.startswith("oidc_"):  # back from the identity provider without a sign-in: say why
            self.error = staff_oidc.message(reason.removeprefix("oidc_"), label=settings.staff_oidc_label,
                                            domain=settings.staff_oidc_allowed_domain)
        self.submitting = False
        self.needs_code = False
        enabled = settings.staff_oidc_enabled
        self.oidc_button = f"SIGN IN WITH {settings.staff_oidc_label.upper()}" if enabled else ""
        self.oidc_domain = settings.staff_oidc_allowed_domain if enabled else ""
        self.oidc_href = f"{OIDC_START}?{urlencode({'next': _next_path(query)})}" if enabled else ""

    @rx.event
    async def submit(self, form_data: dict):
        username = str(form_data.get("username", ""))[:64]
        password = str(form_data.get("password", ""))[:1024]
        if not username.strip() or not password:
            self.error = "Enter your staff username and password."
            return
        binding = event_cookie(self, auth.PRESESSION_COOKIE) or ""
        if not binding:
            self.error = auth.NO_PRESESSION
            return
        self.submitting = True
        yield
        code = str(form_data.get("code", ""))[:20]
        ticket, error = await asyncio.to_thread(_sign_in, username, password, self.router.session.client_ip or "",
                                                binding, code)
        self.submitting = False
        self.error = error
        if error in (staff_auth.CODE_NEEDED, staff_auth.WRONG_CODE):
            self.needs_code = True
        if ticket:
            # Read from the page's URL at submit time: a fast submit may come before on_load has run.
            next_path = _next_path(parse_qs(self.router.url.query))
            target = "/auth/staff/session/start?" + urlencode({"ticket": ticket, "next": next_path})
            yield rx.call_script(f"window.location.assign({json.dumps(target)})")
