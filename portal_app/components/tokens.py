"""Design tokens: colour roles and breakpoints, mapped once from the provider's theme."""

from __future__ import annotations

from typing import Any

import reflex as rx

# Colour roles; components use these names, never raw colours. The brand roles are CSS variables
# with a light and a dark value each (theming.webapp.palette_css, checked for 4.5:1 in both modes),
# so the page follows the phone's light or dark setting; Radix's grey steps switch by themselves.
SURFACE = "var(--portal-surface)"
CANVAS = "var(--portal-canvas)"
TEXT = rx.color("gray", 12)
MUTED = rx.color("gray", 11)
BORDER = rx.color("gray", 5)
ACCENT = "var(--portal-accent)"
ON_ACCENT = "var(--portal-on-accent)"
ACCENT_SOFT = "var(--portal-accent-soft)"
DANGER = rx.color("red", 11)
SUCCESS = rx.color("green", 11)

TOUCH_TARGET = "44px"  # minimum height of anything a thumb taps
CONTENT_MAX_WIDTH = "720px"
SIDEBAR_WIDTH = "232px"
BOTTOM_BAR_HEIGHT = "64px"


def phone_or_wide(phone: Any, wide: Any) -> Any:
    """One value on phones, another from tablet width (Radix `sm`, 768 px) up."""
    return rx.breakpoints(initial=phone, sm=wide)
