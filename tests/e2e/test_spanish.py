"""Spanish on a phone (390×844): chosen on the sign-in page, Home, Make a Payment and the billing and account
pages read in Spanish, axe clean, no sideways scroll at 390 or 360 px; the choice is the subscriber's, kept at
the next sign-in."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session

from portal_app.models import PortalUser
from tests.e2e.a11y import serious_violations
from tests.e2e.conftest import PHONE
from tests.e2e.helpers import SOCKET_WATCH, sign_in
from tests.e2e.personas import make_persona, maya_copy

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


def _check(page: Page, name: str) -> None:
    """Axe clean and no sideways scroll at 390 and 360 px; a screenshot of each width kept."""
    assert serious_violations(page) == []
    _no_sideways_scroll(page)
    page.screenshot(path=f"test-artifacts/spanish-{name}.png", full_page=True)
    page.set_viewport_size({"width": 360, "height": 780})
    _no_sideways_scroll(page)
    page.screenshot(path=f"test-artifacts/spanish-{name}-360.png", full_page=True)
    page.set_viewport_size(PHONE)


def test_billing_and_account_pages_in_spanish(phone: Page, portal) -> None:
    """Invoices, Payments, AutoPay, Contacts, Security, Notifications, People, Quick Pay and an invitation
    link read in Spanish, their server messages too."""
    maya = maya_copy(portal)  # a year of bills and payments, contacts, a second account
    phone.goto("/signin")
    phone.get_by_role("button", name="Español").click()
    _sign_in_in_spanish(phone, maya.username, maya.password)
    phone.wait_for_url(re.compile(r"/$"))
    expect(phone.get_by_role("heading", name="Hola, Maya")).to_be_visible()

    phone.goto("/invoices")
    expect(phone.get_by_role("heading", name="Facturas", level=1)).to_be_visible()
    tabs = phone.get_by_role("navigation", name="Facturas")
    for tab in ("Facturas", "Pagos", "AutoPay"):
        expect(tabs.get_by_role("link", name=tab)).to_be_visible()
    expect(phone.locator(".invoice-row").first).to_contain_text("Emitida el")
    why = phone.locator(".bill-explained summary").first
    expect(why).to_have_text("¿Por qué cambió mi factura?")
    why.click()
    expect(phone.locator(".bill-explained").first).to_contain_text("Esta factura es de")
    expect(phone.get_by_role("button", name="CREAR ESTADO DE CUENTA")).to_be_visible()
    _check(phone, "invoices")

    phone.goto("/payments")
    expect(phone.get_by_role("heading", name="Pagos", level=1)).to_be_visible()
    expect(phone.locator(".payment-row").first).to_contain_text("Aplicado a:")
    _check(phone, "payments")

    phone.goto("/autopay")
    expect(phone.get_by_role("heading", name="AutoPay", level=1)).to_be_visible()
    expect(phone.get_by_role("heading", name="Formas de pago guardadas")).to_be_visible()
    _check(phone, "autopay")
    phone.get_by_role("button", name="AGREGAR PAGO RECURRENTE").click()
    expect(phone.locator("#autopay-notice")).to_have_text(
        "AutoPay está activado. Cada factura se cobrará en su fecha de vencimiento.")
    expect(phone.get_by_text("Se repite: La fecha de vencimiento de cada factura")).to_be_visible()
    expect(phone.get_by_role("button", name="EDITAR")).to_be_visible()
    _check(phone, "autopay-on")

    phone.goto("/contacts")
    expect(phone.get_by_role("heading", name="Contactos", level=1)).to_be_visible()
    phone.get_by_role("button", name="Agregar contacto").click()
    dialog = phone.get_by_role("dialog")
    expect(dialog.get_by_role("heading", name="Agregar contacto")).to_be_visible()
    dialog.get_by_role("button", name="CONFIRMAR").click()
    expect(phone.locator("#field-first_name-error")).to_have_text("Escriba un nombre.")
    _check(phone, "contacts-add")
    dialog.get_by_role("button", name="Cancelar").click()

    phone.goto("/security")
    expect(phone.get_by_role("heading", name="Acceso y seguridad", level=1)).to_be_visible()
    phone.get_by_label("Contraseña actual").first.fill("not-my-password")
    phone.get_by_label("Contraseña nueva", exact=True).fill("quiet orange lantern 42")
    phone.get_by_label("Repita la contraseña nueva").fill("quiet orange lantern 42")
    phone.get_by_role("button", name="CAMBIAR CONTRASEÑA").click()
    expect(phone.locator("#current_password-error")).to_have_text("Esa no es su contraseña actual.")
    expect(phone.get_by_role("button", name="ACTIVAR DOS PASOS")).to_be_visible()
    _check(phone, "security")

    phone.goto("/notifications")
    expect(phone.get_by_role("heading", name="Avisos", level=1)).to_be_visible()
    expect(phone.get_by_text("Factura nueva", exact=True)).to_be_visible()
    phone.get_by_role("button", name="GUARDAR OPCIONES").click()
    expect(phone.locator("#notifications-notice")).to_have_text("No cambió nada.")
    _check(phone, "notifications")

    phone.goto("/people")
    expect(phone.get_by_role("heading", name="Personas con acceso", level=1)).to_be_visible()
    expect(phone.get_by_role("heading", name="Agregar otra cuenta suya")).to_be_visible()
    _check(phone, "people")

    phone.goto("/quickpay")
    expect(phone.get_by_role("heading", name="Quick Pay")).to_be_visible()
    phone.get_by_label("Número de cuenta").fill("000000001")
    phone.get_by_label("Apellido o código postal de facturación").fill("Nobody")
    phone.get_by_role("button", name="CONTINUAR").click()
    expect(phone.locator("#quickpay-error")).to_contain_text("No encontramos una cuenta con esos datos.")
    _check(phone, "quickpay")
    phone.get_by_label("Número de cuenta").fill(maya.number)
    phone.get_by_label("Apellido o código postal de facturación").fill("Okafor")
    phone.get_by_role("button", name="CONTINUAR").click()
    expect(phone.get_by_text("Saldo", exact=True)).to_be_visible()
    expect(phone.locator("#payment-method")).to_contain_text("Tarjeta de crédito/débito")
    expect(phone.get_by_label("Vencimiento (MM/AA)")).to_have_attribute("placeholder", "MM/AA")
    expect(phone.get_by_role("button", name="¿No es su cuenta? Empiece de nuevo")).to_be_visible()
    _check(phone, "quickpay-pay")

    phone.goto("/invitation?token=not-a-token")
    expect(phone.locator("#invitation-error")).to_contain_text("Esta invitación venció o ya se usó.")
    _check(phone, "invitation")
