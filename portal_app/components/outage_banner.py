"""The outage and maintenance notices a signed-in subscriber's area has open: on top of every page."""

from __future__ import annotations

import reflex as rx

from portal_app.i18n import t
from portal_app.components import tokens


def _banner(notice: rx.Var) -> rx.Component:
    outage = notice["kind"] == "outage"
    return rx.callout.root(
        rx.callout.icon(rx.cond(outage, rx.icon("triangle_alert", size=18), rx.icon("wrench", size=18))),
        rx.vstack(
            rx.text(notice["heading"], weight="bold", size="2"),
            rx.text(notice["when"], size="2"),
            rx.cond(notice["latest"] != "", rx.text(t("Latest: "), notice["latest"], size="2")),
            rx.link(t("Service status"), href="/status", size="2", min_height=tokens.TOUCH_TARGET,
                    display="inline-flex", align_items="center", color="inherit", text_decoration="underline"),
            spacing="1", align="start",
        ),
        color_scheme=rx.cond(outage, "amber", "blue"),
        high_contrast=True,  # the text must read at 4.5:1 on the tinted background
        role="status", width="100%", class_name="outage-banner",
    )


def outage_banners(notices: rx.Var) -> rx.Component:
    """`notices`: the state's list of {id, kind, heading, when, latest}."""
    return rx.cond(
        notices.length() > 0,
        rx.vstack(rx.foreach(notices, _banner), spacing="2", width="100%", margin_bottom="1rem", id="outage-banners"),
    )
