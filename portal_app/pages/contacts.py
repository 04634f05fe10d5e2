"""Contacts: people on the account with their Type, emails and phones; add, tap to edit, red X to delete.

`/contacts?add=email` and `/contacts?add=phone` open the add form directly (the home page's
Add Email Address and Add Phone Number quick actions).
"""

from __future__ import annotations

import reflex as rx

from portal_app.i18n import t
from portal_app.services.core.i18n import N_
from portal_app.components import tokens
from portal_app.components.dialogs import confirm_dialog, form_dialog
from portal_app.components.cards import card, error_callout, notice_callout, page_body, primary_button
from portal_app.components.forms import select_field, text_field
from portal_app.components.shell import portal_page
from portal_app.state.contacts import ContactsState as S


def _row_body(row: rx.Var) -> rx.Component:
    return rx.cond(
        row["kind"] == "person",
        rx.hstack(
            rx.text(row["text"], size="4", weight="bold", color=tokens.TEXT),
            rx.badge(row["type_name"], color_scheme="gray", size="2", high_contrast=True),
            spacing="2", align="center", wrap="wrap",
        ),
        rx.hstack(
            rx.cond(row["kind"] == "email", rx.icon("mail", size=18, aria_hidden="true"),
                    rx.icon("phone", size=18, aria_hidden="true")),
            rx.text(row["text"], size="3", color=tokens.TEXT, style={"overflow_wrap": "anywhere"}),
            rx.cond(row["label"] != "", rx.text(row["label"], size="2", color=tokens.MUTED)),
            spacing="2", align="center", padding_left="0.5rem", min_width="0",
        ),
    )


def _row(row: rx.Var) -> rx.Component:
    return rx.hstack(
        rx.el.button(
            _row_body(row),
            on_click=S.open_edit(row["kind"], row["id"]),
            aria_label=t("Edit ") + row["text"],
            style={"flex": "1", "min_width": "0", "min_height": tokens.TOUCH_TARGET, "background": "none",
                   "border": "none", "text_align": "left", "cursor": "pointer", "padding": "0.25rem 0",
                   "color": "inherit", "font": "inherit"},
        ),
        rx.icon_button(
            rx.icon("x", size=20),
            on_click=S.ask_delete(row["kind"], row["id"]),
            aria_label=t("Delete ") + row["text"],
            color_scheme="red", variant="soft", size="3", min_width=tokens.TOUCH_TARGET,
            min_height=tokens.TOUCH_TARGET, cursor="pointer",
        ),
        align="center", width="100%", spacing="2",
        padding_top=rx.cond(row["kind"] == "person", "0.75rem", "0"),
        border_top=rx.cond(row["kind"] == "person", f"1px solid {tokens.BORDER}", "none"),
        class_name="contact-row",
        data_kind=row["kind"],
        style={"&:first-of-type": {"border_top": "none", "padding_top": "0"}},
    )


def _add_fields() -> rx.Component:
    return rx.vstack(
        select_field(t("Person"), "contact_id", S.people, default_value=S.person_choice, on_change=S.choose_person,
                     extra_first=("new", t("New person"))),
        rx.cond(
            S.person_choice == "new",
            rx.vstack(
                text_field(t("First name"), "first_name", error=S.err_first_name, autocomplete="given-name"),
                text_field(t("Last name"), "last_name", error=S.err_last_name, autocomplete="family-name"),
                select_field(t("Type"), "type_id", S.types, error=S.err_type_id, default_value=S.type_id,
                             extra_first=("", t("No type"))),
                spacing="3", width="100%",
            ),
        ),
        rx.cond(S.add_kind != "phone",
                text_field(t("Email address"), "email", error=S.err_email, autocomplete="email", input_mode="email")),
        rx.cond(S.add_kind != "email",
                text_field(t("Phone number"), "phone", error=S.err_phone, autocomplete="tel", input_mode="tel")),
        spacing="3", width="100%",
    )


def _person_fields() -> rx.Component:
    return rx.vstack(
        text_field(t("First name"), "first_name", error=S.err_first_name, default_value=S.first_name),
        text_field(t("Last name"), "last_name", error=S.err_last_name, default_value=S.last_name),
        select_field(t("Type"), "type_id", S.types, error=S.err_type_id, default_value=S.type_id,
                     extra_first=("", t("No type"))),
        spacing="3", width="100%",
    )


def _point_field() -> rx.Component:
    return rx.cond(
        S.point_kind == "email",
        text_field(t("Email address"), "value", error=S.err_email, default_value=S.point_value, input_mode="email"),
        text_field(t("Phone number"), "value", error=S.err_phone, default_value=S.point_value, input_mode="tel"),
    )


def _form_dialog() -> rx.Component:
    return form_dialog(
        error_callout(S.err_form, id="contact-form-error"),
        rx.match(S.form_mode, ("person", _person_fields()), ("point", _point_field()), _add_fields()),
        submit_label=t("CONFIRM"), on_submit=S.submit,
        title=S.form_title, description=t("Changes are saved when you press CONFIRM."),
        open=S.form_open, on_open_change=S.set_form_open,
    )


def _delete_dialog() -> rx.Component:
    return confirm_dialog(
        title=t("Delete contact?"), description=S.confirm_text, confirm_label=t("DELETE CONTACT"),
        on_confirm=S.confirm_delete, open=S.confirm_open, on_open_change=S.set_confirm_open,
    )


@portal_page(route="/contacts", title="Contacts", nav_label=N_("Contacts"), nav_icon="users", nav_order=60,
             on_load=[S.load])
def contacts_page() -> rx.Component:
    return page_body(
        t("Contacts"),
        rx.text(t("Tap a name, email or phone number to change it."), size="2", color=tokens.MUTED),
        notice_callout(S.notice, id="contacts-notice"),
        error_callout(S.page_error, id="contacts-error"),
        card(
            rx.cond(
                S.loaded,
                rx.vstack(rx.foreach(S.rows, _row), spacing="2", width="100%", id="contact-list"),
                rx.center(rx.spinner(size="3")),
            ),
        ),
        _form_dialog(),
        _delete_dialog(),
        action=primary_button(t("Add Contact"), on_click=S.open_add("contact")),
        spacing="3",
    )
