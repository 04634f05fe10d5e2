"""Form pieces: labelled fields with the server's message right under them, and the public page frame."""

from __future__ import annotations

import reflex as rx

from portal_app.components import tokens
from portal_app.components.cards import brand_logo, primary_button
from portal_app.components.shell import footer
from portal_app.i18n import lang_attr, t, tf, until_language_known
from portal_app.services.identity.passwords import MIN_LENGTH


def field_error(message: rx.Var | str, field_id: str) -> rx.Component:
    return rx.cond(
        message != "",
        rx.text(message, id=f"{field_id}-error", role="alert", size="2", color=tokens.DANGER),
    )


def text_field(label: str, name: str, *, error: rx.Var | str = "", default_value: rx.Var | str = "",
               type_: str = "text", autocomplete: str = "off", textarea: bool = False, id_prefix: str = "field",
               **props) -> rx.Component:
    # A second form with the same field names on one page (e.g. an edit dialog) needs its own id_prefix.
    field_id = f"{id_prefix}-{name}"
    control = (rx.text_area if textarea else rx.input)(
        id=field_id, name=name, default_value=default_value, size="3", width="100%",
        min_height=tokens.TOUCH_TARGET if not textarea else "7rem",
        aria_invalid=rx.cond(error != "", "true", "false"),
        aria_describedby=f"{field_id}-error",
        **({} if textarea else {"type": type_, "auto_complete": autocomplete}),
        **props,
    )
    return rx.vstack(
        rx.el.label(label, html_for=field_id, font_size="var(--font-size-2)", font_weight="500"),
        control,
        field_error(error, field_id),
        spacing="1", width="100%",
    )


def select_field(label: str, name: str, options: rx.Var, *, error: rx.Var | str = "",
                 default_value: rx.Var | str = "", on_change=None, extra_first: tuple[str, str] | None = None
                 ) -> rx.Component:
    """A native select (it submits with the form); `options` is a list of {"id", "name"} dicts."""
    field_id = f"field-{name}"
    first = [rx.el.option(extra_first[1], value=extra_first[0])] if extra_first else []
    return rx.vstack(
        rx.el.label(label, html_for=field_id, font_size="var(--font-size-2)", font_weight="500"),
        rx.el.select(
            *first,
            rx.foreach(options, lambda option: rx.el.option(option["name"], value=option["id"])),
            id=field_id, name=name, default_value=default_value, on_change=on_change,
            aria_describedby=f"{field_id}-error",
            style={
                "width": "100%",
                "min_height": tokens.TOUCH_TARGET,
                "padding": "0 0.75rem",
                "border": f"1px solid {tokens.BORDER}",
                "border_radius": "var(--radius-3)",
                "background": tokens.SURFACE,
                "font_size": "var(--font-size-3)",
                "color": tokens.TEXT,
            },
        ),
        field_error(error, field_id),
        spacing="1", width="100%",
    )


def field(
    label: str,
    name: str,
    *,
    error: rx.Var | str = "",
    type_: str = "text",
    autocomplete: str = "off",
    hint: rx.Var | str = "",
    required: bool = True,
    **props,
) -> rx.Component:
    """Label, input and (when the server found a problem) the message right under it."""
    if not isinstance(error, rx.Var):
        error = rx.Var.create(error)
    has_error = error != ""
    return rx.vstack(
        rx.el.label(label, html_for=name, font_size="var(--font-size-2)", font_weight="500"),
        rx.text(hint, size="1", color=tokens.MUTED, id=f"{name}-hint") if isinstance(hint, rx.Var) or hint
        else rx.fragment(),
        rx.input(
            id=name, name=name, type=type_, auto_complete=autocomplete, required=required, size="3",
            width="100%", min_height=tokens.TOUCH_TARGET,
            aria_invalid=rx.cond(has_error, "true", "false"),
            aria_describedby=f"{name}-error",
            **props,
        ),
        rx.cond(has_error, rx.text(error, id=f"{name}-error", size="2", color=tokens.DANGER, role="alert")),
        spacing="1", width="100%",
    )


def stacked_form(*children: rx.Component, on_submit, spacing: str = "4", align: str = "start",
                 **props) -> rx.Component:
    """Fields one under the other at full width. What was typed stays after a submit (the server
    answers beside the fields) unless the form passes reset_on_submit=True."""
    return rx.form(rx.vstack(*children, spacing=spacing, align=align, width="100%"), on_submit=on_submit,
                   width="100%", **props)


def new_password_form(whose: rx.Component, *, error: rx.Var, submitting: rx.Var, label: str, on_submit,
                      hint: str) -> rx.Component:
    """Choose a password (typed twice) from an emailed link."""
    return stacked_form(
        whose,
        field(t("New password"), "password", type_="password", autocomplete="new-password", hint=hint, error=error),
        field(t("New password again"), "confirm", type_="password", autocomplete="new-password"),
        primary_button(label, type="submit", width="100%", loading=submitting),
        on_submit=on_submit,
    )


def password_hint() -> rx.Var | str:
    """What a new password must be (services/identity/passwords.py), said under its field."""
    return tf("At least %(count)s characters. A few unrelated words make a strong, memorable password; "
              "repeats, sequences, keyboard rows and our name or yours are refused.", count=str(MIN_LENGTH))


def text_link(text: str, href: str, **props) -> rx.Component:
    return rx.link(
        text, href=href, display="inline-flex", align_items="center", min_height=tokens.TOUCH_TARGET,
        color=tokens.ACCENT, **props,
    )


def outline_link(*children: rx.Component | str, href: rx.Var | str, **props) -> rx.Component:
    """A link drawn as a full-width outlined button (a second way on, beside the form's own button)."""
    return rx.link(
        *children, href=href, display="flex", align_items="center", justify_content="center", width="100%",
        min_height=tokens.TOUCH_TARGET, border=f"1px solid {tokens.ACCENT}", border_radius="var(--radius-3)",
        color=tokens.ACCENT, underline="none", **props,
    )


def public_frame(
    *children: rx.Component,
    heading: str | None,
    intro: rx.Component | None = None,
    below: tuple[rx.Component, ...] = (),
    logo_href: str | None = "/signin",
) -> rx.Component:
    """The logo, a card holding the form, and the footer: the frame of every signed-out page.

    `intro` sits under the logo, `below` between the card and the footer; a card whose steps carry
    their own headings passes `heading=None`.
    """
    logo = brand_logo("48px")
    card_children = ([rx.heading(heading, size="5", as_="h1")] if heading is not None else []) + list(children)
    return rx.center(
        rx.vstack(
            rx.link(logo, href=logo_href) if logo_href else logo,
            *([intro] if intro is not None else []),
            rx.box(
                rx.vstack(*card_children, spacing="4", width="100%"),
                background=tokens.SURFACE, border=f"1px solid {tokens.BORDER}", border_radius="var(--radius-4)",
                padding="1.5rem", width="100%",
            ),
            *below,
            footer(),
            spacing="4", align="center", width="100%", max_width="420px", padding="1.5rem 1rem",
        ),
        as_="main", min_height="100vh", background=tokens.CANVAS, width="100%", lang=lang_attr(),
        class_name=until_language_known(),
    )
