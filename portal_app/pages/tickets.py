"""Tickets: the account's ticket history, a new-ticket form when the provider allows it, and one ticket
read-only with its PUBLIC notes (newest last) and a reply box while it is open."""

from __future__ import annotations

import reflex as rx

from portal_app.i18n import t
from portal_app.services.core.i18n import N_
from portal_app.components import tokens
from portal_app.components.cards import card, error_callout, notice_callout, page_body, primary_button
from portal_app.components.dialogs import form_dialog
from portal_app.components.forms import select_field, stacked_form, text_field
from portal_app.components.shell import portal_page
from portal_app.services.selfservice.tickets import CREATION_OFF
from portal_app.state.tickets import TicketDetailState as D
from portal_app.state.tickets import TicketsState as S


def _status_badge(status: rx.Var) -> rx.Component:
    # The state keeps the English label (it also picks the colour); the badge says it in the tab's language.
    label = rx.match(status, ("Open", t("Open")), ("Pending", t("Pending")), ("Closed", t("Closed")), status)
    return rx.badge(label, size="2", color_scheme=rx.match(status, ("Open", "green"), ("Pending", "amber"), "gray"),
                    high_contrast=True)


def _ticket_card(ticket: rx.Var) -> rx.Component:
    return rx.link(
        card(
            rx.vstack(
                rx.hstack(
                    rx.text(ticket["number"], size="2", weight="bold", color=tokens.MUTED),
                    rx.spacer(),
                    _status_badge(ticket["status"]),
                    width="100%", align="center",
                ),
                rx.text(ticket["subject"], size="4", weight="medium", color=tokens.TEXT),
                rx.text(t("Opened "), ticket["opened"], t(" · Last update "), ticket["updated"], size="2",
                        color=tokens.MUTED),
                spacing="1", align="start", width="100%",
            ),
        ),
        href=ticket["href"],
        underline="none", width="100%", class_name="ticket-item",
        aria_label=ticket["number"] + ": " + ticket["subject"],
    )


def _new_ticket_dialog() -> rx.Component:
    return form_dialog(
        error_callout(S.err_form),
        select_field(t("Category"), "category", S.categories, error=S.err_category, default_value="General"),
        text_field(t("Subject"), "subject", error=S.err_subject),
        text_field(t("Description"), "description", error=S.err_description, textarea=True),
        submit_label=t("SUBMIT"), cancel_label=t("Cancel"), on_submit=S.submit,
        title=t("New Ticket"), description=t("Tell us what you need; we answer here and by email."),
        open=S.form_open, on_open_change=S.set_form_open, max_width="480px",
    )


@portal_page(route="/tickets", title=N_("Tickets"), nav_label=N_("Tickets"), nav_icon="life-buoy", nav_order=70,
             on_load=[S.load])
def tickets_page() -> rx.Component:
    return page_body(
        t("Tickets"),
        rx.cond(S.loaded & ~S.can_create, rx.text(t(CREATION_OFF), size="2", color=tokens.MUTED, id="tickets-closed")),
        rx.cond(
            S.loaded,
            rx.cond(
                S.tickets.length() > 0,
                rx.vstack(rx.foreach(S.tickets, _ticket_card), spacing="3", width="100%", id="ticket-list"),
                card(rx.text(t("You have no tickets."), color=tokens.MUTED)),
            ),
            rx.center(rx.spinner(size="3")),
        ),
        _new_ticket_dialog(),
        action=rx.cond(S.can_create, primary_button(t("New Ticket"), on_click=S.open_form)),
        spacing="3",
    )


def _note(note: rx.Var) -> rx.Component:
    return card(
        rx.vstack(
            rx.hstack(
                rx.badge(t("PUBLIC"), color_scheme="blue", size="1", high_contrast=True),
                rx.text(note["author"], size="2", weight="bold", color=tokens.TEXT),
                spacing="2", align="center", wrap="wrap",
            ),
            rx.text(note["when"], size="1", color=tokens.MUTED),
            rx.text(note["body"], size="3", color=tokens.TEXT, white_space="pre-wrap",
                    style={"overflow_wrap": "anywhere"}),
            spacing="1", align="start", width="100%",
        ),
        class_name="ticket-note",
    )


def _reply_form() -> rx.Component:
    return card(
        stacked_form(
            notice_callout(D.notice, id="reply-notice"),
            text_field(t("Your reply"), "reply", error=D.err_reply, textarea=True),
            primary_button(t("ADD REPLY"), type="submit"),
            on_submit=D.reply, spacing="3", align="start", no_validate=True,
        ),
    )


@portal_page(route="/ticket", title=N_("Ticket"), on_load=[D.load])
def ticket_page() -> rx.Component:
    return rx.vstack(
        rx.link(rx.icon("chevron-left", size=18), t("Tickets"), href="/tickets", display="flex", align_items="center",
                min_height=tokens.TOUCH_TARGET),
        rx.cond(
            D.found,
            rx.vstack(
                rx.heading(D.subject, as_="h1", size="6", color=tokens.TEXT),
                rx.hstack(rx.text(D.number, weight="bold", color=tokens.MUTED), _status_badge(D.status),
                          rx.badge(D.category, color_scheme="gray", high_contrast=True), spacing="2", align="center",
                          wrap="wrap"),
                rx.text(t("Opened "), D.opened, t(" · Last update "), D.updated, size="2", color=tokens.MUTED),
                rx.vstack(rx.foreach(D.notes, _note), spacing="3", width="100%", id="ticket-notes"),
                rx.cond(D.can_reply, _reply_form(),
                        rx.text(t("This ticket is closed. Open a new ticket if you need more help."), size="2",
                                color=tokens.MUTED)),
                spacing="3", width="100%",
            ),
            rx.cond(D.missing != "", card(rx.text(D.missing, id="ticket-missing", role="alert")),
                    rx.center(rx.spinner(size="3"))),
        ),
        spacing="3", width="100%",
    )
