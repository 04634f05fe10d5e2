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

from .contrast import contrast_ratio, ensure_contrast, mix, normalize_hex, to_hls

THEMES_DIR = Path(__file__).resolve().parent / "themes"
DEFAULT_THEME = "demo"

RADII = ("none", "small", "medium", "large", "full")
GRAYS = ("gray", "mauve", "slate", "sage", "olive", "sand")
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
_PROVIDER_KEYS = ("name", "short_name", "tagline", "legal_name", "support_phone",
                  "support_email", "timezone", "country", "currency")
_PROVIDER_OPTIONAL = {"locale": "en_US"}  # the provider's default locale (CLDR id: en_US, es_US, fr_CA...)
_BRAND_REQUIRED = ("logo", "favicon", "accent")
_BRAND_OPTIONAL = {"gray": "slate", "radius": "medium", "radix_accent": None}


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
    locale: str = "en_US"


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

    # The accent doubles as text (links, amounts) on white cards, on the grey page canvas (every
    # Radix grey's step 2 is lighter than CANVAS_REFERENCE) and on the accent-tinted cards, so it
    # must pass AA on all three.
    accent = ensure_contrast(source, CANVAS_REFERENCE, 4.5)
    accent = ensure_contrast(accent, mix(accent, "#FFFFFF", 0.9), 4.5)
    on_accent = "#FFFFFF" if contrast_ratio("#FFFFFF", accent) >= 4.5 else "#111111"
    radix = b["radix_accent"] or nearest_radix_accent(source)
    return Theme(
        key=src.stem, provider_name=p["name"], short_name=p["short_name"], tagline=p["tagline"],
        logo=b["logo"], favicon=b["favicon"], accent=accent, accent_source=source,
        on_accent=on_accent, accent_soft=mix(accent, "#FFFFFF", 0.9),  # light card tint
        radix_accent=_choice(radix, tuple(RADIX_ACCENTS), "radix_accent", src),
        gray=_choice(b["gray"], GRAYS, "gray", src),
        radius=_choice(b["radius"], RADII, "radius", src),
        support_phone=p["support_phone"], support_email=p["support_email"],
        legal_name=p["legal_name"], timezone=p["timezone"], country=p["country"],
        currency=p["currency"], locale=locale,
    )


@functools.cache
def current_theme() -> Theme:
    """The deployment's theme, read once per process (restart to pick up file changes)."""
    return load_theme(None)
