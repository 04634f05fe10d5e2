"""Design tokens: colour roles and breakpoints, mapped once from the provider's theme."""

from __future__ import annotations

from typing import Any

import reflex as rx

from portal_app.theming import current_theme

_theme = current_theme()

# Colour roles; components use these names, never raw colours.
SURFACE = "#FFFFFF"
CANVAS = rx.color("gray", 2)
TEXT = rx.color("gray", 12)
MUTED = rx.color("gray", 11)
BORDER = rx.color("gray", 5)
ACCENT = _theme.accent
ON_ACCENT = _theme.on_accent
ACCENT_SOFT = _theme.accent_soft
DANGER = rx.color("red", 11)
SUCCESS = rx.color("green", 11)

TOUCH_TARGET = "44px"  # minimum height of anything a thumb taps
CONTENT_MAX_WIDTH = "720px"
SIDEBAR_WIDTH = "232px"
BOTTOM_BAR_HEIGHT = "64px"


def phone_or_wide(phone: Any, wide: Any) -> Any:
    """One value on phones, another from tablet width (Radix `sm`, 768 px) up."""
    return rx.breakpoints(initial=phone, sm=wide)
