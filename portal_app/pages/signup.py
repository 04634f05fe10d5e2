"""Online portal setup (public): CREATE ACCOUNT for an existing subscriber account."""

from __future__ import annotations

import reflex as rx

from portal_app.i18n import t
from portal_app.services.core.i18n import N_

from portal_app.components import tokens
from portal_app.components.cards import error_callout, primary_button
from portal_app.components.forms import field, public_frame, stacked_form, text_link
from portal_app.components.shell import portal_page
from portal_app.pages.email_links import PASSWORD_HINT
from portal_app.services.core.country import terms
from portal_app.state.signup import SignUpState


def _err(name: str) -> rx.Var:
    return SignUpState.errors.get(name, "")


def _section(title: str) -> rx.Component:
    return rx.heading(title, size="3", as_="h2", margin_top="0.5rem")


def _form() -> rx.Component:
    return stacked_form(
        _section(t("Your account")),
        field(t("Account number"), "account_number", error=_err("account_number"), input_mode="numeric",
              hint=t("The subscriber ID printed on your bill.")),
        rx.hstack(
            rx.switch(checked=SignUpState.business, on_change=SignUpState.set_business, id="business", name="business"),
            rx.el.label(t("This is a business account"), html_for="business", font_size="var(--font-size-2)"),
            align="center", min_height=tokens.TOUCH_TARGET,
        ),
        rx.cond(
            SignUpState.business,
            field(t(terms().billing_postal_code), "billing_zip", error=_err("last_name"), autocomplete="postal-code"),
            field(t("Account holder's last name"), "last_name", error=_err("last_name"), autocomplete="family-name"),
        ),
        _section(t("How we reach you")),
        field(t("First name"), "first_name", error=_err("first_name"), autocomplete="given-name"),
        field(t("Last name"), "contact_last_name", error=_err("contact_last_name"), autocomplete="family-name"),
        field(t("Phone"), "phone", type_="tel", error=_err("phone"), autocomplete="tel", required=False),
        field(t("Email"), "email", type_="email", error=_err("email"), autocomplete="email"),
        _section(t("Your sign-in")),
        field(t("Username"), "username", error=_err("username"), autocomplete="username"),
        field(t("Password"), "password", type_="password", error=_err("password"), autocomplete="new-password",
              hint=PASSWORD_HINT),
        field(t("Password again"), "confirm", type_="password", error=_err("confirm"), autocomplete="new-password"),
        error_callout(SignUpState.error, id="signup-error"),
        primary_button(t("CREATE ACCOUNT"), type="submit", width="100%", loading=SignUpState.submitting),
        on_submit=SignUpState.submit, spacing="3",
    )


def _choice(choice: rx.Var) -> rx.Component:
    choice_id = "choice-" + choice["id"].to(str)
    return rx.el.label(
        rx.el.input(type="radio", name="choice", value=choice["id"], id=choice_id,
                    style={"width": "1.25rem", "height": "1.25rem"}),
        rx.text(choice["masked"], size="3"),
        html_for=choice_id,
        display="flex", align_items="center", gap="0.75rem", min_height=tokens.TOUCH_TARGET, cursor="pointer",
    )


def _prove() -> rx.Component:
    """Step 2: the account matched; its owner proves control before the sign-in exists."""
    return rx.vstack(
        rx.text(t("We found your account. To keep it safe, we send a link to an email address that is already "
                "on the account. Open it to finish setting up "), rx.el.strong(SignUpState.username), ".", size="3"),
        rx.cond(
            SignUpState.choices.length() > 0,
            stacked_form(
                rx.el.fieldset(
                    rx.el.legend(t("Send the link to"), style={"font_weight": "500", "margin_bottom": "0.25rem"}),
                    rx.foreach(SignUpState.choices, _choice),
                    aria_describedby="field-choice-error",
                    style={"border": "none", "padding": "0", "margin": "0"},
                ),
                rx.cond(_err("choice") != "",
                        rx.text(_err("choice"), id="field-choice-error", role="alert", size="2",
                                color=tokens.DANGER)),
                primary_button(t("SEND LINK"), type="submit", width="100%", loading=SignUpState.submitting),
                on_submit=SignUpState.send_link, spacing="2",
            ),
            rx.text(t("There is no email address on this account yet. Call us and we will set up your sign-in."),
                    size="3", id="signup-no-choices"),
        ),
        rx.cond(
            SignUpState.bill_proof,
            stacked_form(
                _section(t("Or use your latest bill")),
                field(t("Invoice number or total of your latest bill"), "bill_value", error=_err("bill_value"),
                      hint=t("Exactly as printed, for example INV-2026-0001 or 84.16.")),
                primary_button(t("CONFIRM"), type="submit", width="100%", loading=SignUpState.submitting),
                on_submit=SignUpState.prove_with_bill, spacing="2",
            ),
        ),
        error_callout(SignUpState.error, id="signup-error"),
        spacing="3", width="100%",
    )


def _link_sent() -> rx.Component:
    return rx.callout(
        rx.text(t("We sent a link to "), rx.el.strong(SignUpState.link_sent_to),
                t(". Open it within 1 hour to finish setting up your sign-in.")),
        icon="mail", color_scheme="green", role="status", width="100%", id="signup-link-sent",
    )


def _done() -> rx.Component:
    return rx.vstack(
        rx.callout(
            rx.cond(
                SignUpState.awaiting_approval,
                rx.text(t("Thank you. Our staff will review the new sign-in; we email you once it is ready.")),
                rx.cond(
                    SignUpState.verified,
                    rx.text(t("Your sign-in is ready. Sign in with your username and password.")),
                    rx.text(t("Check your email. We sent a verification link to "), rx.el.strong(SignUpState.email_sent_to),
                            t(". Open it within 5 days, then sign in.")),
                ),
            ),
            icon="mail", color_scheme="green", role="status", width="100%", id="signup-done",
        ),
        spacing="3", width="100%",
    )


@portal_page(route="/signup", title=N_("Create your portal account"), public=True, on_load=[SignUpState.load])
def signup() -> rx.Component:
    return public_frame(
        rx.match(SignUpState.step, ("prove", _prove()), ("link_sent", _link_sent()), ("done", _done()), _form()),
        rx.hstack(rx.text(t("Already set up?"), size="2"), text_link(t("Sign in"), "/signin"), justify="center",
                  align="center", width="100%"),
        heading=t("Online portal setup"),
    )
