"""Staff: find an account; an account's Portal tab (users, Add Portal User, resend; the people with access and
the invitations waiting, REVOKE), History tab (ALL) and Tickets tab."""

from __future__ import annotations

import reflex as rx

from portal_app.components import tokens
from portal_app.components.billing_nav import pager
from portal_app.components.cards import card, notice_callout, primary_button
from portal_app.components.forms import field
from portal_app.components.staff_admin import account_missing, form_card, row_button, staff_view
from portal_app.components.staff_shell import staff_page
from portal_app.pages.staff_account_payments import payments_tab
from portal_app.pages.staff_account_tickets import tickets_tab
from portal_app.state.staff_accounts import StaffAccountState as A
from portal_app.state.staff_accounts import StaffSearchState as Search

STATE_COLOURS = {"Verified": "green", "Pending": "amber", "Locked": "red", "Disabled": "gray"}
# What staff can do for a portal user in each state.
USER_ACTIONS = (("Locked", "UNLOCK", "unlock"), ("Disabled", "ENABLE", "enable"),
                ("Pending", "RESEND VERIFICATION EMAIL", "resend"))


def _hit(hit: rx.Var) -> rx.Component:
    return rx.link(
        card(rx.vstack(
            rx.hstack(rx.text(hit["name"], weight="bold"), rx.badge(hit["kind"], color_scheme="gray"), wrap="wrap"),
            rx.text("Account ", hit["account_number"], size="2", color=tokens.MUTED),
            rx.text(hit["address"], size="2", color=tokens.MUTED),
            spacing="1",
        )),
        href="/staff/account?number=" + hit["account_number"].to(str), underline="none", color=tokens.TEXT, width="100%",
    )


@staff_page(route="/staff", title="Find an account", nav_label="Accounts", nav_icon="search", nav_order=0,
            on_load=[Search.load])
def search() -> rx.Component:
    return staff_view(
        "Find an account",
        rx.form(rx.hstack(rx.box(field("Account number, name, email or phone", "q", autocomplete="off"), flex="1",
                                 min_width="0"),
                          primary_button("SEARCH", type="submit"), align="end", width="100%"),
                on_submit=Search.search, reset_on_submit=False, width="100%"),
        rx.cond(Search.searched & (Search.results.length() == 0),
                rx.text("No account matches that.", id="no-results", color=tokens.MUTED)),
        rx.vstack(rx.foreach(Search.results, _hit), spacing="2", width="100%", id="results"),
        max_width="720px",
    )


def _user_row(user: rx.Var) -> rx.Component:
    state = user["state"].to(str)
    return card(rx.vstack(
        rx.hstack(rx.text(user["username"], weight="bold"),
                  rx.badge(state, color_scheme=rx.match(state, *STATE_COLOURS.items(), "gray"), size="2",
                           high_contrast=True),
                  rx.cond(user["two_factor"].to(bool), rx.badge("2FA", color_scheme="blue")),
                  wrap="wrap", align="center"),
        rx.text(user["email"], size="2", color=tokens.MUTED),
        rx.text("Last sign-in: ", user["last_sign_in"], size="1", color=tokens.MUTED),
        *[rx.cond(state == when, row_button(label, A.change_user(user["id"].to(int), action),
                                            aria_label=f"{label}: " + user["username"].to(str)))
          for when, label, action in USER_ACTIONS],
        spacing="1", align="start",
    ))


def _person_row(person: rx.Var) -> rx.Component:
    return rx.box(
        rx.hstack(rx.text(person["username"], weight="bold"), rx.badge(person["role"], color_scheme="gray"),
                  wrap="wrap", align="center"),
        rx.text(person["email"], size="2", color=tokens.MUTED),
        rx.text("Since ", person["since"], " · ", person["added_by"], size="1", color=tokens.MUTED),
        border_bottom=f"1px solid {tokens.BORDER}", padding_y="0.5rem", width="100%", class_name="person-row",
    )


def _invitation_row(invitation: rx.Var) -> rx.Component:
    return rx.box(
        rx.hstack(rx.text(invitation["email"], weight="bold"), rx.badge(invitation["role"], color_scheme="gray"),
                  wrap="wrap", align="center"),
        rx.text("Link works until ", invitation["expires"], size="1", color=tokens.MUTED),
        row_button("REVOKE", A.revoke_invitation(invitation["id"].to(int)),
                   aria_label="Revoke the invitation to " + invitation["email"].to(str)),
        border_bottom=f"1px solid {tokens.BORDER}", padding_y="0.5rem", width="100%", class_name="invitation-row",
    )


def _people_card() -> rx.Component:
    return card(rx.vstack(
        rx.heading("People with access", size="4", as_="h2"),
        rx.vstack(rx.foreach(A.people, _person_row), spacing="0", width="100%", id="people-with-access"),
        rx.heading("Invitations waiting", size="3", as_="h3"),
        rx.cond(A.invitations.length() == 0, rx.text("None.", size="2", color=tokens.MUTED)),
        rx.vstack(rx.foreach(A.invitations, _invitation_row), spacing="0", width="100%", id="invitations-waiting"),
        spacing="2", width="100%",
    ))


def _portal_tab() -> rx.Component:
    return rx.vstack(
        notice_callout(A.notice, id="staff-notice"),
        rx.cond(A.users.length() == 0, rx.text("No portal users yet.", color=tokens.MUTED)),
        rx.vstack(rx.foreach(A.users, _user_row), spacing="2", width="100%", id="portal-users"),
        _people_card(),
        form_card("Add Portal User",
                  field("Email", "email", type_="email", error=A.errors.get("email", "")),
                  field("Username", "username", error=A.errors.get("username", "")),
                  submit="ADD PORTAL USER", on_submit=A.add_user),
        spacing="3", width="100%",
    )


def _history_row(entry: rx.Var) -> rx.Component:
    return rx.box(
        rx.hstack(rx.badge(entry["kind"], color_scheme="gray"), rx.text(entry["when"], size="1", color=tokens.MUTED),
                  wrap="wrap", align="center"),
        rx.text(entry["summary"], size="2"),
        rx.text(entry["who"], size="1", color=tokens.MUTED),
        border_bottom=f"1px solid {tokens.BORDER}", padding_y="0.5rem", width="100%", class_name="history-row",
    )


def _history_tab() -> rx.Component:
    return rx.vstack(
        rx.hstack(rx.el.label("Kind", html_for="history-kind", font_size="var(--font-size-2)"),
                  rx.select(A.kinds, value=A.kind, on_change=A.filter_kind, id="history-kind", size="3"),
                  align="center", spacing="2"),
        rx.vstack(rx.foreach(A.history, _history_row), spacing="0", width="100%", id="history"),
        pager(A.history_page, A.history_pages, A.history_go_to),
        spacing="3", width="100%", id="history-tab",
    )


TABS = (("Portal", "portal", _portal_tab), ("History (ALL)", "history", _history_tab),
        ("Tickets", "tickets", tickets_tab), ("Payments", "payments", payments_tab))


# The account's other staff pages, linked from its page.
ACCOUNT_LINKS = (("Orders and contracts", "/staff/orders", "staff-orders-link"),
                 ("Notifications", "/staff/notifications", "staff-notifications-link"),
                 ("Service status", "/staff/service-status", "staff-service-status-link"))


@staff_page(route="/staff/account", title="Account", on_load=[A.load])
def account() -> rx.Component:
    return rx.cond(
        A.found,
        staff_view(
            A.account_name,
            rx.hstack(
                *[rx.link(label, href=f"{route}?number=" + A.account_number, min_height=tokens.TOUCH_TARGET,
                          display="inline-flex", align_items="center", id=link_id)
                  for label, route, link_id in ACCOUNT_LINKS],
                spacing="4", wrap="wrap",
            ),
            rx.tabs.root(
                rx.tabs.list(*[rx.tabs.trigger(label, value=value, min_height=tokens.TOUCH_TARGET)
                               for label, value, _ in TABS]),
                *[rx.tabs.content(tab(), value=value, padding_top="1rem") for _, value, tab in TABS],
                value=A.tab, on_change=A.set_tab, width="100%",
            ),
            intro=rx.text("Account ", A.account_number, " · ", A.account_kind,
                          size="2", color=tokens.MUTED),
        ),
        account_missing(),
    )
