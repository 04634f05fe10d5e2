"""Payments: what was paid, how, and what it paid for; receipt PDFs."""

from __future__ import annotations

import reflex as rx

from portal_app.components import tokens
from portal_app.components.billing_nav import billing_tabs, pager, pdf_link, status_badge
from portal_app.components.cards import card
from portal_app.components.shell import portal_page
from portal_app.state.statements import PaymentsListState as S


def _row(payment: rx.Var) -> rx.Component:
    return rx.hstack(
        rx.vstack(
            rx.hstack(rx.text(payment["amount"], size="3", weight="bold"), status_badge(payment["status"]),
                      align="center", spacing="2"),
            rx.text(payment["date"], " · ", payment["method"], size="2", color=tokens.MUTED),
            rx.text("Paid: ", payment["applied"], size="2", color=tokens.MUTED),
            rx.cond(payment["taken_back"] != "", rx.text(payment["taken_back"], size="2", color=tokens.DANGER,
                                                         class_name="payment-taken-back")),
            rx.text("Receipt ", payment["receipt"], size="1", color=tokens.MUTED),
            spacing="1",
            align="start",
            min_width="0",
        ),
        rx.spacer(),
        pdf_link(payment["pdf"], "Receipt " + payment["receipt"].to(str) + " PDF"),
        align="center",
        width="100%",
        padding_y="0.75rem",
        border_bottom=f"1px solid {tokens.BORDER}",
        class_name="payment-row",
    )


@portal_page(route="/payments", title="Payments", on_load=[S.load])
def payments_list() -> rx.Component:
    return rx.vstack(
        rx.heading("Payments", as_="h1", size="6", color=tokens.TEXT),
        billing_tabs("/payments"),
        card(
            rx.cond(S.payments.length() == 0, rx.text("No payments yet.", color=tokens.MUTED),
                    rx.vstack(rx.foreach(S.payments, _row), spacing="0", width="100%")),
            pager(S.page, S.pages, S.go_to),
        ),
        spacing="4",
        width="100%",
    )
