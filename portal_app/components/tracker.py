"""The order tracker (check = completed, dot = not yet or skipped, current step highlighted) and order cards."""

from __future__ import annotations

import reflex as rx

from portal_app.i18n import t
from portal_app.components import tokens
from portal_app.components.cards import card


def _mark(step: rx.Var) -> rx.Component:
    done = step["state"] == "done"
    return rx.tooltip(
        rx.box(
            rx.cond(done, rx.icon("check", size=16, color=tokens.ON_ACCENT, aria_hidden="true"),
                    rx.box(width="8px", height="8px", border_radius="50%",
                           background=rx.cond(step["state"] == "current", tokens.ACCENT, tokens.MUTED))),
            display="flex", align_items="center", justify_content="center", flex_shrink="0",
            width="28px", height="28px", border_radius="50%",
            background=rx.cond(done, tokens.ACCENT, tokens.SURFACE),
            border=rx.cond(done, f"2px solid {tokens.ACCENT}", f"2px solid {tokens.BORDER}"),
            role="img", aria_label=step["status_label"], tab_index=0,
            class_name="step-mark",
        ),
        content=step["status_label"],
    )


def _step(step: rx.Var) -> rx.Component:
    current = step["state"] == "current"
    return rx.hstack(
        _mark(step),
        rx.vstack(
            rx.text(step["name"], weight=rx.cond(current, "bold", "medium"), size="3", color=tokens.TEXT),
            rx.cond(step["description"] != "", rx.text(step["description"], size="2", color=tokens.MUTED)),
            rx.text(step["status_label"], size="1", color=tokens.MUTED, class_name="step-status"),
            spacing="0", align="start", min_width="0",
        ),
        spacing="3", align="start", width="100%", padding="0.5rem",
        border_radius="var(--radius-3)",
        background=rx.cond(current, tokens.ACCENT_SOFT, "transparent"),
        data_state=step["state"],
        aria_current=rx.cond(current, "step", "false"),
        class_name="tracker-step", role="listitem",
    )


def tracker(steps: rx.Var) -> rx.Component:
    return rx.vstack(rx.foreach(steps, _step), spacing="1", width="100%", role="list", class_name="tracker")


def order_card(order: rx.Var, *, with_steps: bool = True) -> rx.Component:
    return card(
        rx.vstack(
            rx.hstack(
                rx.text(order["title"], size="4", weight="bold", color=tokens.TEXT),
                rx.badge(order["status"], color_scheme=rx.cond(order["open"], "blue", "green"), high_contrast=True),
                wrap="wrap", justify="between", width="100%",
            ),
            rx.text(order["kind_label"], t(" · placed "), order["placed_on"], " · ", order["progress"], size="2",
                    color=tokens.MUTED),
            tracker(order["steps"].to(list[dict])) if with_steps else rx.cond(
                order["current_name"] != "",
                rx.text(t("Now: "), rx.el.strong(order["current_name"]), size="3", color=tokens.TEXT),
            ),
            spacing="2", align="start", width="100%",
        ),
        id="order-" + order["id"].to(str),
        class_name="order-card",
    )
