"""Integration API keys (admin): the provider's billing system keeps the portal in sync with them."""

from __future__ import annotations

import reflex as rx

from portal_app.components import tokens
from portal_app.components.forms import select_field, text_field
from portal_app.components.staff_admin import admin_page, form_card, list_card, row_button, shown_once
from portal_app.state.staff_api_keys import StaffApiKeysState as S

SCOPES = [{"id": "write", "name": "Write (upsert accounts, services, invoices, payments; and read)"},
          {"id": "read", "name": "Read (payments, orders, tickets, portal users, history)"}]


def _row(k: rx.Var) -> rx.Component:
    return rx.hstack(
        rx.vstack(rx.text(k["name"], weight="bold"),
                  rx.text(rx.code(k["prefix"]), " · ", k["scope"], " · ", k["used"], " · by ", k["by"], size="2",
                          color=tokens.MUTED, overflow_wrap="anywhere"),
                  spacing="0", min_width="0"),
        rx.cond(k["revoked"] != "", rx.badge("Revoked", color_scheme="gray"),
                row_button("Revoke", S.revoke(k["id"]), aria_label="Revoke " + k["name"].to(str))),
        justify="between", align="center", width="100%",
        class_name="api-key-row",
    )


def _intro() -> rx.Component:
    return rx.text("Keys for the integration API (",
                   rx.link("OpenAPI description", href="/api/v1/openapi.json", underline="always"),
                   "). Send one as Authorization: Bearer <key>. Each key may make 120 requests a minute.",
                   size="2", color=tokens.MUTED)


@admin_page(route="/staff/api-keys", title="API keys", state=S, nav_icon="key_round", nav_order=88, intro=_intro)
def staff_api_keys() -> list[rx.Component]:
    return [
        shown_once(S.new_key, label="New key", id="new-api-key"),
        list_card(S.rows, _row, empty="No keys yet."),
        form_card("New key",
                  text_field("Name (the system that uses it)", "name", error=S.errors.get("name", "")),
                  select_field("Scope", "scope", SCOPES, default_value="write"),
                  submit="CREATE KEY", on_submit=S.create),
    ]
