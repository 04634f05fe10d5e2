"""Steps shared by browser tests, written as a subscriber would do them."""

from __future__ import annotations

from playwright.sync_api import Page, expect

DEMO_USERNAME = "maya"
DEMO_PASSWORD = "demo-subscriber-2026"


def sign_in(page: Page, username: str = DEMO_USERNAME, password: str = DEMO_PASSWORD) -> None:
    page.get_by_label("Username or email").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="SIGN IN").click()


def sign_in_from_home(page: Page) -> None:
    page.goto("/")
    page.wait_for_url("**/signin**")
    sign_in(page)
    expect(page.get_by_role("heading", name="Hi, Maya")).to_be_visible()
