"""The portal installs on a phone as an app of its own, and follows the phone's dark mode: Chromium's
own installability report finds nothing missing, the manifest and icons it names are served from
the build, and a phone in dark mode gets the dark palette (with the header, logo and cards readable)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from portal_app.theming import load_theme
from portal_app.theming.contrast import contrast_ratio
from portal_app.theming.webapp import APPLE_TOUCH_ICON, ICONS
from tests.e2e.a11y import serious_violations
from tests.e2e.conftest import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, PHONE
from tests.e2e.helpers import SOCKET_WATCH, sign_in, wait_until_settled
from tests.e2e.personas import make_persona

pytestmark = pytest.mark.e2e
THEME = load_theme("demo")


def _phone(browser, portal, scheme: str) -> Page:
    context = browser.new_context(viewport=PHONE, base_url=portal.base_url, device_scale_factor=1, is_mobile=True,
                                  has_touch=True, color_scheme=scheme)
    context.set_default_timeout(20_000)
    context.add_init_script(SOCKET_WATCH)
    return context.new_page()


def _rgb(css: str) -> str:
    parts = [int(float(p)) for p in css[css.index("(") + 1:css.index(")")].split(",")[:3]]
    return "#" + "".join(f"{p:02X}" for p in parts)


def test_chromium_finds_the_portal_installable(browser, portal, tmp_path) -> None:
    # A browser profile of its own: Playwright's usual contexts are incognito, where Chromium never
    # offers an install ("in-incognito"), as a phone's normal browser does.
    context = browser.browser_type.launch_persistent_context(
        str(tmp_path / "profile"), executable_path=CHROMIUM, args=CHROMIUM_ARGS, viewport=PHONE,
        base_url=portal.base_url, device_scale_factor=1, is_mobile=True, has_touch=True, color_scheme="light")
    context.set_default_timeout(20_000)
    context.add_init_script(SOCKET_WATCH)
    page = context.pages[0] if context.pages else context.new_page()
    try:
        page.goto("/signin")
        wait_until_settled(page)
        cdp = page.context.new_cdp_session(page)
        manifest = cdp.send("Page.getAppManifest")
        assert manifest["url"] == f"{portal.base_url}/manifest.webmanifest"
        assert manifest["errors"] == []
        # Chromium's own check (the one behind "Install app"): manifest fields, icons fetched and
        # decoded at the sizes it needs, a secure origin. An empty list: nothing stops the install.
        report = cdp.send("Page.getInstallabilityErrors")
        assert report["installabilityErrors"] == []
        parsed = manifest.get("manifest") or {}
        assert parsed.get("name") == THEME.provider_name
        assert parsed.get("display", "").lower().removeprefix("k") == "standalone"  # CDP spells it kStandalone

        for icon in ICONS:
            answer = page.request.get(icon.path)
            assert answer.status == 200 and answer.headers["content-type"] == "image/png", icon.path
        answer = page.request.get("/manifest.webmanifest")
        assert answer.json()["short_name"] == THEME.short_name
        head = page.locator("head")
        expect(head.locator(f'link[rel="apple-touch-icon"][href="{APPLE_TOUCH_ICON}"]')).to_have_count(1)
        for scheme, colour in (("light", THEME.light.accent), ("dark", THEME.dark.surface)):
            selector = f'meta[name="theme-color"][content="{colour}"][media="(prefers-color-scheme: {scheme})"]'
            expect(head.locator(selector)).to_have_count(1)
        expect(head.locator('meta[name="apple-mobile-web-app-title"]')).to_have_attribute("content", THEME.short_name)
    finally:
        page.context.close()


def test_a_phone_in_dark_mode_gets_the_dark_palette(browser, portal) -> None:
    me = make_persona(portal)
    page = _phone(browser, portal, "dark")
    try:
        page.goto("/signin")
        wait_until_settled(page)
        assert page.evaluate("document.documentElement.classList.contains('dark')")
        button = page.get_by_role("button", name="SIGN IN")
        background = _rgb(button.evaluate("el => getComputedStyle(el).backgroundColor"))
        text = _rgb(button.evaluate("el => getComputedStyle(el).color"))
        assert background == THEME.dark.accent and contrast_ratio(text, background) >= 4.5
        page.screenshot(path=str(ARTIFACTS / "dark-signin.png"), full_page=True)

        sign_in(page, me.username, me.password)
        expect(page.get_by_role("heading", name=re.compile(r"^Hi, "))).to_be_visible()
        wait_until_settled(page)
        header = page.locator("header").first
        assert _rgb(header.evaluate("el => getComputedStyle(el).backgroundColor")) == THEME.dark.surface
        main = page.locator("#main")
        canvas = _rgb(main.evaluate("el => getComputedStyle(el.parentElement.parentElement).backgroundColor"))
        assert canvas == THEME.dark.canvas
        assert serious_violations(page) == []
        page.screenshot(path=str(ARTIFACTS / "dark-home.png"), full_page=True)

        # The phone switches to light mode while the portal is open: the page follows at once.
        page.emulate_media(color_scheme="light")
        page.wait_for_function("document.documentElement.classList.contains('light')")
        assert _rgb(header.evaluate("el => getComputedStyle(el).backgroundColor")) == THEME.light.surface
    finally:
        page.context.close()
