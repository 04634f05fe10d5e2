"""Staff: choose a password from an invitation link."""

from __future__ import annotations

import reflex as rx

from portal_app.components.cards import error_callout, notice_callout, primary_button
from portal_app.components.forms import field, public_frame, text_link
from portal_app.components.staff_shell import staff_page
from portal_app.state.staff_set_password import StaffSetPasswordState as S


@staff_page(route="/staff/set-password", title="Choose your password", public=True, on_load=[S.load])
def staff_set_password() -> rx.Component:
    return public_frame(
        error_callout(S.error, id="set-password-error"),
        rx.cond(
            S.done,
            rx.vstack(notice_callout("Your password is set. Sign in with the username " + S.username + ".",
                                     id="set-password-done"),
                      text_link("Go to staff sign in", "/staff/signin"), width="100%"),
            rx.cond(S.username != "", rx.form(rx.vstack(
                rx.text("Staff username: ", rx.text.strong(S.username), size="2"),
                field("New password", "password", type_="password", autocomplete="new-password",
                      error=S.password_error, hint="At least 12 characters; not a common password."),
                field("New password again", "password_again", type_="password", autocomplete="new-password"),
                primary_button("SET PASSWORD", type="submit", width="100%"),
                spacing="3", width="100%"), on_submit=S.submit, reset_on_submit=False, width="100%")),
        ),
        heading="Choose your staff password",
        logo_href=None,
    )
