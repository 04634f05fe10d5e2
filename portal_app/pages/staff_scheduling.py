"""Staff page: appointment windows of one day, with booked/capacity, new windows, capacity changes, deletion."""

from __future__ import annotations

import reflex as rx

from portal_app.components import tokens
from portal_app.components.cards import card
from portal_app.components.forms import field_error, text_field
from portal_app.components.staff_admin import admin_page, form_card
from portal_app.state.staff_scheduling import StaffSchedulingState as S


def _window(window: rx.Var) -> rx.Component:
    input_id = "capacity-" + window["id"]
    return card(
        rx.vstack(
            rx.hstack(
                rx.text(window["label"], size="4", weight="bold"),
                rx.spacer(),
                rx.badge(window["booked"], " of ", window["capacity"], " booked", size="2", color_scheme="gray",
                         high_contrast=True),
                width="100%", align="center", wrap="wrap",
            ),
            rx.form(
                rx.hstack(
                    rx.el.input(type="hidden", name="window_id", value=window["id"]),
                    rx.vstack(
                        rx.el.label("Capacity", html_for=input_id, font_size="var(--font-size-2)",
                                    font_weight="500"),
                        rx.input(id=input_id, name="capacity", type="number", min="0", max="100",
                                 default_value=window["capacity"], key=window["capacity"], size="3", width="6rem",
                                 min_height=tokens.TOUCH_TARGET, aria_describedby=input_id + "-error"),
                        spacing="1",
                    ),
                    rx.button("SET CAPACITY", type="submit", variant="outline", size="3",
                              min_height=tokens.TOUCH_TARGET, cursor="pointer"),
                    rx.spacer(),
                    rx.cond(
                        window["deletable"] != "",
                        rx.button(rx.icon("trash-2", size=18), "DELETE", type="button", color_scheme="red",
                                  variant="soft", size="3", min_height=tokens.TOUCH_TARGET, cursor="pointer",
                                  aria_label="Delete the " + window["label"] + " window",
                                  on_click=S.delete(window["id"].to(int))),
                    ),
                    align="end", width="100%", spacing="2", wrap="wrap",
                ),
                on_submit=S.set_capacity, reset_on_submit=False, no_validate=True, width="100%",
            ),
            rx.cond(S.row_error_id == window["id"],
                    rx.text(S.errors.get("row", ""), id=input_id + "-error", role="alert", size="2", color=tokens.DANGER)),
            spacing="2", width="100%",
        ),
        class_name="staff-window",
    )


def _day_chip(day: rx.Var) -> rx.Component:
    return rx.button(
        day["label"], rx.text(day["booked"], "/", day["capacity"], size="1", color=tokens.MUTED),
        on_click=S.pick_day(day["day"]), type="button", variant=rx.cond(day["day"] == S.day, "solid", "outline"),
        aria_label=day["label"] + ": " + day["booked"] + " of " + day["capacity"] + " places booked",
        size="2", min_height=tokens.TOUCH_TARGET, cursor="pointer", class_name="window-day",
    )


def _define_form() -> rx.Component:
    return form_card(
        "Add a window on " + S.day_label,
        rx.hstack(
            rx.box(text_field("Starts", "starts", type_="time", default_value="08:00"), flex="1", min_width="7.5rem"),
            rx.box(text_field("Ends", "ends", type_="time", default_value="12:00"), flex="1", min_width="7.5rem"),
            rx.box(text_field("Capacity", "capacity", type_="number", default_value="2", min="1", max="100"),
                   width="6rem"),
            spacing="3", width="100%", wrap="wrap",
        ),
        field_error(S.errors.get("define", ""), "field-define"),
        submit="ADD WINDOW", on_submit=S.define, reset=False, no_validate=True,
    )


@admin_page(route="/staff/scheduling", title="Appointment windows", state=S, nav_icon="calendar-clock", nav_order=30,
            max_width="720px", intro="Install windows subscribers can book, and how many crews each one has.")
def appointment_windows() -> list[rx.Component]:
    return [
        rx.vstack(
            rx.el.label("Day", html_for="window-day", font_size="var(--font-size-2)", font_weight="500"),
            rx.input(id="window-day", type="date", value=S.day, on_change=S.pick_day, size="3",
                     min_height=tokens.TOUCH_TARGET, width="12rem"),
            spacing="1",
        ),
        rx.cond(
            S.days.length() > 0,
            rx.vstack(
                rx.text("Coming days with windows (booked/capacity)", size="2", color=tokens.MUTED),
                rx.flex(rx.foreach(S.days, _day_chip), wrap="wrap", gap="0.5rem", id="window-days"),
                spacing="1", width="100%",
            ),
        ),
        rx.heading(S.day_label, as_="h2", size="4"),
        rx.cond(
            S.windows.length() > 0,
            rx.vstack(rx.foreach(S.windows, _window), spacing="2", width="100%", id="staff-windows"),
            rx.text("No windows on this day yet.", color=tokens.MUTED, id="no-windows"),
        ),
        _define_form(),
    ]
