"""Paper bills (admin): what is waiting for the post, one PDF with all of it or each bill, mark printed."""

from __future__ import annotations

import reflex as rx

from portal_app.components import tokens
from portal_app.components.cards import card, primary_button
from portal_app.components.staff_admin import admin_page, list_card, row_button
from portal_app.state.staff_paper_bills import StaffPaperBillsState as S


def _bill(bill: rx.Var) -> rx.Component:
    return rx.vstack(
        rx.hstack(rx.text(bill["number"], weight="bold", overflow_wrap="anywhere"), rx.spacer(),
                  rx.text(bill["total"], weight="medium", white_space="nowrap"), width="100%", align="center"),
        rx.text(bill["name"], " · ", bill["account"], " · issued ", bill["issued"], size="2", color=tokens.MUTED),
        rx.hstack(
            rx.link(row_button("PDF", aria_label="PDF of " + bill["number"].to(str)), href=bill["href"],
                    is_external=True),
            row_button("MARK PRINTED", S.mark_one(bill["id"]), aria_label="Mark " + bill["number"].to(str) + " printed"),
            spacing="2", wrap="wrap"),
        spacing="1", width="100%", class_name="paper-bill", data_number=bill["number"],
    )


@admin_page(route="/staff/paper-bills", title="Paper bills", state=S, nav_icon="printer", nav_order=72,
            intro="Bills of accounts that chose paper, from the billing run, until they are marked printed. Download "
                  "them as one PDF (one bill after another, in ZIP order) or one at a time; mark them printed once "
                  "they are in the post. The paper-bills command prints a month's bills the same way.")
def staff_paper_bills() -> list[rx.Component]:
    return [
        card(rx.vstack(
            rx.text(S.total, weight="bold", id="paper-bills-count"),
            rx.cond(S.bills.length() > 0, rx.hstack(
                rx.link(primary_button("DOWNLOAD ALL (PDF)"), href="/staff/documents/paper-bills.pdf",
                        is_external=True, id="paper-bills-all"),
                rx.button("MARK ALL PRINTED", on_click=S.mark_all, variant="outline", size="3",
                          min_height=tokens.TOUCH_TARGET, cursor="pointer"),
                spacing="3", wrap="wrap")),
            spacing="3", width="100%")),
        list_card(S.bills, _bill, empty="Nothing waiting: every paper bill is printed.", id="paper-bills"),
    ]
