"""Online portal setup (public): CREATE ACCOUNT for an existing subscriber account."""

from __future__ import annotations

import reflex as rx

from portal_app.components import tokens
from portal_app.components.cards import error_callout, primary_button
from portal_app.components.forms import field, public_frame, text_link
from portal_app.components.shell import portal_page
from portal_app.pages.email_links import PASSWORD_HINT
from portal_app.state.signup import SignUpState


def _err(name: str) -> rx.Var:
    return SignUpState.errors.get(name, "")


def _section(title: str) -> rx.Component:
    return rx.heading(title, size="3", as_="h2", margin_top="0.5rem")


def _form() -> rx.Component:
    return rx.form(
        rx.vstack(
            _section("Your account"),
            field("Account number", "account_number", error=_err("account_number"), input_mode="numeric",
                  hint="The subscriber ID printed on your bill."),
            rx.hstack(
                rx.switch(checked=SignUpState.business, on_change=SignUpState.set_business, id="business", name="business"),
                rx.el.label("This is a business account", html_for="business", font_size="var(--font-size-2)"),
                align="center",
                min_height=tokens.TOUCH_TARGET,
            ),
            rx.cond(
                SignUpState.business,
                field("Billing ZIP code", "billing_zip", error=_err("last_name"), autocomplete="postal-code"),
                field("Account holder's last name", "last_name", error=_err("last_name"), autocomplete="family-name"),
            ),
            _section("How we reach you"),
            field("First name", "first_name", error=_err("first_name"), autocomplete="given-name"),
            field("Last name", "contact_last_name", error=_err("contact_last_name"), autocomplete="family-name"),
            field("Phone", "phone", type_="tel", error=_err("phone"), autocomplete="tel", required=False),
            field("Email", "email", type_="email", error=_err("email"), autocomplete="email"),
            _section("Your sign-in"),
            field("Username", "username", error=_err("username"), autocomplete="username"),
            field("Password", "password", type_="password", error=_err("password"), autocomplete="new-password",
                  hint=PASSWORD_HINT),
            field("Password again", "confirm", type_="password", error=_err("confirm"), autocomplete="new-password"),
            error_callout(SignUpState.error, id="signup-error"),
            primary_button("CREATE ACCOUNT", type="submit", width="100%", loading=SignUpState.submitting),
            spacing="3",
            width="100%",
        ),
        on_submit=SignUpState.submit,
        reset_on_submit=False,
        width="100%",
    )


def _done() -> rx.Component:
    return rx.vstack(
        rx.callout(
            rx.text("Check your email. We sent a verification link to ", rx.el.strong(SignUpState.email_sent_to),
                    ". Open it within 5 days, then sign in."),
            icon="mail", color_scheme="green", role="status", width="100%", id="signup-done",
        ),
        spacing="3",
        width="100%",
    )


@portal_page(route="/signup", title="Create your portal account", public=True, on_load=[SignUpState.load])
def signup() -> rx.Component:
    return public_frame(
        rx.cond(SignUpState.done, _done(), _form()),
        rx.hstack(rx.text("Already set up?", size="2"), text_link("Sign in", "/signin"), justify="center",
                  align="center", width="100%"),
        heading="Online portal setup",
    )
