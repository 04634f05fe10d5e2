"""Sign-in page (public): password, then the two-factor code when it is on."""

from __future__ import annotations

import reflex as rx

from portal_app.components import tokens
from portal_app.components.cards import error_callout, notice_callout, primary_button
from portal_app.components.forms import field, outline_link, public_frame, stacked_form, text_link
from portal_app.components.language import language_choice
from portal_app.components.shell import portal_page
from portal_app.i18n import t, tagline
from portal_app.state.signin import SignInState


def _password_step() -> rx.Component:
    return stacked_form(
        rx.heading(t("Sign in to your account"), size="5", as_="h1"),
        notice_callout(SignInState.notice),
        error_callout(SignInState.error, id="signin-error"),
        rx.cond(
            SignInState.not_verified,
            rx.button(
                t("Send a new verification link"),
                type="button", size="3", on_click=SignInState.resend_verification, variant="outline",
                width="100%", min_height=tokens.TOUCH_TARGET, cursor="pointer",
            ),
        ),
        field(t("Username or email"), "login", autocomplete="username"),
        field(t("Password"), "password", type_="password", autocomplete="current-password"),
        primary_button(t("SIGN IN"), type="submit", width="100%", loading=SignInState.submitting),
        rx.hstack(
            text_link(t("Don't remember your password?"), "/forgot-password"),
            justify="center", width="100%",
        ),
        rx.divider(),
        rx.text(t("New to the portal?"), size="2", color=tokens.MUTED, text_align="center", width="100%"),
        outline_link(t("CREATE ACCOUNT"), href="/signup", font_size="var(--font-size-3)"),
        on_submit=SignInState.submit,
    )


def _code_step() -> rx.Component:
    return stacked_form(
        rx.heading(t("Enter your sign-in code"), size="5", as_="h1"),
        rx.text(
            t("Open your authenticator app and enter the 6-digit code it shows. "
              "Lost your phone? Enter one of your recovery codes instead."),
            size="2", color=tokens.MUTED,
        ),
        error_callout(SignInState.error, id="signin-error"),
        field(t("Code"), "code", autocomplete="one-time-code", input_mode="text", auto_focus=True),
        primary_button(t("VERIFY"), type="submit", width="100%", loading=SignInState.submitting),
        on_submit=SignInState.submit_code, reset_on_submit=True,
    )


@portal_page(route="/signin", title="Sign in", public=True, on_load=[SignInState.load])
def signin() -> rx.Component:
    return public_frame(
        rx.cond(SignInState.two_factor, _code_step(), _password_step()),
        heading=None,  # each step has its own heading
        intro=rx.vstack(
            rx.text(tagline(), size="2", color=tokens.MUTED, text_align="center"),
            language_choice(SignInState.pick_language),
            spacing="1", align="center",
        ),
        below=(
            rx.link(t("Pay a bill without signing in: Quick Pay"), href="/quickpay", size="3", id="quickpay-link",
                    min_height=tokens.TOUCH_TARGET, display="flex", align_items="center"),
            rx.link(t("New here? Order service: Shopping Cart"), href="/cart", size="3", id="cart-link",
                    min_height=tokens.TOUCH_TARGET, display="flex", align_items="center"),
        ),
        logo_href=None,
    )
