"""The language choice (English / Español): the other language, named in itself, one tap away."""

from __future__ import annotations

from collections.abc import Callable

import reflex as rx

from portal_app.components import tokens
from portal_app.i18n import reads_spanish


def language_choice(pick: Callable[[str], object], **props) -> rx.Component:
    """`pick(lang)` is the event that switches (signed out: the tab; signed in: the tab and the sign-in)."""
    def option(lang: str, name: str) -> rx.Component:
        return rx.button(
            rx.icon("languages", size=18, aria_hidden="true"), rx.text(name, size="2"),
            on_click=pick(lang), lang=lang, variant="ghost", color_scheme="gray", type="button",
            min_height=tokens.TOUCH_TARGET, cursor="pointer", id=f"language-{lang}", **props,
        )

    return rx.cond(reads_spanish(), option("en", "English"), option("es", "Español"))
