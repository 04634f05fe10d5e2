"""Switching the provider's theme file changes what the pages show: name, logo, tagline, support."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from portal_app.components.shell import footer, page_title
from portal_app.pages.home import home
from portal_app.pages.signin import signin
from portal_app.theming import current_theme, load_theme

THEMES = ["demo", "harbor"]


@pytest.fixture(params=THEMES)
def theme_key(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("PORTAL_THEME", request.param)
    current_theme.cache_clear()
    yield request.param
    current_theme.cache_clear()


def _other(key: str):
    return load_theme(next(k for k in THEMES if k != key))


def test_sign_in_page_shows_the_providers_brand(theme_key: str) -> None:
    theme, other = load_theme(theme_key), _other(theme_key)
    html = str(signin())
    assert theme.provider_name in html  # the logo's alt text
    assert f'src:"{theme.logo}"' in html
    assert theme.tagline in html
    assert theme.support_email in html and theme.support_phone in html
    assert theme.legal_name in html
    for leftover in (other.provider_name, other.logo, other.tagline, other.support_email):
        assert leftover not in html


def test_harbor_sign_in_page_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORTAL_THEME", "harbor")
    current_theme.cache_clear()
    try:
        html = str(signin())
        assert "Harbor Net" in html and "/themes/harbor/logo.svg" in html
        assert "Lumen Fiber" not in html and "/themes/demo/logo.svg" not in html
    finally:
        current_theme.cache_clear()


def test_signed_in_shell_carries_the_brand_too(theme_key: str) -> None:
    theme, other = load_theme(theme_key), _other(theme_key)
    html = str(home())
    assert f'src:"{theme.logo}"' in html
    assert f"{theme.provider_name} home" in html  # the logo link's accessible name
    assert other.provider_name not in html and other.logo not in html


def test_footer_support_link_dials_the_number(theme_key: str) -> None:
    theme = load_theme(theme_key)
    html = str(footer())
    # rx.link renders a router link; its target is the dialable number and the mail address.
    assert f'"tel:{theme.support_phone.replace(" ", "")}"' in html
    assert f'"mailto:{theme.support_email}"' in html
    assert f'"{theme.support_phone}"' in html  # the number as people read it


def test_page_title_names_the_provider(theme_key: str) -> None:
    theme = load_theme(theme_key)
    assert page_title("Home") == f"Home · {theme.provider_name}"
    assert _other(theme_key).provider_name not in page_title("Home")
