"""Webhooks (admin): where the provider hears about subscribers' payments, signatures, orders,
bookings and tickets, and every delivery attempt."""

from __future__ import annotations

import reflex as rx

from portal_app.components import tokens
from portal_app.components.cards import card, notice_callout, primary_button
from portal_app.components.forms import text_field
from portal_app.components.staff_admin import admin_only, row_button
from portal_app.components.staff_shell import staff_page
from portal_app.state.staff_webhooks import StaffWebhooksState as S


def _endpoint(e: rx.Var) -> rx.Component:
    on = e["active"] != ""
    return rx.hstack(
        rx.text(e["url"], size="2", overflow_wrap="anywhere", min_width="0"),
        row_button(rx.cond(on, "Disable", "Enable"), S.set_active(e["id"], ~on),
                   aria_label=rx.cond(on, "Disable ", "Enable ") + e["url"].to(str)),
        justify="between", align="center", width="100%", padding_y="0.375rem",
        border_bottom=f"1px solid {tokens.BORDER}",
    )


def _delivery(d: rx.Var) -> rx.Component:
    return rx.vstack(
        rx.text(rx.code(d["event"]), " · ", d["state"], " · ", d["attempts"], " attempt(s) · ", d["when"], size="2"),
        rx.text(d["url"], size="1", color=tokens.MUTED, overflow_wrap="anywhere"),
        rx.cond(d["error"] != "", rx.text(d["error"], size="1", color=tokens.DANGER, overflow_wrap="anywhere")),
        spacing="0", width="100%", padding_y="0.375rem", border_bottom=f"1px solid {tokens.BORDER}",
        class_name="webhook-delivery",
    )


@staff_page(route="/staff/webhooks", title="Webhooks", nav_label="Webhooks", nav_icon="webhook", nav_order=89,
            on_load=[S.load])
def staff_webhooks() -> rx.Component:
    return rx.vstack(
        rx.heading("Webhooks", as_="h1", size="6"),
        admin_only(S.refused, rx.vstack(
            rx.text("Each endpoint gets a JSON POST when a subscriber pays, signs a contract, orders, books an "
                    "appointment or opens a ticket, signed in the Portal-Signature header (t=<time>,v1=<HMAC-SHA256 "
                    "of \"<time>.<body>\">). Failed deliveries are retried for about two hours.",
                    size="2", color=tokens.MUTED),
            notice_callout(S.notice, id="staff-notice"),
            rx.cond(S.new_secret != "", card(rx.code(S.new_secret, id="webhook-secret",
                                                     style={"overflow_wrap": "anywhere", "white_space": "normal"}))),
            card(rx.vstack(rx.heading("Endpoints", as_="h2", size="4"), rx.foreach(S.endpoints, _endpoint),
                           rx.form(rx.vstack(text_field("Receiver address", "url", error=S.errors.get("url", ""),
                                                        type_="url"),
                                             primary_button("ADD ENDPOINT", type="submit"), spacing="2", width="100%"),
                                   on_submit=S.add, reset_on_submit=True, width="100%"),
                           spacing="2", width="100%")),
            card(rx.vstack(rx.heading("Delivery log", as_="h2", size="4"),
                           rx.cond(S.deliveries.length() > 0, rx.foreach(S.deliveries, _delivery),
                                   rx.text("Nothing sent yet.", size="2")),
                           spacing="1", width="100%")),
            spacing="3", width="100%",
        )),
        spacing="3", width="100%", max_width="820px",
    )
