"""The staff area's shell and page template: `@staff_page(...)`, the staff twin of `portal_page`.

Every staff page loads in one handler that checks the staff session itself (a page with no loader
gets the staff guard, `StaffSessionState.require_staff`), and sits in the shared frame with a header
(the staff member's name and Sign out) and the subscriber shell's navigation (a sidebar from 768 px,
a bottom bar with More on phones) built from the pages that registered a `nav_label`; agents never
see the admin pages in it. Staff pages live under /staff and use `StaffSessionState` subclasses.
"""

from __future__ import annotations

from collections.abc import Callable

import reflex as rx

from portal_app.components.shell import (
    NavItem, bottom_bar, loading, logo_link, page_template, shell_frame, sidebar, site_header,
)
from portal_app.state.staff_session import StaffSessionState

STAFF_NAV_ITEMS: list[NavItem] = []
STAFF_PAGE_ROUTES: list[str] = []
# Pages only admins can use: agents do not see them in the navigation (the services refuse them anyway).
ADMIN_ROUTES = {"/staff/catalogue", "/staff/settings/contact-types", "/staff/scheduling", "/staff/settings",
                "/staff/users", "/staff/audit", "/staff/import", "/staff/api-keys", "/staff/webhooks",
                "/staff/outages", "/staff/paper-bills"}


def _sorted(items: list[NavItem]) -> list[NavItem]:
    return sorted(items, key=lambda item: item.order)


def _for_role(build: Callable[[list[NavItem]], rx.Component]) -> rx.Component:
    """The navigation an admin sees (every page) or an agent sees (no admin pages), built once each
    at compile time; the staff member's role picks one when the page loads."""
    everything = _sorted(STAFF_NAV_ITEMS)
    everyone = [item for item in everything if item.route not in ADMIN_ROUTES]
    return rx.cond(StaffSessionState.staff_is_admin, build(everything), build(everyone))


def _bottom_bar(current_route: str) -> rx.Component:
    """On phones, the subscribers' bottom bar: the pages every role uses first (Accounts, Mail, Jobs,
    ...), an admin's own pages under More."""
    everyone = [item for item in _sorted(STAFF_NAV_ITEMS) if item.route not in ADMIN_ROUTES]
    return _for_role(lambda items: bottom_bar(items, current_route, label="Staff", primary=everyone))


def _header() -> rx.Component:
    return site_header(logo_link("28px", href="/staff", label="Staff home"), rx.badge("Staff", color_scheme="gray", size="2"),
                       name=StaffSessionState.staff_name, on_sign_out=StaffSessionState.staff_sign_out)


def staff_shell(content: rx.Component, *, current_route: str) -> rx.Component:
    """The subscriber shell's shape: header; the full navigation in a sidebar from 768 px; on phones
    a bottom bar with a few destinations and the rest under More."""
    return shell_frame(
        _header(),
        _for_role(lambda items: sidebar(items, current_route, label="Staff")),
        [rx.cond(StaffSessionState.staff_signed_in, content, loading())],
        _bottom_bar(current_route),
    )


# Staff pages: their one loader (or the staff guard when they load nothing), inside the staff shell.
staff_page = page_template(
    nav_items=STAFF_NAV_ITEMS, routes=STAFF_PAGE_ROUTES, guard=StaffSessionState.require_staff,
    shell=staff_shell, title_prefix="Staff · ", name_prefix="staff_", default_icon="search",
)
