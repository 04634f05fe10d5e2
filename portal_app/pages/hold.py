"""Vacation hold: the dates, the price while on hold and the bill that carries it, then the request."""

from __future__ import annotations

import reflex as rx

from portal_app.components.dialogs import confirm_dialog

from portal_app.i18n import t
from portal_app.services.core.i18n import N_

from portal_app.components import tokens
from portal_app.components.cards import back_link, card, error_callout, notice_callout, page_body, primary_button
from portal_app.components.forms import text_field
from portal_app.components.shell import portal_page
from portal_app.state.hold import HoldState as S


def _line(line: rx.Var) -> rx.Component:
    return rx.hstack(rx.text(line["text"], size="2", min_width="0"), rx.spacer(),
                     rx.text(line["amount"], size="2", white_space="nowrap"),
                     align="start", spacing="3", width="100%", role="listitem")


def _quote() -> rx.Component:
    return card(rx.vstack(
        rx.heading(t("Your hold"), as_="h2", size="4"),
        rx.text(S.quote_text, size="3", id="hold-quote-text"),
        rx.box(
            rx.heading(t("Your bill with the hold"), as_="h3", size="3"),
            rx.text(t("Issued "), S.quote_bill_date, t(", once we approve the hold:"), size="2", color=tokens.MUTED),
            rx.vstack(rx.foreach(S.quote_lines, _line), spacing="2", width="100%", role="list", padding_y="0.5rem"),
            rx.hstack(rx.text(t("Total"), size="3", weight="bold"), rx.spacer(),
                      rx.text(S.quote_total, size="3", weight="bold", id="hold-bill-total"),
                      width="100%", border_top=f"1px solid {tokens.BORDER}", padding_top="0.5rem"),
            id="hold-bill", width="100%", padding="0.75rem", border=f"1px solid {tokens.BORDER}",
            border_radius="var(--radius-3)", aria_live="polite",
        ),
        rx.hstack(primary_button(t("REQUEST HOLD"), on_click=S.request),
                  rx.button(t("Change dates"), variant="soft", color_scheme="gray", size="3",
                            min_height=tokens.TOUCH_TARGET, on_click=S.change_dates, cursor="pointer"),
                  spacing="3", wrap="wrap"),
        spacing="3", align="start", width="100%",
    ), id="hold-quote")


def _form() -> rx.Component:
    return card(rx.form(
        rx.vstack(
            rx.heading(t("Pause my service"), as_="h2", size="4"),
            rx.text(t("While on hold your internet is off and you pay "), rx.el.strong(S.price),
                    t(" instead of your package's price."), size="2"),
            rx.text(S.rules, size="2", color=tokens.MUTED),
            text_field(t("First day"), "starts_on", error=S.err_starts_on, type_="date", min=S.min_date, max=S.max_date,
                       id_prefix="hold"),
            text_field(t("Last day"), "ends_on", error=S.err_ends_on, type_="date", min=S.min_date, id_prefix="hold"),
            primary_button(t("SEE PRICE"), type="submit"),
            spacing="3", align="start", width="100%",
        ),
        on_submit=S.preview, reset_on_submit=False, width="100%",
    ), id="hold-form")


def _hold(hold: rx.Var) -> rx.Component:
    return card(rx.vstack(
        rx.hstack(rx.text(hold["dates"], weight="bold"),
                  rx.badge(hold["status"], color_scheme=rx.cond(hold["raw"] == "requested", "amber", "gray"),
                           high_contrast=True),
                  wrap="wrap", align="center"),
        rx.text(hold["price"], t(" while on hold"), size="2", color=tokens.MUTED),
        rx.hstack(
            rx.link(t("Order Tracking"), href=hold["href"].to(str), min_height=tokens.TOUCH_TARGET, display="flex",
                    align_items="center"),
            rx.cond(hold["raw"] == "requested",
                    rx.button(t("Cancel request"), variant="outline", color_scheme="red", size="2",
                              min_height=tokens.TOUCH_TARGET, cursor="pointer", on_click=S.cancel(hold["id"]),
                              aria_label=t("Cancel the hold request ") + hold["dates"].to(str))),
            rx.cond((hold["raw"] == "active") & S.may_change,
                    rx.button(t("END HOLD NOW"), variant="outline", size="2", min_height=tokens.TOUCH_TARGET,
                              cursor="pointer", on_click=S.ask_end(hold["id"]),
                              aria_label=t("END HOLD NOW") + " " + hold["dates"].to(str))),
            spacing="4", wrap="wrap", align="center"),
        spacing="1", align="start", width="100%",
    ), class_name="hold-row")


def _end_dialog() -> rx.Component:
    return confirm_dialog(
        title=t("End your vacation hold today?"),
        description=t("Your service comes back on today. Hold days a bill already credited are billed at your "
                      "package's price on your next bill."),
        confirm_label=t("END HOLD NOW"), on_confirm=S.end_early, keep_label=t("Keep the hold"), on_keep=S.keep_hold,
        open=S.ending_id != "", max_width="380px",
    )


@portal_page(route="/services/hold", title=N_("Vacation hold"), on_load=[S.load])
def hold_page() -> rx.Component:
    return page_body(
        t("Vacation hold"),
        notice_callout(S.notice, id="hold-notice"),
        error_callout(S.err_form, id="hold-error"),
        _end_dialog(),
        rx.cond(
            S.loaded,
            rx.vstack(
                rx.cond(S.allowed, rx.cond(S.quoted, _quote(), _form()),
                        card(rx.text(S.reason, id="hold-unavailable"))),
                rx.cond(S.holds.length() > 0, rx.vstack(
                    rx.heading(t("Your holds"), as_="h2", size="4"),
                    rx.vstack(rx.foreach(S.holds, _hold), spacing="2", width="100%", id="holds"),
                    spacing="2", width="100%")),
                spacing="3", width="100%",
            ),
            rx.center(rx.spinner(size="3")),
        ),
        spacing="3", back=back_link(t("Services"), href="/services"),
    )
