"""The staff area's shell and page template: `@staff_page(...)`, the staff twin of `portal_page`.

Every staff page loads in one handler that checks the staff session itself (a page with no loader
gets the staff guard, `StaffSessionState.require_staff`), and sits in the shared frame with a header
(the staff member's name and Sign out) and a navigation built from the pages that registered a
`nav_label`. Staff pages live under /staff and use `StaffSessionState` subclasses.
"""

from __future__ import annotations

import reflex as rx

from portal_app.components import tokens
from portal_app.components.shell import NavItem, account_bar, loading, logo_link, page_template, shell_frame
from portal_app.state.staff_session import StaffSessionState

STAFF_NAV_ITEMS: list[NavItem] = []
STAFF_PAGE_ROUTES: list[str] = []
# Pages only admins can use: agents do not see them in the navigation (the services refuse them anyway).
ADMIN_ROUTES = {"/staff/catalogue", "/staff/settings/contact-types", "/staff/scheduling", "/staff/settings",
                "/staff/users", "/staff/audit", "/staff/import", "/staff/api-keys", "/staff/webhooks"}


def _nav_link(item: NavItem, current_route: str) -> rx.Component:
    here = item.route == current_route
    link = rx.link(rx.icon(item.icon, size=18), rx.text(item.label, size="2"), href=item.route,
                   aria_current="page" if here else None, display="flex", align_items="center", gap="0.375rem",
                   padding_x="0.5rem", min_height=tokens.TOUCH_TARGET, color=tokens.ACCENT if here else tokens.MUTED,
                   underline="none")
    return rx.cond(StaffSessionState.staff_is_admin, link, rx.fragment()) if item.route in ADMIN_ROUTES else link


def _header(current_route: str) -> rx.Component:
    nav = [_nav_link(item, current_route) for item in sorted(STAFF_NAV_ITEMS, key=lambda item: item.order)]
    return rx.el.header(
        rx.vstack(account_bar(logo_link("28px", href="/staff", label="Staff home"),
                              rx.badge("Staff", color_scheme="gray", size="2"),
                              name=StaffSessionState.staff_name, on_sign_out=StaffSessionState.staff_sign_out),
                  rx.hstack(*nav, spacing="2", wrap="wrap"),
                  width="100%", max_width="1200px", margin="0 auto", padding_x="1rem", spacing="1"),
        background=tokens.SURFACE, border_bottom=f"1px solid {tokens.BORDER}", padding_y="0.375rem",
    )


def staff_shell(content: rx.Component, *, current_route: str) -> rx.Component:
    return shell_frame(
        _header(current_route),
        rx.el.main(rx.cond(StaffSessionState.staff_signed_in, content, loading()), id="main", width="100%",
                   max_width="1200px", margin="0 auto", min_width="0", padding="1rem"),
    )


# Staff pages: their one loader (or the staff guard when they load nothing), inside the staff shell.
staff_page = page_template(
    nav_items=STAFF_NAV_ITEMS,
    routes=STAFF_PAGE_ROUTES,
    guard=StaffSessionState.require_staff,
    shell=staff_shell,
    title_prefix="Staff · ",
    name_prefix="staff_",
    default_icon="search",
)
