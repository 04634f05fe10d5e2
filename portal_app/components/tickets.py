"""How a ticket looks wherever it is shown (the subscriber's Tickets page, the staff account's Tickets tab):
its status badge, its line in a list, and one of its notes."""

from __future__ import annotations

import reflex as rx

from portal_app.components import tokens
from portal_app.components.cards import card
from portal_app.components.shell import as_written


def status_badge(status: rx.Var) -> rx.Component:
    return rx.badge(status, size="2", color_scheme=rx.match(status, ("Open", "green"), ("Pending", "amber"), "gray"),
                    high_contrast=True)


def ticket_summary(ticket: rx.Var, *, subject_size: str = "4", say=as_written) -> rx.Component:
    """Number and status, subject, when it was opened and last changed: a ticket's line in a list (staff read
    it in English; a subscriber page passes `say=tf`)."""
    return rx.vstack(
        rx.hstack(rx.text(ticket["number"], size="2", weight="bold", color=tokens.MUTED), rx.spacer(),
                  status_badge(ticket["status"]), width="100%", align="center"),
        rx.text(ticket["subject"], size=subject_size, weight="medium", color=tokens.TEXT, text_align="left"),
        rx.text(say("Opened "), ticket["opened"], say(" · Last update "), ticket["updated"], size="2", color=tokens.MUTED),
        spacing="1", align="start", width="100%",
    )


def ticket_note(note: rx.Var, badge: rx.Component, **props) -> rx.Component:
    """One note: its visibility badge, who wrote it and when, and its text with the writer's line breaks."""
    return card(
        rx.vstack(
            rx.hstack(badge, rx.text(note["author"], size="2", weight="bold", color=tokens.TEXT),
                      spacing="2", align="center", wrap="wrap"),
            rx.text(note["when"], size="1", color=tokens.MUTED),
            rx.text(note["body"], size="3", color=tokens.TEXT, white_space="pre-wrap",
                    style={"overflow_wrap": "anywhere"}),
            spacing="1", align="start", width="100%",
        ),
        **props,
    )
