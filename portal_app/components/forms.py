"""Form fields with their label and the server's message right under them."""

from __future__ import annotations

import reflex as rx

from portal_app.components import tokens


def field_error(message: rx.Var | str, field_id: str) -> rx.Component:
    return rx.cond(
        message != "",
        rx.text(message, id=f"{field_id}-error", role="alert", size="2", color=tokens.DANGER),
    )


def text_field(label: str, name: str, *, error: rx.Var | str = "", default_value: rx.Var | str = "",
               type_: str = "text", autocomplete: str = "off", textarea: bool = False, **props) -> rx.Component:
    field_id = f"field-{name}"
    control = (rx.text_area if textarea else rx.input)(
        id=field_id,
        name=name,
        default_value=default_value,
        size="3",
        width="100%",
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
        spacing="1",
        width="100%",
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
            id=field_id,
            name=name,
            default_value=default_value,
            on_change=on_change,
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
        spacing="1",
        width="100%",
    )
