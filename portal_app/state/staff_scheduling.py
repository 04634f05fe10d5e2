"""Staff scheduling: one day's appointment windows with booked/capacity; add, change capacity, delete."""

from __future__ import annotations

import datetime as dt

import reflex as rx

from portal_app.services.core.clock import provider_today
from portal_app.services.core.errors import FieldErrors, NotFound
from portal_app.services.selfservice import scheduling
from portal_app.state.signed_in import signed_in_event
from portal_app.state.staff_session import StaffRowsPage, StaffSessionState, client_id
from portal_app.services.core import formatting


def _time(raw: object) -> dt.time | None:
    try:
        return dt.time.fromisoformat(str(raw or "").strip()[:8])
    except ValueError:
        return None


def _int(raw: object) -> int | None:
    try:
        return int(str(raw or "").strip()[:6])
    except ValueError:
        return None


class StaffSchedulingState(StaffRowsPage, StaffSessionState):
    day: str = ""  # ISO date, provider-local
    day_label: str = ""
    windows: list[dict[str, str]] = []  # id, label, booked, capacity, deletable ("1"/"")
    days: list[dict[str, str]] = []  # the coming days that have windows: day, label, booked, capacity

    def _day(self) -> dt.date:
        try:
            return dt.date.fromisoformat(self.day)
        except ValueError:
            return provider_today()

    def _reload(self, db, principal) -> None:
        day = self._day()
        self.day, self.day_label = day.isoformat(), formatting.date(day, 'full')
        upcoming = scheduling.staff_window_days(db, principal=principal, start=provider_today(), days=28)
        self.days = [{"day": d.isoformat(), "label": formatting.date(d, 'MMMEd'), "booked": str(b), "capacity": str(c)}
                     for d, b, c in upcoming]
        self.windows = [
            {"id": str(w.id), "label": scheduling.window_label(w.starts_at, w.ends_at), "booked": str(w.booked),
             "capacity": str(w.capacity), "deletable": "1" if w.booked == 0 else ""}
            for w in scheduling.staff_windows_for_day(db, principal=principal, day=day)
        ]

    @rx.event
    @signed_in_event
    def load(self, db, principal):
        self.day = provider_today().isoformat()
        self._clear()
        self._reload(db, principal)

    @rx.event
    @signed_in_event
    def pick_day(self, db, principal, value: str):
        try:
            self.day = dt.date.fromisoformat(str(value)[:10]).isoformat()
        except ValueError:
            return
        self._clear()
        self._reload(db, principal)

    @rx.event
    @signed_in_event
    def define(self, db, principal, form_data: dict):
        starts, ends = _time(form_data.get("starts")), _time(form_data.get("ends"))
        capacity = _int(form_data.get("capacity"))
        if starts is None or ends is None:
            raise FieldErrors({"define": "Enter a start and an end time."})
        if capacity is None:
            raise FieldErrors({"define": "Capacity must be between 1 and 100."})
        try:
            scheduling.staff_define_windows(db, principal=principal, day=self._day(),
                                            slots=[scheduling.SlotSpec(starts=starts, ends=ends, capacity=capacity)])
        except FieldErrors as problem:  # the one window's message, under the form
            raise FieldErrors({"define": str(problem)}) from None
        self._done(db, principal, f"Window added on {self.day_label}.")

    @rx.event
    @signed_in_event
    def set_capacity(self, db, principal, form_data: dict):
        window_id, capacity = str(form_data.get("window_id", "")), _int(form_data.get("capacity"))
        try:
            if capacity is None:
                raise FieldErrors({"capacity": "Capacity must be between 0 and 100."})
            window = scheduling.staff_set_capacity(db, principal=principal, capacity=capacity,
                                                   window_id=client_id(window_id, "appointment window"))
        except (FieldErrors, NotFound) as problem:
            self._row_refused(db, principal, window_id, problem)
            return
        self._done(db, principal, f"Capacity of {scheduling.window_label(window.starts_at, window.ends_at)} is now "
                                  f"{capacity}.")

    @rx.event
    @signed_in_event
    def delete(self, db, principal, window_id: int):
        try:
            scheduling.staff_delete_window(db, principal=principal,
                                           window_id=client_id(window_id, "appointment window"))
        except (FieldErrors, NotFound) as problem:
            self._row_refused(db, principal, window_id, problem)
            return
        self._done(db, principal, "Window deleted.")
