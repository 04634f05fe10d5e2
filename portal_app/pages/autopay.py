"""AutoPay / recurring payments: list, charge history, EDIT, remove (red X), set up a stored method."""

from __future__ import annotations

import reflex as rx

from portal_app.components.forms import stacked_form

from portal_app.components import tokens
from portal_app.components.dialogs import confirm_dialog
from portal_app.components.billing_nav import billing_tabs, status_badge
from portal_app.components.cards import card, error_callout, label_value, notice_callout, page_body, primary_button
from portal_app.components.payment_form import ach_authorization
from portal_app.components.shell import portal_page
from portal_app.i18n import t
from portal_app.state.autopay import AutoPayState as S


def _method_select(id_: str) -> rx.Component:
    return rx.vstack(
        rx.el.label(t("Stored payment method"), html_for=id_, font_size="var(--font-size-2)", font_weight="500"),
        rx.el.select(
            rx.foreach(S.method_options, lambda o: rx.el.option(o["option"], value=o["value"])),
            id=id_, name=id_, value=S.choice, on_change=S.choose, width="100%", min_height=tokens.TOUCH_TARGET,
            padding="0 0.75rem", font_size="16px", border=f"1px solid {tokens.BORDER}",
            border_radius="var(--radius-2)", background=tokens.SURFACE, color=tokens.TEXT,
        ),
        spacing="1", width="100%",
    )


def _ach_box(form: str) -> rx.Component:
    # Each form gets its own checkbox id: Reflex reads a checkbox through one ref per id and page, and
    # the edit form's copy (inside the list) would otherwise shadow the setup form's tick.
    return rx.cond(S.choice_is_ach, ach_authorization(S.ach_terms, field_id=f"{form}_ach_authorization"))


def _edit_form() -> rx.Component:
    return stacked_form(
        _method_select("edit-method"),
        _ach_box("edit"),
        rx.hstack(
            primary_button(t("SAVE"), type="submit"),
            rx.button(t("Cancel"), type="button", on_click=S.cancel_edit, variant="soft", color_scheme="gray",
                      size="3", min_height=tokens.TOUCH_TARGET, cursor="pointer"),
            spacing="3",
        ),
        on_submit=S.save_edit, spacing="3",
    )


def _history() -> rx.Component:
    return rx.vstack(
        rx.text(t("Recurring charges"), size="2", weight="medium"),
        rx.cond(
            S.charges.length() == 0,
            rx.text(t("No AutoPay charges yet."), size="2", color=tokens.MUTED),
            rx.foreach(S.charges, lambda c: rx.hstack(
                rx.text(c["date"], size="2"), rx.spacer(), rx.text(c["amount"], size="2", weight="medium"),
                status_badge(c["status"]), width="100%", align="center", spacing="2")),
        ),
        spacing="2", width="100%", id="autopay-history",
    )


def _item(item: rx.Var) -> rx.Component:
    locked = S.lock_reason != ""
    return card(
        rx.vstack(
            rx.hstack(
                rx.button(
                    rx.cond(item["kind"] == "ach", rx.icon("landmark", size=20), rx.icon("credit_card", size=20)),
                    rx.vstack(rx.text(item["label"], size="3", weight="medium"),
                              rx.text(t("Repeat On: "), item["repeat_on"], size="2", color=tokens.MUTED),
                              spacing="0", align="start"),
                    on_click=S.toggle_history(item["id"]),
                    variant="ghost", color_scheme="gray", min_height=tokens.TOUCH_TARGET, cursor="pointer",
                    aria_label=t("Show the history of ") + item["label"].to(str), height="auto", padding="0.25rem",
                    text_align="left", flex="1", justify_content="start", color=tokens.TEXT,
                ),
                rx.button(rx.icon("x", size=22), on_click=S.ask_remove(item["id"]), disabled=locked,
                          aria_label=t("Remove AutoPay with ") + item["label"].to(str), color_scheme="red",
                          variant="soft", min_width=tokens.TOUCH_TARGET, min_height=tokens.TOUCH_TARGET,
                          cursor="pointer", id="remove-autopay"),
                align="center", width="100%",
            ),
            rx.cond(
                S.editing_id == item["id"],
                _edit_form(),
                rx.button(t("EDIT"), on_click=S.start_edit(item["id"]), disabled=locked, variant="outline", size="3",
                          min_height=tokens.TOUCH_TARGET, cursor="pointer"),
            ),
            rx.cond(locked, rx.text(rx.icon("lock", size=14), " ", S.lock_reason, size="2", color=tokens.MUTED,
                                    id="autopay-locked")),
            rx.cond(S.open_id == item["id"], _history()),
            spacing="3", width="100%",
        )
    )


def _remove_dialog() -> rx.Component:
    return confirm_dialog(
        title=t("Remove AutoPay?"),
        description=t("Future invoices will not be charged automatically. You can set AutoPay up again at any time."),
        confirm_label=t("REMOVE"), on_confirm=S.confirm_remove, keep_label=t("Keep AutoPay"), on_keep=S.keep,
        open=S.removing_id != 0, max_width="360px",
    )


def _stored_methods() -> rx.Component:
    return card(
        rx.vstack(
            rx.heading(t("Stored payment methods"), as_="h2", size="4"),
            rx.foreach(S.method_options, lambda o: rx.hstack(
                rx.cond(o["kind"] == "ach", rx.icon("landmark", size=20), rx.icon("credit_card", size=20)),
                rx.text(o["label"], size="3", flex="1"),
                rx.button(rx.icon("x", size=22), on_click=S.ask_forget(o["value"]), color_scheme="red", variant="soft",
                          aria_label=t("Remove stored ") + o["label"].to(str), min_width=tokens.TOUCH_TARGET,
                          min_height=tokens.TOUCH_TARGET, cursor="pointer"),
                align="center", width="100%", spacing="3",
            )),
            spacing="3", width="100%",
        ),
        id="stored-methods",
    )


def _forget_dialog() -> rx.Component:
    return confirm_dialog(
        title=t("Remove this payment method?"), description=t("It will no longer be offered when you pay."),
        confirm_label=t("REMOVE"), on_confirm=S.confirm_forget, keep_label=t("Keep it"), on_keep=S.keep,
        open=S.forgetting_id != 0, max_width="360px",
    )


def _setup() -> rx.Component:
    return card(
        rx.vstack(
            rx.heading(t("Set up AutoPay"), as_="h2", size="4"),
            label_value(t("Repeat On"), t("Each invoice's due date")),
            rx.cond(
                S.method_options.length() > 0,
                stacked_form(
                    _method_select("setup-method"),
                    _ach_box("setup"),
                    primary_button(t("ADD RECURRING"), type="submit", width="100%"),
                    on_submit=S.add_recurring, spacing="3",
                ),
            ),
            rx.cond(
                S.hosted,
                rx.hstack(
                    rx.button(t("Add a new card"), on_click=S.add_new_method("card"), variant="outline", size="3",
                              min_height=tokens.TOUCH_TARGET, cursor="pointer"),
                    rx.cond(S.ach_offered,
                            rx.button(t("Add a bank account"), on_click=S.add_new_method("ach"), variant="outline",
                                      size="3", min_height=tokens.TOUCH_TARGET, cursor="pointer")),
                    spacing="2", wrap="wrap",
                ),
                rx.link(t("Pay with a new card or bank account and turn AutoPay on"), href="/pay?autopay=1",
                        min_height=tokens.TOUCH_TARGET, display="flex", align_items="center"),
            ),
            spacing="3", width="100%", align="start",
        )
    )


@portal_page(route="/autopay", title="AutoPay", on_load=[S.load])
def autopay_page() -> rx.Component:
    return page_body(
        "AutoPay",
        billing_tabs("/autopay"),
        error_callout(S.error, id="autopay-error"),
        notice_callout(S.notice, id="autopay-notice"),
        rx.cond(S.items.length() == 0,
                rx.text(t("AutoPay is off. Set it up and each invoice is paid on its due date."), color=tokens.MUTED)),
        rx.foreach(S.items, _item),
        rx.cond(S.items.length() == 0, _setup()),
        rx.cond(S.method_options.length() > 0, _stored_methods()),
        _remove_dialog(),
        _forget_dialog(),
    )
