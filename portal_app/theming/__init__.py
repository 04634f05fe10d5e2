"""Theming: per-provider brand file loading and WCAG contrast helpers."""

from .contrast import contrast_ratio, ensure_contrast
from .theme import Theme, current_theme, load_theme

__all__ = ["Theme", "contrast_ratio", "current_theme", "ensure_contrast", "load_theme"]
