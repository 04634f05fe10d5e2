"""Scheduling page (book, reschedule, cancel) and the after-sign-in reminder pop-up."""

from __future__ import annotations

import datetime as dt

import reflex as rx

from portal_app.services.selfservice import scheduling
from portal_app.services.core.errors import FieldErrors
from portal_app.services.core.provider_settings import provider_settings
from portal_app.state.dialogs import LaterReminder
from portal_app.state.session import SessionState
from portal_app.services.core.access import FULL
from portal_app.state.signed_in import signed_in_event
from portal_app.services.core import formatting


def _calendar_cells(open_days: list[dt.date], today: dt.date) -> list[dict[str, str]]:
    """Whole weeks (Sunday first) from this week to the week of the last open day."""
    if not open_days:
        return []
    start = today - dt.timedelta(days=(today.weekday() + 1) % 7)
    end = open_days[-1] + dt.timedelta(days=6 - (open_days[-1].weekday() + 1) % 7)
    opened = set(open_days)
    cells = []
    day = start
    while day <= end:
        cells.append({
            "iso": day.isoformat(),
            "day": str(day.day),
            "open": "yes" if day in opened else "",
            "label": formatting.date(day, 'MMMMEEEEd'),
            "month": formatting.date(day, 'MMM') if day.day == 1 or day == start else "",
        })
        day += dt.timedelta(days=1)
    return cells


class SchedulingState(SessionState):
    loaded: bool = False
    mode: str = ""  # book | reschedule | "" (nothing to pick)
    target_title: str = ""
    month_label: str = ""
    cells: list[dict[str, str]] = []
    selected_day: str = ""
    selected_day_label: str = ""
    times: list[dict[str, str]] = []
    selected_window: str = ""
    err_window: str = ""
    confirmation: str = ""
    page_error: str = ""
    scheduled: list[dict[str, str]] = []
    cutoff_hours: int = 24
    confirm_cancel_open: bool = False
    cancel_text: str = ""
    _target_id: int | None = None
    _cancel_id: int | None = None

    def _refresh(self, db, principal) -> None:
        """What to show: the appointment to schedule (or the one being moved) and the booked ones."""
        self.cutoff_hours = provider_settings(db).reschedule_cutoff_hours
        rows = scheduling.appointments(db, principal=principal)
        self.scheduled = [
            {"id": str(a.id), "title": a.title, "when": scheduling.when_label(a.starts_at, a.ends_at),
             "ics": f"/ics/appointment/{a.id}.ics", "can_change": "yes" if scheduling.can_change(db, a, cutoff_hours=self.cutoff_hours) else ""}
            for a in rows if a.status == "scheduled"
        ]
        if self.mode != "reschedule":
            pending = next((a for a in rows if a.status == "to_schedule"), None)
            self.mode = "book" if pending else ""
            self._target_id = pending.id if pending else None
            self.target_title = pending.title if pending else ""
        if self._target_id is not None:
            days = scheduling.open_days(db, principal=principal, appointment_id=self._target_id)
            self.cells = _calendar_cells(days, scheduling.local_day(dt.datetime.now(dt.UTC)))
        else:
            self.cells = []
        self.selected_day = self.selected_day_label = self.selected_window = ""
        self.times = []
        self.loaded = True

    def _show_problem(self, problem: Exception) -> None:
        self.page_error = str(problem)

    @rx.event
    @signed_in_event
    def load(self, db, principal):
        self.mode, self._target_id = "", None
        self.confirmation = self.page_error = self.err_window = ""
        self.confirm_cancel_open = False
        self._refresh(db, principal)

    @rx.event
    @signed_in_event
    def pick_day(self, db, principal, iso: str):
        if self._target_id is None:
            return
        self.err_window = ""
        self._show_times(db, principal, str(iso))

    def _show_times(self, db, principal, iso: str) -> None:
        cell = next((c for c in self.cells if c["iso"] == iso and c["open"]), None)
        if cell is None:
            return
        self.selected_window = ""
        windows = scheduling.open_windows(db, principal=principal, appointment_id=self._target_id,
                                          day=dt.date.fromisoformat(cell["iso"]))
        self.selected_day, self.selected_day_label = cell["iso"], cell["label"]
        self.times = [{"id": str(w.id), "label": scheduling.window_label(w.starts_at, w.ends_at),
                       "left": f"{w.places_left} left" if w.places_left == 1 else ""} for w in windows]

    @rx.event
    def pick_time(self, window_id: str):
        if any(slot["id"] == str(window_id) for slot in self.times):
            self.selected_window = str(window_id)
            self.err_window = ""

    @rx.event
    @signed_in_event(needs=FULL)
    def submit(self, db, principal):
        if self._target_id is None:
            return
        if not self.selected_window:
            self.err_window = "Pick a day and a time first."
            return
        rescheduling = self.mode == "reschedule"
        action = scheduling.reschedule if rescheduling else scheduling.book
        try:
            appointment = action(db, principal=principal, appointment_id=self._target_id,
                                 window_id=int(self.selected_window))
        except FieldErrors as problem:  # the window filled up meanwhile: show the day again
            db.rollback()
            self.err_window = next(iter(problem.errors.values()))
            day = self.selected_day
            self._refresh(db, principal)
            if day:
                self._show_times(db, principal, day)
            return
        when = scheduling.when_label(appointment.starts_at, appointment.ends_at)
        verb = "moved to" if rescheduling else "booked for"
        self.confirmation = f"Your {appointment.title} is {verb} {when}. We emailed you the details with a calendar file."
        self.page_error = self.err_window = ""
        self.mode, self._target_id = "", None
        self._refresh(db, principal)

    @rx.event
    @signed_in_event(needs=FULL)
    def start_reschedule(self, db, principal, appointment_id: str):
        row = next((a for a in self.scheduled if a["id"] == str(appointment_id) and a["can_change"]), None)
        if row is None:
            return
        self.mode, self._target_id, self.target_title = "reschedule", int(row["id"]), row["title"]
        self.confirmation = self.page_error = self.err_window = ""
        self._refresh(db, principal)

    @rx.event
    @signed_in_event
    def stop_reschedule(self, db, principal):
        self.mode, self._target_id = "", None
        self._refresh(db, principal)

    @rx.event
    def ask_cancel(self, appointment_id: str):
        # Only rows this page loaded for the signed-in account can be asked about; the cancel itself
        # is checked again by the service.
        row = next((a for a in self.scheduled if a["id"] == str(appointment_id) and a["can_change"]), None)
        if row is None:
            return
        self._cancel_id = int(row["id"])
        self.cancel_text = f"Cancel your {row['title']} on {row['when']}?"
        self.confirm_cancel_open = True

    @rx.event
    def set_confirm_cancel_open(self, value: bool):
        self.confirm_cancel_open = bool(value)
        if not value:
            self._cancel_id = None

    @rx.event
    @signed_in_event(needs=FULL)
    def confirm_cancel(self, db, principal):
        if self._cancel_id is None:
            return
        appointment_id, self._cancel_id = self._cancel_id, None
        self.confirm_cancel_open = False
        appointment = scheduling.cancel(db, principal=principal, appointment_id=appointment_id)
        self.confirmation = f"Your {appointment.title} is cancelled. We emailed you a confirmation."
        self.page_error = ""
        self.mode, self._target_id = "", None
        self._refresh(db, principal)


class SchedulingReminderState(LaterReminder, SessionState):
    """After sign-in: a reminder about an appointment still to schedule, until it is booked or put off
    with "Later" (for the rest of this session)."""

    reminder_open: bool = False
    reminder_title: str = ""

    def _pending(self, db, principal):
        return scheduling.scheduling_reminder(db, principal=principal)

    def _remind(self, appointment) -> None:
        self.reminder_open = appointment is not None
        self.reminder_title = appointment.title if appointment is not None else ""

    @rx.event
    @signed_in_event
    def later(self, db, principal):
        self._put_off(principal)
