"""Staff: turn on two-factor sign-in for oneself."""

from __future__ import annotations

import reflex as rx

from portal_app.components import tokens
from portal_app.components.cards import card, error_callout, primary_button
from portal_app.components.forms import field, stacked_form
from portal_app.components.staff_admin import staff_view
from portal_app.components.staff_shell import staff_page
from portal_app.state.staff_two_factor import StaffTwoFactorState as S


@staff_page(route="/staff/two-factor", title="Two-factor sign-in", nav_label="My sign-in", nav_icon="shield_check",
            nav_order=95, on_load=[S.load])
def staff_two_factor() -> rx.Component:
    return staff_view(
        "Two-factor sign-in",
        error_callout(S.error, id="two-factor-error"),
        card(rx.cond(
            S.enabled,
            rx.text("Two-factor sign-in is on. Lost your phone? Ask an admin to reset it.", id="two-factor-on"),
            rx.cond(
                S.qr != "",
                stacked_form(
                    rx.text("Scan this with your authenticator app, then enter the code it shows.", size="2"),
                    rx.image(src=S.qr, alt="QR code for your authenticator app", width="200px", height="200px"),
                    rx.text("Or type this key: ", rx.code(S.secret, id="two-factor-secret"), size="2",
                            overflow_wrap="anywhere"),
                    field("Code from the app", "code", autocomplete="one-time-code", input_mode="numeric"),
                    primary_button("TURN ON", type="submit"),
                    on_submit=S.confirm, spacing="3", reset_on_submit=True,
                ),
                rx.vstack(
                    rx.text("Two-factor sign-in is off. With it on, signing in to the staff portal also needs a "
                            "code from an app on your phone.", size="2", color=tokens.MUTED),
                    primary_button("SET UP TWO-FACTOR", on_click=S.start),
                    spacing="3",
                ),
            ),
        )),
        notice=S.notice, max_width="640px",
    )
