"""The staff area's shell and page template: `@staff_page(...)`, the staff twin of `portal_page`.

Every staff page gets the staff guard (`StaffSessionState.require_staff`) before its own loaders,
a header with the staff member's name and Sign out, and the subscriber shell's navigation (a sidebar
from 768 px, a bottom bar with More on phones) built from the pages that registered a `nav_label`;
agents never see the admin pages in it. Staff pages live under /staff and use `StaffSessionState` subclasses.
"""

from __future__ import annotations

from collections.abc import Callable

import reflex as rx

from portal_app.components import tokens
from portal_app.components.shell import NavItem, bottom_bar, page_template, sidebar
from portal_app.state.staff_session import StaffSessionState
from portal_app.theming import current_theme

STAFF_NAV_ITEMS: list[NavItem] = []
STAFF_PAGE_ROUTES: list[str] = []
# Pages only admins can use: agents do not see them in the navigation (the services refuse them anyway).
ADMIN_ROUTES = {"/staff/catalogue", "/staff/settings/contact-types", "/staff/scheduling", "/staff/settings",
                "/staff/users", "/staff/audit", "/staff/import", "/staff/api-keys", "/staff/webhooks",
                "/staff/outages"}


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
    theme = current_theme()
    return rx.el.header(
        rx.hstack(
            rx.link(
                rx.image(src=theme.logo, alt=theme.provider_name, height="28px", width="auto"),
                href="/staff",
                aria_label="Staff home",
                display="flex",
                align_items="center",
                min_height=tokens.TOUCH_TARGET,
            ),
            rx.badge("Staff", color_scheme="gray", size="2"),
            rx.spacer(),
            rx.text(StaffSessionState.staff_name, size="2", color=tokens.MUTED,
                    display=tokens.phone_or_wide("none", "block")),
            rx.button(
                rx.icon("log_out", size=18),
                rx.text("Sign out", size="2"),
                on_click=StaffSessionState.staff_sign_out,
                variant="ghost",
                color_scheme="gray",
                min_height=tokens.TOUCH_TARGET,
                cursor="pointer",
            ),
            align="center",
            width="100%",
            max_width="1200px",
            margin="0 auto",
            padding_x="1rem",
            spacing="3",
        ),
        position="sticky",
        top="0",
        z_index="10",
        background=tokens.SURFACE,
        border_bottom=f"1px solid {tokens.BORDER}",
        padding_y="0.375rem",
    )


def staff_shell(content: rx.Component, *, current_route: str) -> rx.Component:
    """The subscriber shell's shape: header; the full navigation in a sidebar from 768 px; on phones
    a bottom bar with a few destinations and the rest under More."""
    return rx.box(
        rx.el.a("Skip to content", href="#main", class_name="skip-link"),
        _header(),
        rx.hstack(
            _for_role(lambda items: sidebar(items, current_route, label="Staff")),
            rx.el.main(
                rx.cond(
                    StaffSessionState.staff_signed_in,
                    content,
                    rx.center(rx.spinner(size="3"), padding="3rem", aria_label="Loading"),
                ),
                id="main",
                width="100%",
                min_width="0",
                padding="1rem",
                padding_bottom=tokens.phone_or_wide(f"calc({tokens.BOTTOM_BAR_HEIGHT} + 1rem)", "1rem"),
            ),
            align="start",
            spacing="0",
            width="100%",
            max_width="1200px",
            margin="0 auto",
        ),
        _bottom_bar(current_route),
        background=tokens.CANVAS,
        min_height="100vh",
        width="100%",
        overflow_x="hidden",
    )


# Staff pages: the staff guard first (unless public), then the page's loaders, inside the staff shell.
staff_page = page_template(
    nav_items=STAFF_NAV_ITEMS,
    routes=STAFF_PAGE_ROUTES,
    guard=StaffSessionState.require_staff,
    shell=staff_shell,
    title_prefix="Staff · ",
    name_prefix="staff_",
    default_icon="search",
)
