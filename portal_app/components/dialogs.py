"""The portal's dialogs: one confirmation for every "are you sure?" (remove, delete, cancel), one panel
for a form or details over the page."""

from __future__ import annotations

import reflex as rx

from portal_app.components import tokens
from portal_app.components.cards import primary_button
from portal_app.components.forms import stacked_form
from portal_app.i18n import t


def confirm_dialog(
    *,
    title: rx.Component | str | rx.Var,
    description: str | rx.Var,
    confirm_label: str,
    on_confirm: rx.EventHandler,
    open: rx.Var,  # noqa: A002 - Radix's own name for it
    keep_label: rx.Var | str | None = None,
    on_keep: rx.EventHandler | None = None,
    on_open_change: rx.EventHandler | None = None,
    max_width: str = "420px",
) -> rx.Component:
    """An accessible alert dialog, controlled by state: the red button runs `on_confirm` (the state
    closes the dialog when it is done), the grey one (or Escape) keeps things as they are.
    The red is the theme's danger role (red 11), which keeps white text above 4.5:1."""
    keep = rx.button(t("Cancel") if keep_label is None else keep_label, variant="soft", color_scheme="gray", size="3", min_height=tokens.TOUCH_TARGET,
                     **({"on_click": on_keep} if on_keep is not None else {}))
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(title),
            rx.alert_dialog.description(description, size="2"),
            rx.hstack(
                rx.alert_dialog.cancel(keep),
                rx.button(confirm_label, on_click=on_confirm, background=tokens.DANGER, color="white", size="3",
                          min_height=tokens.TOUCH_TARGET, cursor="pointer"),
                justify="end", spacing="3", margin_top="1rem", wrap="wrap",
            ),
            max_width=max_width, width="calc(100vw - 2rem)",
        ),
        open=open,
        **({"on_open_change": on_open_change} if on_open_change is not None else {}),
    )


def close_button(label: rx.Var | str | None = None) -> rx.Component:
    return rx.dialog.close(rx.button(t("Cancel") if label is None else label, type="button", variant="soft", color_scheme="gray", size="3",
                                     min_height=tokens.TOUCH_TARGET))


def panel_dialog(*children: rx.Component, title: rx.Component | str | rx.Var, description: str | rx.Var,
                 open: rx.Var, on_open_change, trigger: rx.Component | None = None,  # noqa: A002
                 max_width: str = "440px") -> rx.Component:
    """A dialog over the page holding a form or details, controlled by state (Escape closes it)."""
    return rx.dialog.root(
        *([rx.dialog.trigger(trigger)] if trigger is not None else []),
        rx.dialog.content(
            rx.dialog.title(title),
            rx.dialog.description(description, size="2", color=tokens.MUTED, margin_bottom="0.75rem"),
            *children,
            max_width=max_width, width="calc(100vw - 2rem)",
        ),
        open=open, on_open_change=on_open_change,
    )


def form_dialog(*fields: rx.Component, submit_label: str, on_submit, spacing: str = "4",
                cancel_label: rx.Var | str | None = None, **dialog: object) -> rx.Component:
    """A form in a panel: its fields, then Cancel and the submit button; the server answers beside the fields.
    Cancel is said in the tab's language unless the page names it (staff pages keep English)."""
    return panel_dialog(
        stacked_form(
            *fields,
            rx.hstack(close_button(cancel_label), primary_button(submit_label, type="submit"), justify="end", width="100%",
                      spacing="3"),
            on_submit=on_submit, no_validate=True, spacing=spacing,
        ),
        **dialog,  # type: ignore[arg-type]
    )
