"""Home page billing pieces: PAY BILL / VIEW MORE, the AutoPay card, the quick-action button."""

from __future__ import annotations

import reflex as rx

from portal_app.i18n import t
from portal_app.services.core.i18n import N_
from portal_app.components import tokens
from portal_app.components.cards import card
from portal_app.state.home_billing import HomeBillingState as S
from portal_app.state.session import SessionState

# (label, icon, route): a quick action appears once its page exists; later features add theirs here.
QUICK_ACTIONS: list[tuple[str, str, str]] = [
    (N_("Add Email Address"), "mail", "/contacts?add=email"),
    (N_("Add Phone Number"), "phone", "/contacts?add=phone"),
    (N_("Make Payment"), "credit_card", "/pay"),
    (N_("Go to Scheduling"), "calendar_clock", "/scheduling"),
    (N_("Go to Shopping Cart"), "shopping_cart", "/cart"),
]


def link_button(text: str, href: str, *, primary: bool = False, **props) -> rx.Component:
    """A link that looks like a button (a button inside a link is not valid HTML)."""
    return rx.link(
        text,
        href=href, display="flex", align_items="center", justify_content="center",
        min_height=tokens.TOUCH_TARGET, padding="0 1rem", border_radius="var(--radius-3)",
        border=f"1px solid {tokens.ACCENT}",
        background=tokens.ACCENT if primary else tokens.SURFACE,
        color=tokens.ON_ACCENT if primary else tokens.ACCENT,
        font_weight="500", underline="none",
        **props,
    )


def bill_actions() -> rx.Component:
    return rx.hstack(
        rx.cond(S.bill_due & SessionState.may_pay, link_button(t("PAY BILL"), "/pay", primary=True, flex="1")),
        link_button(t("VIEW MORE"), "/invoices", flex="1"),
        spacing="3", width="100%",
    )


def autopay_card() -> rx.Component:
    return card(
        rx.hstack(
            rx.icon("repeat", size=22, color=tokens.ACCENT),
            rx.vstack(
                rx.text("AutoPay", size="3", weight="bold"),
                rx.cond(
                    S.autopay_on,
                    rx.text(t("On · "), S.autopay_label, t(" pays each invoice on its due date"), size="2", color=tokens.MUTED,
                            id="home-autopay"),
                    rx.text(t("Pay each invoice automatically on its due date."), size="2", color=tokens.MUTED),
                ),
                spacing="1", align="start", flex="1",
            ),
            align="center", width="100%", spacing="3",
        ),
        rx.box(
            rx.cond(
                S.autopay_on,
                rx.link(t("Manage AutoPay"), href="/autopay", min_height=tokens.TOUCH_TARGET, display="flex",
                        align_items="center"),
                rx.cond(SessionState.may_pay, link_button(t("CREATE AUTOPAY"), "/autopay", width="100%"),
                        rx.link(t("See AutoPay"), href="/autopay", min_height=tokens.TOUCH_TARGET, display="flex",
                                align_items="center")),
            ),
            margin_top="0.75rem",
        ),
    )


def quick_actions() -> rx.Component:
    """The expandable floating action button, above the phone's bottom bar (with room kept for it); every
    action in it changes something, so a view-only sign-in does not get it."""
    return rx.cond(S.may_pay, rx.fragment(rx.box(height="64px", aria_hidden="true"), _fab()))


def _fab() -> rx.Component:
    return rx.box(
        rx.cond(
            S.quick_actions_open,
            rx.vstack(
                *[rx.link(rx.icon(icon, size=18), t(label), href=route, display="flex", align_items="center", gap="0.5rem",
                          padding="0.5rem 1rem", min_height=tokens.TOUCH_TARGET, background=tokens.SURFACE,
                          border=f"1px solid {tokens.BORDER}", border_radius="9999px", box_shadow="var(--shadow-3)",
                          color=tokens.TEXT, underline="none", white_space="nowrap")
                  for label, icon, route in QUICK_ACTIONS],
                align="end", spacing="2", id="quick-actions",
            ),
        ),
        rx.button(
            rx.cond(S.quick_actions_open, rx.icon("x", size=26), rx.icon("plus", size=26)),
            on_click=S.toggle_quick_actions, aria_label=t("Quick actions"),
            aria_expanded=rx.cond(S.quick_actions_open, "true", "false"),
            width="56px", height="56px", border_radius="9999px", background=tokens.ACCENT, color=tokens.ON_ACCENT,
            box_shadow="var(--shadow-4)", cursor="pointer",
        ),
        position="fixed", right="1rem",
        bottom=tokens.phone_or_wide(f"calc({tokens.BOTTOM_BAR_HEIGHT} + 1rem)", "1.5rem"),
        z_index="20", display="flex", flex_direction="column", align_items="end", gap="0.75rem",
    )
