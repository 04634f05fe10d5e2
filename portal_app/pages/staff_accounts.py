"""Staff: find an account; an account's Portal tab (users, Add Portal User, resend), History tab (ALL) and Tickets tab."""

from __future__ import annotations

import reflex as rx

from portal_app.components import tokens
from portal_app.components.billing_nav import pager
from portal_app.components.cards import card, error_callout, notice_callout, primary_button
from portal_app.components.forms import field
from portal_app.components.staff_shell import staff_page
from portal_app.pages.staff_account_payments import payments_tab
from portal_app.pages.staff_account_tickets import tickets_tab
from portal_app.state.staff_accounts import StaffAccountState, StaffSearchState
from portal_app.state.staff_payments import StaffPaymentsState
from portal_app.state.staff_tickets import StaffTicketsState

STATE_COLOURS = {"Verified": "green", "Pending": "amber", "Locked": "red", "Disabled": "gray"}


def _hit(hit: rx.Var) -> rx.Component:
    return rx.link(
        card(
            rx.vstack(
                rx.hstack(rx.text(hit["name"], weight="bold"), rx.badge(hit["kind"], color_scheme="gray"), wrap="wrap"),
                rx.text("Account ", hit["account_number"], size="2", color=tokens.MUTED),
                rx.text(hit["address"], size="2", color=tokens.MUTED),
                spacing="1",
            ),
        ),
        href="/staff/account?number=" + hit["account_number"].to(str),
        underline="none",
        color=tokens.TEXT,
        width="100%",
    )


@staff_page(route="/staff", title="Find an account", nav_label="Accounts", nav_icon="search", nav_order=0,
            on_load=[StaffSearchState.load])
def search() -> rx.Component:
    return rx.vstack(
        rx.heading("Find an account", as_="h1", size="6"),
        rx.form(
            rx.hstack(
                rx.box(field("Account number, name, email or phone", "q", autocomplete="off"), flex="1", min_width="0"),
                primary_button("SEARCH", type="submit"),
                align="end",
                width="100%",
            ),
            on_submit=StaffSearchState.search,
            reset_on_submit=False,
            width="100%",
        ),
        rx.cond(
            StaffSearchState.searched & (StaffSearchState.results.length() == 0),
            rx.text("No account matches that.", id="no-results", color=tokens.MUTED),
        ),
        rx.vstack(rx.foreach(StaffSearchState.results, _hit), spacing="2", width="100%", id="results"),
        spacing="4",
        width="100%",
        max_width="720px",
    )


def _user_row(user: rx.Var) -> rx.Component:
    state = user["state"].to(str)
    return card(
        rx.vstack(
            rx.hstack(
                rx.text(user["username"], weight="bold"),
                rx.badge(state, color_scheme=rx.match(state, *STATE_COLOURS.items(), "gray"), size="2", high_contrast=True),
                rx.cond(user["two_factor"].to(bool), rx.badge("2FA", color_scheme="blue")),
                wrap="wrap",
                align="center",
            ),
            rx.text(user["email"], size="2", color=tokens.MUTED),
            rx.text("Last sign-in: ", user["last_sign_in"], size="1", color=tokens.MUTED),
            rx.cond(
                state == "Locked",
                rx.button(
                    "UNLOCK",
                    on_click=StaffAccountState.unlock(user["id"].to(int)),
                    variant="outline",
                    min_height=tokens.TOUCH_TARGET,
                    cursor="pointer",
                ),
            ),
            rx.cond(
                state == "Disabled",
                rx.button(
                    "ENABLE",
                    on_click=StaffAccountState.enable(user["id"].to(int)),
                    variant="outline",
                    min_height=tokens.TOUCH_TARGET,
                    cursor="pointer",
                    aria_label="Enable " + user["username"].to(str),
                ),
            ),
            rx.cond(
                state == "Pending",
                rx.button(
                    "RESEND VERIFICATION EMAIL",
                    on_click=StaffAccountState.resend(user["id"].to(int)),
                    variant="outline",
                    min_height=tokens.TOUCH_TARGET,
                    cursor="pointer",
                ),
            ),
            spacing="1",
            align="start",
        ),
    )


def _portal_tab() -> rx.Component:
    return rx.vstack(
        notice_callout(StaffAccountState.notice, id="staff-notice"),
        rx.cond(
            StaffAccountState.users.length() == 0,
            rx.text("No portal users yet.", color=tokens.MUTED),
        ),
        rx.vstack(rx.foreach(StaffAccountState.users, _user_row), spacing="2", width="100%", id="portal-users"),
        card(
            rx.form(
                rx.vstack(
                    rx.heading("Add Portal User", size="3", as_="h2"),
                    field("Email", "email", type_="email", error=StaffAccountState.errors.get("email", "")),
                    field("Username", "username", error=StaffAccountState.errors.get("username", "")),
                    primary_button("ADD PORTAL USER", type="submit"),
                    spacing="3",
                    width="100%",
                ),
                on_submit=StaffAccountState.add_user,
                reset_on_submit=True,
                width="100%",
            ),
        ),
        spacing="3",
        width="100%",
    )


def _history_row(entry: rx.Var) -> rx.Component:
    return rx.box(
        rx.hstack(
            rx.badge(entry["kind"], color_scheme="gray"),
            rx.text(entry["when"], size="1", color=tokens.MUTED),
            wrap="wrap",
            align="center",
        ),
        rx.text(entry["summary"], size="2"),
        rx.text(entry["who"], size="1", color=tokens.MUTED),
        border_bottom=f"1px solid {tokens.BORDER}",
        padding_y="0.5rem",
        width="100%",
        class_name="history-row",
    )


def _history_tab() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.el.label("Kind", html_for="history-kind", font_size="var(--font-size-2)"),
            rx.select(
                StaffAccountState.kinds,
                value=StaffAccountState.kind,
                on_change=StaffAccountState.filter_kind,
                id="history-kind",
                size="3",
            ),
            align="center",
            spacing="2",
        ),
        rx.vstack(rx.foreach(StaffAccountState.history, _history_row), spacing="0", width="100%", id="history"),
        pager(StaffAccountState.history_page, StaffAccountState.history_pages, StaffAccountState.history_go_to),
        spacing="3",
        width="100%",
        id="history-tab",
    )


@staff_page(route="/staff/account", title="Account", on_load=[StaffAccountState.load, StaffTicketsState.load,
                                                                     StaffPaymentsState.load])
def account() -> rx.Component:
    return rx.cond(
        StaffAccountState.found,
        rx.vstack(
            rx.heading(StaffAccountState.account_name, as_="h1", size="6"),
            rx.text("Account ", StaffAccountState.account_number, " · ", StaffAccountState.account_kind, size="2",
                    color=tokens.MUTED),
            rx.link("Orders and contracts", href="/staff/orders?number=" + StaffAccountState.account_number,
                    min_height=tokens.TOUCH_TARGET, display="inline-flex", align_items="center", id="staff-orders-link"),
            rx.link("Notifications", href="/staff/notifications?number=" + StaffAccountState.account_number,
                    min_height=tokens.TOUCH_TARGET, display="inline-flex", align_items="center",
                    id="staff-notifications-link"),
            rx.tabs.root(
                rx.tabs.list(
                    rx.tabs.trigger("Portal", value="portal", min_height=tokens.TOUCH_TARGET),
                    rx.tabs.trigger("History (ALL)", value="history", min_height=tokens.TOUCH_TARGET),
                    rx.tabs.trigger("Tickets", value="tickets", min_height=tokens.TOUCH_TARGET),
                    rx.tabs.trigger("Payments", value="payments", min_height=tokens.TOUCH_TARGET),
                ),
                rx.tabs.content(_portal_tab(), value="portal", padding_top="1rem"),
                rx.tabs.content(_history_tab(), value="history", padding_top="1rem"),
                rx.tabs.content(tickets_tab(), value="tickets", padding_top="1rem"),
                rx.tabs.content(payments_tab(), value="payments", padding_top="1rem"),
                value=StaffAccountState.tab,
                on_change=StaffAccountState.set_tab,
                width="100%",
            ),
            spacing="3",
            width="100%",
            max_width="820px",
        ),
        rx.vstack(
            error_callout(rx.Var.create("That account could not be found.")),
            rx.link("Back to search", href="/staff", min_height=tokens.TOUCH_TARGET),
        ),
    )
