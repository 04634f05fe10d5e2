"""Payments: what was paid, how, and what it paid for; receipt PDFs."""

from __future__ import annotations

import reflex as rx

from portal_app.components import tokens
from portal_app.components.billing_nav import document_row, paged_list, status_badge
from portal_app.components.shell import portal_page
from portal_app.components.statement_form import statement_form
from portal_app.i18n import t
from portal_app.state.statements import PaymentsListState as S


def _row(payment: rx.Var) -> rx.Component:
    return document_row(
        rx.hstack(rx.text(payment["amount"], size="3", weight="bold"), status_badge(payment["status"]),
                  align="center", spacing="2"),
        rx.text(payment["date"], " · ", payment["method"], size="2", color=tokens.MUTED),
        rx.text(t("Paid: "), payment["applied"], size="2", color=tokens.MUTED),
        rx.cond(payment["taken_back"] != "", rx.text(payment["taken_back"], size="2", color=tokens.DANGER,
                                                     class_name="payment-taken-back")),
        rx.text(t("Receipt "), payment["receipt"], size="1", color=tokens.MUTED),
        pdf_href=payment["pdf"], pdf_label=t("Receipt ") + payment["receipt"].to(str) + " PDF", class_name="payment-row",
    )


@portal_page(route="/payments", title="Payments", on_load=[S.load])
def payments_list() -> rx.Component:
    return paged_list(t("Payments"), "/payments", S.payments, _row, t("No payments yet."), S.page, S.pages, S.go_to,
                      statement_form())
