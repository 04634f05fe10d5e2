"""The staff account page's Tickets tab: ticket list, one ticket with PUBLIC and PRIVATE notes, note and status forms."""

from __future__ import annotations

import reflex as rx

from portal_app.components import tokens
from portal_app.components.cards import SURFACE, card, notice_callout, primary_button
from portal_app.components.forms import field_error, select_field, stacked_form, text_field
from portal_app.components.tickets import status_badge, ticket_note, ticket_summary
from portal_app.state.staff_tickets import StaffTicketsState as T


def _ticket_row(ticket: rx.Var) -> rx.Component:
    return rx.el.button(
        ticket_summary(ticket, subject_size="3"), on_click=T.open_ticket(ticket["id"].to(int)), type="button",
        class_name="staff-ticket", aria_label="Open " + ticket["number"] + ": " + ticket["subject"],
        width="100%", min_height=tokens.TOUCH_TARGET, padding="0.875rem 1rem", cursor="pointer", text_align="left",
        **SURFACE,
    )


def _note(note: rx.Var) -> rx.Component:
    private = note["visibility"] == "PRIVATE"
    return ticket_note(
        note,
        rx.badge(note["visibility"], color_scheme=rx.cond(private, "amber", "blue"), size="2", high_contrast=True),
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
        stacked_form(
            rx.heading("Add a note", as_="h3", size="3"),
            text_field("Note", "body", error=T.err_body, textarea=True),
            rx.el.fieldset(
                rx.el.legend("Who can see it", style={"font_size": "var(--font-size-2)", "font_weight": "500"}),
                _choice("private", "Private", "Staff only", True),
                _choice("public", "Public", "The subscriber sees it and is emailed", False),
                style={"border": "none", "padding": "0", "margin": "0"},
            ),
            primary_button("ADD NOTE", type="submit"),
            on_submit=T.add_note, spacing="3", align="start", no_validate=True, key=T.note_form_key,
        ),
    )


def _status_form() -> rx.Component:
    return card(
        stacked_form(
            rx.box(select_field("Status", "status", T.statuses, default_value=T.ticket["status"]), width="100%",
                   key=T.ticket["status"]),
            field_error(T.err_status, "field-status"),
            rx.button("CHANGE STATUS", type="submit", variant="outline", size="3",
                      min_height=tokens.TOUCH_TARGET, cursor="pointer"),
            on_submit=T.set_status, spacing="3", align="start",
        ),
    )


def _detail() -> rx.Component:
    return rx.vstack(
        rx.button(rx.icon("chevron-left", size=18), "All tickets", on_click=T.back, variant="ghost", size="3",
                  min_height=tokens.TOUCH_TARGET, cursor="pointer"),
        rx.heading(T.ticket["subject"], as_="h2", size="5"),
        rx.hstack(rx.text(T.ticket["number"], weight="bold", color=tokens.MUTED), status_badge(T.ticket["status_label"]),
                  rx.badge(T.ticket["category"], color_scheme="gray", high_contrast=True), spacing="2", align="center",
                  wrap="wrap"),
        rx.text("Opened ", T.ticket["opened"], " · Last update ", T.ticket["updated"], size="2", color=tokens.MUTED),
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
