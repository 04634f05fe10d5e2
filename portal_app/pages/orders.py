"""Order Tracking: the account's tracked orders, each with its steps; the home page's open-order cards."""

from __future__ import annotations

import reflex as rx

from portal_app.i18n import t
from portal_app.services.core.i18n import N_
from portal_app.components import tokens
from portal_app.components.cards import card, page_body
from portal_app.components.shell import portal_page
from portal_app.components.tracker import order_card
from portal_app.state.orders import HomeOrdersState, OrdersState


@portal_page(route="/orders", title=N_("Order Tracking"), nav_label=N_("Orders"), nav_icon="package", nav_order=74,
             on_load=[OrdersState.load])
def orders_page() -> rx.Component:
    return page_body(
        t("Order Tracking"),
        rx.cond(
            OrdersState.loaded,
            rx.cond(
                OrdersState.orders.length() == 0,
                card(rx.text(t("You have no orders to track."), color=tokens.MUTED)),
                rx.vstack(rx.foreach(OrdersState.orders, order_card), spacing="3", width="100%", id="orders"),
            ),
            rx.center(rx.spinner(size="3")),
        ),
        spacing="3",
    )


def home_order_cards() -> rx.Component:
    """One card per open tracked order on Home, linking to Order Tracking."""
    return rx.vstack(
        rx.foreach(
            HomeOrdersState.open_orders,
            lambda order: rx.link(order_card(order, with_steps=False), href="/orders", underline="none",
                                  color=tokens.TEXT, width="100%"),
        ),
        spacing="3", width="100%", id="home-orders",
    )
