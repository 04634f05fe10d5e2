"""Staff settings page: the contact Type options, in the order subscribers see them."""

from __future__ import annotations

import reflex as rx

from portal_app.components import tokens
from portal_app.components.dialogs import confirm_dialog
from portal_app.components.cards import card
from portal_app.components.forms import stacked_form, text_field
from portal_app.components.staff_admin import admin_page, form_card
from portal_app.state.staff_contact_types import StaffContactTypesState as S


def _icon_button(icon: str, label: rx.Var, on_click, disabled=False, color_scheme: str = "gray") -> rx.Component:
    return rx.icon_button(rx.icon(icon, size=20), on_click=on_click, aria_label=label, title=label,
                          variant="soft", color_scheme=color_scheme, disabled=disabled, type="button",
                          width=tokens.TOUCH_TARGET, height=tokens.TOUCH_TARGET, cursor="pointer")


def _row(item: rx.Var, index: rx.Var) -> rx.Component:
    input_id = "type-name-" + item["id"]
    return card(
        stacked_form(
            rx.el.label("Name", html_for=input_id, font_size="var(--font-size-2)", font_weight="500"),
            rx.el.input(type="hidden", name="type_id", value=item["id"]),
            rx.input(id=input_id, name="name", default_value=item["name"], key=item["name"], size="3",
                     width="100%", min_height=tokens.TOUCH_TARGET, auto_complete="off",
                     aria_describedby=input_id + "-error"),
            rx.cond(S.row_error_id == item["id"],
                    rx.text(S.errors.get("row", ""), id=input_id + "-error", role="alert", size="2", color=tokens.DANGER)),
            rx.hstack(
                rx.button("RENAME", type="submit", variant="outline", size="3", min_height=tokens.TOUCH_TARGET,
                          cursor="pointer"),
                rx.spacer(),
                _icon_button("arrow-up", "Move " + item["name"] + " up", S.move(item["id"], -1),
                             disabled=index == 0),
                _icon_button("arrow-down", "Move " + item["name"] + " down", S.move(item["id"], 1),
                             disabled=index == S.types.length() - 1),
                _icon_button("x", "Remove " + item["name"], S.ask_remove(item["id"]), color_scheme="red"),
                width="100%", align="center", spacing="2",
            ),
            on_submit=S.rename, spacing="2",
        ),
        class_name="contact-type",
    )


def _confirm() -> rx.Component:
    return confirm_dialog(
        title=rx.text.span("Remove ", S.confirm_name, "?"),
        description="Subscribers will no longer be able to choose it. Contacts that have this type keep their "
                    "names, emails and phone numbers and show no type.",
        confirm_label="REMOVE TYPE", on_confirm=S.remove, keep_label="Cancel", on_keep=S.cancel_remove,
        open=S.confirm_id != "", on_open_change=S.confirm_open_change, max_width="440px",
    )


@admin_page(route="/staff/settings/contact-types", title="Contact Types", state=S, nav_icon="contact", nav_order=40,
            max_width="720px", intro="The Type options subscribers pick for each contact, in the order they see them.")
def contact_types() -> list[rx.Component]:
    return [
        rx.vstack(rx.foreach(S.types, _row), spacing="2", width="100%", id="contact-types"),
        form_card("Add a type", text_field("New type name", "name", error=S.errors.get("name", "")),
                  submit="ADD TYPE", on_submit=S.add, reset=False, no_validate=True),
        _confirm(),
    ]
