"""The header's account switcher (only for a sign-in holding two or more accounts) and the notes that say
what the chosen account's role allows."""

from __future__ import annotations

import reflex as rx

from portal_app.components import tokens
from portal_app.i18n import t
from portal_app.state.session import SessionState as S


def _choice(account: rx.Var) -> rx.Component:
    current = account["id"] == S.account_id
    return rx.menu.item(
        rx.hstack(
            rx.cond(current, rx.icon("check", size=16, aria_hidden="true"),
                    rx.icon("building_2", size=16, aria_hidden="true")),
            rx.vstack(
                rx.text(account["label"], size="2", weight=rx.cond(current, "bold", "regular")),
                rx.text(account["role"], size="1", color=tokens.MUTED),
                spacing="0", align="start",
            ),
            align="center", spacing="2",
        ),
        on_select=S.switch_account(account["id"]),
        min_height=tokens.TOUCH_TARGET,
        height="auto",
        padding_y="0.375rem",
        class_name="account-choice",
        custom_attrs={"data-account": account["number"]},
    )


def account_switcher(*, phone: bool) -> rx.Component:
    """Account number and name of the chosen account; opens the list of the others to act for. Phones get
    it as a full-width row under the header (`phone=True`), wider screens beside the logo."""
    return rx.cond(
        S.accounts.length() > 1,
        rx.box(rx.menu.root(
            rx.menu.trigger(
                rx.button(
                    rx.icon("building_2", size=18, aria_hidden="true"),
                    rx.text(S.account_label, size="2", overflow="hidden", text_overflow="ellipsis",
                            white_space="nowrap", max_width="100%" if phone else "16rem"),
                    rx.icon("chevron_down", size=16, aria_hidden="true"),
                    variant="soft", color_scheme="gray", min_height=tokens.TOUCH_TARGET, cursor="pointer",
                    width="100%" if phone else "auto", justify_content="start" if phone else "center",
                    aria_label=t("Switch account: now ") + S.account_label,
                    id="account-switcher" if phone else "account-switcher-wide",
                ),
            ),
            rx.menu.content(
                rx.text(t("Your accounts"), size="1", color=tokens.MUTED, padding="0.25rem 0.5rem"),
                rx.foreach(S.accounts, _choice),
                rx.menu.separator(),
                rx.menu.item(rx.hstack(rx.icon("users", size=16, aria_hidden="true"), rx.text(t("People with access")),
                                       align="center", spacing="2"),
                             on_select=rx.redirect("/people"), min_height=tokens.TOUCH_TARGET),
                align="start",
            ),
        ), display=tokens.phone_or_wide("block", "none") if phone else tokens.phone_or_wide("none", "block"),
            padding="0.25rem 1rem 0" if phone else "0", width="100%" if phone else "auto"),
    )


def role_notes() -> rx.Component:
    """Above each page: what this role cannot do here, and any change just refused for it."""
    return rx.fragment(
        rx.cond(
            S.signed_in & ~S.may_change,
            rx.callout(
                rx.cond(S.may_pay,
                        t("Billing-only access to this account: you can pay and manage billing, not change services, "
                          "contacts or tickets."),
                        t("View-only access to this account: you can see everything, and change nothing.")),
                icon="eye", color_scheme="gray", size="1", margin_bottom="0.75rem", id="role-note",
            ),
        ),
        rx.cond(S.refused != "", rx.callout(S.refused, icon="ban", color_scheme="red", role="alert", size="2",
                                            margin_bottom="0.75rem", id="role-refused")),
    )
