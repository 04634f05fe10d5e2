"""Cards and small display pieces shared by pages."""

from __future__ import annotations

import reflex as rx

from portal_app.components import tokens
from portal_app.theming import current_theme


# A raised surface: cards, and buttons drawn as cards.
SURFACE = {"background": tokens.SURFACE, "border": f"1px solid {tokens.BORDER}", "border_radius": "var(--radius-4)"}


def card(*children: rx.Component, **props) -> rx.Component:
    return rx.box(*children, **{**SURFACE, "padding": "1.25rem", "width": "100%", **props})


def brand_logo(height: str, alt: str | None = None) -> rx.Component:
    """The provider's logo. Logos are drawn for white, so in dark mode it sits on a white plate
    (assets/portal.css, `.dark .brand-logo`) instead of losing its colours on the dark header."""
    theme = current_theme()
    return rx.image(src=theme.logo, alt=alt or theme.provider_name, height=height, width="auto", class_name="brand-logo")


def label_value(label: str, value: rx.Var | str, **props) -> rx.Component:
    return rx.vstack(
        rx.text(label, size="2", color=tokens.MUTED),
        rx.text(value, size="3", weight="medium", color=tokens.TEXT, **props),
        spacing="0", align="start",
    )


def primary_button(text: str, **props) -> rx.Component:
    return rx.button(
        text,
        background=tokens.ACCENT, color=tokens.ON_ACCENT, min_height=tokens.TOUCH_TARGET, size="3",
        cursor="pointer",
        **props,
    )


def error_callout(message: rx.Var, **props) -> rx.Component:
    return rx.cond(
        message != "",
        # Red 12 text: Radix's soft red (11 on red 3) falls just under 4.5:1 on the grey canvas.
        rx.callout(message, icon="triangle_alert", color_scheme="red", role="alert", width="100%",
                   color=rx.color("red", 12), **props),
    )


def back_link(*text: rx.Var | str, href: rx.Var | str) -> rx.Component:
    """The way back up, above a page's heading (e.g. "← Services")."""
    return rx.link("← ", *text, href=href, color=tokens.ACCENT, min_height=tokens.TOUCH_TARGET,
                   display="inline-flex", align_items="center")


def loading() -> rx.Component:
    """What a part of a page shows until its data has arrived."""
    return rx.center(rx.spinner(size="3"), width="100%")


def dead_link_callout(message: str, **props) -> rx.Component:
    return rx.callout(message, icon="triangle_alert", color_scheme="red", role="alert", width="100%",
                      color=rx.color("red", 12), **props)


def link_outcome(loaded: rx.Var, used: rx.Var, view: rx.Component, dead: str, dead_id: str) -> rx.Component:
    """A page an emailed link lands on: a spinner, then what the link did, or why it did nothing."""
    return rx.cond(loaded, rx.cond(used, view, dead_link_callout(dead, id=dead_id)), loading())


def notice_callout(message: rx.Var, **props) -> rx.Component:
    return rx.cond(
        message != "",
        rx.callout(message, icon="info", color_scheme="gray", role="status", width="100%", **props),
    )


def page_body(title: rx.Var | str | tuple, *children: rx.Component, action: rx.Component | None = None,
              back: rx.Component | None = None, spacing: str = "4") -> rx.Component:
    """A signed-in page: the way back up (if any), its one h1 (with an action at the right, if any), then
    its parts."""
    parts = title if isinstance(title, tuple) else (title,)
    heading = rx.heading(*parts, as_="h1", size="6", color=tokens.TEXT)
    head = heading if action is None else rx.hstack(heading, rx.spacer(), action, width="100%", align="center")
    return rx.vstack(*([back] if back is not None else []), head, *children, spacing=spacing, width="100%")
