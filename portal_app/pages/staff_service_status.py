"""Staff: find an account and set its service status; suspended accounts show their restore link."""

from __future__ import annotations

import reflex as rx

from portal_app.components import tokens
from portal_app.components.cards import card, error_callout, label_value, notice_callout, primary_button
from portal_app.components.forms import select_field, stacked_form, text_field
from portal_app.components.staff_shell import staff_page
from portal_app.state.staff_service_status import StaffServiceStatusState as S


def _account() -> rx.Component:
    return card(rx.vstack(
        rx.heading(S.account_name, " · ", S.account_number, as_="h2", size="4"),
        rx.hstack(label_value("Service", S.standing["label"], id="service-label"),
                  label_value("Balance", S.standing["balance"]),
                  spacing="6", wrap="wrap"),
        rx.cond(S.standing["reason"] != "", rx.text("Reason: ", S.standing["reason"], size="2", color=tokens.MUTED)),
        rx.cond(S.standing["restore"] != "", rx.vstack(
            rx.text("A payment of ", rx.el.strong(S.standing["restore"]), " restores it. Restore link (72 hours) for the "
                    "subscriber or the network's redirect:", size="2"),
            rx.el.input(value=S.standing["restore_link"], read_only=True, aria_label="Restore link", id="restore-link",
                        style={"width": "100%", "min_height": tokens.TOUCH_TARGET, "padding": "0 0.5rem",
                               "border": f"1px solid {tokens.BORDER}", "border_radius": "var(--radius-2)"}),
            spacing="1", width="100%")),
        rx.cond(S.standing["promise"] != "", rx.hstack(
            rx.text(S.standing["promise"], size="2", id="staff-promise"),
            rx.button("CANCEL PROMISE", on_click=S.cancel_promise, variant="outline", color_scheme="red", size="3",
                      min_height=tokens.TOUCH_TARGET, cursor="pointer"),
            spacing="3", wrap="wrap", align="center")),
        stacked_form(
            select_field("Set service status", "service_status", S.options, default_value=S.standing["status"],
                         error=S.errors.get("service_status", "")),
            text_field("Reason (the subscriber sees it)", "reason", default_value=S.standing["reason"],
                       id_prefix="status"),
            primary_button("SAVE STATUS", type="submit"),
            on_submit=S.save, spacing="3", align="start",
        ),
        spacing="3", width="100%", align="start",
    ), id="service-status")


# Reached from an account's page (Service status), so it is not in the navigation.
@staff_page(route="/staff/service-status", title="Service status", on_load=[S.load])
def staff_service_status() -> rx.Component:
    return rx.vstack(
        rx.heading("Service status", as_="h1", size="6"),
        rx.text("Suspend, restore or disconnect an account's service. Every change is in the account's history "
                "and goes to the network's webhooks (service.suspended, service.restored, service.disconnected); a "
                "payment restores an account suspended for non-payment by itself.", size="2", color=tokens.MUTED),
        rx.form(
            rx.hstack(
                text_field("Account number", "number", error=S.errors.get("number", ""), default_value=S.account_number,
                           id_prefix="find"),
                primary_button("FIND", type="submit"),
                align="end", spacing="2", width="100%",
            ),
            on_submit=S.find, reset_on_submit=False, width="100%",
        ),
        notice_callout(S.notice, id="status-notice"),
        error_callout(S.refused),
        rx.cond(S.found, _account()),
        spacing="3", width="100%", max_width="820px",
    )
