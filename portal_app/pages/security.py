"""Account security (signed in): change password, change email, sign out everywhere, two-factor sign-in."""

from __future__ import annotations

import reflex as rx

from portal_app.i18n import t
from portal_app.services.core.i18n import N_
from portal_app.components import tokens
from portal_app.components.cards import card, error_callout, label_value, notice_callout, page_body, primary_button
from portal_app.components.forms import field, password_hint, stacked_form
from portal_app.components.shell import portal_page
from portal_app.state.security import SecurityState


def _err(name: str) -> rx.Var:
    return SecurityState.errors.get(name, "")


def _section(title: str, *children: rx.Component) -> rx.Component:
    return card(rx.vstack(rx.heading(title, size="4", as_="h2"), *children, spacing="3", width="100%"))


def _password_card() -> rx.Component:
    return _section(
        t("Password"),
        stacked_form(
            field(t("Current password"), "current_password", type_="password", autocomplete="current-password",
                  error=_err("current_password")),
            field(t("New password"), "new_password", type_="password", autocomplete="new-password",
                  hint=password_hint(), error=_err("new_password")),
            field(t("New password again"), "confirm_password", type_="password", autocomplete="new-password",
                  error=_err("confirm_password")),
            primary_button(t("CHANGE PASSWORD"), type="submit", loading=SecurityState.busy),
            on_submit=SecurityState.change_password, spacing="3", reset_on_submit=True,
        ),
    )


def _email_card() -> rx.Component:
    return _section(
        t("Email address"),
        label_value(t("Signs in and gets notices at"), SecurityState.email, id="current-email"),
        stacked_form(
            field(t("New email address"), "new_email", type_="email", autocomplete="email", error=_err("new_email"),
                  hint=t("We send a link to the new address; it takes effect when you open it.")),
            field(t("Current password"), "email_password", type_="password", autocomplete="current-password",
                  error=_err("email_password")),
            primary_button(t("CHANGE EMAIL"), type="submit", loading=SecurityState.busy),
            on_submit=SecurityState.change_email, spacing="3", reset_on_submit=True,
        ),
    )


def _enrolment() -> rx.Component:
    return rx.vstack(
        rx.text(t("1. Scan this code with an authenticator app (Google Authenticator, 1Password, Authy…)."), size="2"),
        rx.image(src=SecurityState.qr_data_uri, alt=t("QR code for your authenticator app"), width="200px",
                 height="200px", background="white"),
        rx.text(
            t("Can't scan? Enter this key: "),
            rx.code(SecurityState.manual_key, id="manual-key", color_scheme="gray", high_contrast=True),
            size="2",
        ),
        stacked_form(
            field(t("2. Enter the 6-digit code the app shows"), "code", autocomplete="one-time-code",
                  input_mode="numeric", error=_err("code")),
            primary_button(t("TURN ON"), type="submit"),
            on_submit=SecurityState.confirm_two_factor, spacing="3", reset_on_submit=True,
        ),
        spacing="3", width="100%",
    )


def _recovery_codes() -> rx.Component:
    return rx.cond(
        SecurityState.showing_recovery_codes,
        rx.callout(
            rx.vstack(
                rx.text(t("Your recovery codes. Each works once if you lose your phone. They are shown only now:"),
                        weight="medium"),
                # Filled by a script from the handler: the codes are never part of the tab's state.
                rx.el.ul(
                    id="recovery-codes",
                    style={"columns": "2", "padding_left": "1.25rem"},
                ),
                spacing="2",
            ),
            icon="key_round", color_scheme="gray", high_contrast=True, width="100%",
        ),
    )


def _two_factor_card() -> rx.Component:
    return _section(
        t("Two-factor sign-in"),
        rx.text(t("After your password, sign-in asks for a code from an app on your phone."), size="2",
                color=tokens.MUTED),
        _recovery_codes(),
        rx.cond(
            SecurityState.two_factor_on,
            rx.vstack(
                rx.badge(t("On"), color_scheme="green", size="2", high_contrast=True, id="two-factor-state"),
                rx.text(SecurityState.recovery_left, t(" recovery codes left."), size="2"),
                stacked_form(
                    field(t("Password to turn it off"), "disable_password", type_="password",
                          autocomplete="current-password", error=_err("disable_password")),
                    rx.button(t("TURN OFF"), type="submit", variant="outline", color_scheme="red",
                              min_height=tokens.TOUCH_TARGET, cursor="pointer"),
                    on_submit=SecurityState.disable_two_factor, spacing="3", reset_on_submit=True,
                ),
                spacing="3", width="100%",
            ),
            rx.cond(
                SecurityState.enrolling,
                _enrolment(),
                rx.button(t("SET UP TWO-FACTOR"), on_click=SecurityState.start_two_factor, variant="outline",
                          min_height=tokens.TOUCH_TARGET, cursor="pointer"),
            ),
        ),
    )


def _sessions_card() -> rx.Component:
    return _section(
        t("Signed-in devices"),
        rx.text(t("Lost a phone or used a shared computer? Sign out on every device, this one included."), size="2",
                color=tokens.MUTED),
        rx.button(t("SIGN OUT EVERYWHERE"), on_click=SecurityState.sign_out_everywhere, variant="outline",
                  color_scheme="red", min_height=tokens.TOUCH_TARGET, cursor="pointer"),
    )


@portal_page(route="/security", title="Security", nav_label=N_("Security"), nav_icon="shield", nav_order=90,
             on_load=[SecurityState.load])
def security() -> rx.Component:
    return page_body(
        t("Sign-in and security"),
        rx.text(t("Signed in as "), rx.el.strong(SecurityState.username), size="2", color=tokens.MUTED),
        notice_callout(SecurityState.notice, id="security-notice"),
        error_callout(_err("form")),
        _password_card(),
        _email_card(),
        _two_factor_card(),
        _sessions_card(),
        _section(t("People with access"),
                 rx.text(t("Who else can use this account, and with what access; invite someone or remove them."),
                         size="2", color=tokens.MUTED),
                 rx.link(t("People with access"), href="/people", id="people-link", min_height=tokens.TOUCH_TARGET,
                         display="flex", align_items="center")),
    )
