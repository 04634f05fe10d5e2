"""Staff: choose a password from an invitation link."""

from __future__ import annotations

import reflex as rx

from portal_app.components.cards import error_callout, notice_callout
from portal_app.components.forms import new_password_form, public_frame, text_link
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
            rx.cond(S.username != "", new_password_form(
                rx.text("Staff username: ", rx.text.strong(S.username), size="2"),
                error=S.password_error, submitting=False, label="SET PASSWORD", on_submit=S.submit,
                hint="At least 12 characters; not a common password.")),
        ),
        heading="Choose your staff password", logo_href=None,
    )
