"""The installable web app, made from the theme: the web app manifest, its icons (rendered from the
provider's square logo mark at the sizes Android and iOS ask for) and the colour variables of the
light and dark palettes. Plain data and bytes: the Reflex plugin (portal_app/webapp.py) writes them
into the frontend build, so `reflex run` and the static export behind nginx serve the same files."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path

from .theme import Palette, Theme

ASSETS_DIR = Path(__file__).resolve().parents[2] / "assets"
MANIFEST_PATH = "/manifest.webmanifest"
ICON_DIR = "/pwa"
APPLE_TOUCH_ICON = f"{ICON_DIR}/apple-touch-icon.png"
# A maskable icon is cropped to a circle (or any shape) inside its middle 80%: the mark fills 60%,
# so it is never cut. iOS fills transparency with black, so its icon is opaque too.
MASKABLE_MARK = 0.6
APPLE_MARK = 0.8


@dataclass(frozen=True)
class Icon:
    path: str  # the URL path, under ICON_DIR
    size: int
    purpose: str  # "any" (drawn as it is), "maskable" (full bleed), or "apple" (apple-touch-icon)


ICONS = (
    Icon(f"{ICON_DIR}/icon-192.png", 192, "any"),
    Icon(f"{ICON_DIR}/icon-512.png", 512, "any"),
    Icon(f"{ICON_DIR}/icon-maskable-192.png", 192, "maskable"),
    Icon(f"{ICON_DIR}/icon-maskable-512.png", 512, "maskable"),
    Icon(APPLE_TOUCH_ICON, 180, "apple"),
)


def manifest(theme: Theme) -> dict:
    """The web app manifest: what a phone needs to install the portal as an app of its own."""
    return {
        "id": "/",
        "name": theme.provider_name,
        "short_name": theme.short_name,
        "description": theme.tagline,
        "lang": "en",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "orientation": "portrait",
        # The splash screen while the app opens, and the title bar where no page says otherwise.
        "background_color": theme.light.canvas,
        "theme_color": theme.light.accent,
        "icons": [
            {"src": icon.path, "sizes": f"{icon.size}x{icon.size}", "type": "image/png", "purpose": icon.purpose}
            for icon in ICONS if icon.purpose != "apple"
        ],
    }


def manifest_json(theme: Theme) -> str:
    return json.dumps(manifest(theme), indent=2, ensure_ascii=False) + "\n"


def _variables(palette: Palette) -> str:
    return "".join(f"  --portal-{name.replace('_', '-')}: {value};\n" for name, value in (
        ("surface", palette.surface), ("canvas", palette.canvas), ("accent", palette.accent),
        ("on_accent", palette.on_accent), ("accent_soft", palette.accent_soft)))


def palette_css(theme: Theme) -> str:
    """The colour roles components/tokens.py names, for each appearance. The page's root carries
    the class `light` or `dark` (Reflex sets it from the phone's setting before the first paint)."""
    return (f"/* Generated from the {theme.key} theme (portal_app/theming/webapp.py). */\n"
            f":root, .light, .light-theme {{\n{_variables(theme.light)}}}\n"
            f".dark, .dark-theme {{\n{_variables(theme.dark)}}}\n")


def logo_mark_file(theme: Theme) -> Path:
    """The file of the theme's square logo mark (its favicon), under assets/."""
    path = (ASSETS_DIR / theme.favicon.lstrip("/")).resolve()
    if ASSETS_DIR not in path.parents or not path.is_file():
        raise ValueError(f"the theme's favicon {theme.favicon} is not a file under {ASSETS_DIR}")
    return path


def _mark(source: Path, size: int):
    """The logo mark as an RGBA image fitted in size × size (SVG through cairosvg, PNG through Pillow)."""
    from PIL import Image

    if source.suffix.lower() == ".svg":
        import cairosvg

        png = cairosvg.svg2png(url=str(source), output_width=size, output_height=size)
        image = Image.open(io.BytesIO(png)).convert("RGBA")
    else:
        image = Image.open(source).convert("RGBA")
    scale = size / max(image.size)
    if scale != 1:  # a PNG of another size (or a mark that is not square): fit it, keep its shape
        image = image.resize((max(1, round(image.width * scale)), max(1, round(image.height * scale))),
                             Image.Resampling.LANCZOS)
    return image


def plate_colour(mark) -> tuple[int, int, int]:
    """The colour to fill a full-bleed icon with: the mark's own plate (the colour covering at least
    half of it, as the rounded square behind a symbol usually does), so the crop shows no seam;
    white when the mark has no plate (a symbol drawn on transparency keeps its colours)."""
    counts: dict[tuple[int, int, int], int] = {}
    for count, rgba in mark.getcolors(mark.width * mark.height):
        if rgba[3] == 255:
            counts[rgba[:3]] = counts.get(rgba[:3], 0) + count
    if counts:
        colour, count = max(counts.items(), key=lambda item: item[1])
        if count * 2 >= mark.width * mark.height:
            return colour
    return (255, 255, 255)


def render_icon(theme: Theme, icon: Icon) -> bytes:
    """One icon as PNG bytes. 'any': the mark as drawn (transparent corners stay transparent);
    'maskable' and 'apple': the mark centred on a full square of its own plate colour."""
    from PIL import Image

    source = logo_mark_file(theme)
    if icon.purpose == "any":
        mark = _mark(source, icon.size)
        canvas = Image.new("RGBA", (icon.size, icon.size), (0, 0, 0, 0))
    else:
        inner = round(icon.size * (MASKABLE_MARK if icon.purpose == "maskable" else APPLE_MARK))
        mark = _mark(source, inner)
        canvas = Image.new("RGBA", (icon.size, icon.size), plate_colour(mark))
    canvas.alpha_composite(mark, ((icon.size - mark.width) // 2, (icon.size - mark.height) // 2))
    if icon.purpose != "any":
        canvas = canvas.convert("RGB")
    out = io.BytesIO()
    canvas.save(out, format="PNG", optimize=True)
    return out.getvalue()


def render_icons(theme: Theme) -> dict[str, bytes]:
    """Every icon the manifest and the page head name: URL path -> PNG bytes."""
    return {icon.path: render_icon(theme, icon) for icon in ICONS}
