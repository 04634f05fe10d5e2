"""Where email links land (public): verify and set a password, forgot / reset password, confirm a new email."""

from __future__ import annotations

import reflex as rx

from portal_app.i18n import t, tf
from portal_app.services.core.i18n import N_

from portal_app.components import tokens
from portal_app.components.cards import error_callout, link_outcome, loading, notice_callout, primary_button
from portal_app.components.forms import field, new_password_form, public_frame, stacked_form, text_link
from portal_app.components.shell import portal_page
from portal_app.services.identity.passwords import MIN_LENGTH
from portal_app.state.email_links import (
    ConfirmEmailState, ConfirmSignUpState, ForgotPasswordState, RemoveSignInState, ResetPasswordState,
    VerifyState,
)

PASSWORD_HINT = tf("At least %(count)s characters. A few unrelated words make a strong, memorable password; "
                   "repeats, sequences, keyboard rows and our name or yours are refused.", count=str(MIN_LENGTH))


def _back_to_sign_in() -> rx.Component:
    return rx.hstack(text_link(t("Back to sign in"), "/signin"), justify="center", width="100%")


@portal_page(route="/verify", title=N_("Verify your email"), public=True, on_load=[VerifyState.load])
def verify() -> rx.Component:
    return public_frame(
        error_callout(VerifyState.error, id="verify-error"),
        rx.cond(
            VerifyState.valid & VerifyState.needs_password,
            new_password_form(rx.text(t("Choose a password for "), rx.el.strong(VerifyState.username), ".", size="3"),
                              error=VerifyState.password_error, submitting=VerifyState.submitting,
                              label=t("SET PASSWORD"), on_submit=VerifyState.set_password, hint=PASSWORD_HINT, say=t),
            rx.cond(
                ~VerifyState.loaded | VerifyState.valid,
                loading(),
                stacked_form(
                    notice_callout(VerifyState.resend_notice, id="resend-notice"),
                    field(t("Username or email"), "login", autocomplete="username"),
                    primary_button(t("SEND A NEW LINK"), type="submit", width="100%"),
                    on_submit=VerifyState.resend, spacing="3",
                ),
            ),
        ),
        _back_to_sign_in(),
        heading=t("Verify your email"),
    )


@portal_page(route="/forgot-password", title=N_("Reset your password"), public=True, on_load=[ForgotPasswordState.load])
def forgot_password() -> rx.Component:
    return public_frame(
        rx.text(t("Enter the email address of your portal sign-in. We will send it a link to choose a new password."), size="2", color=tokens.MUTED),
        notice_callout(ForgotPasswordState.notice, id="reset-notice"),
        error_callout(ForgotPasswordState.error),
        stacked_form(
            field(t("Email"), "email", type_="email", autocomplete="email", error=ForgotPasswordState.email_error),
            primary_button(t("SEND RESET LINK"), type="submit", width="100%", loading=ForgotPasswordState.submitting),
            on_submit=ForgotPasswordState.submit,
        ),
        _back_to_sign_in(),
        heading=t("Don't remember your password?"),
    )


@portal_page(route="/reset-password", title=N_("Choose a new password"), public=True, on_load=[ResetPasswordState.load])
def reset_password() -> rx.Component:
    return public_frame(
        error_callout(ResetPasswordState.error, id="reset-error"),
        rx.cond(
            ResetPasswordState.valid,
            new_password_form(rx.text(t("Choose a new password for "), rx.el.strong(ResetPasswordState.username), ".",
                                      size="3"),
                              error=ResetPasswordState.password_error, submitting=ResetPasswordState.submitting,
                              label=t("CHANGE PASSWORD"), on_submit=ResetPasswordState.submit, hint=PASSWORD_HINT,
                              say=t),
            rx.cond(ResetPasswordState.loaded, text_link(t("Ask for a new link"), "/forgot-password")),
        ),
        _back_to_sign_in(),
        heading=t("Choose a new password"),
    )


@portal_page(route="/confirm-email", title=N_("Confirm your email"), public=True, on_load=[ConfirmEmailState.load])
def confirm_email() -> rx.Component:
    return public_frame(
        link_outcome(
            ConfirmEmailState.loaded, ConfirmEmailState.confirmed,
            rx.callout(t("Your email address has been changed. We told your old address too."),
                       icon="info", color_scheme="gray", role="status", width="100%", id="confirm-notice"),
            t("This link has expired or has already been used."), "confirm-error",
        ),
        _back_to_sign_in(),
        heading=t("Confirm your email"),
    )


@portal_page(route="/confirm-sign-up", title=N_("Finish your sign-in"), public=True, on_load=[ConfirmSignUpState.load])
def confirm_sign_up() -> rx.Component:
    return public_frame(
        link_outcome(
            ConfirmSignUpState.loaded, ConfirmSignUpState.confirmed,
            rx.callout(
                rx.cond(
                    ConfirmSignUpState.awaiting_approval,
                    rx.text(t("Thank you. Our staff will review the sign-in "), rx.el.strong(ConfirmSignUpState.username),
                            t("; we email you once it is ready.")),
                    rx.cond(
                        ConfirmSignUpState.verified,
                        rx.text(t("The sign-in "), rx.el.strong(ConfirmSignUpState.username),
                                t(" is ready. Sign in with its username and password.")),
                        rx.text(t("Thank you. We sent a verification link to "), rx.el.strong(ConfirmSignUpState.email),
                                t(". Open it within 5 days, then sign in.")),
                    ),
                ),
                icon="info", color_scheme="green", role="status", width="100%", id="confirm-sign-up-notice",
            ),
            t("This link has expired or has already been used. Start the portal setup again."), "confirm-sign-up-error",
        ),
        _back_to_sign_in(),
        heading=t("Finish your sign-in"),
    )


@portal_page(route="/remove-sign-in", title=N_("Remove a sign-in"), public=True, on_load=[RemoveSignInState.load])
def remove_sign_in() -> rx.Component:
    return public_frame(
        link_outcome(
            RemoveSignInState.loaded, RemoveSignInState.removed | RemoveSignInState.valid,
            rx.cond(
                RemoveSignInState.removed,
                rx.callout(rx.text(t("The sign-in "), rx.el.strong(RemoveSignInState.username),
                                   t(" is removed and signed out everywhere. Call us if you want to know more.")),
                           icon="info", color_scheme="green", role="status", width="100%", id="remove-notice"),
                rx.vstack(
                    rx.text(t("Remove the portal sign-in "), rx.el.strong(RemoveSignInState.username),
                            t(" from your account? It is signed out at once and cannot sign in again."), size="3"),
                    rx.button(t("REMOVE SIGN-IN"), on_click=RemoveSignInState.remove, color_scheme="red",
                              size="3", width="100%", min_height=tokens.TOUCH_TARGET, cursor="pointer"),
                    spacing="3", width="100%",
                ),
            ),
            t("This link has expired or has already been used."), "remove-error",
        ),
        _back_to_sign_in(),
        heading=t("Remove a sign-in"),
    )
