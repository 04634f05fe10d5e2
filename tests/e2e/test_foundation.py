"""A subscriber signs in on a phone, sees their home page with the provider's brand, signs out."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from sqlmodel import Session, select

from portal_app.models import Invoice, PortalUser, UserSession, utcnow
from portal_app.services.core.formatting import money as format_cents
from portal_app.services.identity import session_cache
from portal_app.theming import current_theme
from tests.e2e.helpers import sign_in, sign_in_from_home
from tests.e2e.personas import MayaCopy, maya_copy

pytestmark = pytest.mark.e2e


def _open_invoice(portal, me: MayaCopy) -> Invoice:
    with Session(portal.engine) as db:
        return db.exec(select(Invoice).where(Invoice.account_id == me.account_id, Invoice.status == "open")).one()


def test_subscriber_signs_in_sees_home_and_signs_out(phone: Page, portal) -> None:
    theme = current_theme()
    phone.goto("/")
    phone.wait_for_url(re.compile(r"/signin/?\?next=%2F$"))
    expect(phone.get_by_role("img", name=theme.provider_name)).to_be_visible()
    expect(phone).to_have_title(f"Sign in · {theme.provider_name}")

    me = maya_copy(portal)
    sign_in(phone, me.username, me.password)
    expect(phone.get_by_role("heading", name="Hi, Maya")).to_be_visible()
    invoice = _open_invoice(portal, me)
    expect(phone.locator("#account-name")).to_have_text("Maya Okafor")
    expect(phone.locator("#subscriber-id")).to_have_text(me.number)
    expect(phone.locator("#balance")).to_have_text(format_cents(invoice.total_cents))
    expect(phone.locator("#due-date")).to_contain_text(invoice.due_on.strftime("%b %-d, %Y"))
    expect(phone.get_by_role("img", name=theme.provider_name)).to_be_visible()
    expect(phone).to_have_title(f"Home · {theme.provider_name}")
    cookie = next(c for c in phone.context.cookies() if c["name"] == "portal_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    assert phone.evaluate("document.cookie").find("portal_session") == -1
    phone.screenshot(path="test-artifacts/home-phone.png", full_page=True)

    phone.get_by_role("button", name="Sign out").click()
    phone.wait_for_url(re.compile(r"/signin/?\?signed_out=1$"))
    expect(phone.get_by_text("You have signed out.")).to_be_visible()
    # The old cookie is revoked server-side too: home sends us back to sign-in.
    phone.goto("/")
    phone.wait_for_url("**/signin**")


def test_wrong_password_and_unknown_user_get_the_same_clear_message(phone: Page, portal) -> None:
    me = maya_copy(portal)
    phone.goto("/signin")
    sign_in(phone, me.username, "not-the-right-password")
    message = phone.get_by_role("alert")
    expect(message).to_have_text("The username or password is incorrect.")
    first = message.inner_text()
    sign_in(phone, "nobody-by-this-name", "not-the-right-password")
    expect(message).to_have_text(first)
    expect(phone).to_have_url(re.compile(r"/signin/?$"))


def test_expired_session_asks_to_sign_in_again_and_returns(phone: Page, portal) -> None:
    me = maya_copy(portal)
    sign_in_from_home(phone, me.username, me.password)
    with Session(portal.engine) as db:
        user = db.exec(select(PortalUser).where(PortalUser.username == me.username)).one()
        for row in db.exec(select(UserSession).where(UserSession.user_id == user.id,
                                                     UserSession.revoked_at == None)):  # noqa: E711
            row.last_seen_at = utcnow() - timedelta(hours=3)
            db.add(row)
        db.commit()
    # Changed from outside the portal's processes (no Redis here to tell the worker), so the worker's session
    # cache sees it at its next read of the row: within session_cache.CACHE_SECONDS.
    expired = re.compile(r"/signin/?\?next=%2F&reason=expired$")
    deadline = time.monotonic() + session_cache.CACHE_SECONDS + 15
    while True:
        phone.reload()
        try:
            phone.wait_for_url(expired, timeout=3_000)
            break
        except PlaywrightTimeout:
            assert time.monotonic() < deadline, "the idle session was still honoured"
    expect(phone.get_by_text("Your session has expired. Please sign in again.")).to_be_visible()
    sign_in(phone, me.username, me.password)
    expect(phone.get_by_role("heading", name="Hi, Maya")).to_be_visible()


def test_home_fits_a_360px_phone_with_thumb_sized_targets(browser, portal) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 740}, base_url=portal.base_url)
    page = context.new_page()
    me = maya_copy(portal)
    sign_in_from_home(page, me.username, me.password)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    small = page.evaluate(
        """() => [...document.querySelectorAll('button, a[href], input')]
            .filter(el => el.offsetParent !== null && !el.classList.contains('skip-link'))
            .map(el => [el.innerText || el.getAttribute('aria-label') || el.name, el.getBoundingClientRect().height])
            .filter(([, h]) => h < 44)"""
    )
    # Inline text links in the footer are exempt (WCAG 2.5.8 inline exception); everything else is 44 px+.
    assert [name for name, _ in small if "@" not in name and "+1" not in name] == []
    page.screenshot(path="test-artifacts/home-360.png", full_page=True)
    context.close()


def test_desktop_shows_the_sidebar_navigation(browser, portal) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, base_url=portal.base_url)
    page = context.new_page()
    me = maya_copy(portal)
    sign_in_from_home(page, me.username, me.password)
    navigation = page.get_by_role("navigation", name="Main")
    expect(navigation.get_by_role("link", name="Home")).to_be_visible()
    expect(navigation.get_by_role("link", name="Home")).to_have_attribute("aria-current", "page")
    page.screenshot(path="test-artifacts/home-desktop.png", full_page=True)
    context.close()


def test_sign_in_works_with_the_keyboard_alone(phone: Page, portal) -> None:
    me = maya_copy(portal)
    phone.goto("/signin")
    expect(phone.get_by_role("button", name="SIGN IN")).to_be_visible()
    phone.get_by_label("Username or email").focus()
    phone.keyboard.type(me.username)
    phone.keyboard.press("Tab")
    phone.keyboard.type(me.password)
    phone.keyboard.press("Enter")
    expect(phone.get_by_role("heading", name="Hi, Maya")).to_be_visible()
    phone.keyboard.press("Tab")  # the first Tab on the page lands on the skip link
    expect(phone.get_by_role("link", name="Skip to content")).to_be_focused()
