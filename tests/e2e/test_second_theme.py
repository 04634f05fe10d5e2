"""The second sample provider (Harbor Net) in a browser: another theme file gives another portal —
name, logo, tagline, support line and an accent darkened until white text on it reads at 4.5:1 —
and it passes axe like the first."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from portal_app.theming import load_theme
from portal_app.theming.contrast import contrast_ratio
from tests.e2e.a11y import serious_violations
from tests.e2e.conftest import ARTIFACTS, PHONE, PortalServer, another_app
from tests.e2e.helpers import DEMO_PASSWORD, DEMO_USERNAME, SOCKET_WATCH, sign_in, wait_until_settled

pytestmark = pytest.mark.e2e
HARBOR = load_theme("harbor")


@pytest.fixture(scope="module")
def harbor_portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PortalServer]:
    # Its own database with the demo data: nothing here touches the main test app's subscribers.
    with another_app(tmp_path_factory, "harbor", {"PORTAL_THEME": "harbor"}, demo_data=True) as server:
        yield server


def _rgb_to_hex(css: str) -> str:
    parts = [int(float(p)) for p in css[css.index("(") + 1:css.index(")")].split(",")[:3]]
    return "#" + "".join(f"{p:02X}" for p in parts)


def test_harbor_net_signs_in_and_shows_its_own_brand(browser, harbor_portal: PortalServer) -> None:
    context = browser.new_context(viewport=PHONE, base_url=harbor_portal.base_url, device_scale_factor=1)
    context.set_default_timeout(20_000)
    context.add_init_script(SOCKET_WATCH)
    page: Page = context.new_page()
    try:
        page.goto("/signin")
        wait_until_settled(page)
        expect(page).to_have_title(f"Sign in · {HARBOR.provider_name}")
        expect(page.get_by_role("img", name=HARBOR.provider_name)).to_be_visible()
        expect(page.get_by_text(HARBOR.tagline)).to_be_visible()
        expect(page.get_by_role("link", name=HARBOR.support_email)).to_be_visible()
        assert "Lumen" not in page.content()
        button = page.get_by_role("button", name="SIGN IN")
        background = _rgb_to_hex(button.evaluate("el => getComputedStyle(el).backgroundColor"))
        assert background.upper() != "#2EC4B6"  # the theme's aqua as written is too light for white text
        assert contrast_ratio("#FFFFFF", background) >= 4.5
        assert serious_violations(page) == []
        page.screenshot(path=str(ARTIFACTS / "harbor-signin.png"), full_page=True)

        sign_in(page, DEMO_USERNAME, DEMO_PASSWORD)
        expect(page.get_by_role("heading", name="Hi, Maya")).to_be_visible()
        expect(page).to_have_title(f"Home · {HARBOR.provider_name}")
        wait_until_settled(page)
        assert serious_violations(page) == []
        page.screenshot(path=str(ARTIFACTS / "harbor-home.png"), full_page=True)
    finally:
        context.close()


def test_harbor_net_in_dark_mode_keeps_its_aqua_and_passes_axe(browser, harbor_portal: PortalServer) -> None:
    context = browser.new_context(viewport=PHONE, base_url=harbor_portal.base_url, device_scale_factor=1,
                                  color_scheme="dark")
    context.set_default_timeout(20_000)
    context.add_init_script(SOCKET_WATCH)
    page: Page = context.new_page()
    try:
        page.goto("/signin")
        wait_until_settled(page)
        button = page.get_by_role("button", name="SIGN IN")
        background = _rgb_to_hex(button.evaluate("el => getComputedStyle(el).backgroundColor"))
        text = _rgb_to_hex(button.evaluate("el => getComputedStyle(el).color"))
        # The aqua as written reads at 4.5:1 on the dark cards: dark mode shows it, with dark text on it.
        assert background == HARBOR.dark.accent == "#2EC4B6"
        assert contrast_ratio(text, background) >= 4.5
        assert serious_violations(page) == []
        page.screenshot(path=str(ARTIFACTS / "harbor-signin-dark.png"), full_page=True)

        sign_in(page, DEMO_USERNAME, DEMO_PASSWORD)
        expect(page.get_by_role("heading", name="Hi, Maya")).to_be_visible()
        wait_until_settled(page)
        assert serious_violations(page) == []
        page.screenshot(path=str(ARTIFACTS / "harbor-home-dark.png"), full_page=True)
    finally:
        context.close()
