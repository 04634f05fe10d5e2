"""Staff: the text-message outbox (linked from Mail): each text's status, the failures, and Send again."""

from __future__ import annotations

import reflex as rx

from portal_app.components.cards import back_link
from portal_app.components.staff_admin import outbox_card, row_button, staff_view
from portal_app.components.staff_shell import staff_page
from portal_app.state.staff_mail import StaffTextsState as S


def _filter(label: str, which: str, pressed: rx.Var) -> rx.Component:
    return row_button(label, S.show(which), aria_pressed=rx.cond(pressed, "true", "false"),
                      variant=rx.cond(pressed, "solid", "outline"))


@staff_page(route="/staff/texts", title="Text messages", on_load=[S.load])
def staff_texts() -> rx.Component:
    return staff_view(
        "Text messages",
        back_link("Undelivered mail", href="/staff/mail"),
        rx.hstack(_filter("Failed", "failed", ~S.show_all), _filter("All texts", "all", S.show_all), spacing="2",
                  role="group", aria_label="Which texts"),
        rx.cond(
            S.rows.length() > 0,
            rx.vstack(rx.foreach(S.rows, lambda t: outbox_card(t, S.retry, kind="text")), spacing="3", width="100%"),
            rx.cond(S.loaded, rx.text(rx.cond(S.show_all, "No texts yet.", "No text has failed."), id="no-failed-texts"),
                    rx.fragment()),
        ),
        intro="Texts the delivery job sends (quiet hours hold them until morning). A failed text is retried with "
              "growing pauses and given up after 6 attempts; fix the cause, then send it again. A number that "
              "replied STOP gets nothing, and a code is never sent twice.",
        notice=S.notice, max_width="1200px",
    )
