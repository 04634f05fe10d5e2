"""Make a Payment: the Payment dropdown, card or bank details, sliders, confirmation."""

from __future__ import annotations

import reflex as rx

from portal_app.i18n import t
from portal_app.components.forms import stacked_form

from portal_app.components import tokens
from portal_app.components.cards import card, error_callout, label_value, page_body, primary_button
from portal_app.components.payment_form import (
    ach_authorization, bank_fields, card_fields, field_error, method_select, slider, text_field,
)
from portal_app.components.shell import portal_page
from portal_app.state.session import SessionState
from portal_app.state.payment import MARK_TAP
from portal_app.state.payment import PaymentState as S


def _recurring_details() -> rx.Component:
    return rx.vstack(
        label_value(t("Repeat On"), S.repeat_on_text),
        rx.cond(S.is_new_method, rx.fragment(), label_value(t("Charged to"), S.method_label)),
        rx.cond(
            S.recurring_added,
            rx.text(rx.icon("circle_check", size=16), t(" AutoPay will start with this payment."), size="2",
                    color=tokens.SUCCESS, id="recurring-added", display="flex", gap="0.5rem", align_items="center"),
            rx.button(t("ADD RECURRING"), on_click=S.add_recurring, type="button", variant="outline", size="3",
                      min_height=tokens.TOUCH_TARGET, cursor="pointer"),
        ),
        field_error(S.errors["recurring"], "recurring"),
        spacing="2", width="100%", padding="0.75rem", background=tokens.ACCENT_SOFT,
        border_radius="var(--radius-3)", id="recurring-details",
    )


def _form() -> rx.Component:
    return stacked_form(
        rx.vstack(
            rx.text(t("Current balance "), rx.el.strong(S.balance_text), size="3"),
            rx.cond(S.pending_text != "", rx.text(S.pending_text, size="2", color=tokens.MUTED)),
            rx.cond(S.pending_text != "", rx.text(t("Left to pay "), rx.el.strong(S.left_text), size="3")),
            spacing="1", id="pay-balance",
        ),
        error_callout(S.form_error, id="payment-error"),
        method_select(S.method_options, S.method_choice, S.choose_method, S.errors),
        text_field(t("Amount"), "amount", S.errors, input_mode="decimal", default_value=S.amount,
                   hint=t("Pay your balance, part of it, or ahead of your next bill.")),
        rx.cond(
            S.hosted & S.is_new_method,
            rx.text(t("You will enter the card or bank details on our payment processor's secure page."),
                    size="2", color=tokens.MUTED, id="hosted-notice"),
            rx.fragment(rx.cond(S.is_new_card, card_fields(S.errors)),
                        rx.cond(S.method_choice == "ach", bank_fields(S.errors))),
        ),
        rx.cond(S.is_new_method, slider(t("Save Payment Method"), S.save_method, S.set_save_method, "save-method")),
        rx.cond(
            S.has_autopay,
            rx.text(t("AutoPay is on for this account."), size="2", color=tokens.MUTED),
            slider(t("Setup Automatic Recurring Payment"), S.recurring, S.set_recurring, "setup-recurring"),
        ),
        rx.cond(S.recurring, _recurring_details()),
        rx.cond(S.is_ach, ach_authorization(S.ach_terms, S.errors)),
        rx.cond(SessionState.may_pay,
                primary_button(t("PAY NOW"), type="submit", width="100%", loading=S.submitting,
                               on_click=rx.call_script(MARK_TAP))),
        on_submit=S.submit, id="pay-form", custom_attrs={"data-attempt": S.attempt_ref},
    )


def _confirmation() -> rx.Component:
    return card(
        rx.vstack(
            rx.heading(rx.cond(S.done_confirming, t("Payment still being confirmed"),
                               rx.cond(S.done_pending, t("Payment submitted"), t("Payment received"))),
                       as_="h2", size="5", color=rx.cond(S.done_confirming, tokens.TEXT, tokens.SUCCESS),
                       id="payment-done"),
            rx.cond(S.done_confirming,
                    rx.text(t("We are waiting for the payment processor's answer. Do not pay again: we will email you "
                              "as soon as it is confirmed, and this page shows it when you come back."), size="2",
                            id="done-confirming"),
                    rx.cond(S.done_pending,
                            rx.text(t("Bank payments take 1–3 business days to settle. We will email you when it does."),
                                    size="2"))),
            rx.cond(S.done_note != "", rx.text(S.done_note, size="2", weight="medium", id="done-note")),
            label_value(t("Amount"), S.done_amount, id="done-amount"),
            label_value(t("Method"), S.done_method),
            label_value(t("Receipt"), S.done_receipt, id="done-receipt"),
            label_value(t("New balance"), S.done_balance, id="done-balance"),
            rx.cond(S.done_autopay, rx.text(t("AutoPay is now on."), size="3", weight="medium", id="done-autopay")),
            rx.cond(~S.done_confirming, rx.text(t("A receipt is on its way to your email."), size="2", color=tokens.MUTED)),
            rx.link(t("Download receipt (PDF)"), href="/documents/receipts/" + S.done_payment_id.to_string() + ".pdf",
                    is_external=True, min_height=tokens.TOUCH_TARGET, display="flex", align_items="center"),
            rx.link(t("Back to Home"), href="/", min_height=tokens.TOUCH_TARGET, display="flex", align_items="center"),
            spacing="3", align="start",
        ),
        border_top=f"4px solid {tokens.SUCCESS}",
    )


@portal_page(route="/pay", title="Make a Payment", on_load=[S.load])
def make_payment() -> rx.Component:
    return page_body(
        t("Make a Payment"),
        rx.cond(S.done, _confirmation(), card(_form())),
    )
