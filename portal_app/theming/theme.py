"""Per-provider branding: loads a theme TOML, validates it and derives accessible colour tokens."""

from __future__ import annotations

import functools
import math
import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale
from babel.core import UnknownLocaleError

from .contrast import ensure_contrast_on, mix, normalize_hex, readable_on, to_hls

THEMES_DIR = Path(__file__).resolve().parent / "themes"
DEFAULT_THEME = "demo"

RADII = ("none", "small", "medium", "large", "full")
GRAYS = ("gray", "mauve", "slate", "sage", "olive", "sand")  # the keys of GRAY_STEPS below
# Step-9 solid of each Radix Themes accent scale; used only to pick the nearest scale.
RADIX_ACCENTS = {
    "tomato": "#E54D2E", "red": "#E5484D", "ruby": "#E54666", "crimson": "#E93D82",
    "pink": "#D6409F", "plum": "#AB4ABA", "purple": "#8E4EC6", "violet": "#6E56CF",
    "iris": "#5B5BD6", "indigo": "#3E63DD", "blue": "#0090FF", "cyan": "#00A2C7",
    "teal": "#12A594", "jade": "#29A383", "green": "#30A46C", "grass": "#46A758",
    "brown": "#AD7F58", "orange": "#F76B15", "sky": "#7CE2FE", "mint": "#86EAD4",
    "lime": "#BDEE63", "yellow": "#FFE629", "amber": "#FFC53D", "gold": "#978365",
    "bronze": "#A18072",
}
CANVAS_REFERENCE = "#F5F5F5"  # a shade darker than every Radix grey step 2 the page canvas uses
# Radix Colors 3.0 (what Radix Themes 3.3 ships) for each grey scale: light step 2 (the page
# canvas) and dark steps 1 (the dark canvas) and 2 (dark cards and bars). The portal paints these
# exact values (components/tokens.py), so the contrast maths below measures what is shown.
GRAY_STEPS = {
    "gray": ("#F9F9F9", "#111111", "#191919"),
    "mauve": ("#FAF9FB", "#121113", "#1A191B"),
    "slate": ("#F9F9FB", "#111113", "#18191B"),
    "sage": ("#F7F9F8", "#101211", "#171918"),
    "olive": ("#F8FAF8", "#111210", "#181917"),
    "sand": ("#F9F9F8", "#111110", "#191918"),
}
SOFT_LIGHT = 0.9  # the accent-tinted card: 10% accent on white
SOFT_DARK = 0.85  # in dark mode 15% accent on the dark card, so the tint still shows
_PROVIDER_KEYS = ("name", "short_name", "tagline", "legal_name", "support_phone",
                  "support_email", "timezone", "country", "currency")
_PROVIDER_OPTIONAL = {"locale": "en_US"}  # the provider's default locale (CLDR id: en_US, es_US, fr_CA...)
_BRAND_REQUIRED = ("logo", "favicon", "accent")
_BRAND_OPTIONAL = {"gray": "slate", "radius": "medium", "radix_accent": None}


@dataclass(frozen=True)
class Palette:
    """The colours of one appearance (light or dark), each text colour checked against every
    background it is drawn on."""

    surface: str  # cards, header, bottom bar
    canvas: str  # behind the cards
    accent: str  # links, amounts, primary buttons: >= 4.5:1 on surface, canvas and accent_soft
    on_accent: str  # text on an accent button: >= 4.5:1 on accent
    accent_soft: str  # the accent-tinted card


@dataclass(frozen=True)
class Theme:
    key: str
    provider_name: str
    short_name: str
    tagline: str
    logo: str
    favicon: str
    accent: str  # adjusted: >= 4.5:1 on white, safe for links and amounts
    accent_source: str  # as written in the file
    on_accent: str
    accent_soft: str
    radix_accent: str
    gray: str
    radius: str
    support_phone: str
    support_email: str
    legal_name: str
    timezone: str
    country: str
    currency: str
    light: Palette  # the colours pages use when the phone is in light mode (mail and PDFs too)
    dark: Palette  # and when it is in dark mode
    locale: str = "en_US"
    # The tagline in other languages than the locale's ([translations.<lang>] tagline = "..."): (lang, text).
    taglines: tuple[tuple[str, str], ...] = ()

    def tagline_in(self, lang: str) -> str:
        """The tagline for a reader of `lang` ("es"): its translation in the theme, else as written."""
        return dict(self.taglines).get(lang, self.tagline)


def nearest_radix_accent(color_hex: str) -> str:
    """Closest Radix scale by hue, weighted by saturation so greyish browns match bronze/gold."""

    def point(hex_: str) -> tuple[float, float, float]:
        h, l, s = to_hls(hex_)
        return s * math.cos(math.radians(h)), s * math.sin(math.radians(h)), l

    target = point(color_hex)
    return min(RADIX_ACCENTS, key=lambda name: math.dist(target, point(RADIX_ACCENTS[name])))


def _resolve(path_or_name: str | None) -> Path:
    value = path_or_name or os.environ.get("PORTAL_THEME") or DEFAULT_THEME
    if "/" not in value and "\\" not in value and not value.endswith(".toml"):
        if not re.fullmatch(r"[A-Za-z0-9_-]+", value):
            raise ValueError(f"invalid theme name {value!r}")
        path = THEMES_DIR / f"{value}.toml"
        if not path.is_file():
            known = ", ".join(sorted(p.stem for p in THEMES_DIR.glob("*.toml")))
            raise ValueError(f"unknown theme {value!r} (no {path}); shipped themes: {known}")
        return path
    path = Path(value).expanduser()
    if not path.is_file():
        raise ValueError(f"theme file not found: {path.resolve()}")
    return path


def _section(data: dict, name: str, required: tuple, optional: dict, src: Path) -> dict:
    section = data.get(name)
    if not isinstance(section, dict):
        raise ValueError(f"{src}: missing [{name}] table")
    # Unknown keys are rejected so a typo ("radix_acent") fails loudly instead of being ignored.
    unknown = set(section) - set(required) - set(optional)
    if unknown:
        raise ValueError(f"{src}: unknown key(s) in [{name}]: {', '.join(sorted(unknown))}")
    out = dict(optional)
    for key in required:
        if key not in section:
            raise ValueError(f"{src}: missing required key '{name}.{key}'")
    for key, value in section.items():
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"{src}: '{name}.{key}' must be a non-empty string")
        out[key] = value.strip()
    return out


def _translations(data: dict, src: Path) -> tuple[tuple[str, str], ...]:
    """The optional [translations.<lang>] tables (a two-letter language each): the provider's own words
    (the tagline) for readers of another language than the theme's locale."""
    tables = data.get("translations", {})
    if not isinstance(tables, dict):
        raise ValueError(f"{src}: [translations] must hold one table per language, such as [translations.es]")
    found = []
    for lang, table in tables.items():
        if not re.fullmatch(r"[a-z]{2}", lang) or not isinstance(table, dict):
            raise ValueError(f"{src}: [translations.{lang}] must be a table named by a two-letter language")
        name = f"translations.{lang}"
        words = _section({name: table}, name, (), {"tagline": ""}, src)  # the same checks as [provider]
        if words["tagline"]:
            found.append((lang, words["tagline"]))
    return tuple(found)


def _choice(value: str, allowed, what: str, src: Path) -> str:
    if value not in allowed:
        raise ValueError(f"{src}: unknown {what} {value!r}; expected one of: {', '.join(allowed)}")
    return value


def load_theme(path_or_name: str | None = None) -> Theme:
    """Load a theme by name (themes/<name>.toml) or file path; None means $PORTAL_THEME or demo."""
    src = _resolve(path_or_name)
    try:
        data = tomllib.loads(src.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as exc:
        raise ValueError(f"{src}: cannot read theme TOML: {exc}") from exc
    p = _section(data, "provider", _PROVIDER_KEYS, _PROVIDER_OPTIONAL, src)
    b = _section(data, "brand", _BRAND_REQUIRED, _BRAND_OPTIONAL, src)

    try:
        source = normalize_hex(b["accent"])
    except ValueError as exc:
        raise ValueError(f"{src}: brand.accent: {exc}") from None
    try:
        ZoneInfo(p["timezone"])
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{src}: unknown IANA timezone {p['timezone']!r}") from None
    for key, pattern in (("country", r"[A-Z]{2}"), ("currency", r"[A-Z]{3}")):
        if not re.fullmatch(pattern, p[key]):
            raise ValueError(f"{src}: provider.{key} must match {pattern}, got {p[key]!r}")
    try:
        locale = str(Locale.parse(p["locale"]))
    except (ValueError, UnknownLocaleError):
        raise ValueError(f"{src}: unknown locale {p['locale']!r} (expected a CLDR id such as en_US)") from None
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", p["support_email"]):
        raise ValueError(f"{src}: provider.support_email is not an email: {p['support_email']!r}")
    for key in ("logo", "favicon"):
        if not b[key].startswith("/"):
            raise ValueError(f"{src}: brand.{key} must be a URL path starting with '/'")

    taglines = _translations(data, src)
    gray = _choice(b["gray"], GRAYS, "gray", src)
    light_canvas, dark_canvas, dark_surface = GRAY_STEPS[gray]
    # The accent doubles as text (links, amounts) on white cards, on the grey page canvas (every
    # Radix grey's step 2 is lighter than CANVAS_REFERENCE) and on the accent-tinted cards, so it
    # must pass AA on all three; in dark mode the same on the dark card and canvas, lightened.
    light = accessible_palette(source, surface="#FFFFFF", canvas=light_canvas, soft_weight=SOFT_LIGHT,
                               references=(CANVAS_REFERENCE,))
    dark = accessible_palette(source, surface=dark_surface, canvas=dark_canvas, soft_weight=SOFT_DARK)
    accent, on_accent = light.accent, light.on_accent
    radix = b["radix_accent"] or nearest_radix_accent(source)
    return Theme(
        key=src.stem, provider_name=p["name"], short_name=p["short_name"], tagline=p["tagline"],
        logo=b["logo"], favicon=b["favicon"], accent=accent, accent_source=source,
        on_accent=on_accent, accent_soft=light.accent_soft,  # light card tint
        radix_accent=_choice(radix, tuple(RADIX_ACCENTS), "radix_accent", src),
        gray=gray,
        radius=_choice(b["radius"], RADII, "radius", src),
        support_phone=p["support_phone"], support_email=p["support_email"],
        legal_name=p["legal_name"], timezone=p["timezone"], country=p["country"],
        currency=p["currency"], light=light, dark=dark, locale=locale, taglines=taglines,
    )


def accessible_palette(source: str, *, surface: str, canvas: str, soft_weight: float,
                       references: tuple[str, ...] = ()) -> Palette:
    """The brand colour moved (same hue) until it reads at 4.5:1 as text on the surface, the canvas
    and the accent-tinted card of one mode, and the text colour for buttons filled with it.
    The tint is made from the accent, so adjusting the accent moves the tint: repeat until both
    hold (a few rounds; each can only move the accent further the same way)."""
    accent = normalize_hex(source)
    for _ in range(20):
        soft = mix(accent, surface, soft_weight)
        adjusted = ensure_contrast_on(accent, (surface, canvas, soft, *references), 4.5)
        if adjusted == accent:
            break
        accent = adjusted
    soft = mix(accent, surface, soft_weight)
    return Palette(surface=normalize_hex(surface), canvas=normalize_hex(canvas), accent=accent,
                   on_accent=readable_on(accent), accent_soft=soft)


@functools.cache
def current_theme() -> Theme:
    """The deployment's theme, read once per process (restart to pick up file changes)."""
    return load_theme(None)
