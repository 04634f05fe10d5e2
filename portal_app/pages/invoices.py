"""Invoices: newest first, paged, with the PDF icon to view, download or print, and under each one
"Why is my bill different?" (what changed since the last bill, the payments and the balance carried)."""

from __future__ import annotations

import reflex as rx

from portal_app.i18n import t
from portal_app.services.core.i18n import N_
from portal_app.components import tokens
from portal_app.components.billing_nav import document_row, paged_list, status_badge
from portal_app.components.shell import portal_page
from portal_app.components.statement_form import statement_form
from portal_app.state.statements import InvoicesState as S


def _reason(reason: rx.Var) -> rx.Component:
    return rx.hstack(
        rx.text(reason["text"], size="2", min_width="0"),
        rx.spacer(),
        rx.text(reason["amount"], size="2", weight="medium", white_space="nowrap"),
        align="start", spacing="3", width="100%", role="listitem",
    )


def _reasons(title: str, reasons: rx.Var) -> rx.Component:
    return rx.cond(
        reasons.length() > 0,
        rx.vstack(rx.text(title, size="2", weight="bold"),
                  rx.vstack(rx.foreach(reasons, _reason), spacing="2", width="100%", role="list"),
                  spacing="1", width="100%"),
    )


def _explained(invoice: rx.Var) -> rx.Component:
    """"Why is my bill different?": closed until tapped (a native disclosure, keyboard and screen-reader ready);
    the first tap reads the explanation ("Loading…" until it is there)."""
    return rx.el.details(
        rx.el.summary(t("Why is my bill different?"), on_click=S.explain(invoice["id"]),
                      style={"cursor": "pointer", "color": tokens.ACCENT, "font_weight": "500",
                             "padding": "0.7rem 0", "min_height": tokens.TOUCH_TARGET}),
        rx.cond(
            invoice["headline"] != "",
            rx.vstack(
                rx.text(invoice["headline"], size="2", weight="medium"),
                _reasons(t("What changed"), invoice["changes"].to(list[dict])),
                _reasons(t("Payments and balance"), invoice["account"].to(list[dict])),
                spacing="3", width="100%", padding_bottom="0.75rem",
            ),
            # Still words, no spinner: a closed disclosure keeps its content in the page, and an animation
            # there would run for as long as the page is open.
            rx.text(t("Loading"), "…", size="2", color=tokens.MUTED, aria_busy="true", padding_bottom="0.75rem"),
        ),
        class_name="bill-explained",
        style={"width": "100%"},
    )


def _row(invoice: rx.Var) -> rx.Component:
    return rx.vstack(
        document_row(
            rx.text(invoice["number"], size="3", weight="medium"),
            rx.text(t("Issued "), invoice["date"], t(" · due "), invoice["due"], size="2", color=tokens.MUTED),
            rx.hstack(rx.text(invoice["amount"], size="3", weight="bold"), status_badge(invoice["status"]),
                      align="center", spacing="2"),
            pdf_href=invoice["pdf"], pdf_label=t("Invoice ") + invoice["number"].to(str) + " PDF", class_name="invoice-row",
            border=False,
        ),
        rx.cond(invoice["explainable"], _explained(invoice)),
        spacing="0", width="100%", border_bottom=f"1px solid {tokens.BORDER}", id="invoice-" + invoice["id"].to(str),
        key=invoice["id"].to(str),  # another page's bill in this place starts with its disclosure closed
    )


@portal_page(route="/invoices", title="Invoices", nav_label=N_("Billing"), nav_icon="receipt", nav_order=20,
             on_load=[S.load])
def invoices() -> rx.Component:
    return paged_list(t("Invoices"), "/invoices", S.invoices, _row, t("No invoices yet."), S.page, S.pages, S.go_to,
                      statement_form())
