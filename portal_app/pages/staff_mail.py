"""Staff: undelivered mail, so a bounced bill or verification link does not go unnoticed."""

from __future__ import annotations

import reflex as rx

from portal_app.components import tokens
from portal_app.components.cards import card
from portal_app.components.staff_admin import row_button, staff_view
from portal_app.components.staff_shell import staff_page
from portal_app.state.staff_mail import StaffMailState as S


def _row(mail: rx.Var) -> rx.Component:
    return card(
        rx.vstack(
            rx.text(mail["subject"], weight="bold"),
            rx.text("To ", mail["to"], rx.cond(mail["account"] != "", " · account " + mail["account"].to(str), ""),
                    size="2", overflow_wrap="anywhere"),
            rx.text("Written ", mail["created"], " · ", mail["status"], " ", mail["next"], size="2",
                    color=tokens.MUTED),
            rx.text("Last error: ", mail["error"], size="2", overflow_wrap="anywhere", class_name="mail-error"),
            row_button("Send again", S.retry(mail["id"]),
                       aria_label="Send again: " + mail["subject"].to(str) + " to " + mail["to"].to(str)),
            spacing="1", width="100%", align="start",
        ),
    )


@staff_page(route="/staff/mail", title="Undelivered mail", nav_label="Mail", nav_icon="mail_warning", nav_order=60,
            on_load=[S.load])
def staff_mail() -> rx.Component:
    return staff_view(
        "Undelivered mail",
        rx.cond(
            S.rows.length() > 0,
            rx.vstack(rx.foreach(S.rows, _row), spacing="3", width="100%"),
            rx.cond(S.loaded, rx.text("All mail has been delivered.", id="no-failed-mail"), rx.fragment()),
        ),
        intro="Mail the delivery job could not send. It retries with growing pauses and gives up after 8 attempts; "
              "fix the cause (address, mail server), then send it again.",
        notice=S.notice, max_width="1200px",
    )
