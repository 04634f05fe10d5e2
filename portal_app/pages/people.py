"""People with access to the account: who else can sign in to it and with what role; invite and remove."""

from __future__ import annotations

import reflex as rx

from portal_app.components import tokens
from portal_app.components.cards import card, error_callout, notice_callout, page_body, primary_button
from portal_app.components.forms import field, stacked_form
from portal_app.components.shell import portal_page
from portal_app.i18n import t
from portal_app.services.core.i18n import N_
from portal_app.state.people import ROLE_OPTIONS
from portal_app.state.people import PeopleState as S

ROLE_HELP = N_("Full access: everything. Billing only: pay, invoices, AutoPay and payment methods. "
                "View only: sees the account, changes nothing.")


def _person(person: rx.Var) -> rx.Component:
    return rx.hstack(
        rx.vstack(
            rx.text(person["username"], rx.cond(person["you"] == "yes", t(" (you)"), ""), size="3", weight="medium"),
            rx.text(person["email"], " · ", person["role"], size="2", color=tokens.MUTED),
            rx.text(person["added"], size="1", color=tokens.MUTED),
            spacing="0", align="start", min_width="0",
        ),
        rx.spacer(),
        rx.cond(person["you"] == "yes", rx.fragment(),
                rx.button(t("REMOVE"), on_click=S.ask_remove(person["id"], person["username"]), variant="outline",
                          color_scheme="red", min_height=tokens.TOUCH_TARGET, cursor="pointer",
                          aria_label=t("Remove ") + person["username"].to(str))),
        width="100%", align="center", padding_y="0.5rem", border_bottom=f"1px solid {tokens.BORDER}",
        class_name="person", custom_attrs={"data-username": person["username"]},
    )


def _invitation(row: rx.Var) -> rx.Component:
    return rx.hstack(
        rx.vstack(rx.text(row["email"], size="3"), rx.text(row["role"], " · ", row["until"], size="2",
                                                           color=tokens.MUTED), spacing="0", align="start"),
        rx.spacer(),
        rx.button(t("CANCEL"), on_click=S.cancel_invitation(row["id"]), variant="ghost", color_scheme="gray",
                  min_height=tokens.TOUCH_TARGET, cursor="pointer", aria_label=t("Cancel invitation of ") + row["email"]),
        width="100%", align="center", class_name="invitation",
    )


def _invite_form() -> rx.Component:
    return card(rx.vstack(
        rx.heading(t("Invite someone"), as_="h2", size="4"),
        rx.text(t("They get an email with a link that works once and for 7 days. They sign in, or create a sign-in, "
                  "and this account is added to it."), size="2", color=tokens.MUTED),
        stacked_form(
            field(t("Their email address"), "invite_email", type_="email", autocomplete="off",
                  error=S.errors.get("invite_email", "")),
            rx.vstack(
                rx.el.label(t("What they may do"), html_for="invite_role", font_size="var(--font-size-2)",
                            font_weight="500"),
                rx.text(t(ROLE_HELP), size="1", color=tokens.MUTED),
                rx.el.select(*[rx.el.option(t(o["label"]), value=o["value"]) for o in ROLE_OPTIONS],
                             id="invite_role", name="invite_role", default_value="view", width="100%",
                             min_height=tokens.TOUCH_TARGET, padding="0 0.75rem", font_size="16px",
                             border=f"1px solid {tokens.BORDER}", border_radius="var(--radius-2)",
                             background=tokens.SURFACE, color=tokens.TEXT),
                rx.cond(S.errors.get("invite_role", "") != "",
                        rx.text(S.errors.get("invite_role", ""), size="2", color=tokens.DANGER, role="alert")),
                spacing="1", width="100%",
            ),
            primary_button(t("SEND INVITATION"), type="submit"),
            on_submit=S.invite, spacing="3", reset_on_submit=True, id="invite-form",
        ),
        spacing="3", width="100%",
    ))


def _confirm_remove() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(t("Remove access?")),
            rx.alert_dialog.description(
                rx.text(S.removing_name, t(" can no longer see or use this account; their sign-in stays for their "
                                          "other accounts."))),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button(t("KEEP"), variant="soft", color_scheme="gray",
                                                 min_height=tokens.TOUCH_TARGET)),
                rx.alert_dialog.action(rx.button(t("REMOVE"), color_scheme="red", on_click=S.confirm_remove,
                                                 min_height=tokens.TOUCH_TARGET, id="confirm-remove")),
                justify="end", spacing="3", margin_top="1rem",
            ),
        ),
        open=S.confirm_open, on_open_change=S.set_confirm_open,
    )


def _add_account() -> rx.Component:
    """Any sign-in may add another account it holds, proving it as sign-up does."""
    choose = stacked_form(
        rx.text(t("Account "), rx.el.strong(S.add_number), t(" matched. Where should we send the link that adds it?"),
                size="2"),
        rx.radio_group.root(
            rx.foreach(S.add_choices, lambda c: rx.radio_group.item(c["masked"], value=c["id"])),
            name="choice", direction="column", spacing="2", aria_label=t("Addresses on the account"),
        ),
        rx.cond(S.errors.get("choice", "") != "",
                rx.text(S.errors.get("choice", ""), size="2", color=tokens.DANGER, role="alert")),
        primary_button(t("SEND LINK"), type="submit"),
        on_submit=S.send_add_link, spacing="3", id="add-account-link-form",
    )
    by_bill = stacked_form(
        field(t("Or: the invoice number or total of its latest bill"), "bill_value",
              error=S.errors.get("bill_value", "")),
        primary_button(t("ADD WITH THE BILL"), type="submit"),
        on_submit=S.add_with_bill, spacing="3", id="add-account-bill-form",
    )
    return card(rx.vstack(
        rx.heading(t("Add an account you hold"), as_="h2", size="4"),
        rx.text(t("A second home, a family member's or a business account: prove it as you did when you signed up."),
                size="2", color=tokens.MUTED),
        notice_callout(S.add_notice, id="add-account-notice"),
        rx.cond(
            S.add_number != "",
            rx.vstack(choose, rx.cond(S.add_bill_proof, by_bill), spacing="4", width="100%"),
            stacked_form(
                field(t("Account number"), "account_number", error=S.errors.get("account_number", ""),
                      hint=t("As printed on the bill.")),
                field(t("Account holder's last name"), "last_name", error=S.errors.get("last_name", ""),
                      required=False),
                field(t("Or, for a business: billing ZIP code"), "billing_zip", required=False),
                primary_button(t("FIND THE ACCOUNT"), type="submit"),
                on_submit=S.start_add, spacing="3", id="add-account-form",
            ),
        ),
        spacing="3", width="100%",
    ))


@portal_page(route="/people", title="People with access", on_load=[S.load])
def people() -> rx.Component:
    return page_body(
        t("People with access"),
        notice_callout(S.notice, id="people-notice"),
        error_callout(S.errors.get("form", "")),
        rx.cond(
            S.holder,
            rx.vstack(
                card(rx.vstack(rx.heading(t("Who can use this account"), as_="h2", size="4"),
                               rx.foreach(S.people, _person), spacing="1", width="100%", id="people-list")),
                rx.cond(S.invitations.length() > 0,
                        card(rx.vstack(rx.heading(t("Invitations not yet accepted"), as_="h2", size="4"),
                                       rx.foreach(S.invitations, _invitation), spacing="2", width="100%"))),
                _invite_form(),
                _confirm_remove(),
                spacing="4", width="100%",
            ),
            card(rx.text(t("Only someone with full access to this account sees and changes who can use it."),
                         size="3")),
        ),
        _add_account(),
    )
