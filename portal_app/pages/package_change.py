"""CHANGE a package: pick the new one, the cart, invoice preferences, the placed order."""

from __future__ import annotations

import reflex as rx

from portal_app.i18n import t
from portal_app.services.core.i18n import N_

from portal_app.components.forms import stacked_form

from portal_app.components import tokens
from portal_app.components.cards import back_link, card, error_callout, page_body, primary_button
from portal_app.components.shell import portal_page
from portal_app.state.package_change import PackageChangeState as S


def _option(option: rx.Var) -> rx.Component:
    return card(rx.vstack(
        rx.hstack(rx.text(option["name"], size="4", weight="bold"),
                  rx.badge(option["direction_label"], color_scheme=rx.cond(option["direction"] == "Upgrade", "green", "gray"), high_contrast=True),
                  wrap="wrap", align="center"),
        rx.text(option["speed"], size="2", color=tokens.MUTED),
        rx.text(option["description"], size="2"),
        rx.text(option["price"], " (", option["difference"], ")", size="3", weight="medium"),
        primary_button(t("Select"), on_click=S.choose(option["id"]), aria_label=t("Select ") + option["name"].to(str)),
        spacing="2", align="start",
    ), class_name="package-option")


def _radio(name: str, value: str, label: str, checked: bool | rx.Var, on_change=None) -> rx.Component:
    field_id = f"{name}-{value}"
    return rx.el.label(
        rx.el.input(type="radio", name=name, value=value, id=field_id, default_checked=checked,
                    style={"width": "20px", "height": "20px"}, **({"on_change": on_change} if on_change else {})),
        rx.text(label, size="3"),
        html_for=field_id,
        style={"display": "flex", "gap": "0.75rem", "align_items": "center", "min_height": tokens.TOUCH_TARGET,
               "cursor": "pointer"},
    )


def _cart() -> rx.Component:
    return card(rx.vstack(
        rx.heading(t("Your cart"), as_="h2", size="4"),
        rx.text(t("Now: "), C_current(), size="2", color=tokens.MUTED),
        rx.text(S.chosen["name"], size="4", weight="bold"),
        rx.text(S.chosen["price"], " (", S.chosen["difference"], ")", size="3"),
        rx.hstack(primary_button(t("PROCEED"), on_click=S.proceed),
                  rx.button(t("Pick another"), variant="soft", color_scheme="gray", size="3",
                            min_height=tokens.TOUCH_TARGET, on_click=S.back_to_pick, cursor="pointer"),
                  spacing="3", wrap="wrap"),
        spacing="2", align="start",
    ), id="cart")


def C_current() -> rx.Var:  # noqa: N802  (reads like the label it fills)
    return S.current_name + " · " + S.current_price


def _bill_line(line: rx.Var) -> rx.Component:
    return rx.hstack(rx.text(line["text"], size="2", min_width="0"), rx.spacer(),
                     rx.text(line["amount"], size="2", white_space="nowrap"),
                     align="start", spacing="3", width="100%", role="listitem")


def _next_bill() -> rx.Component:
    """The next bill with this change, for the choice above: what billing will issue, line by line."""
    return rx.box(
        rx.heading(t("Your next bill"), as_="h3", size="3"),
        rx.text(t("Issued "), S.bill_date, t(", once your change is made:"), size="2", color=tokens.MUTED),
        rx.vstack(rx.foreach(rx.cond(S.prorate, S.preview_prorate, S.preview_next), _bill_line),
                  spacing="2", width="100%", role="list", padding_y="0.5rem"),
        rx.hstack(rx.text(t("Total"), size="3", weight="bold"), rx.spacer(),
                  rx.text(rx.cond(S.prorate, S.total_prorate, S.total_next), size="3", weight="bold",
                          id="next-bill-total"),
                  width="100%", border_top=f"1px solid {tokens.BORDER}", padding_top="0.5rem"),
        rx.text(t("After that: "), S.monthly_after, t(" a month."), size="2", color=tokens.MUTED, padding_top="0.25rem"),
        rx.cond(S.prorate, rx.text(t("Prorating credits the days of this month already billed at your current "
                                   "price and charges them at the new one."), size="2", color=tokens.MUTED)),
        id="next-bill", width="100%", padding="0.75rem", border=f"1px solid {tokens.BORDER}",
        border_radius="var(--radius-3)", aria_live="polite",
    )


def _preferences() -> rx.Component:
    return card(stacked_form(
        rx.heading(t("Invoice preferences"), as_="h2", size="4"),
        rx.text(S.chosen["name"], " · ", S.chosen["price"], size="2", color=tokens.MUTED),
        rx.el.fieldset(
            rx.el.legend(t("When should the new price start?"), style={"font_weight": "500"}),
            _radio("billing_start", "prorate", t("Prorate from today"), True, S.pick_start),
            _radio("billing_start", "next", t("From my next bill"), False, S.pick_start),
            style={"border": "none", "padding": "0", "margin": "0"},
        ),
        rx.el.fieldset(
            rx.el.legend(t("How do you want your bills?"), style={"font_weight": "500"}),
            _radio("delivery", "email", t("Email"), S.paperless),
            _radio("delivery", "paper", t("Paper"), ~S.paperless),
            style={"border": "none", "padding": "0", "margin": "0"},
        ),
        _next_bill(),
        error_callout(S.err_form, id="change-error"),
        primary_button(t("PLACE ORDER"), type="submit"),
        on_submit=S.place, spacing="3", align="start",
    ), id="preferences")


@portal_page(route="/services/change", title=N_("Change package"), on_load=[S.load])
def change_package() -> rx.Component:
    return page_body(
        t("Change package"),
        rx.match(
            S.step,
            ("pick", rx.vstack(rx.text(t("Now: "), C_current(), size="3"),
                               rx.cond(S.options.length() == 0,
                                       rx.text(t("No other package is offered at your address."), color=tokens.MUTED)),
                               rx.foreach(S.options, _option), spacing="3", width="100%", id="options")),
            ("cart", _cart()),
            ("preferences", _preferences()),
            ("placed", card(rx.vstack(
                rx.text(t("Your order is placed."), size="4", weight="bold"),
                rx.text(t("We started switching you to "), S.chosen["name"], t(". Follow each step in Order Tracking."),
                        size="3"),
                rx.link(primary_button(t("Go to Order Tracking")), href="/orders"),
                spacing="2", align="start",
            ), id="change-placed")),
            ("unavailable", card(rx.text(S.message, id="change-unavailable"))),
            rx.center(rx.spinner(size="3")),
        ),
        spacing="3", back=back_link(t("Services"), href="/services"),
    )
