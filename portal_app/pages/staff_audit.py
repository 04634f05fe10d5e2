"""Staff audit log (admin): every change staff made, newest first, filtered by who, what and text."""

from __future__ import annotations

import reflex as rx

from portal_app.components import tokens
from portal_app.components.forms import select_field, text_field
from portal_app.components.staff_admin import admin_page, form_card, list_card
from portal_app.state.staff_audit import StaffAuditState as S


def _row(r: rx.Var) -> rx.Component:
    return rx.vstack(
        rx.text(r["when"], " · ", r["who"], " · from ", r["ip"], size="2", color=tokens.MUTED),
        rx.text(rx.code(r["action"]), " ", r["target"], size="2", overflow_wrap="anywhere"),
        rx.cond(r["detail"] != "", rx.text(r["detail"], size="2", overflow_wrap="anywhere")),
        spacing="1", width="100%",
        class_name="audit-row",
    )


@admin_page(route="/staff/audit", title="Audit log", state=S, nav_icon="scroll_text", nav_order=85, notice=False,
            max_width="960px")
def staff_audit() -> list[rx.Component]:
    return [
        form_card("Filter",
                  text_field("Who (name contains)", "actor", default_value=S.actor),
                  select_field("What", "action", S.groups, default_value=S.action, extra_first=("", "Everything")),
                  text_field("Text (account, username, detail)", "text", default_value=S.text),
                  submit="FILTER", on_submit=S.filter, reset=False),
        list_card(S.rows, _row, empty=rx.cond(S.loaded, rx.text("Nothing matches.", size="2"))),
    ]
