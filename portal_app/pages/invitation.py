"""/invitation?token=…: the page an invitation email's link opens (accept signed in, or make a sign-in)."""

from __future__ import annotations

import reflex as rx

from portal_app.components import tokens
from portal_app.components.cards import link_outcome, primary_button
from portal_app.components.forms import field, password_hint, public_frame, stacked_form
from portal_app.components.shell import portal_page
from portal_app.i18n import t
from portal_app.state.people import ConfirmAddAccountState as C
from portal_app.state.people import InvitationState as S

# To sign in first and come back to this same link (read from the address bar, never from the tab's state).
_SIGN_IN_AND_RETURN = rx.call_script(
    "window.location.href = '/signin?next=' + encodeURIComponent(window.location.pathname + window.location.search)")


def _offer() -> rx.Component:
    return rx.text(rx.el.strong(S.invited_by), t(" invited you to use the account "), rx.el.strong(S.account_label),
                   " (", S.invited_role, ").", size="3", id="invitation-offer")


def _signed_in() -> rx.Component:
    return rx.vstack(
        rx.text(t("You are signed in as "), rx.el.strong(S.signed_in_as),
                t(". Accept to add this account to your sign-in."),
                size="3"),
        primary_button(t("ACCEPT"), on_click=S.accept, width="100%", id="accept-invitation"),
        spacing="3", width="100%",
    )


def _signed_out() -> rx.Component:
    return rx.vstack(
        rx.button(t("SIGN IN TO ACCEPT"), on_click=_SIGN_IN_AND_RETURN, variant="outline", size="3", width="100%",
                  min_height=tokens.TOUCH_TARGET, cursor="pointer", id="sign-in-to-accept"),
        rx.divider(),
        rx.heading(t("New here? Create a sign-in"), as_="h2", size="4"),
        rx.text(t("It signs in with "), rx.el.strong(S.invited_email), t(" and can use only this account."), size="2",
                color=tokens.MUTED),
        stacked_form(
            field(t("Username"), "username", autocomplete="username", error=S.errors.get("username", "")),
            field(t("Password"), "password", type_="password", autocomplete="new-password", hint=password_hint(),
                  error=S.errors.get("password", "")),
            field(t("Password again"), "confirm_password", type_="password", autocomplete="new-password",
                  error=S.errors.get("confirm_password", "")),
            primary_button(t("CREATE SIGN-IN"), type="submit", width="100%"),
            on_submit=S.create_sign_in, spacing="3", id="create-sign-in",
        ),
        spacing="3", width="100%",
    )


@portal_page(route="/invitation", title="Invitation", public=True, on_load=[S.load])
def invitation() -> rx.Component:
    return public_frame(
        link_outcome(
            S.loaded, S.valid | (S.created != ""),
            rx.cond(
                S.created != "",
                rx.callout(rx.text(t("Your sign-in "), rx.el.strong(S.created), t(" is ready. "),
                                   rx.link(t("Sign in"), href="/signin"), t(" to use the account.")),
                           icon="circle_check", color_scheme="green", role="status", width="100%", id="created"),
                rx.vstack(_offer(), rx.cond(S.signed_in_as != "", _signed_in(), _signed_out()), spacing="4",
                          width="100%"),
            ),
            t("This invitation has expired or has already been used. Ask the account holder for a new one."),
            "invitation-error",
        ),
        heading=t("Invitation"),
    )


@portal_page(route="/confirm-add-account", title="Add an account", public=True, on_load=[C.load])
def confirm_add_account() -> rx.Component:
    return public_frame(
        link_outcome(
            C.loaded, C.added != "",
            rx.callout(rx.text(t("Account "), rx.el.strong(C.added), t(" is added to the sign-in that asked for it. "),
                               rx.link(t("Sign in"), href="/signin"), t(" and choose it in the header.")),
                       icon="circle_check", color_scheme="green", role="status", width="100%", id="account-added"),
            t("This link has expired or has already been used."), "add-account-error",
        ),
        heading=t("Add an account"),
    )
