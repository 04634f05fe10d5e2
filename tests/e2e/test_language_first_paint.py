"""A Spanish reader (the `portal_lang=es` cookie) never sees the English words of the sign-in page or of the
signed-in shell, not even for the moment before the server's first answer says which language the tab reads."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import ARTIFACTS, PHONE
from tests.e2e.personas import make_persona

pytestmark = pytest.mark.e2e

# The words a person can see inside `root`: text that is not hidden, not transparent and on the screen (the
# skip link waits off screen until it has the focus).
VISIBLE_WORDS = r"""
window.__visibleWords = (root) => {
  const words = [];
  const walk = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  while (walk.nextNode()) {
    const node = walk.currentNode, el = node.parentElement;
    if (!el || !node.textContent.trim()) continue;
    const style = getComputedStyle(el), box = el.getBoundingClientRect();
    const transparent = style.color === "transparent" || /rgba\(.*,\s*0\)$/.test(style.color);
    if (style.visibility !== "visible" || transparent || box.width === 0 || box.right < 0 || box.bottom < 0) continue;
    words.push(node.textContent.trim());
  }
  return words.join("\n");
};
"""

# Each frame the browser is about to paint after the page changed, the visible words are checked for English
# ones: of the whole sign-in page, and of a signed-in page's shell (header, navigation, footer; the pages inside
# it are translated one by one).
WATCH_WORDS = VISIBLE_WORDS + r"""
(() => {
  const english = /\b(Sign in to your account|Username or email|SIGN IN|Sign out|Need help\?|Invoices|Payments)\b/;
  window.__englishSeen = [];
  window.__frames = 0;
  window.__hiddenAgain = false;  // words hidden again once shown (they should stay through navigations)
  let shown = false;
  let dirty = true;
  const look = () => {
    if (dirty && document.body) {
      dirty = false;
      window.__frames += 1;
      const shell = () => [...document.querySelectorAll("header, nav")].filter((el) => !el.closest("main"))
        .concat([...document.querySelectorAll("footer")]);  // a page's own tabs (a nav in main) are its own
      const parts = location.pathname.startsWith("/signin") ? [document.body] : shell();
      const found = Array.from(parts, (el) => window.__visibleWords(el)).join("\n").match(english);
      if (found) window.__englishSeen.push(found[0]);
      const pending = document.querySelector(".lang-pending") !== null;
      if (shown && pending) window.__hiddenAgain = true;
      shown = shown || (!pending && document.querySelector("main") !== null);
    }
    requestAnimationFrame(look);
  };
  new MutationObserver(() => { dirty = true; }).observe(document, {
    subtree: true, childList: true, characterData: true, attributes: true,
  });
  requestAnimationFrame(look);
})();
"""

# The app's websocket never opens, so the page stays as it is before the server's first answer (what a reader
# sees on a slow connection).
NO_SOCKET = """
window.WebSocket = class { constructor() { this.readyState = 0; } send() {} close() {} addEventListener() {} };
"""


@pytest.fixture
def spanish_phone(browser, portal, phone: Page) -> Page:
    phone.context.add_cookies([{"name": "portal_lang", "value": "es", "url": portal.base_url}])
    phone.context.add_init_script(WATCH_WORDS)
    return phone


def _never_english(page: Page) -> None:
    assert page.evaluate("window.__frames") > 0  # the watch ran
    assert page.evaluate("window.__englishSeen") == []
    assert page.evaluate("window.__hiddenAgain") is False


def test_a_spanish_reader_never_sees_english_first(spanish_phone: Page, portal) -> None:
    page = spanish_phone
    persona = make_persona(portal, first_name="Inés")
    page.goto("/signin")
    expect(page.get_by_role("heading", name="Inicie sesión en su cuenta")).to_be_visible()
    _never_english(page)

    page.get_by_label("Usuario o correo electrónico").fill(persona.username)
    page.get_by_label("Contraseña").fill(persona.password)
    page.get_by_role("button", name="INICIAR SESIÓN").click()
    page.wait_for_url(re.compile(r"/$"))
    expect(page.get_by_role("button", name="Salir")).to_be_visible()
    expect(page.get_by_role("navigation", name="Principal").get_by_role("link", name="Facturas")).to_be_visible()
    _never_english(page)

    # A fresh load of a signed-in page (a new document: the header starts from the compiled page again).
    page.reload()
    expect(page.get_by_role("button", name="Salir")).to_be_visible()
    expect(page.get_by_text("¿Necesita ayuda?")).to_be_visible()
    _never_english(page)

    # A page reached inside the app: the shell's words stay shown while the new page loads.
    page.get_by_role("navigation", name="Principal").get_by_role("link", name="Facturas").click()
    page.wait_for_url(re.compile(r"/invoices/?$"))
    expect(page.get_by_role("button", name="Salir")).to_be_visible()
    _never_english(page)


def test_an_english_reader_still_reads_english(phone: Page, portal) -> None:
    """Nothing chosen (no cookie): the provider's default, English, once the words show."""
    phone.goto("/signin")
    expect(phone.get_by_role("heading", name="Sign in to your account")).to_be_visible()
    expect(phone.get_by_role("button", name="Español")).to_be_visible()


def test_before_the_first_answer_the_words_wait_in_their_place(browser, portal) -> None:
    context = browser.new_context(viewport=PHONE, base_url=portal.base_url, device_scale_factor=1)
    context.add_cookies([{"name": "portal_lang", "value": "es", "url": portal.base_url}])
    context.add_init_script(NO_SOCKET + VISIBLE_WORDS)
    try:
        page = context.new_page()
        page.goto("/signin")
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(500)
        assert page.locator(".lang-pending").count() == 1
        shown = page.evaluate("window.__visibleWords(document.body)")
        assert shown.replace("Lumen Fiber", "").strip() == "", shown  # the logo's name at most
        # the places are kept: the fields, the sign-in button's shape and the logo are there
        expect(page.locator("input").first).to_be_visible()
        expect(page.locator("button[type=submit]")).to_be_visible()
        expect(page.locator("img").first).to_be_visible()
        page.screenshot(path=str(ARTIFACTS / "language-before-first-answer.png"), full_page=True)
    finally:
        context.close()
