"""The installable app made from the theme: the manifest names the provider and its icons, the icons
are PNGs of the sizes Android and iOS ask for, drawn from the logo mark, and the colour variables
carry both palettes."""

from __future__ import annotations

import dataclasses
import io
import json

import pytest
from PIL import Image

from portal_app.theming import load_theme
from portal_app.theming.contrast import contrast_ratio
from portal_app.theming.theme import THEMES_DIR
from portal_app.theming.webapp import (
    APPLE_TOUCH_ICON, ICONS, manifest, manifest_json, palette_css, plate_colour, render_icon, render_icons,
)

THEMES = sorted(p.stem for p in THEMES_DIR.glob("*.toml"))


@pytest.mark.parametrize("name", THEMES)
def test_the_manifest_is_what_chromium_and_ios_install_from(name):
    theme = load_theme(name)
    data = json.loads(manifest_json(theme))
    assert data == manifest(theme)
    assert (data["name"], data["short_name"]) == (theme.provider_name, theme.short_name)
    assert (data["start_url"], data["scope"], data["id"], data["display"]) == ("/", "/", "/", "standalone")
    assert data["theme_color"] == theme.light.accent and data["background_color"] == theme.light.canvas
    sizes = {(icon["sizes"], icon["purpose"]) for icon in data["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes
    assert all(icon["type"] == "image/png" and icon["src"].startswith("/pwa/") for icon in data["icons"])
    assert "prefer_related_applications" not in data


@pytest.mark.parametrize("name", THEMES)
def test_every_icon_is_a_png_of_its_size(name):
    icons = render_icons(load_theme(name))
    assert set(icons) == {icon.path for icon in ICONS} and APPLE_TOUCH_ICON in icons
    for icon in ICONS:
        image = Image.open(io.BytesIO(icons[icon.path]))
        assert image.format == "PNG" and image.size == (icon.size, icon.size), icon
        if icon.purpose != "any":
            # iOS paints transparency black and a maskable icon is cropped: both are opaque to the edge.
            assert image.mode == "RGB", icon


def test_icons_are_drawn_from_the_logo_mark_not_a_placeholder():
    demo, harbor = load_theme("demo"), load_theme("harbor")
    big = Image.open(io.BytesIO(render_icons(demo)["/pwa/icon-512.png"])).convert("RGBA")
    # The demo mark: a rounded square in the brand colour (transparent corners) with a white symbol.
    assert big.getpixel((0, 0))[3] == 0
    assert big.getpixel((256, 40))[:3] == (0x5B, 0x4B, 0xDB)
    assert big.getpixel((256, 180))[:3] == (255, 255, 255)
    # Maskable: the plate colour to the edge, the mark within the middle 80% that any mask keeps.
    maskable = Image.open(io.BytesIO(render_icons(harbor)["/pwa/icon-maskable-512.png"]))
    assert maskable.getpixel((0, 0)) == maskable.getpixel((511, 511)) == (0x1F, 0x84, 0x7B)
    assert render_icons(demo)["/pwa/icon-512.png"] != render_icons(harbor)["/pwa/icon-512.png"]


def test_a_png_logo_mark_and_a_mark_without_a_plate(tmp_path, monkeypatch):
    import portal_app.theming.webapp as webapp

    mark = Image.new("RGBA", (64, 32), (0, 0, 0, 0))  # not square, a thin navy bar on transparency
    for x in range(64):
        for y in range(12, 20):
            mark.putpixel((x, y), (10, 30, 80, 255))
    (tmp_path / "themes" / "demo").mkdir(parents=True)
    mark.save(tmp_path / "themes" / "demo" / "favicon.svg.png")
    monkeypatch.setattr(webapp, "ASSETS_DIR", tmp_path)
    theme = dataclasses.replace(load_theme("demo"), favicon="/themes/demo/favicon.svg.png")
    apple = Image.open(io.BytesIO(render_icon(theme, next(i for i in ICONS if i.purpose == "apple"))))
    assert apple.size == (180, 180)
    assert apple.getpixel((0, 0)) == (255, 255, 255)  # no plate: the mark on white, its navy kept
    assert apple.getpixel((90, 90)) == (10, 30, 80)
    assert plate_colour(Image.new("RGBA", (4, 4), (1, 2, 3, 255))) == (1, 2, 3)


def test_a_favicon_outside_the_assets_is_refused(monkeypatch):
    theme = dataclasses.replace(load_theme("demo"), favicon="/../../etc/passwd")
    with pytest.raises(ValueError):
        render_icon(theme, ICONS[0])


@pytest.mark.parametrize("name", THEMES)
def test_the_colour_variables_carry_both_palettes(name):
    theme = load_theme(name)
    css = palette_css(theme)
    light, dark = css.split(".dark, .dark-theme", 1)
    assert ":root, .light, .light-theme" in light
    for mode, block in (("light", light), ("dark", dark)):
        palette = getattr(theme, mode)
        for var, value in (("surface", palette.surface), ("canvas", palette.canvas), ("accent", palette.accent),
                           ("on-accent", palette.on_accent), ("accent-soft", palette.accent_soft)):
            assert f"--portal-{var}: {value};" in block, (mode, var)
        assert contrast_ratio(palette.accent, palette.surface) >= 4.5


def test_every_page_head_names_the_app_and_a_bar_colour_per_scheme():
    from portal_app.webapp import head_components

    from portal_app.theming import current_theme

    rendered = [str(component.render()) for component in head_components()]
    assert any("manifest" in r and "/manifest.webmanifest" in r for r in rendered)
    assert any("apple-touch-icon" in r and APPLE_TOUCH_ICON in r for r in rendered)
    theme = current_theme()
    for scheme, colour in (("light", theme.light.accent), ("dark", theme.dark.surface)):
        # The media query is the meta's own attribute (a style prop would become a CSS class).
        assert any(f'media:"(prefers-color-scheme: {scheme})"' in r and colour in r for r in rendered), scheme


def test_the_build_groups_shared_scripts_into_one_file() -> None:
    """Every build's vite.config.js gains the shared-modules group (README "Speed": Home's files 42 -> 9);
    a Reflex whose template has no groups to extend fails the build rather than silently going back."""
    from reflex_base.compiler.templates import vite_config_template

    from portal_app.webapp import CHUNK_GROUPS, with_chunk_groups

    written = vite_config_template(base="/", hmr=False, force_full_reload=False, experimental_hmr=False,
                                   sourcemap=False)
    grouped = with_chunk_groups(written)
    assert grouped.count(CHUNK_GROUPS) == 1 and 'name: "reflex-env"' in grouped
    assert with_chunk_groups(grouped) == grouped  # a rebuild leaves it as it is
    with pytest.raises(RuntimeError):
        with_chunk_groups("export default {}")
