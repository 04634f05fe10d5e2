"""Staff sign-in (public staff page), apart from the subscribers' sign-in."""

from __future__ import annotations

import reflex as rx

from portal_app.components import tokens
from portal_app.components.cards import error_callout, notice_callout, primary_button
from portal_app.components.forms import field, outline_link, public_frame, stacked_form
from portal_app.components.staff_shell import staff_page
from portal_app.state.staff_signin import StaffSignInState


@staff_page(route="/staff/signin", title="Staff sign in", public=True, on_load=[StaffSignInState.load])
def signin() -> rx.Component:
    return public_frame(
        notice_callout(StaffSignInState.notice),
        error_callout(StaffSignInState.error, id="staff-signin-error"),
        stacked_form(
            field("Staff username", "username", autocomplete="username"),
            field("Password", "password", type_="password", autocomplete="current-password"),
            rx.cond(StaffSignInState.needs_code,
                    field("Two-factor code", "code", autocomplete="one-time-code", input_mode="numeric",
                          hint="The 6 digits your authenticator app shows now.")),
            primary_button("SIGN IN", type="submit", width="100%", loading=StaffSignInState.submitting),
            on_submit=StaffSignInState.submit,
        ),
        rx.cond(StaffSignInState.oidc_button != "", _identity_provider()),
        heading="Staff sign in",
    )


def _identity_provider() -> rx.Component:
    """Sign-in with the provider's identity provider: a full page load of the route that starts it."""
    return rx.vstack(
        rx.hstack(rx.separator(size="4", flex="1"), rx.text("or", size="2", color=tokens.MUTED),
                  rx.separator(size="4", flex="1"), align="center", width="100%", spacing="3"),
        outline_link(
            rx.icon("key_round", size=18),
            rx.text(StaffSignInState.oidc_button, size="3", weight="medium"),
            href=StaffSignInState.oidc_href,
            reload_document=True,  # the browser itself goes there: it is an HTTP route, not a page
            id="staff-oidc-signin", gap="0.5rem", padding_x="1rem", text_align="center",
        ),
        rx.text("For staff an admin has already invited under Staff users: your @", StaffSignInState.oidc_domain,
                " address must be the email on your staff account. Signing in never creates an account.",
                size="2", color=tokens.MUTED),
        spacing="3", width="100%",
    )
