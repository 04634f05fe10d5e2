"""Invoices: newest first, paged, with the PDF icon to view, download or print."""

from __future__ import annotations

import reflex as rx

from portal_app.components import tokens
from portal_app.components.billing_nav import document_row, paged_list, status_badge
from portal_app.components.shell import portal_page
from portal_app.state.statements import InvoicesState as S


def _row(invoice: rx.Var) -> rx.Component:
    return document_row(
        rx.text(invoice["number"], size="3", weight="medium"),
        rx.text("Issued ", invoice["date"], " · due ", invoice["due"], size="2", color=tokens.MUTED),
        rx.hstack(rx.text(invoice["amount"], size="3", weight="bold"), status_badge(invoice["status"]),
                  align="center", spacing="2"),
        pdf_href=invoice["pdf"], pdf_label="Invoice " + invoice["number"].to(str) + " PDF", class_name="invoice-row",
    )


@portal_page(route="/invoices", title="Invoices", nav_label="Billing", nav_icon="receipt", nav_order=20,
             on_load=[S.load])
def invoices() -> rx.Component:
    return paged_list("Invoices", "/invoices", S.invoices, _row, "No invoices yet.", S.page, S.pages, S.go_to)
