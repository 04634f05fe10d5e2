"""The app shell and the page template decorator every page uses.

`portal_page` wraps `rx.page`: it adds the provider's title, the sign-in guard and the shell,
and registers navigation entries, so the navigation only ever links pages that exist.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import reflex as rx

from portal_app.components import tokens
from portal_app.components.account_switcher import account_switcher, role_notes
from portal_app.components.cards import brand_logo
from portal_app.components.language import language_choice
from portal_app.components.outage_banner import outage_banners
from portal_app.i18n import lang_attr, tf, until_language_known
from portal_app.services.core.i18n import N_
from portal_app.state.session import SessionState
from portal_app.state.signed_in import resolves_session
from portal_app.theming import current_theme


@dataclass(frozen=True)
class NavItem:
    route: str
    label: str
    icon: str
    order: int


NAV_ITEMS: list[NavItem] = []
PAGE_ROUTES: list[str] = []
# Pages anyone can open signed out (sign-in, sign-up, email links, Quick Pay, the cart).
PUBLIC_ROUTES: list[str] = []
# Each page's on_load handlers, as registered (tests check each signed-in page loads in one handler).
PAGE_LOADERS: dict[str, list] = {}


MAIN_NAV = N_("Main")  # the navigation's accessible name


def as_written(text: str, **params: str) -> str:
    """How the staff area says its labels: in English, as written (the subscriber shell says them with `tf`)."""
    return text % params if params else text


def page_title(title: str) -> str:
    return f"{title} · {current_theme().provider_name}"


def logo_link(height: str = "32px", *, href: str = "/", label: str | None = None) -> rx.Component:
    theme = current_theme()
    return rx.link(
        brand_logo(height),
        href=href,
        aria_label=label or f"{theme.provider_name} home",
        display="flex", align_items="center", min_height=tokens.TOUCH_TARGET, flex_shrink="0",
    )


def account_bar(*left: rx.Component, name: rx.Var, on_sign_out, say=as_written, language: rx.Component | None = None,
                **props) -> rx.Component:
    """The header's row: the logo (and what else goes left), who is signed in (wide screens), the language
    choice (subscribers), Sign out."""
    return rx.hstack(
        *left,
        rx.spacer(),
        rx.text(name, size="2", color=tokens.MUTED, display=tokens.phone_or_wide("none", "block")),
        *([language] if language is not None else []),
        rx.button(rx.icon("log_out", size=18), rx.text(say("Sign out"), size="2"), on_click=on_sign_out, variant="ghost",
                  color_scheme="gray", min_height=tokens.TOUCH_TARGET, cursor="pointer"),
        align="center", width="100%", spacing="3", **props,
    )


def _nav_link(item: NavItem, *, compact: bool, current_route: str, say=as_written) -> rx.Component:
    # Each page is compiled separately, so "active" is known at build time.
    active = item.route == current_route
    return rx.link(
        rx.icon(item.icon, size=20),
        # One line under the icon: a two-word label ("My sign-in") must not grow the bar at 360 px.
        rx.text(say(item.label), size="1" if compact else "3", white_space="nowrap" if compact else "normal"),
        href=item.route,
        aria_current="page" if active else None,
        display="flex",
        flex_direction="column" if compact else "row",
        align_items="center",
        gap="0.25rem" if compact else "0.75rem",
        padding="0.5rem 0.75rem", min_height=tokens.TOUCH_TARGET, min_width=tokens.TOUCH_TARGET,
        width="auto" if compact else "100%",
        border_radius="var(--radius-3)",
        color=tokens.ACCENT if active else tokens.MUTED,
        background=tokens.ACCENT_SOFT if active and not compact else "transparent",
        font_weight="600" if active else "400",
        underline="none",
    )


def _sorted_nav() -> list[NavItem]:
    return sorted(NAV_ITEMS, key=lambda item: item.order)


def site_header(*left: rx.Component, name: rx.Var, on_sign_out, say=as_written,
                language: rx.Component | None = None, below: rx.Component | None = None) -> rx.Component:
    """The sticky header of every signed-in page: the logo (and what else goes left), who, Sign out; `below`
    is a second row (phones put the account switcher there)."""
    return rx.el.header(
        account_bar(*left, name=name, on_sign_out=on_sign_out, say=say, language=language, max_width="1200px",
                    margin="0 auto", padding_x="1rem"),
        below if below is not None else rx.fragment(),
        position="sticky", top="0", z_index="10", background=tokens.SURFACE,
        border_bottom=f"1px solid {tokens.BORDER}", padding_y="0.375rem",
    )


def sidebar(items: list[NavItem], current_route: str, *, label: str = MAIN_NAV, say=as_written) -> rx.Component:
    """Every destination, one per row, from tablet width (768 px) up."""
    return rx.el.nav(
        rx.vstack(
            *[_nav_link(item, compact=False, current_route=current_route, say=say) for item in items],
            spacing="1", width="100%",
        ),
        aria_label=say(label),
        display=tokens.phone_or_wide("none", "block"),
        width=tokens.SIDEBAR_WIDTH, flex_shrink="0", padding="1rem 0.75rem",
    )


BOTTOM_BAR_SLOTS = 5  # what fits one-handed on a 360 px phone with 44 px+ targets


def _more_menu(items: list[NavItem], current_route: str, say=as_written) -> rx.Component:
    """The last bottom-bar slot: every destination that did not fit, in a menu."""
    holds_current = any(item.route == current_route for item in items)
    return rx.menu.root(
        rx.menu.trigger(
            rx.button(
                rx.icon("menu", size=20),
                rx.text(say("More"), size="1"),
                variant="ghost",
                color=tokens.ACCENT if holds_current else tokens.MUTED,
                flex_direction="column", gap="0.25rem", height="auto", min_height=tokens.TOUCH_TARGET,
                min_width=tokens.TOUCH_TARGET, padding="0.5rem 0.75rem", aria_label=say("More destinations"),
                cursor="pointer",
            )
        ),
        rx.menu.content(
            *[
                rx.menu.item(
                    rx.hstack(rx.icon(item.icon, size=18), rx.text(say(item.label)), align="center", spacing="3"),
                    on_select=rx.redirect(item.route),
                    min_height=tokens.TOUCH_TARGET,
                    # The page it opens is the current one: say so, as aria-current does on the links.
                    **({"aria_label": say("%(label)s (current page)", label=item.label)}
                       if item.route == current_route else {}),
                )
                for item in items
            ],
            side="top", align="end",
        ),
    )


def bottom_bar(items: list[NavItem], current_route: str, *, label: str = MAIN_NAV,
               primary: list[NavItem] | None = None, say=as_written) -> rx.Component:
    """The phone navigation: up to BOTTOM_BAR_SLOTS destinations; when there are more, the first
    four (or the first four of `primary`) and a More menu holding the rest, in their order."""
    if len(items) < 2:  # a bar with one destination is noise; the logo already links home
        return rx.fragment()
    shown, overflow = items, []
    if len(items) > BOTTOM_BAR_SLOTS:
        shown = (primary or items)[: BOTTOM_BAR_SLOTS - 1]
        overflow = [item for item in items if item not in shown]
    return rx.el.nav(
        rx.hstack(
            *[_nav_link(item, compact=True, current_route=current_route, say=say) for item in shown],
            *([_more_menu(overflow, current_route, say)] if overflow else []),
            justify="between", width="100%",
        ),
        aria_label=say(label),
        display=tokens.phone_or_wide("flex", "none"),
        position="fixed", bottom="0", left="0", right="0", height=tokens.BOTTOM_BAR_HEIGHT, padding_x="0.5rem",
        background=tokens.SURFACE, border_top=f"1px solid {tokens.BORDER}", z_index="10",
    )


def footer() -> rx.Component:
    """Support and the legal name, under every subscriber page (signed in or not), in the tab's language."""
    theme = current_theme()
    return rx.el.footer(
        rx.vstack(
            rx.text(
                tf("Need help?"), " ",
                rx.link(theme.support_phone, href=f"tel:{theme.support_phone.replace(' ', '')}"),
                " · ",
                rx.link(theme.support_email, href=f"mailto:{theme.support_email}"),
                size="2", color=tokens.MUTED,
            ),
            rx.text(f"© {theme.legal_name}", size="1", color=tokens.MUTED),
            spacing="1", align="center", text_align="center",
        ),
        padding="1.5rem 1rem",
    )


def loading(say=as_written) -> rx.Component:
    return rx.center(rx.spinner(size="3"), padding="3rem", aria_label=say("Loading"))


def shell_frame(header: rx.Component, side_nav: rx.Component, main: list[rx.Component], bottom_nav: rx.Component,
                main_width: str = "100%", say=as_written, **props) -> rx.Component:
    """What every signed-in page sits in: a skip link, the header, the navigation (a sidebar from
    tablet width, a bottom bar on phones) beside the page, on the canvas colour."""
    return rx.box(
        rx.el.a(say("Skip to content"), href="#main", class_name="skip-link"),
        header,
        rx.hstack(
            side_nav,
            rx.el.main(
                *main,
                id="main", width="100%", max_width=main_width, min_width="0", padding="1rem",
                padding_bottom=tokens.phone_or_wide(f"calc({tokens.BOTTOM_BAR_HEIGHT} + 1rem)", "1rem"),
            ),
            align="start", spacing="0", width="100%", max_width="1200px", margin="0 auto",
        ),
        bottom_nav,
        background=tokens.CANVAS, min_height="100vh", width="100%", overflow_x="hidden", **props,
    )


def app_shell(content: rx.Component, *, current_route: str) -> rx.Component:
    """Header, navigation (sidebar from tablet width, bottom bar on phones), content, footer."""
    return shell_frame(
        site_header(logo_link(), account_switcher(phone=False), name=SessionState.display_name,
                    on_sign_out=SessionState.sign_out, say=tf, language=language_choice(SessionState.choose_my_language),
                    below=account_switcher(phone=True)),
        sidebar(_sorted_nav(), current_route, say=tf),
        [outage_banners(SessionState.outage_banners), role_notes(),
         rx.cond(SessionState.signed_in, content, loading(tf)), footer()],
        bottom_bar(_sorted_nav(), current_route, say=tf),
        main_width=tokens.CONTENT_MAX_WIDTH, say=tf, lang=lang_attr(), class_name=until_language_known(),
    )


def page_template(
    *,
    nav_items: list[NavItem],
    routes: list[str],
    guard: object,
    shell: Callable[..., rx.Component],
    title_prefix: str = "",
    name_prefix: str = "",
    default_icon: str = "house",
) -> Callable[..., Callable[[Callable[[], rx.Component]], Callable[[], rx.Component]]]:
    """Build a page decorator for one area (subscriber or staff): its navigation registry,
    its sign-in guard (for pages whose loaders do not check the session themselves) and its shell."""

    def area_page(
        *,
        route: str,
        title: str,
        nav_label: str | None = None,
        nav_icon: str = default_icon,
        nav_order: int = 100,
        on_load: list | None = None,
        public: bool = False,
    ) -> Callable[[Callable[[], rx.Component]], Callable[[], rx.Component]]:
        def decorator(view: Callable[[], rx.Component]) -> Callable[[], rx.Component]:
            if nav_label:
                nav_items.append(NavItem(route=route, label=nav_label, icon=nav_icon, order=nav_order))
            routes.append(route)
            if public:
                PUBLIC_ROUTES.append(route)
            # A page's loader checks the session itself (signed_in.py), so the session is resolved
            # once per page load; the separate guard is only for pages that load nothing.
            own = list(on_load or [])
            guarded = public or (own and all(resolves_session(handler) for handler in own))
            loaders = own if guarded else [guard, *own]
            PAGE_LOADERS[route] = loaders

            def page() -> rx.Component:
                return view() if public else shell(view(), current_route=route)

            page.__name__ = f"{name_prefix}{view.__name__}"
            page.__module__ = view.__module__
            return rx.page(route=route, title=page_title(f"{title_prefix}{title}"), on_load=loaders or None)(page)

        return decorator

    return area_page


# Signed-in subscriber pages get the session guard first; public pages get no shell.
portal_page = page_template(
    nav_items=NAV_ITEMS, routes=PAGE_ROUTES, guard=SessionState.require_subscriber, shell=app_shell
)
