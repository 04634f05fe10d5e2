"""Staff (admins): post an outage or maintenance notice for service areas, send updates, mark it restored;
and (every staff member) an account's notifications: what was sent, how it went, what it chose."""

from __future__ import annotations

import reflex as rx

from portal_app.components import tokens
from portal_app.components.cards import card, primary_button
from portal_app.components.forms import field_error, stacked_form
from portal_app.components.staff_admin import account_view, admin_page, list_card
from portal_app.components.staff_shell import staff_page
from portal_app.state.outages import StaffAccountNotificationsState as A
from portal_app.state.outages import StaffOutagesState as S


def _err(name: str) -> rx.Var:
    return S.errors.get(name, "")


def _labelled(label: str, control: rx.Component, name: str) -> rx.Component:
    return rx.vstack(
        rx.el.label(label, html_for=f"outage-{name}", font_size="var(--font-size-2)", font_weight="500"),
        control,
        field_error(_err(name), f"outage-{name}"),
        spacing="1", width="100%",
    )


def _input(name: str, type_: str = "text", **props) -> rx.Component:
    return rx.input(id=f"outage-{name}", name=name, type=type_, size="3", width="100%",
                    min_height=tokens.TOUCH_TARGET, aria_describedby=f"outage-{name}-error", **props)


def _area(area: rx.Var) -> rx.Component:
    return rx.el.label(
        rx.checkbox(name="area_" + area["id"].to(str), size="3", aria_label=area["name"].to(str)),
        rx.text(area["name"], size="2"),
        display="flex", gap="0.5rem", align_items="center", min_height=tokens.TOUCH_TARGET, cursor="pointer",
    )


def _post_form() -> rx.Component:
    return card(stacked_form(
        rx.heading("Post a notice", size="4", as_="h2"),
        _labelled("Kind", rx.el.select(
            rx.el.option("Service problem (outage)", value="outage"),
            rx.el.option("Planned maintenance", value="maintenance"),
            id="outage-kind", name="kind", default_value="outage",
            style={"width": "100%", "min_height": tokens.TOUCH_TARGET, "padding": "0 0.75rem",
                   "border": f"1px solid {tokens.BORDER}", "border_radius": "var(--radius-3)",
                   "background": tokens.SURFACE, "font_size": "var(--font-size-3)", "color": tokens.TEXT},
        ), "kind"),
        _labelled("What customers see (a short title)", _input("title", max_length=80), "title"),
        _labelled("Details (optional)", rx.text_area(id="outage-details", name="details", size="3", width="100%",
                                                     min_height="5rem", max_length=1000), "details"),
        _labelled("Starts", _input("starts_at", "datetime-local", default_value=S.default_start), "starts_at"),
        _labelled("Expected end (optional)", _input("expected_end", "datetime-local"), "expected_end"),
        rx.el.fieldset(
            rx.el.legend("Where", style={"font_size": "var(--font-size-2)", "font_weight": "500"}),
            rx.el.label(
                rx.checkbox(name="all_areas", size="3", aria_label="All areas"),
                rx.text("All areas (every customer)", size="2", weight="medium"),
                display="flex", gap="0.5rem", align_items="center", min_height=tokens.TOUCH_TARGET,
                cursor="pointer",
            ),
            rx.foreach(S.areas, _area),
            field_error(_err("areas"), "outage-areas"),
            style={"border": "none", "padding": "0", "margin": "0", "width": "100%"},
        ),
        rx.text("Customers in those areas see it on every page of the portal at once and get it by email or "
                "text, as each has chosen.", size="2", color=tokens.MUTED),
        primary_button("POST NOTICE", type="submit"),
        on_submit=S.post, spacing="3", key=S.form_key, id="post-notice",
    ))


def _update_line(update: rx.Var) -> rx.Component:
    return rx.text(update["when"], ": ", update["text"], size="2")


def _notice(n: rx.Var) -> rx.Component:
    is_open = n["status"] == "open"
    notice_id = n["id"].to(str)
    return card(rx.vstack(
        rx.hstack(
            rx.badge(n["kind_label"], color_scheme=rx.cond(n["kind"] == "outage", "amber", "blue"), high_contrast=True),
            rx.badge(rx.cond(is_open, "Open", "Restored"), color_scheme=rx.cond(is_open, "red", "green"),
                     high_contrast=True),
            wrap="wrap",
        ),
        rx.heading(n["title"], size="4", as_="h3"),
        rx.text(n["areas"], size="2", color=tokens.MUTED),
        rx.text("From ", n["starts"], rx.cond(n["expected_end"] != "", " · expected back " + n["expected_end"].to(str), ""),
                size="2"),
        rx.cond(n["details"] != "", rx.text(n["details"], size="2", white_space="pre-line")),
        rx.foreach(n["updates"].to(list[dict[str, str]]), _update_line),
        rx.cond(~is_open, rx.text("Restored ", n["restored"], size="2", color=tokens.MUTED)),
        rx.cond(is_open, rx.vstack(
            stacked_form(
                rx.el.input(type="hidden", name="notice_id", value=notice_id),
                rx.el.label("Update for customers", rx.text_area(name="update", size="3", width="100%",
                                                                 max_length=500, min_height="4rem"),
                            font_size="var(--font-size-2)", font_weight="500", width="100%"),
                rx.el.label("New expected end (optional)", rx.input(name="update_end", type="datetime-local",
                                                                    size="3", width="100%"),
                            font_size="var(--font-size-2)", font_weight="500", width="100%"),
                rx.cond(S.update_error_for == notice_id, rx.vstack(
                    field_error(_err("update"), "update"), field_error(_err("update_end"), "update-end"))),
                rx.button("SEND UPDATE", type="submit", variant="outline", min_height=tokens.TOUCH_TARGET,
                          cursor="pointer"),
                on_submit=S.add_update, spacing="2", reset_on_submit=True,
            ),
            rx.button("SERVICE RESTORED", on_click=S.restore(notice_id), color_scheme="green", high_contrast=True,
                      min_height=tokens.TOUCH_TARGET, cursor="pointer",
                      aria_label="Service restored: " + n["title"].to(str)),
            spacing="3", width="100%",
        )),
        spacing="2", width="100%", align="start",
    ), class_name="outage-notice")


@admin_page(route="/staff/outages", title="Outage notices", state=S, nav_label="Outages", nav_icon="radio_tower",
            nav_order=65,
            intro="Tell the customers of some service areas (or all) about a service problem or planned work: "
                  "they see it on every page and get it by email or text.")
def staff_outages() -> list[rx.Component]:
    return [
        _post_form(),
        rx.heading("Open and recent", size="4", as_="h2"),
        rx.cond(S.loaded & (S.notices.length() == 0), rx.text("No notices in the last 30 days.", size="2",
                                                               color=tokens.MUTED)),
        rx.vstack(rx.foreach(S.notices, _notice), spacing="3", width="100%", id="notices"),
        rx.link("Public status page", href="/status", size="2"),
    ]


def _sent(row: rx.Var) -> rx.Component:
    return rx.vstack(
        rx.hstack(rx.badge(row["channel"], color_scheme="gray"), rx.text(row["when"], size="1", color=tokens.MUTED),
                  rx.badge(row["status"], color_scheme="gray", high_contrast=True), wrap="wrap", align="center"),
        rx.text(row["subject"], size="2"),
        rx.text(row["event"], " · to ", row["to"], size="1", color=tokens.MUTED),
        rx.cond(row["detail"] != "", rx.text("Last error: ", row["detail"], size="1", overflow_wrap="anywhere")),
        spacing="1", width="100%", class_name="sent-row",
    )


def _choice(row: rx.Var) -> rx.Component:
    return rx.text(row["label"], ": ",
                   rx.cond(row["email_offered"].to(bool), rx.cond(row["email"].to(bool), "email", "no email"),
                           "by post"),
                   rx.cond(row["email_required"].to(bool), " (required)", ""),
                   rx.cond(row["sms"].to(bool) & (A.sms_phone != ""), ", texts", ""), size="2")


@staff_page(route="/staff/notifications", title="Account notifications", on_load=[A.load])
def staff_account_notifications() -> rx.Component:
    return account_view(
        A, "Notifications",
        list_card(A.sent, _sent, empty="Nothing sent yet.", id="staff-sent"),
        card(rx.vstack(
            rx.heading("Their choices", size="4", as_="h2"),
            rx.text("Paperless billing: ", rx.cond(A.paperless, "on", "off (paper bill by post)"), size="2"),
            rx.text("Texts: ", rx.cond(A.sms_phone != "", A.sms_phone, "no number"),
                    rx.cond(A.sms_opted_out, " (replied STOP)", ""), " · quiet hours ", A.quiet, size="2"),
            rx.foreach(A.choices, _choice),
            spacing="1", width="100%",
        )),
    )
