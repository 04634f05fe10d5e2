"""Spanish on a phone (390×844): chosen on the sign-in page, Home and Make a Payment read in Spanish,
axe clean, no sideways scroll at 390 or 360 px; the choice is the subscriber's, kept at the next sign-in."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session

from portal_app.models import PortalUser
from tests.e2e.a11y import serious_violations
from tests.e2e.conftest import PHONE
from tests.e2e.helpers import SOCKET_WATCH, sign_in
from tests.e2e.personas import make_persona

pytestmark = pytest.mark.e2e


def _no_sideways_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def _language_of(portal, username: str) -> str | None:
    with Session(portal.engine) as db:
        return next(u.language for u in db.query(PortalUser).filter(PortalUser.username == username))


def _sign_in_in_spanish(page: Page, username: str, password: str) -> None:
    page.get_by_label("Usuario o correo electrónico").fill(username)
    page.get_by_label("Contraseña").fill(password)
    page.get_by_role("button", name="INICIAR SESIÓN").click()


def test_spanish_chosen_at_sign_in_reads_through_home_and_payment(phone: Page, portal, browser) -> None:
    persona = make_persona(portal, first_name="Lucía")
    phone.goto("/signin")
    expect(phone.get_by_role("heading", name="Sign in to your account")).to_be_visible()
    phone.get_by_role("button", name="Español").click()
    expect(phone.get_by_role("heading", name="Inicie sesión en su cuenta")).to_be_visible()
    expect(phone.get_by_role("link", name="CREAR CUENTA")).to_be_visible()
    assert serious_violations(phone) == []
    _no_sideways_scroll(phone)
    phone.screenshot(path="test-artifacts/spanish-signin.png", full_page=True)

    # A refusal from the server, in Spanish too.
    _sign_in_in_spanish(phone, persona.username, "not-the-password")
    expect(phone.locator("#signin-error")).to_contain_text("El usuario o la contraseña no son correctos.")
    _sign_in_in_spanish(phone, persona.username, persona.password)
    phone.wait_for_url(re.compile(r"/$"))

    expect(phone.get_by_role("heading", name="Hola, Lucía")).to_be_visible()
    expect(phone.get_by_text("Saldo actual", exact=True)).to_be_visible()
    expect(phone.get_by_role("link", name="PAGAR FACTURA")).to_be_visible()
    expect(phone.get_by_role("link", name="VER MÁS")).to_be_visible()
    bar = phone.get_by_role("navigation", name="Principal")
    expect(bar.get_by_role("link", name="Inicio")).to_be_visible()
    expect(bar.get_by_role("link", name="Facturas")).to_be_visible()
    expect(phone.get_by_role("button", name="Salir")).to_be_visible()
    expect(phone.locator("#main").locator("xpath=ancestor::*[@lang='es']").first).to_be_attached()
    assert serious_violations(phone) == []
    _no_sideways_scroll(phone)
    phone.screenshot(path="test-artifacts/spanish-home.png", full_page=True)
    phone.set_viewport_size({"width": 360, "height": 780})
    _no_sideways_scroll(phone)
    phone.screenshot(path="test-artifacts/spanish-home-360.png")
    phone.set_viewport_size(PHONE)
    assert _language_of(portal, persona.username) == "es_US"  # mail and PDFs follow

    phone.get_by_role("link", name="PAGAR FACTURA").click()
    phone.wait_for_url(re.compile(r"/pay/?$"))
    expect(phone.get_by_role("heading", name="Hacer un pago")).to_be_visible()
    expect(phone.get_by_label("Monto")).to_be_visible()
    expect(phone.get_by_role("switch", name="Guardar forma de pago")).to_be_visible()
    phone.get_by_label("Número de tarjeta").fill("4242")
    phone.get_by_label("Vencimiento (MM/AA)").fill("13/99")
    phone.get_by_role("button", name="PAGAR AHORA").click()
    expect(phone.locator("#card_number-error")).to_have_text("Escriba el número de la tarjeta tal como aparece en ella.")
    expect(phone.locator("#expiry-error")).to_have_text("Escriba la fecha de vencimiento como MM/AA.")
    assert serious_violations(phone) == []
    _no_sideways_scroll(phone)
    phone.screenshot(path="test-artifacts/spanish-pay.png", full_page=True)
    phone.get_by_role("button", name="Salir").click()
    phone.wait_for_url("**/signin**")

    # Another browser, nothing chosen there: the sign-in page is English, the portal after it Spanish.
    context = browser.new_context(viewport=PHONE, base_url=portal.base_url, device_scale_factor=1)
    context.set_default_timeout(20_000)
    context.add_init_script(SOCKET_WATCH)
    try:
        other = context.new_page()
        other.goto("/signin")
        sign_in(other, persona.username, persona.password)
        other.wait_for_url(re.compile(r"/$"))
        expect(other.get_by_role("link", name="PAGAR FACTURA")).to_be_visible()
        # The header switches back, for this tab and the sign-in.
        other.get_by_role("button", name="English").click()
        expect(other.get_by_role("link", name="PAY BILL")).to_be_visible()
        expect(other.get_by_role("heading", name="Hi, Lucía")).to_be_visible()
        for _ in range(50):  # the header's choice is written by the same event that switched the page
            if _language_of(portal, persona.username) == "en_US":
                break
            other.wait_for_timeout(100)
        assert _language_of(portal, persona.username) == "en_US"
    finally:
        context.close()
