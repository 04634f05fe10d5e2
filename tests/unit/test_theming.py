"""Unit tests for theme loading, validation and WCAG contrast adjustment."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from portal_app.theming import Theme, contrast_ratio, current_theme, ensure_contrast, load_theme
from portal_app.theming.contrast import to_hls
from portal_app.theming.theme import THEMES_DIR

PROJECT_ROOT = Path(__file__).resolve().parents[2]

VALID_TOML = """
[provider]
name = "Test ISP"
short_name = "Test"
tagline = "Testing."
legal_name = "Test ISP LLC"
support_phone = "+1 555 555 0199"
support_email = "help@test.example"
timezone = "Europe/Berlin"
country = "DE"
currency = "EUR"
[brand]
logo = "/themes/test/logo.svg"
favicon = "/themes/test/favicon.svg"
accent = "#E8A317"
"""


def write(tmp_path: Path, text: str, name: str = "custom.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def hue_gap(a: str, b: str) -> float:
    d = abs(to_hls(a)[0] - to_hls(b)[0]) % 360
    return min(d, 360 - d)


def test_shipped_themes_load_and_differ():
    demo, harbor = load_theme("demo"), load_theme("harbor")
    assert isinstance(demo, Theme) and (demo.key, harbor.key) == ("demo", "harbor")
    assert demo.provider_name == "Lumen Fiber" and harbor.provider_name == "Harbor Net"
    assert demo.accent != harbor.accent and demo.logo != harbor.logo
    assert (demo.gray, demo.radius) != (harbor.gray, harbor.radius)
    assert demo.timezone != harbor.timezone


@pytest.mark.parametrize("name", sorted(p.stem for p in THEMES_DIR.glob("*.toml")))
def test_shipped_theme_assets_exist_and_colours_are_accessible(name):
    theme = load_theme(name)
    for url in (theme.logo, theme.favicon):
        assert (PROJECT_ROOT / "assets" / url.lstrip("/")).is_file(), url
    assert contrast_ratio(theme.accent, "#FFFFFF") >= 4.5
    assert contrast_ratio(theme.on_accent, theme.accent) >= 4.5
    assert theme.on_accent in ("#FFFFFF", "#111111")
    # The soft tint is a background for dark text, so it must stay very light.
    assert contrast_ratio("#111111", theme.accent_soft) >= 12


def test_contrast_ratio_known_values():
    assert contrast_ratio("#000000", "#FFFFFF") == pytest.approx(21.0)
    assert contrast_ratio("#FFFFFF", "#FFFFFF") == pytest.approx(1.0)
    assert contrast_ratio("#767676", "#FFFFFF") == pytest.approx(4.54, abs=0.01)
    assert contrast_ratio("#FFFFFF", "#767676") == contrast_ratio("#767676", "#FFFFFF")
    assert contrast_ratio("#fff", "#000") == pytest.approx(21.0)


def test_harbor_accent_is_adjusted_but_keeps_its_hue():
    harbor = load_theme("harbor")
    assert harbor.accent_source == "#2EC4B6"
    assert contrast_ratio(harbor.accent_source, "#FFFFFF") < 4.5
    assert contrast_ratio(harbor.accent, "#FFFFFF") >= 4.5
    assert hue_gap(harbor.accent, harbor.accent_source) <= 3
    assert harbor.radix_accent == "teal"  # explicit override in the file


def test_demo_accent_unchanged_when_it_already_passes():
    demo = load_theme("demo")
    assert contrast_ratio(demo.accent_source, "#FFFFFF") >= 4.5
    assert demo.accent == demo.accent_source == "#5B4BDB"
    assert demo.radix_accent in ("iris", "violet", "indigo")  # derived from the hue


def test_ensure_contrast_sweep_always_passes():
    levels = ["00", "33", "66", "99", "CC", "FF", "2E", "C4", "B6", "E0"]
    for r, g, b in itertools.product(levels, repeat=3):
        colour = f"#{r}{g}{b}"
        result = ensure_contrast(colour)
        assert result == result.upper() and len(result) == 7
        assert contrast_ratio(result, "#FFFFFF") >= 4.5, (colour, result)
        dark = ensure_contrast(colour, "#111111")
        assert contrast_ratio(dark, "#111111") >= 4.5, (colour, dark)


def test_ensure_contrast_returns_passing_colour_unchanged():
    assert ensure_contrast("#5b4bdb") == "#5B4BDB"
    assert ensure_contrast("#FFFF00", "#000000") == "#FFFF00"


def test_ensure_contrast_moves_greys_stepwise_not_to_the_extreme():
    # White on white darkens to a mid grey (the #767676 family), not straight to black.
    grey = ensure_contrast("#FFFFFF")
    assert 4.5 <= contrast_ratio(grey, "#FFFFFF") < 4.7
    light = ensure_contrast("#000000", "#111111")
    assert 4.5 <= contrast_ratio(light, "#111111") < 4.8


def test_load_from_file_path(tmp_path):
    theme = load_theme(str(write(tmp_path, VALID_TOML)))
    assert theme.key == "custom" and theme.country == "DE"
    assert (theme.gray, theme.radius) == ("slate", "medium")  # defaults
    assert theme.accent != theme.accent_source  # amber fails on white
    assert contrast_ratio(theme.accent, "#FFFFFF") >= 4.5


def test_the_tagline_in_another_language(tmp_path):
    assert load_theme("demo").tagline_in("es") == "Internet de fibra rápido y honesto para el centro de Texas."
    assert load_theme("demo").tagline_in("en") == load_theme("demo").tagline  # as written: the theme's locale
    theme = load_theme(str(write(tmp_path, VALID_TOML + '\n[translations.fr]\ntagline = "Vite."\n')))
    assert theme.tagline_in("fr") == "Vite." and theme.tagline_in("es") == theme.tagline
    for bad, message in (('[translations.spanish]\ntagline = "x"', "two-letter"),
                         ('[translations.es]\nmotto = "x"', "unknown key"),
                         ('[translations.es]\ntagline = ""', "non-empty string")):
        with pytest.raises(ValueError, match=message):
            load_theme(str(write(tmp_path, VALID_TOML + "\n" + bad + "\n")))


def test_env_var_selects_theme(monkeypatch):
    monkeypatch.setenv("PORTAL_THEME", "harbor")
    current_theme.cache_clear()
    try:
        assert current_theme().key == "harbor"
        assert current_theme() is current_theme()  # cached: read once per process
        monkeypatch.delenv("PORTAL_THEME")
        assert load_theme().key == "demo"
    finally:
        current_theme.cache_clear()


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('short_name = "Test"\n', "", "provider.short_name"),
        ('accent = "#E8A317"', 'accent = "#E8A31"', "hex"),
        ('accent = "#E8A317"', 'accent = "teal"', "hex"),
        ('timezone = "Europe/Berlin"', 'timezone = "Mars/Olympus"', "timezone"),
        ('accent = "#E8A317"', 'accent = "#E8A317"\nradius = "huge"', "radius"),
        ('accent = "#E8A317"', 'accent = "#E8A317"\ngray = "beige"', "gray"),
        ('accent = "#E8A317"', 'accent = "#E8A317"\nradix_accent = "navy"', "radix_accent"),
        ('accent = "#E8A317"', 'accent = "#E8A317"\nacent = "#000000"', "unknown key"),
        ("[brand]", "[brand\n", "TOML"),
        ('country = "DE"', "country = 49", "non-empty string"),
    ],
)
def test_invalid_files_give_clear_value_errors(tmp_path, old, new, message):
    assert old in VALID_TOML
    path = write(tmp_path, VALID_TOML.replace(old, new))
    with pytest.raises(ValueError, match=message):
        load_theme(str(path))


def test_missing_file_and_unknown_name(tmp_path):
    with pytest.raises(ValueError, match="not found"):
        load_theme(str(tmp_path / "nope.toml"))
    with pytest.raises(ValueError, match="unknown theme 'nope'"):
        load_theme("nope")


# --- light and dark mode (the phone's setting) ------------------------------------------------

@pytest.mark.parametrize("name", sorted(p.stem for p in THEMES_DIR.glob("*.toml")))
@pytest.mark.parametrize("mode", ["light", "dark"])
def test_every_text_colour_passes_on_every_background_in_both_modes(name, mode):
    palette = getattr(load_theme(name), mode)
    for background in (palette.surface, palette.canvas, palette.accent_soft):
        assert contrast_ratio(palette.accent, background) >= 4.5, (mode, background)
    assert contrast_ratio(palette.on_accent, palette.accent) >= 4.5
    # Radix's text steps (12: body, 11: secondary) of the theme's grey on the tinted card too.
    text = {"light": ("#1C2024", "#60646C"), "dark": ("#EDEEF0", "#B0B4BA")}[mode]
    for colour in text:
        assert contrast_ratio(colour, palette.accent_soft) >= 4.5, (mode, colour)


def test_the_dark_accent_is_lighter_and_keeps_the_hue():
    for name in ("demo", "harbor"):
        theme = load_theme(name)
        assert to_hls(theme.dark.accent)[1] > to_hls(theme.light.accent)[1]
        assert hue_gap(theme.dark.accent, theme.accent_source) <= 3
        assert theme.dark.on_accent == "#111111" and theme.light.on_accent == "#FFFFFF"
        # Dark cards sit on a darker canvas; the tint is a dark card, not the light one.
        assert contrast_ratio(theme.dark.surface, "#000000") > contrast_ratio(theme.dark.canvas, "#000000")
        assert contrast_ratio("#FFFFFF", theme.dark.accent_soft) >= 12


def test_light_palette_is_what_mail_and_pdfs_keep():
    theme = load_theme("demo")
    assert (theme.light.accent, theme.light.on_accent, theme.light.accent_soft) == (
        theme.accent, theme.on_accent, theme.accent_soft)
    assert theme.light.surface == "#FFFFFF"


def test_harbor_aqua_is_darkened_for_light_mode_and_kept_for_dark():
    harbor = load_theme("harbor")
    assert harbor.light.accent != harbor.accent_source  # too light on white as written
    assert harbor.dark.accent == harbor.accent_source  # already reads at 4.5:1 on the dark card


def test_a_dark_brand_colour_is_lightened_for_dark_mode(tmp_path):
    navy = load_theme(str(write(tmp_path, VALID_TOML.replace("#E8A317", "#0B1F4D"))))
    assert navy.light.accent == "#0B1F4D"
    assert contrast_ratio("#0B1F4D", navy.dark.surface) < 4.5
    assert contrast_ratio(navy.dark.accent, navy.dark.surface) >= 4.5
    assert contrast_ratio(navy.dark.accent, navy.dark.accent_soft) >= 4.5


def test_ensure_contrast_on_several_backgrounds_of_one_mode():
    from portal_app.theming.contrast import ensure_contrast_on

    light = ensure_contrast_on("#2EC4B6", ["#FFFFFF", "#F5F5F5", "#E8F2F1"])
    assert all(contrast_ratio(light, bg) >= 4.5 for bg in ["#FFFFFF", "#F5F5F5", "#E8F2F1"])
    dark = ensure_contrast_on("#0B1F4D", ["#111113", "#18191B", "#2A293A"])
    assert all(contrast_ratio(dark, bg) >= 4.5 for bg in ["#111113", "#18191B", "#2A293A"])
    assert ensure_contrast_on("#5B4BDB", ["#FFFFFF"]) == "#5B4BDB"
    with pytest.raises(ValueError):
        ensure_contrast_on("#5B4BDB", ["#FFFFFF", "#111111"])  # no one colour serves both modes
    with pytest.raises(ValueError):
        ensure_contrast_on("#5B4BDB", [])


def test_ensure_contrast_on_sweep_dark_mode():
    from portal_app.theming.contrast import ensure_contrast_on

    levels = ["00", "33", "66", "99", "CC", "FF", "2E", "C4"]
    backgrounds = ["#111113", "#18191B", "#222222"]
    for r, g, b in itertools.product(levels, repeat=3):
        result = ensure_contrast_on(f"#{r}{g}{b}", backgrounds)
        assert all(contrast_ratio(result, bg) >= 4.5 for bg in backgrounds), (r, g, b, result)
