"""Staff users (admin): who can sign in to the staff portal, with which role."""

from __future__ import annotations

import reflex as rx

from portal_app.components import tokens
from portal_app.components.cards import card, error_callout
from portal_app.components.forms import select_field, text_field
from portal_app.components.staff_admin import admin_page, form_card, row_button
from portal_app.state.staff_users import StaffUsersState as S

ROLE_OPTIONS = [{"id": "agent", "name": "Agent (accounts, tickets, orders, small refunds)"},
                {"id": "admin", "name": "Admin (also settings, catalogue, staff, imports)"}]


def _row(s: rx.Var) -> rx.Component:
    who = s["name"].to(str)
    return card(rx.vstack(
        rx.hstack(rx.text(s["name"], weight="bold"), rx.badge(s["role"], color_scheme="gray"),
                  rx.text(s["status"], size="2", color=tokens.MUTED), spacing="2", align="center", wrap="wrap"),
        rx.text(s["username"], " · ", s["two_factor"], size="2", color=tokens.MUTED, overflow_wrap="anywhere"),
        rx.cond(s["me"] == "", rx.hstack(
            row_button(rx.cond(s["role"] == "admin", "Make agent", "Make admin"),
                       S.set_role(s["id"], rx.cond(s["role"] == "admin", "agent", "admin")),
                       aria_label=rx.cond(s["role"] == "admin", "Make agent: ", "Make admin: ") + who),
            row_button(rx.cond(s["disabled"] != "", "Enable", "Disable"),
                       S.set_disabled(s["id"], s["disabled"] == ""),
                       aria_label=rx.cond(s["disabled"] != "", "Enable ", "Disable ") + who),
            row_button("Reset two-factor", S.reset_two_factor(s["id"]), aria_label="Reset two-factor: " + who),
            rx.cond(s["invited"] != "", row_button("Send invitation again", S.resend(s["id"]),
                                                   aria_label="Send invitation again: " + who)),
            spacing="2", wrap="wrap",
        ), rx.text("This is you.", size="2", color=tokens.MUTED)),
        spacing="2", width="100%", align="start",
    ), class_name="staff-user-row", data_username=s["username"])


@admin_page(route="/staff/users", title="Staff users", state=S, nav_label="Staff", nav_icon="users", nav_order=80)
def staff_users() -> list[rx.Component]:
    return [
        error_callout(S.errors.get("staff", ""), id="staff-error"),
        error_callout(S.errors.get("role", ""), id="role-error"),
        rx.foreach(S.rows, _row),
        form_card("Invite a staff member",
                  rx.text("They get an email with a link to choose their password (single use, 5 days) and sign in "
                          "with their email address.", size="2", color=tokens.MUTED),
                  text_field("Full name", "full_name", error=S.errors.get("full_name", ""), autocomplete="off"),
                  text_field("Email", "email", error=S.errors.get("email", ""), type_="email"),
                  select_field("Role", "role", ROLE_OPTIONS, default_value="agent"),
                  submit="SEND INVITATION", on_submit=S.invite),
    ]
