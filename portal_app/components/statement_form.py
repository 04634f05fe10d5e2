"""The statement form under the billing lists: two dates, then the PDF to open or download."""

from __future__ import annotations

import reflex as rx

from portal_app.components import tokens
from portal_app.components.cards import card, primary_button
from portal_app.components.forms import stacked_form, text_field
from portal_app.i18n import t
from portal_app.state.statements import StatementFormState as S


def statement_form() -> rx.Component:
    return card(rx.vstack(
        rx.heading(t("Statement"), as_="h2", size="4"),
        rx.text(t("Every bill, payment, credit and refund between two dates, with the balance before and after "
                  "and what is past due."), size="2", color=tokens.MUTED),
        stacked_form(
            text_field(t("From"), "from", type_="date", default_value=S.default_from, error=S.err_from,
                       id_prefix="statement"),
            text_field(t("To"), "to", type_="date", default_value=S.default_to, error=S.err_to,
                       id_prefix="statement"),
            primary_button(t("MAKE STATEMENT"), type="submit"),
            on_submit=S.make, spacing="3", align="start",
        ),
        rx.cond(
            S.href != "",
            rx.hstack(
                rx.link(rx.icon("file_text", size=20), t("Statement "), S.label, " (PDF)", href=S.href, is_external=True,
                        color=tokens.ACCENT, display="inline-flex", align_items="center", gap="0.4rem",
                        min_height=tokens.TOUCH_TARGET, id="statement-link"),
                rx.link(t("Download"), href=S.href + "&download=1", color=tokens.ACCENT, display="inline-flex",
                        align_items="center", min_height=tokens.TOUCH_TARGET),
                spacing="4", wrap="wrap", align="center",
            ),
        ),
        spacing="3", width="100%",
    ), id="statement")
