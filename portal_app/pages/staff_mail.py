"""Staff: undelivered mail, so a bounced bill or verification link does not go unnoticed."""

from __future__ import annotations

import reflex as rx

from portal_app.components import tokens
from portal_app.components.staff_admin import outbox_card, staff_view
from portal_app.components.staff_shell import staff_page
from portal_app.state.staff_mail import StaffMailState as S


@staff_page(route="/staff/mail", title="Undelivered mail", nav_label="Mail", nav_icon="mail_warning", nav_order=60,
            on_load=[S.load])
def staff_mail() -> rx.Component:
    return staff_view(
        "Undelivered mail",
        rx.link("Text messages →", href="/staff/texts", min_height=tokens.TOUCH_TARGET, display="inline-flex",
                align_items="center"),
        rx.cond(
            S.rows.length() > 0,
            rx.vstack(rx.foreach(S.rows, lambda m: outbox_card(m, S.retry, kind="mail")), spacing="3", width="100%"),
            rx.cond(S.loaded, rx.text("All mail has been delivered.", id="no-failed-mail"), rx.fragment()),
        ),
        intro="Mail the delivery job could not send. It retries with growing pauses and gives up after 8 attempts; "
              "fix the cause (address, mail server), then send it again.",
        notice=S.notice, max_width="1200px",
    )
