"""Security in the browser: nothing of an account is left in a tab after sign-out, and what a
connection holding only the tab token (no cookie) receives."""

from __future__ import annotations

import json
import re
import uuid

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.e2e.conftest import ARTIFACTS, PHONE
from tests.e2e.helpers import sign_in

pytestmark = pytest.mark.e2e

# Strings only the demo residential account (Maya Okafor) has: name, number, address, phone.
MAYA = ("Okafor", "100200300", "Cedar Bend", "5550123")
BUSINESS = ("bluebonnet", "demo-business-2026")


def _context(browser: Browser, portal, token: str | None = None) -> BrowserContext:
    context = browser.new_context(viewport=PHONE, base_url=portal.base_url, device_scale_factor=1)
    context.set_default_timeout(20_000)
    if token:
        # The tab token as a copy of sessionStorage (or the /_event URL in a proxy log) gives it.
        context.add_init_script(f"window.sessionStorage.setItem('token', {json.dumps(token)})")
    return context


def _record_frames(page: Page) -> list[str]:
    """Every websocket message the page receives from the server, as text."""
    frames: list[str] = []

    def watch(socket) -> None:
        socket.on("framereceived", lambda payload: frames.append(
            payload if isinstance(payload, str) else payload.decode("utf-8", "replace")))

    page.on("websocket", watch)
    return frames


def _browse_as_maya(page: Page) -> str:
    """Sign in as Maya, open pages full of her data, and return the tab token."""
    page.goto("/signin")
    sign_in(page)
    expect(page.get_by_role("heading", name="Hi, Maya")).to_be_visible()
    page.goto("/contacts")
    expect(page.get_by_text("Daniel Okafor")).to_be_visible()
    for path in ("/invoices", "/tickets", "/security", "/services"):
        page.goto(path)
        page.wait_for_load_state("networkidle")
    page.goto("/")
    expect(page.locator("#subscriber-id")).to_have_text("100200300")  # (the account switcher shows it too)
    return page.evaluate("window.sessionStorage.getItem('token')")


def _leaks(frames: list[str]) -> list[str]:
    return [marker for marker in MAYA if any(marker in frame for frame in frames)]


def _connect_with(browser: Browser, portal, token: str, name: str) -> list[str]:
    """A browser with no cookie at all, holding only the tab token, opens the portal."""
    context = _context(browser, portal, token)
    page = context.new_page()
    frames = _record_frames(page)
    sockets: list[str] = []
    page.on("websocket", lambda socket: sockets.append(socket.url))
    for path in ("/", "/contacts", "/signin"):
        page.goto(path)
        page.wait_for_url(re.compile(r"/signin"))
        page.wait_for_load_state("networkidle")
    page.wait_for_timeout(500)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    context.close()
    assert sockets and all(f"token={token}" in url for url in sockets)  # really the old tab's token
    assert frames, "the page received no state at all"
    return frames


def test_after_sign_out_the_tab_and_its_token_hold_nothing_of_the_account(browser: Browser, portal) -> None:
    # 1. The same tab, signed out, then signed in as another subscriber.
    context = _context(browser, portal)
    page = context.new_page()
    _browse_as_maya(page)
    frames = _record_frames(page)
    page.get_by_role("button", name="Sign out", exact=True).click()
    page.wait_for_url(re.compile(r"/signin/?\?signed_out=1$"))
    sign_in(page, *BUSINESS)
    expect(page.get_by_role("heading", name=re.compile(r"^Hi, "))).to_be_visible()
    page.goto("/contacts")
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(ARTIFACTS / "security-same-tab-other-user.png"), full_page=True)
    assert frames and _leaks(frames) == []
    context.close()

    # 2. A signed-out tab's token, used from another browser.
    context = _context(browser, portal)
    page = context.new_page()
    token = _browse_as_maya(page)
    page.get_by_role("button", name="Sign out", exact=True).click()
    page.wait_for_url(re.compile(r"/signin/?\?signed_out=1$"))
    context.close()
    assert _leaks(_connect_with(browser, portal, token, "security-old-token-after-sign-out")) == []

    # 3. A tab closed while still signed in: its token alone (no cookie) gets nothing either.
    context = _context(browser, portal)
    page = context.new_page()
    token = _browse_as_maya(page)
    context.close()
    assert _leaks(_connect_with(browser, portal, token, "security-old-token-closed-tab")) == []


def _staff_sign_in(page: Page) -> None:
    page.goto("/staff/signin")
    page.get_by_label("Staff username").fill("staff")
    page.get_by_label("Password").fill("demo-staff-2026")
    page.get_by_role("button", name="SIGN IN").click()
    expect(page.get_by_role("heading", name="Find an account")).to_be_visible()


def test_staff_see_undelivered_mail_and_queue_it_again(phone: Page, portal) -> None:
    from sqlmodel import Session

    from portal_app.models import OutboxMail

    subject = f"Your bill {uuid.uuid4().hex[:6]}"
    with Session(portal.engine) as db:
        db.add(OutboxMail(to_address="refused@mail.example", subject=subject, body_text="b", attempts=8,
                          last_error="SMTPRecipientsRefused: {'refused@mail.example': (550, b'No such user')}"))
        db.commit()
    _staff_sign_in(phone)
    phone.get_by_role("link", name="Mail").click()
    expect(phone.get_by_role("heading", name="Undelivered mail")).to_be_visible()
    expect(phone.get_by_text(subject)).to_be_visible()
    expect(phone.get_by_text("No such user").first).to_be_visible()
    expect(phone.get_by_text("Given up after 8 attempts").first).to_be_visible()
    phone.screenshot(path=str(ARTIFACTS / "staff-undelivered-mail.png"), full_page=True)
    phone.get_by_role("button", name=f"Send again: {subject} to refused@mail.example").click()
    expect(phone.get_by_role("status")).to_contain_text("Queued again")
    expect(phone.get_by_text(subject)).to_have_count(0)


def test_the_app_works_under_its_security_headers_and_cannot_be_framed(phone: Page, portal) -> None:
    violations: list[str] = []
    phone.on("console", lambda message: violations.append(message.text)
             if "Content Security Policy" in message.text else None)
    response = phone.goto("/signin")
    headers = response.headers
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY" and headers["x-content-type-options"] == "nosniff"
    sign_in(phone)
    expect(phone.get_by_role("heading", name="Hi, Maya")).to_be_visible()
    phone.goto("/security")
    phone.get_by_role("button", name="SET UP TWO-FACTOR").click()  # a data: QR image and a dialog
    expect(phone.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    phone.goto("/contacts")
    expect(phone.get_by_text("Daniel Okafor")).to_be_visible()
    phone.screenshot(path=str(ARTIFACTS / "security-headers-contacts.png"), full_page=True)
    assert violations == []

    # Another site framing the portal gets an empty frame.
    phone.goto("about:blank")
    phone.set_content(f'<iframe id="portal" src="{portal.base_url}/signin" width="300" height="300"></iframe>')
    phone.wait_for_timeout(1500)
    framed = [frame for frame in phone.frames if frame != phone.main_frame]
    assert framed and all(not frame.url.startswith(portal.base_url) or frame.content().count("Sign in") == 0
                          for frame in framed)


def test_another_origin_gets_neither_the_websocket_nor_credentialed_fetches(browser: Browser, portal) -> None:
    import urllib.request

    own = portal.base_url  # http://127.0.0.1:<port>, which is PORTAL_PUBLIC_URL
    other = own.replace("127.0.0.1", "localhost")  # the same server under another origin
    for origin, allowed in ((own, True), ("https://evil.example", False), (other, False)):
        request = urllib.request.Request(f"{own}/healthz", headers={"Origin": origin})
        with urllib.request.urlopen(request, timeout=10) as answer:
            assert (answer.headers.get("access-control-allow-origin") == origin) is allowed, origin

    context = browser.new_context(viewport=PHONE, base_url=other)
    page = context.new_page()
    frames: list[str] = []
    page.on("websocket", lambda socket: socket.on("framereceived", lambda payload: frames.append(str(payload))))
    page.goto(f"{other}/signin")
    page.wait_for_timeout(3000)
    outcome = page.evaluate(
        "url => fetch(url, {credentials: 'include'}).then(() => 'allowed', () => 'refused')", f"{own}/healthz")
    context.close()
    assert outcome == "refused"
    assert not any('"delta"' in frame for frame in frames)  # the socket never got state


def test_a_signed_out_staff_tab_token_receives_no_account_or_private_note(browser: Browser, portal) -> None:
    context = _context(browser, portal)
    page = context.new_page()
    _staff_sign_in(page)
    page.goto("/staff/account?number=100200300")
    expect(page.get_by_role("heading", name="Maya Okafor")).to_be_visible()
    page.wait_for_load_state("networkidle")
    token = page.evaluate("window.sessionStorage.getItem('token')")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/staff/signin"))
    context.close()
    frames = _connect_with(browser, portal, token, "security-old-staff-token")
    assert _leaks(frames) == [] and not any("INTERNAL:" in frame for frame in frames)
