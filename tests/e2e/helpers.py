"""Steps shared by browser tests, written as a subscriber would do them."""

from __future__ import annotations

from playwright.sync_api import Page, expect

DEMO_USERNAME = "maya"
DEMO_PASSWORD = "demo-subscriber-2026"


def sign_in(page: Page, username: str = DEMO_USERNAME, password: str = DEMO_PASSWORD) -> None:
    page.get_by_label("Username or email").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="SIGN IN").click()


def sign_in_from_home(page: Page, username: str = DEMO_USERNAME, password: str = DEMO_PASSWORD) -> None:
    page.goto("/")
    page.wait_for_url("**/signin**")
    sign_in(page, username, password)
    expect(page.get_by_role("heading", name="Hi, Maya")).to_be_visible()


# --- waiting for a page's own state rather than a fixed time ----------------------------------

# Installed before any page script: records when the app's websocket last spoke, so a test can
# wait until the page's load events have all been answered instead of sleeping a fixed time.
SOCKET_WATCH = """
(() => {
  const Native = window.WebSocket;
  window.__portalSocket = {open: false, last: 0};
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      const seen = () => { window.__portalSocket.last = performance.now(); };
      this.addEventListener("open", () => { window.__portalSocket.open = true; seen(); });
      this.addEventListener("message", seen);
    }
  };
})();
"""


def wait_until_settled(page: Page, *, quiet_ms: int = 400, timeout_ms: int = 15_000) -> None:
    """Wait until the websocket is open and has been quiet for `quiet_ms` (the page's on_load
    answers have arrived) and no CSS animation is still running (axe reads colours mid-fade)."""
    page.wait_for_function(
        """quiet => window.__portalSocket && window.__portalSocket.open
               && performance.now() - window.__portalSocket.last > quiet
               && document.getAnimations().every(a => a.playState !== "running")""",
        arg=quiet_ms,
        timeout=timeout_ms,
        polling=100,
    )


def sign_in_staff(page: Page, username: str = "staff", password: str = "demo-staff-2026") -> None:
    """Sign in on the staff sign-in page and wait for the account search."""
    page.goto("/staff/signin")
    page.get_by_label("Staff username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="SIGN IN").click()
    expect(page.get_by_role("heading", name="Find an account")).to_be_visible()
