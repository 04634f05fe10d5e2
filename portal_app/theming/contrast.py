"""WCAG 2.x colour-contrast maths, so brand colours are measured and adjusted, never trusted."""

from __future__ import annotations

import colorsys
import re
from collections.abc import Sequence

_HEX = re.compile(r"^#?([0-9a-fA-F]{6}|[0-9a-fA-F]{3})$")


def parse_hex(color_hex: str) -> tuple[int, int, int]:
    """'#RRGGBB' / '#RGB' (hash optional) -> (r, g, b) in 0..255; ValueError otherwise."""
    match = _HEX.match(color_hex.strip()) if isinstance(color_hex, str) else None
    if not match:
        raise ValueError(f"not a hex colour (expected '#RRGGBB'): {color_hex!r}")
    digits = match.group(1)
    if len(digits) == 3:
        digits = "".join(ch * 2 for ch in digits)
    return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)


def to_hex(rgb: tuple[float, float, float]) -> str:
    """(r, g, b) in 0..255 (floats allowed) -> uppercase '#RRGGBB'."""
    return "#" + "".join(f"{max(0, min(255, round(c))):02X}" for c in rgb)


def normalize_hex(color_hex: str) -> str:
    return to_hex(parse_hex(color_hex))


def relative_luminance(color_hex: str) -> float:
    """WCAG 2.x relative luminance of an sRGB colour (0 = black, 1 = white)."""

    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in parse_hex(color_hex))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(fg_hex: str, bg_hex: str) -> float:
    """WCAG contrast ratio, 1.0 (identical) to 21.0 (black on white); symmetric."""
    a, b = relative_luminance(fg_hex), relative_luminance(bg_hex)
    lighter, darker = max(a, b), min(a, b)
    return (lighter + 0.05) / (darker + 0.05)


def to_hls(color_hex: str) -> tuple[float, float, float]:
    """Hue (degrees 0..360), lightness and saturation (0..1) of a hex colour."""
    r, g, b = parse_hex(color_hex)
    h, l, s = colorsys.rgb_to_hls(r / 255, g / 255, b / 255)
    return h * 360, l, s


def ensure_contrast(color_hex: str, against_hex: str = "#FFFFFF", minimum: float = 4.5) -> str:
    """Return color_hex if it reaches `minimum` against `against_hex`, else the same hue moved
    in HLS lightness (darker on light backgrounds, lighter on dark) until it does."""
    if not 1.0 <= minimum <= 21.0:
        raise ValueError(f"contrast minimum must be between 1 and 21, got {minimum}")
    color = normalize_hex(color_hex)
    if contrast_ratio(color, against_hex) >= minimum:
        return color
    # Move toward whichever extreme contrasts more with the background; for a mid-grey
    # background that is the only direction that can possibly succeed.
    darken = contrast_ratio("#000000", against_hex) >= contrast_ratio("#FFFFFF", against_hex)
    r, g, b = parse_hex(color)
    h, lightness, s = colorsys.rgb_to_hls(r / 255, g / 255, b / 255)
    step = -0.005 if darken else 0.005
    # Bounded by the lightness range (at most ~200 steps); black/white can still move inward.
    while (lightness > 0.0) if darken else (lightness < 1.0):
        lightness = min(1.0, max(0.0, lightness + step))
        # Measure the rounded hex, not the float, so the returned value really passes.
        candidate = to_hex(tuple(c * 255 for c in colorsys.hls_to_rgb(h, lightness, s)))
        if contrast_ratio(candidate, against_hex) >= minimum:
            return candidate
    # Unreachable minimum (e.g. 21:1 against grey): the extreme is the best we can do.
    return "#000000" if darken else "#FFFFFF"


def is_dark(color_hex: str) -> bool:
    """True when white text reads better on it than black: a dark-mode background."""
    return contrast_ratio("#FFFFFF", color_hex) > contrast_ratio("#000000", color_hex)


def ensure_contrast_on(color_hex: str, backgrounds: Sequence[str], minimum: float = 4.5) -> str:
    """ensure_contrast against several backgrounds of one mode at once (a card, the page canvas,
    a tinted card): the colour is moved one way only (darker for light-mode backgrounds, lighter
    for dark-mode ones), so each adjustment keeps every earlier background passing. Backgrounds
    of both modes cannot share one text colour: that is a ValueError."""
    if not backgrounds:
        raise ValueError("ensure_contrast_on needs at least one background")
    modes = {is_dark(bg) for bg in backgrounds}
    if len(modes) > 1:
        raise ValueError(f"backgrounds mix light and dark mode: {', '.join(backgrounds)}")
    color = normalize_hex(color_hex)
    # Passing the one with the least contrast first usually settles it in one move; the loop
    # is bounded because each pass can only move the colour further the same way.
    for _ in range(len(backgrounds)):
        for bg in sorted(backgrounds, key=lambda bg: contrast_ratio(color, bg)):
            color = ensure_contrast(color, bg, minimum)
        if all(contrast_ratio(color, bg) >= minimum for bg in backgrounds):
            return color
    return color


def readable_on(background_hex: str, light: str = "#FFFFFF", dark: str = "#111111") -> str:
    """The text colour (white or near-black) that contrasts more with a background: white text
    on a light-mode accent button, near-black on the lighter accent dark mode uses."""
    return max((light, dark), key=lambda text: contrast_ratio(text, background_hex))


def mix(color_hex: str, other_hex: str, weight_other: float) -> str:
    """Per-channel sRGB blend: weight_other=0.9 gives 90% other, 10% colour."""
    a, b = parse_hex(color_hex), parse_hex(other_hex)
    return to_hex(tuple(x * (1 - weight_other) + y * weight_other for x, y in zip(a, b)))
