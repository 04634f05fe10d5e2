"""Service status (public, no sign-in): the open outage and maintenance notices and those just restored."""

from __future__ import annotations

import reflex as rx

from portal_app.i18n import t
from portal_app.services.core.i18n import N_

from portal_app.components import tokens
from portal_app.components.forms import public_frame, text_link
from portal_app.components.shell import portal_page
from portal_app.state.outages import StatusState as S


def _update(update: rx.Var) -> rx.Component:
    return rx.text(update["when"], ": ", update["text"], size="2")


def _notice(n: rx.Var) -> rx.Component:
    is_open = n["status"] == "open"
    return rx.box(
        rx.hstack(
            rx.badge(n["kind_label"], color_scheme=rx.cond(n["kind"] == "outage", "amber", "blue"), high_contrast=True),
            rx.badge(rx.cond(is_open, rx.cond(n["started"].to(bool), t("Ongoing"), t("Planned")), t("Restored")),
                     color_scheme=rx.cond(is_open, "red", "green"), high_contrast=True),
            wrap="wrap",
        ),
        rx.heading(n["title"], size="3", as_="h2", margin_top="0.5rem"),
        rx.text(n["areas"], size="2", color=tokens.MUTED),
        rx.text(rx.cond(n["started"].to(bool), t("Since "), t("Starts ")), n["starts"], size="2"),
        rx.cond(is_open & (n["expected_end"] != ""), rx.text(t("Expected back "), n["expected_end"], size="2")),
        rx.cond(~is_open, rx.text(t("Restored "), n["restored"], size="2")),
        rx.cond(n["details"] != "", rx.text(n["details"], size="2", white_space="pre-line")),
        rx.foreach(n["updates"].to(list[dict[str, str]]), _update),
        padding_y="0.75rem", border_bottom=f"1px solid {tokens.BORDER}", width="100%",
        class_name="status-notice",
    )


@portal_page(route="/status", title=N_("Service status"), on_load=[S.load], public=True)
def status() -> rx.Component:
    return public_frame(
        rx.cond(
            S.loaded & (S.notices.length() == 0),
            rx.callout(t("No known problems: everything is working."), icon="circle_check", color_scheme="green",
                       high_contrast=True, id="all-well"),
        ),
        rx.vstack(rx.foreach(S.notices, _notice), spacing="0", width="100%", id="status-notices"),
        rx.text(t("Signed in, you see notices for your own area on every page and can choose to get them by text."),
                size="2", color=tokens.MUTED),
        heading=t("Service status"),
        below=(text_link(t("Sign in"), "/signin"),),
        logo_href="/signin",
    )
