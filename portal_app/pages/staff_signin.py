"""Staff sign-in (public staff page), apart from the subscribers' sign-in."""

from __future__ import annotations

import reflex as rx

from portal_app.components.cards import error_callout, notice_callout, primary_button
from portal_app.components.forms import field, public_frame
from portal_app.components.staff_shell import staff_page
from portal_app.state.staff_signin import StaffSignInState


@staff_page(route="/staff/signin", title="Staff sign in", public=True, on_load=[StaffSignInState.load])
def signin() -> rx.Component:
    return public_frame(
        notice_callout(StaffSignInState.notice),
        error_callout(StaffSignInState.error, id="staff-signin-error"),
        rx.form(
            rx.vstack(
                field("Staff username", "username", autocomplete="username"),
                field("Password", "password", type_="password", autocomplete="current-password"),
                rx.cond(StaffSignInState.needs_code,
                        field("Two-factor code", "code", autocomplete="one-time-code", input_mode="numeric",
                              hint="The 6 digits your authenticator app shows now.")),
                primary_button("SIGN IN", type="submit", width="100%", loading=StaffSignInState.submitting),
                spacing="4",
                width="100%",
            ),
            on_submit=StaffSignInState.submit,
            reset_on_submit=False,
            width="100%",
        ),
        heading="Staff sign in",
    )
