"""The staff account page's Payments tab: each payment with its status and flags, and a refund form."""

from __future__ import annotations

import reflex as rx

from portal_app.components import tokens
from portal_app.components.cards import card, notice_callout, primary_button
from portal_app.components.forms import stacked_form, text_field
from portal_app.state.staff_payments import StaffPaymentsState as P


def _refund_form() -> rx.Component:
    return stacked_form(
        rx.text("Refund up to ", P.refund_max, size="2", color=tokens.MUTED),
        text_field("Refund amount", "refund_amount", error=P.err_refund_amount, input_mode="decimal"),
        text_field("Reason (the subscriber sees it)", "refund_reason", error=P.err_refund_reason),
        rx.hstack(
            primary_button("REFUND", type="submit", loading=P.working),
            rx.button("CANCEL", type="button", on_click=P.close_refund, variant="outline", size="3",
                      min_height=tokens.TOUCH_TARGET, cursor="pointer"),
            spacing="2",
        ),
        on_submit=P.refund, spacing="3", align="start", no_validate=True,
    )


def _row(payment: rx.Var) -> rx.Component:
    return card(
        rx.vstack(
            rx.hstack(
                rx.text(payment["amount"], size="3", weight="bold"),
                rx.badge(payment["status"], color_scheme=rx.match(payment["status"], ("Paid", "green"),
                                                                  ("Pending", "amber"), "red"),
                         size="2", high_contrast=True),
                rx.cond(payment["flag"] != "", rx.badge(payment["flag"], color_scheme="red", size="2",
                                                        high_contrast=True, class_name="payment-flag")),
                spacing="2", align="center", wrap="wrap",
            ),
            rx.text(payment["date"], " · ", payment["method"], " · ", payment["receipt"], size="2", color=tokens.MUTED),
            rx.cond(payment["taken_back"] != "",
                    rx.text("Taken back: ", payment["taken_back"], size="2", color=tokens.DANGER)),
            rx.cond(
                P.refunding_id == payment["id"].to(int),
                _refund_form(),
                rx.cond(payment["refundable"].to(bool),
                        rx.button("REFUND", on_click=P.open_refund(payment["id"].to(int)), variant="outline",
                                  size="3", min_height=tokens.TOUCH_TARGET, cursor="pointer",
                                  aria_label="Refund payment " + payment["receipt"].to(str))),
            ),
            spacing="2", align="start", width="100%",
        ),
        class_name="staff-payment",
    )


def payments_tab() -> rx.Component:
    return rx.vstack(
        notice_callout(P.notice, id="payment-notice"),
        rx.cond(
            P.payments.length() > 0,
            rx.vstack(rx.foreach(P.payments, _row), spacing="2", width="100%", id="staff-payments"),
            rx.text("No payments on this account.", color=tokens.MUTED),
        ),
        spacing="3", width="100%",
    )
