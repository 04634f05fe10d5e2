"""Tabs between the billing pages and the pager under their lists."""

from __future__ import annotations

import reflex as rx

from portal_app.components import tokens
from portal_app.components.cards import card, page_body
from portal_app.i18n import t
from portal_app.services.core.i18n import N_

BILLING_TABS = [("/invoices", N_("Invoices")), ("/payments", N_("Payments")), ("/autopay", "AutoPay")]


def billing_tabs(current: str) -> rx.Component:
    return rx.el.nav(
        rx.hstack(
            *[rx.link(t(label), href=route, aria_current="page" if route == current else None,
                      padding="0.5rem 0.875rem", min_height=tokens.TOUCH_TARGET, display="flex", align_items="center",
                      border_radius="var(--radius-3)", underline="none",
                      color=tokens.ON_ACCENT if route == current else tokens.TEXT,
                      background=tokens.ACCENT if route == current else tokens.SURFACE,
                      border=f"1px solid {tokens.BORDER}", font_weight="500")
              for route, label in BILLING_TABS],
            spacing="2", wrap="wrap",
        ),
        aria_label=t("Billing"),
    )


def pager(page: rx.Var, pages: rx.Var, go_to) -> rx.Component:
    # The page count takes what the buttons leave and wraps (longer Spanish words on a 360 px phone).
    return rx.cond(
        pages > 1,
        rx.hstack(
            rx.button(t("Newer"), on_click=go_to(page - 1), disabled=page <= 1, variant="outline", size="2",
                      min_height=tokens.TOUCH_TARGET, cursor="pointer", flex_shrink="0"),
            rx.text(t("Page "), page.to_string(), t(" of "), pages.to_string(), size="2", color=tokens.MUTED,
                    text_align="center", flex="1", min_width="0"),
            rx.button(t("Older"), on_click=go_to(page + 1), disabled=page >= pages, variant="outline", size="2",
                      min_height=tokens.TOUCH_TARGET, cursor="pointer", flex_shrink="0"),
            justify="between", align="center", width="100%",
        ),
    )


def paged_list(title: str, route: str, rows: rx.Var, row, empty: str, page: rx.Var, pages: rx.Var, go_to,
               *after: rx.Component) -> rx.Component:
    """A billing list page (Invoices, Payments): the tabs, one card of rows, the pager, then `after`."""
    return page_body(
        title,
        billing_tabs(route),
        card(
            rx.cond(rows.length() == 0, rx.text(empty, color=tokens.MUTED),
                    rx.vstack(rx.foreach(rows, row), spacing="0", width="100%")),
            pager(page, pages, go_to),
        ),
        *after,
    )


def pdf_link(href: rx.Var, label: rx.Var) -> rx.Component:
    return rx.link(
        rx.icon("file_text", size=22),
        rx.text("PDF", size="1"),
        href=href, is_external=True, aria_label=label, display="flex", flex_direction="column",
        align_items="center", justify_content="center", min_width=tokens.TOUCH_TARGET,
        min_height=tokens.TOUCH_TARGET, color=tokens.ACCENT,
    )


# An invoice's status (lower case, as services.billing.statements says it) or a payment's (capitalised):
# separate texts, as Spanish says them differently (la factura pagada, el pago pagado).
STATUS_COLOURS = {N_("paid"): "green", N_("Paid"): "green", N_("open"): "blue", N_("past due"): "red",
                  N_("Pending"): "amber", N_("void"): "gray", N_("Declined"): None}


def status_badge(status: rx.Var) -> rx.Component:
    return rx.match(
        status,
        *[(str(name), rx.badge(t(name), size="2", high_contrast=True, **({"color_scheme": colour} if colour else {})))
          for name, colour in STATUS_COLOURS.items()],
        rx.badge(status, size="2", high_contrast=True),
    )


def document_row(*details: rx.Component, pdf_href: rx.Var, pdf_label: rx.Var, class_name: str,
                 border: bool = True) -> rx.Component:
    """One row of a billing list: its details on the left, its PDF link on the right."""
    return rx.hstack(
        rx.vstack(*details, spacing="1", align="start", min_width="0"),
        rx.spacer(),
        pdf_link(pdf_href, pdf_label),
        align="center", width="100%", padding_y="0.75rem",
        border_bottom=f"1px solid {tokens.BORDER}" if border else None,
        class_name=class_name,
    )
