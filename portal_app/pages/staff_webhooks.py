"""Webhooks (admin): where the provider hears about subscribers' payments, signatures, orders,
bookings and tickets, and every delivery attempt."""

from __future__ import annotations

import reflex as rx

from portal_app.components import tokens
from portal_app.components.forms import text_field
from portal_app.components.staff_admin import admin_page, form_card, list_card, row_button, shown_once
from portal_app.state.staff_webhooks import StaffWebhooksState as S


def _endpoint(e: rx.Var) -> rx.Component:
    on = e["active"] != ""
    return rx.hstack(
        rx.text(e["url"], size="2", overflow_wrap="anywhere", min_width="0"),
        row_button(rx.cond(on, "Disable", "Enable"), S.set_active(e["id"], ~on),
                   aria_label=rx.cond(on, "Disable ", "Enable ") + e["url"].to(str)),
        justify="between", align="center", width="100%",
    )


def _delivery(d: rx.Var) -> rx.Component:
    return rx.vstack(
        rx.text(rx.code(d["event"]), " · ", d["state"], " · ", d["attempts"], " attempt(s) · ", d["when"], size="2"),
        rx.text(d["url"], size="1", color=tokens.MUTED, overflow_wrap="anywhere"),
        rx.cond(d["error"] != "", rx.text(d["error"], size="1", color=tokens.DANGER, overflow_wrap="anywhere")),
        spacing="0", width="100%",
        class_name="webhook-delivery",
    )


@admin_page(route="/staff/webhooks", title="Webhooks", state=S, nav_icon="webhook", nav_order=89,
            intro="Each endpoint gets a JSON POST when a subscriber pays, signs a contract, orders, books an "
                  "appointment or opens a ticket, signed in the Portal-Signature header (t=<time>,v1=<HMAC-SHA256 "
                  "of \"<time>.<body>\">). Failed deliveries are retried for about two hours.")
def staff_webhooks() -> list[rx.Component]:
    return [
        shown_once(S.new_secret, label="Signing secret", id="webhook-secret"),
        rx.heading("Endpoints", as_="h2", size="4"),
        list_card(S.endpoints, _endpoint, empty="No endpoints yet."),
        form_card("Add an endpoint",
                  text_field("Receiver address", "url", error=S.errors.get("url", ""), type_="url"),
                  submit="ADD ENDPOINT", on_submit=S.add, level="h3"),
        rx.heading("Delivery log", as_="h2", size="4"),
        list_card(S.deliveries, _delivery, empty="Nothing sent yet."),
    ]
