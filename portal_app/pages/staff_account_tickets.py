"""The staff account page's Tickets tab: ticket list, one ticket with PUBLIC and PRIVATE notes, note and status forms."""

from __future__ import annotations

import reflex as rx

from portal_app.components import tokens
from portal_app.components.cards import card, notice_callout, primary_button
from portal_app.components.forms import field_error, select_field, text_field
from portal_app.state.staff_tickets import StaffTicketsState as T


def _status_badge(status: rx.Var) -> rx.Component:
    return rx.badge(status, size="2", color_scheme=rx.match(status, ("Open", "green"), ("Pending", "amber"), "gray"),
                    high_contrast=True)


def _ticket_row(ticket: rx.Var) -> rx.Component:
    return rx.el.button(
        rx.vstack(
            rx.hstack(rx.text(ticket["number"], size="2", weight="bold", color=tokens.MUTED), rx.spacer(),
                      _status_badge(ticket["status"]), width="100%", align="center"),
            rx.text(ticket["subject"], size="3", weight="medium", color=tokens.TEXT, text_align="left"),
            rx.text("Opened ", ticket["opened"], " · Last update ", ticket["updated"], size="1", color=tokens.MUTED),
            spacing="1", align="start", width="100%",
        ),
        on_click=T.open_ticket(ticket["id"].to(int)),
        type="button",
        class_name="staff-ticket",
        aria_label="Open " + ticket["number"] + ": " + ticket["subject"],
        width="100%",
        min_height=tokens.TOUCH_TARGET,
        padding="0.875rem 1rem",
        background=tokens.SURFACE,
        border=f"1px solid {tokens.BORDER}",
        border_radius="var(--radius-4)",
        cursor="pointer",
        text_align="left",
    )


def _note(note: rx.Var) -> rx.Component:
    private = note["visibility"] == "PRIVATE"
    return card(
        rx.vstack(
            rx.hstack(
                rx.badge(note["visibility"], color_scheme=rx.cond(private, "amber", "blue"), size="2",
                         high_contrast=True),
                rx.text(note["author"], size="2", weight="bold", color=tokens.TEXT),
                spacing="2", align="center", wrap="wrap",
            ),
            rx.text(note["when"], size="1", color=tokens.MUTED),
            rx.text(note["body"], size="3", color=tokens.TEXT, white_space="pre-wrap",
                    style={"overflow_wrap": "anywhere"}),
            spacing="1", align="start", width="100%",
        ),
        class_name="staff-note",
        data_visibility=note["visibility"],
        border_left=rx.cond(private, "4px solid var(--amber-9)", "4px solid var(--blue-9)"),
    )


def _choice(value: str, label: str, hint: str, checked: bool) -> rx.Component:
    return rx.el.label(
        rx.el.input(type="radio", name="visibility", value=value, default_checked=checked,
                    style={"width": "20px", "height": "20px", "margin": "0", "flex_shrink": "0"}),
        rx.vstack(rx.text(label, size="3", weight="medium"), rx.text(hint, size="1", color=tokens.MUTED),
                  spacing="0"),
        display="flex", align_items="center", gap="0.625rem", min_height=tokens.TOUCH_TARGET, cursor="pointer",
    )


def _note_form() -> rx.Component:
    return card(
        rx.form(
            rx.vstack(
                rx.heading("Add a note", as_="h3", size="3"),
                text_field("Note", "body", error=T.err_body, textarea=True),
                rx.el.fieldset(
                    rx.el.legend("Who can see it", style={"font_size": "var(--font-size-2)", "font_weight": "500"}),
                    _choice("private", "Private", "Staff only", True),
                    _choice("public", "Public", "The subscriber sees it and is emailed", False),
                    style={"border": "none", "padding": "0", "margin": "0"},
                ),
                primary_button("ADD NOTE", type="submit"),
                spacing="3", width="100%", align="start",
            ),
            on_submit=T.add_note, reset_on_submit=False, no_validate=True, width="100%",
            key=T.note_form_key,
        ),
    )


def _status_form() -> rx.Component:
    return card(
        rx.form(
            rx.vstack(
                rx.box(select_field("Status", "status", T.statuses, default_value=T.status), width="100%",
                       key=T.status),
                field_error(T.err_status, "field-status"),
                rx.button("CHANGE STATUS", type="submit", variant="outline", size="3",
                          min_height=tokens.TOUCH_TARGET, cursor="pointer"),
                spacing="3", width="100%", align="start",
            ),
            on_submit=T.set_status, reset_on_submit=False, width="100%",
        ),
    )


def _detail() -> rx.Component:
    return rx.vstack(
        rx.button(rx.icon("chevron-left", size=18), "All tickets", on_click=T.back, variant="ghost", size="3",
                  min_height=tokens.TOUCH_TARGET, cursor="pointer"),
        rx.heading(T.subject, as_="h2", size="5"),
        rx.hstack(rx.text(T.number, weight="bold", color=tokens.MUTED), _status_badge(T.status_label),
                  rx.badge(T.category, color_scheme="gray", high_contrast=True), spacing="2", align="center",
                  wrap="wrap"),
        rx.text("Opened ", T.opened, " · Last update ", T.updated, size="2", color=tokens.MUTED),
        rx.vstack(rx.foreach(T.notes, _note), spacing="3", width="100%", id="staff-notes"),
        _note_form(),
        _status_form(),
        spacing="3", width="100%",
    )


def tickets_tab() -> rx.Component:
    return rx.vstack(
        notice_callout(T.notice, id="ticket-notice"),
        rx.cond(
            T.open_id != 0,
            _detail(),
            rx.cond(
                T.tickets.length() > 0,
                rx.vstack(rx.foreach(T.tickets, _ticket_row), spacing="2", width="100%", id="staff-tickets"),
                rx.text("No tickets on this account.", color=tokens.MUTED),
            ),
        ),
        spacing="3", width="100%",
    )
