"""Quick Pay (public, linked from sign-in): account number + last name or ZIP, then pay."""

from __future__ import annotations

import reflex as rx

from portal_app.components import tokens
from portal_app.components.cards import error_callout, label_value, primary_button
from portal_app.components.payment_form import (
    ach_authorization, bank_fields, card_fields, method_select, text_field,
)
from portal_app.components.forms import public_frame, stacked_form
from portal_app.components.shell import portal_page
from portal_app.i18n import t
from portal_app.state.quickpay import MARK_TAP
from portal_app.state.quickpay import QuickPayState as S


def _identify() -> rx.Component:
    return stacked_form(
        rx.text(t("Pay your bill without signing in."), size="3"),
        text_field(t("Account number"), "account_number", S.errors, input_mode="numeric",
                   hint=t("The subscriber ID on your bill.")),
        text_field(t("Last name or billing ZIP"), "name_or_zip", S.errors, autocomplete="off"),
        primary_button(t("CONTINUE"), type="submit", width="100%"),
        on_submit=S.identify,
    )


def _pay() -> rx.Component:
    return rx.vstack(
        rx.hstack(label_value(t("Account"), S.masked_name, id="qp-name"), rx.spacer(),
                  label_value(t("Balance"), S.amount_due, id="qp-due"), width="100%"),
        rx.cond(S.restore_note != "", rx.text(S.restore_note, id="qp-restore", size="3", weight="medium")),
        stacked_form(
            method_select(S.method_options, S.method_choice, S.choose_method, S.errors),
            text_field(t("Amount"), "amount", S.errors, input_mode="decimal", default_value=S.amount),
            rx.cond(S.hosted,
                    rx.text(t("You will enter the card or bank details on our payment processor's secure page."),
                            size="2", color=tokens.MUTED),
                    rx.cond(S.method_choice == "ach", bank_fields(S.errors), card_fields(S.errors))),
            rx.cond(S.method_choice == "ach", ach_authorization(S.ach_terms, S.errors)),
            text_field(t("Email for your receipt (optional)"), "email", S.errors, autocomplete="email",
                       input_mode="email"),
            primary_button(t("PAY NOW"), type="submit", width="100%", loading=S.submitting,
                           on_click=rx.call_script(MARK_TAP)),
            on_submit=S.pay, id="qp-pay-form", custom_attrs={"data-attempt": S.attempt_ref},
        ),
        rx.button(t("Not your account? Start over"), on_click=S.start_over, variant="ghost", size="2",
                  min_height=tokens.TOUCH_TARGET, cursor="pointer"),
        spacing="4", width="100%",
    )


def _done() -> rx.Component:
    return rx.vstack(
        rx.heading(rx.cond(S.done_confirming, t("Payment still being confirmed"),
                           rx.cond(S.done_pending, t("Payment submitted"), t("Payment received"))),
                   as_="h2", size="5", color=rx.cond(S.done_confirming, tokens.TEXT, tokens.SUCCESS), id="qp-done"),
        rx.cond(S.done_confirming,
                rx.text(t("We are waiting for the payment processor's answer. Do not pay again: the receipt is "
                          "emailed as soon as it is confirmed."), size="2")),
        label_value(t("Amount"), S.done_amount, id="qp-done-amount"),
        label_value(t("Receipt"), S.done_receipt, id="qp-done-receipt"),
        rx.cond(S.done_restored, rx.text(t("Your service is being restored: it can take a few minutes to come back."),
                                         id="qp-restoring", size="3", weight="medium", color=tokens.SUCCESS)),
        rx.cond(S.done_confirming, rx.fragment(),
                rx.cond(S.done_email != "", rx.text(t("We emailed a receipt to "), S.done_email, ".", size="2"),
                        rx.text(t("We emailed a receipt to the account holder."), size="2"))),
        rx.link(t("Sign in to your account"), href="/signin", min_height=tokens.TOUCH_TARGET, display="flex",
                align_items="center"),
        spacing="3", align="start", width="100%",
    )


@portal_page(route="/quickpay", title="Quick Pay", public=True, on_load=[S.load])
def quick_pay() -> rx.Component:
    return public_frame(
        error_callout(S.error, id="quickpay-error"),
        rx.match(S.step, ("pay", _pay()), ("done", _done()), _identify()),
        heading=t("Quick Pay"),
    )
