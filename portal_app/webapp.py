"""The portal as an installable app with the phone's light or dark mode: a Reflex plugin that writes
the theme's manifest, icons and colour variables into every frontend build (rxconfig.py), and the
tags every page head carries (portal_app.py)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import reflex as rx

from portal_app.theming import current_theme
from portal_app.theming.webapp import APPLE_TOUCH_ICON, MANIFEST_PATH, manifest_json, palette_css, render_icons

# Written under .web/: styles/ is bundled into the page stylesheet; public/ is served as it is, by
# Vite in development, by `reflex run --env prod` and from the static export nginx serves.
STYLESHEET = "portal-theme.css"


def _write_icons() -> None:
    """Icons are bytes, which Reflex's save tasks (text) cannot carry: write them directly."""
    from reflex.utils.prerequisites import get_web_dir

    for url_path, png in render_icons(current_theme()).items():
        target = Path(get_web_dir()) / "public" / url_path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.is_file() or target.read_bytes() != png:
            target.write_bytes(png)


@dataclass(kw_only=True, frozen=True)
class WebAppPlugin(rx.plugins.Plugin):
    """Manifest, icons and the light/dark colour variables from the deployment's theme."""

    def get_stylesheet_paths(self, **context) -> tuple[str, ...]:
        return (f"./{STYLESHEET}",)

    def pre_compile(self, **context) -> None:
        theme = current_theme()
        add = context["add_save_task"]
        add(lambda: (f"styles/{STYLESHEET}", palette_css(theme)))
        add(lambda: (f"public{MANIFEST_PATH}", manifest_json(theme)))
        add(_write_icons)
        context["add_modify_task"]("vite.config.js", with_chunk_groups)


# Fewer, larger scripts for a page's first load. Vite splits every Radix component and every icon into a
# file of its own; a phone on a slow network fetches a page's ~40 files six at a time (HTTP/1.1), so the
# number of round trips, not the bytes, decides how soon Home shows the balance. Reflex writes
# vite.config.js from a fixed template; this adds code-splitting groups to it in every build.
CHUNK_GROUPS = """
            {
              test: /node_modules/,
              name: "vendor",
              minShareCount: 2,
            },"""
_GROUPS_MARK = "groups: ["


def with_chunk_groups(vite_config: str) -> str:
    if CHUNK_GROUPS in vite_config:
        return vite_config
    if _GROUPS_MARK not in vite_config:
        raise RuntimeError("vite.config.js has no codeSplitting groups to extend (Reflex's template changed)")
    return vite_config.replace(_GROUPS_MARK, _GROUPS_MARK + CHUNK_GROUPS, 1)


def head_components() -> list[rx.Component]:
    """What every page's head says about the app: icons, manifest, the colours of the browser's
    bars in each mode, and that the pages support both colour schemes."""
    theme = current_theme()
    return [
        rx.el.link(rel="icon", href=theme.favicon, type="image/svg+xml"),
        rx.el.link(rel="manifest", href=MANIFEST_PATH),
        rx.el.link(rel="apple-touch-icon", href=APPLE_TOUCH_ICON, sizes="180x180"),
        rx.el.meta(name="apple-mobile-web-app-title", content=theme.short_name),
        rx.el.meta(name="mobile-web-app-capable", content="yes"),
        rx.el.meta(name="apple-mobile-web-app-capable", content="yes"),
        rx.el.meta(name="color-scheme", content="light dark"),
        # `media` is not a prop of Reflex's meta (it would become a CSS rule): an attribute as written.
        rx.el.meta(name="theme-color", content=theme.light.accent,
                   custom_attrs={"media": "(prefers-color-scheme: light)"}),
        rx.el.meta(name="theme-color", content=theme.dark.surface,
                   custom_attrs={"media": "(prefers-color-scheme: dark)"}),
    ]
