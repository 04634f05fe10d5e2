"""One confirmation dialog for every "are you sure?" in the portal (remove, delete, cancel)."""

from __future__ import annotations

import reflex as rx

from portal_app.components import tokens


def confirm_dialog(
    *,
    title: rx.Component | str | rx.Var,
    description: str | rx.Var,
    confirm_label: str,
    on_confirm: rx.EventHandler,
    open: rx.Var,  # noqa: A002 - Radix's own name for it
    keep_label: str = "Cancel",
    on_keep: rx.EventHandler | None = None,
    on_open_change: rx.EventHandler | None = None,
    max_width: str = "420px",
) -> rx.Component:
    """An accessible alert dialog, controlled by state: the red button runs `on_confirm` (the state
    closes the dialog when it is done), the grey one (or Escape) keeps things as they are.
    The red is the theme's danger role (red 11), which keeps white text above 4.5:1."""
    keep = rx.button(keep_label, variant="soft", color_scheme="gray", size="3", min_height=tokens.TOUCH_TARGET,
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
