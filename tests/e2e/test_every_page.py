"""Every page in the page registry, at 390×844: it opens, fits the phone, and axe finds no serious
or critical problem once the page's own load events are answered — with the phone in light mode and
again in dark mode (the pages follow its prefers-color-scheme).

The routes come from the registries the page decorators fill, so a new page is checked without
anyone remembering to add it here; a page that needs an id in its address gets it below, from a
subscriber of this test's own.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from portal_app import pages  # noqa: F401  (importing registers every page)
from portal_app.components.shell import PAGE_ROUTES, PUBLIC_ROUTES
from portal_app.components.staff_shell import STAFF_PAGE_ROUTES
from tests.e2e.a11y import serious_violations
from tests.e2e.conftest import ARTIFACTS, PHONE
from tests.e2e.helpers import SOCKET_WATCH, sign_in, sign_in_staff, wait_until_settled
from tests.e2e.personas import Persona, make_persona

pytestmark = pytest.mark.e2e
# The phone's colour scheme: every test below runs once in each.
SCHEMES = pytest.mark.parametrize("scheme", ["light", "dark"])


def _query(route: str, me: Persona) -> str:
    """The address parameters a page needs to show something real (its own objects only)."""
    return {
        "/ticket": f"?id={me.ticket_id}",
        "/contract": f"?id={me.contract_id}",
        "/services/change": f"?service={me.service_id}",
        "/staff/account": f"?number={me.number}",
        "/staff/orders": f"?number={me.number}",
        "/staff/notifications": f"?number={me.number}",
        "/verify": "?token=made-up-token",
        "/reset-password": "?token=made-up-token",
        "/confirm-email": "?token=made-up-token",
    }.get(route, "")


def _check(page: Page, routes: list[str], me: Persona, scheme: str = "light") -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    for route in routes:
        page.goto(route + _query(route, me))
        page.wait_for_load_state("load")
        wait_until_settled(page)
        found = serious_violations(page)
        if page.evaluate("document.documentElement.classList.contains('dark')") != (scheme == "dark"):
            found.append(f"the page is not in {scheme} mode")
        if page.evaluate("document.documentElement.scrollWidth") > PHONE["width"]:
            found.append("wider than the phone (horizontal scroll)")
        if found:
            problems[route] = found
        slug = route.strip("/").replace("/", "-") or "home"
        suffix = "" if scheme == "light" else f"-{scheme}"
        page.screenshot(path=str(ARTIFACTS / f"every-page-{slug}{suffix}.png"), full_page=True)
    return problems


def _phone(browser, portal, scheme: str = "light") -> Page:
    context = browser.new_context(viewport=PHONE, base_url=portal.base_url, device_scale_factor=1,
                                  color_scheme=scheme)
    context.set_default_timeout(20_000)
    context.add_init_script(SOCKET_WATCH)
    return context.new_page()


def test_the_registries_name_every_page() -> None:
    assert {"/", "/pay", "/ticket", "/contract"} <= set(PAGE_ROUTES)
    assert {"/signin", "/quickpay", "/cart", "/staff/signin"} <= set(PUBLIC_ROUTES)
    assert {"/staff", "/staff/account", "/staff/orders", "/staff/scheduling"} <= set(STAFF_PAGE_ROUTES)


@SCHEMES
def test_every_public_page_passes_axe_signed_out(browser, portal, scheme) -> None:
    page = _phone(browser, portal, scheme)
    me = make_persona(portal)
    assert _check(page, sorted(set(PUBLIC_ROUTES)), me, scheme) == {}
    page.context.close()


@SCHEMES
def test_every_subscriber_page_passes_axe(browser, portal, scheme) -> None:
    me = make_persona(portal, card=True, ticket=True, contract=True, package="FIBER300", workflow=True)
    page = _phone(browser, portal, scheme)
    page.goto("/signin")
    sign_in(page, me.username, me.password)
    page.wait_for_url(f"{portal.base_url}/")
    routes = sorted(set(PAGE_ROUTES) - set(PUBLIC_ROUTES))
    assert _check(page, routes, me, scheme) == {}
    page.context.close()


@SCHEMES
def test_every_staff_page_passes_axe(browser, portal, scheme) -> None:
    me = make_persona(portal, ticket=True)
    page = _phone(browser, portal, scheme)
    sign_in_staff(page)
    routes = sorted(set(STAFF_PAGE_ROUTES) - set(PUBLIC_ROUTES))
    assert _check(page, routes, me, scheme) == {}
    # Its not-found answer too.
    assert _check(page, ["/staff/orders"], Persona(0, "000000000", "", "", ""), scheme) == {}
    page.context.close()
