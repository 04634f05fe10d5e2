"""Staff scheduling: one day's appointment windows with booked/capacity; add, change capacity, delete."""

from __future__ import annotations

import datetime as dt

import reflex as rx

from portal_app.models import session_scope
from portal_app.services.selfservice import scheduling
from portal_app.services.core.clock import provider_today
from portal_app.services.core.errors import FieldErrors, NotFound
from portal_app.state.staff_session import StaffSessionState
from portal_app.state.off_loop import off_the_loop


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


class StaffSchedulingState(StaffSessionState):
    day: str = ""  # ISO date, provider-local
    day_label: str = ""
    windows: list[dict[str, str]] = []  # id, label, booked, capacity, deletable ("1"/"")
    days: list[dict[str, str]] = []  # the coming days that have windows: day, label, booked, capacity
    err_define: str = ""
    row_error_id: str = ""
    row_error: str = ""
    notice: str = ""

    def _day(self) -> dt.date:
        try:
            return dt.date.fromisoformat(self.day)
        except ValueError:
            return provider_today()

    def _refresh(self, principal) -> None:
        day = self._day()
        self.day, self.day_label = day.isoformat(), f"{day:%A, %B %-d, %Y}"
        with session_scope() as db:
            rows = scheduling.staff_windows_for_day(db, principal=principal, day=day)
            upcoming = scheduling.staff_window_days(db, principal=principal, start=provider_today(), days=28)
        self.days = [{"day": d.isoformat(), "label": f"{d:%a, %b %-d}", "booked": str(b), "capacity": str(c)}
                     for d, b, c in upcoming]
        self.windows = [
            {"id": str(w.id), "label": scheduling.window_label(w.starts_at, w.ends_at), "booked": str(w.booked),
             "capacity": str(w.capacity), "deletable": "1" if w.booked == 0 else ""}
            for w in rows
        ]

    def _clear(self) -> None:
        self.err_define = self.row_error_id = self.row_error = self.notice = ""

    @rx.event
    @off_the_loop
    def load(self):
        principal = self._staff_principal()
        if principal is None:
            return
        self._clear()
        self.day = provider_today().isoformat()
        self._refresh(principal)

    @rx.event
    @off_the_loop
    def pick_day(self, value: str):
        principal = self._staff_principal()
        if principal is None:
            return
        self._clear()
        try:
            self.day = dt.date.fromisoformat(str(value)[:10]).isoformat()
        except ValueError:
            return
        self._refresh(principal)

    @rx.event
    @off_the_loop
    def define(self, form_data: dict):
        principal = self._staff_principal()
        if principal is None:
            return
        self._clear()
        starts, ends = _time(form_data.get("starts")), _time(form_data.get("ends"))
        capacity = _int(form_data.get("capacity"))
        if starts is None or ends is None:
            self.err_define = "Enter a start and an end time."
            return
        if capacity is None:
            self.err_define = "Capacity must be between 1 and 100."
            return
        try:
            with session_scope() as db:
                scheduling.staff_define_windows(db, principal=principal, day=self._day(),
                                                slots=[scheduling.SlotSpec(starts=starts, ends=ends,
                                                                           capacity=capacity)])
        except FieldErrors as problem:
            self.err_define = next(iter(problem.errors.values()))
            return
        self._refresh(principal)
        self.notice = f"Window added on {self.day_label}."

    @rx.event
    @off_the_loop
    def set_capacity(self, form_data: dict):
        principal = self._staff_principal()
        if principal is None:
            return
        self._clear()
        window_id, capacity = _int(form_data.get("window_id")), _int(form_data.get("capacity"))
        if window_id is None:
            return
        if capacity is None:
            self.row_error_id, self.row_error = str(window_id), "Capacity must be between 0 and 100."
            return
        try:
            with session_scope() as db:
                window = scheduling.staff_set_capacity(db, principal=principal, window_id=window_id,
                                                       capacity=capacity)
                label = scheduling.window_label(window.starts_at, window.ends_at)
        except FieldErrors as problem:
            self.row_error_id, self.row_error = str(window_id), next(iter(problem.errors.values()))
            self._refresh(principal)
            self.row_error_id = str(window_id)
            return
        except NotFound:
            self.notice = "That window no longer exists."
        else:
            self.notice = f"Capacity of {label} is now {capacity}."
        self._refresh(principal)

    @rx.event
    @off_the_loop
    def delete(self, window_id: int):
        principal = self._staff_principal()
        if principal is None:
            return
        self._clear()
        try:
            with session_scope() as db:
                scheduling.staff_delete_window(db, principal=principal, window_id=int(window_id))
        except FieldErrors as problem:
            self.row_error_id, self.row_error = str(window_id), next(iter(problem.errors.values()))
        except (NotFound, TypeError, ValueError):
            self.notice = "That window no longer exists."
        else:
            self.notice = "Window deleted."
        self._refresh(principal)
