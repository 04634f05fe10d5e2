"""Pieces of the admin pages: the refusal an agent sees, and small row buttons."""

from __future__ import annotations

import reflex as rx

from portal_app.components import tokens
from portal_app.components.cards import error_callout


def admin_only(refused: rx.Var, content: rx.Component) -> rx.Component:
    """The page for admins; for anyone else the services' refusal in its place (nothing else loads)."""
    return rx.cond(refused != "", error_callout(refused, id="staff-refused"), content)


def row_button(text: rx.Var | str, on_click, **props) -> rx.Component:
    return rx.button(text, on_click=on_click, variant="outline", size="2", min_height=tokens.TOUCH_TARGET,
                     cursor="pointer", **props)
