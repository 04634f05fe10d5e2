"""Scheduling: the appointment waiting to be scheduled, open dates on a calendar, open times beside it
(below on phones), SUBMIT; booked appointments with their calendar file, reschedule and cancel."""

from __future__ import annotations

import reflex as rx

from portal_app.i18n import t
from portal_app.services.core.i18n import N_
from portal_app.components import tokens
from portal_app.components.dialogs import confirm_dialog
from portal_app.components.cards import card, error_callout, notice_callout, page_body, primary_button
from portal_app.components.shell import portal_page
from portal_app.state.scheduling import SchedulingReminderState as R
from portal_app.state.scheduling import SchedulingState as S

WEEKDAYS = (N_("Sun"), N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"))


def _day_cell(cell: rx.Var) -> rx.Component:
    selected = cell["iso"] == S.selected_day
    return rx.cond(
        cell["open"] != "",
        rx.el.button(
            rx.cond(cell["month"] != "", rx.text(cell["month"], size="1"), rx.fragment()),
            rx.text(cell["day"], size="3", weight="bold"),
            on_click=S.pick_day(cell["iso"]),
            aria_label=cell["label"],
            aria_pressed=rx.cond(selected, "true", "false"),
            class_name="open-day",
            style={"min_height": tokens.TOUCH_TARGET, "width": "100%", "border_radius": "var(--radius-3)",
                   "cursor": "pointer", "display": "flex", "flex_direction": "column", "align_items": "center",
                   "justify_content": "center", "border": f"1px solid {tokens.ACCENT}",
                   "background": rx.cond(selected, tokens.ACCENT, tokens.ACCENT_SOFT),
                   "color": rx.cond(selected, tokens.ON_ACCENT, tokens.TEXT)},
        ),
        rx.box(
            rx.cond(cell["month"] != "", rx.text(cell["month"], size="1"), rx.fragment()),
            rx.text(cell["day"], size="2"),
            color=tokens.MUTED, min_height=tokens.TOUCH_TARGET,
            display="flex", flex_direction="column", align_items="center", justify_content="center",
            aria_hidden="true",
        ),
    )


def _calendar() -> rx.Component:
    return rx.vstack(
        rx.text(t("Open dates"), size="2", weight="bold", color=tokens.TEXT),
        rx.grid(
            *[rx.text(t(day), size="1", color=tokens.MUTED, text_align="center") for day in WEEKDAYS],
            rx.foreach(S.cells, _day_cell),
            columns="7", spacing="1", width="100%", id="open-dates",
        ),
        spacing="2", width="100%",
        max_width=tokens.phone_or_wide("100%", "340px"),
    )


def _time_button(slot: rx.Var) -> rx.Component:
    selected = slot["id"] == S.selected_window
    return rx.button(
        slot["label"],
        rx.cond(slot["left"] != "", rx.badge(slot["left"], color_scheme="amber", high_contrast=True), rx.fragment()),
        on_click=S.pick_time(slot["id"]),
        aria_pressed=rx.cond(selected, "true", "false"),
        variant=rx.cond(selected, "solid", "outline"),
        size="3", min_height=tokens.TOUCH_TARGET, width="100%", cursor="pointer", class_name="open-time",
    )


def _times() -> rx.Component:
    return rx.vstack(
        rx.cond(
            S.selected_day != "",
            rx.vstack(
                rx.text(t("Open times on "), S.selected_day_label, size="2", weight="bold", color=tokens.TEXT,
                        id="times-heading"),
                rx.foreach(S.times, _time_button),
                spacing="2", width="100%",
            ),
            rx.text(t("Pick a day to see its open times."), size="2", color=tokens.MUTED),
        ),
        rx.cond(S.err_window != "", rx.text(S.err_window, role="alert", size="2", color=tokens.DANGER,
                                            id="window-error")),
        primary_button(t("SUBMIT"), on_click=S.submit, width="100%"),
        spacing="3", width="100%", flex="1",
    )


def _picker() -> rx.Component:
    return card(
        rx.vstack(
            rx.cond(S.mode == "reschedule",
                    rx.hstack(rx.text(t("Pick a new time for your "), S.target_title, size="3", weight="bold"),
                              rx.spacer(),
                              rx.button(t("Keep current time"), variant="ghost", on_click=S.stop_reschedule,
                                        min_height=tokens.TOUCH_TARGET),
                              width="100%", align="center", wrap="wrap"),
                    rx.vstack(rx.text(t("To schedule"), size="2", color=tokens.MUTED),
                              rx.text(S.target_title, size="4", weight="bold", id="to-schedule"), spacing="0")),
            rx.cond(
                S.cells.length() > 0,
                rx.flex(_calendar(), _times(), direction=tokens.phone_or_wide("column", "row"), gap="1.25rem",
                        width="100%"),
                rx.text(t("There are no open times right now. Please call us to book."), color=tokens.MUTED),
            ),
            spacing="3", width="100%",
        ),
        border_top=f"4px solid {tokens.ACCENT}",
    )


def _booked(appointment: rx.Var) -> rx.Component:
    return card(
        rx.vstack(
            rx.text(appointment["title"], size="4", weight="bold", color=tokens.TEXT),
            rx.text(appointment["when"], size="3", color=tokens.TEXT, class_name="booked-when"),
            rx.link(rx.icon("calendar-plus", size=18), t("Add to my calendar (.ics)"), href=appointment["ics"],
                    display="flex", align_items="center", gap="0.5rem", min_height=tokens.TOUCH_TARGET),
            rx.cond(
                appointment["can_change"] != "",
                rx.hstack(
                    rx.button(t("Reschedule"), variant="outline", size="3", min_height=tokens.TOUCH_TARGET,
                              on_click=S.start_reschedule(appointment["id"]), cursor="pointer"),
                    rx.button(t("Cancel appointment"), variant="soft", color_scheme="red", size="3",
                              min_height=tokens.TOUCH_TARGET, on_click=S.ask_cancel(appointment["id"]),
                              cursor="pointer"),
                    spacing="3", wrap="wrap",
                ),
                rx.text(t("It starts within "), S.cutoff_hours.to_string(), t(" hours: please call us to change it."),
                        size="2", color=tokens.MUTED),
            ),
            spacing="2", align="start", width="100%",
        ),
        class_name="booked-appointment",
    )


def _cancel_dialog() -> rx.Component:
    return confirm_dialog(
        title=t("Cancel appointment?"), description=S.cancel_text, confirm_label=t("CANCEL APPOINTMENT"),
        on_confirm=S.confirm_cancel, keep_label=t("Keep it"), open=S.confirm_cancel_open,
        on_open_change=S.set_confirm_cancel_open,
    )


@portal_page(route="/scheduling", title=N_("Scheduling"), nav_label=N_("Scheduling"), nav_icon="calendar-clock",
             nav_order=80, on_load=[S.load])
def scheduling_page() -> rx.Component:
    return page_body(
        t("Scheduling"),
        notice_callout(S.confirmation, id="scheduling-confirmation"),
        error_callout(S.page_error, id="scheduling-error"),
        rx.cond(
            S.loaded,
            rx.vstack(
                rx.cond(S.mode != "", _picker()),
                rx.foreach(S.scheduled, _booked),
                rx.cond((S.mode == "") & (S.scheduled.length() == 0),
                        card(rx.text(t("You have no appointments to schedule."), color=tokens.MUTED))),
                spacing="3", width="100%",
            ),
            rx.center(rx.spinner(size="3")),
        ),
        _cancel_dialog(),
        spacing="3",
    )


def scheduling_reminder() -> rx.Component:
    """On Home until the appointment is booked or "Later" puts it away for the rest of the session
    (`SchedulingReminderState.check` on Home's load).

    A card at the top of the page instead of a dialog, like the contract card: the subscriber can
    still read what they owe and reach everything else, and there is no focus trap on a phone.
    """
    return rx.cond(
        R.reminder_open,
        rx.box(
            rx.hstack(
                rx.icon("calendar-clock", size=24, color=tokens.ACCENT, aria_hidden="true"),
                rx.vstack(
                    rx.text(t("Schedule your appointment"), size="4", weight="bold", color=tokens.TEXT),
                    rx.text(t("Your "), R.reminder_title, t(" still needs a time. Pick one that suits you."), size="2",
                            color=tokens.TEXT),
                    rx.hstack(
                        primary_button(t("Go to Scheduling"), on_click=rx.redirect("/scheduling")),
                        rx.button(t("Later"), variant="soft", color_scheme="gray", size="3",
                                  min_height=tokens.TOUCH_TARGET, on_click=R.later,
                                  cursor="pointer"),
                        spacing="3", wrap="wrap",
                    ),
                    spacing="2", align="start",
                ),
                spacing="3", align="start",
            ),
            role="region", aria_label=t("Appointment to schedule"), id="scheduling-reminder",
            background=tokens.ACCENT_SOFT, border=f"1px solid {tokens.ACCENT}", border_radius="var(--radius-4)",
            padding="1rem", width="100%",
        ),
    )
