"""Appointment scheduling: open windows, booking, rescheduling and cancelling; staff set the windows.

A window's capacity holds under concurrency: a place is taken with one conditional UPDATE
(`booked < capacity`), so two subscribers can never both take the last place.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, col, select

from portal_app.models import Account, Appointment, AppointmentWindow, utcnow
from portal_app.services.core import history
from portal_app.services.orders import orders
from portal_app.services.staff import staff_audit
from portal_app.services.selfservice.calendar_files import appointment_ics
from portal_app.services.core.access import FULL, require_role, ADMIN, access_account, access_appointment, require_staff, row_or_not_found
from portal_app.services.core.errors import FieldErrors, NotFound, PortalError
from portal_app.services.core.principal import Principal
from portal_app.services.core.provider_settings import provider_settings
from portal_app.services.notify.send import send
from portal_app.theming import current_theme
from portal_app.services.core import formatting

SLOT_TAKEN = "That time was just taken. Please pick another."


@dataclass(frozen=True)
class WindowView:
    id: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    places_left: int


def _zone() -> ZoneInfo:
    return ZoneInfo(current_theme().timezone)


def local_day(moment: dt.datetime) -> dt.date:
    return formatting.formatter().day_of(moment)


def window_label(starts_at: dt.datetime, ends_at: dt.datetime) -> str:
    """'8:00 AM – 12:00 PM' in the provider's time zone."""
    return formatting.formatter().time_range(starts_at, ends_at)


def when_label(starts_at: dt.datetime, ends_at: dt.datetime) -> str:
    return f"{formatting.date(starts_at, 'yMMMEd')}, {window_label(starts_at, ends_at)}"


# --- reading --------------------------------------------------------------------------------


def appointments(db: Session, *, principal: Principal) -> list[Appointment]:
    account = access_account(db, principal)
    return list(db.exec(select(Appointment).where(Appointment.account_id == account.id)
                        .order_by(col(Appointment.created_at), col(Appointment.id))))


def appointment_to_schedule(db: Session, *, principal: Principal) -> Appointment | None:
    return next((a for a in appointments(db, principal=principal) if a.status == "to_schedule"), None)


def scheduling_reminder(db: Session, *, principal: Principal) -> Appointment | None:
    """The appointment to remind about after sign-in, if the provider wants the pop-up."""
    if not provider_settings(db).scheduling_popup:
        return None
    return appointment_to_schedule(db, principal=principal)


def open_windows(db: Session, *, principal: Principal, appointment_id: int, now: dt.datetime | None = None,
                 day: dt.date | None = None) -> list[WindowView]:
    """Windows with a place left for this appointment's kind, starting in the future (one day or all)."""
    appointment = access_appointment(db, principal, appointment_id)
    now = now or utcnow()
    rows = db.exec(
        select(AppointmentWindow)
        .where(AppointmentWindow.kind == appointment.kind, AppointmentWindow.starts_at > now,
               AppointmentWindow.booked < AppointmentWindow.capacity)
        .order_by(col(AppointmentWindow.starts_at))
    )
    views = [WindowView(id=w.id, starts_at=w.starts_at, ends_at=w.ends_at, places_left=w.capacity - w.booked)
             for w in rows if w.id != appointment.window_id]
    if day is not None:
        views = [w for w in views if local_day(w.starts_at) == day]
    return views


def open_days(db: Session, *, principal: Principal, appointment_id: int, now: dt.datetime | None = None) -> list[dt.date]:
    return sorted({local_day(w.starts_at) for w in open_windows(db, principal=principal,
                                                                appointment_id=appointment_id, now=now)})


def can_change(db: Session, appointment: Appointment, now: dt.datetime | None = None, *,
               cutoff_hours: int | None = None) -> bool:
    """Scheduled appointments may be moved or cancelled up to the provider's cutoff before the start
    (pass `cutoff_hours` when checking a list, so the settings are read once)."""
    if appointment.status != "scheduled" or appointment.starts_at is None:
        return False
    if cutoff_hours is None:
        cutoff_hours = provider_settings(db).reschedule_cutoff_hours
    cutoff = dt.timedelta(hours=cutoff_hours)
    return (now or utcnow()) <= appointment.starts_at - cutoff


# --- changes --------------------------------------------------------------------------------


def _claim(db: Session, window_id: int, kind: str, now: dt.datetime) -> AppointmentWindow:
    """Take one place in a window, or fail: the WHERE clause is the capacity check."""
    claimed = db.execute(
        sa.update(AppointmentWindow)
        .where(col(AppointmentWindow.id) == int(window_id), col(AppointmentWindow.kind) == kind,
               col(AppointmentWindow.starts_at) > now,
               col(AppointmentWindow.booked) < col(AppointmentWindow.capacity))
        .values(booked=AppointmentWindow.booked + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise FieldErrors({"window": SLOT_TAKEN})
    window = db.get(AppointmentWindow, int(window_id))
    db.refresh(window)
    return window


def _release(db: Session, window_id: int | None) -> None:
    if window_id is None:
        return
    db.execute(
        sa.update(AppointmentWindow)
        .where(col(AppointmentWindow.id) == window_id, col(AppointmentWindow.booked) > 0)
        .values(booked=AppointmentWindow.booked - 1)
        .execution_options(synchronize_session=False)
    )


def _move(db: Session, appointment: Appointment, expected_status: str, values: dict) -> None:
    """Change the appointment only if nobody changed it first (a double tap, two tabs)."""
    moved = db.execute(
        sa.update(Appointment)
        .where(col(Appointment.id) == appointment.id, col(Appointment.status) == expected_status,
               col(Appointment.window_id).is_(None) if appointment.window_id is None
               else col(Appointment.window_id) == appointment.window_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if moved != 1:
        raise PortalError("This appointment was just changed. Please reload the page.")
    db.refresh(appointment)


def _tell(db: Session, appointment: Appointment, *, change: str, when: str = "", before: str = "",
          method: str = "PUBLISH") -> None:
    """The subscriber hears of a booking, move or cancellation on their channels; the email carries the .ics."""
    account = db.get(Account, appointment.account_id)
    ics = appointment_ics(appointment, location=account.service_address, method=method)
    send(db, account_id=appointment.account_id, event="appointment", template="appointment",
         key=f"appointment:{appointment.id}:{change}:{int(appointment.starts_at.timestamp())}",
         context={"title": appointment.title, "change": change, "when": when, "before": before},
         attachment=("appointment.ics", "text/calendar", ics))


def book(db: Session, *, principal: Principal, appointment_id: int, window_id: int,
         now: dt.datetime | None = None) -> Appointment:
    require_role(principal, FULL)
    appointment = access_appointment(db, principal, appointment_id)
    if appointment.status != "to_schedule":
        raise PortalError("This appointment is not waiting to be scheduled.")
    now = now or utcnow()
    window = _claim(db, window_id, appointment.kind, now)
    _move(db, appointment, "to_schedule", {"status": "scheduled", "window_id": window.id,
                                            "starts_at": window.starts_at, "ends_at": window.ends_at})
    when = when_label(window.starts_at, window.ends_at)
    history.record(db, principal=principal, account_id=appointment.account_id, kind="appointment", action="booked",
                   summary=f"{appointment.title} booked for {when}", entity_type="appointment",
                   entity_id=appointment.id)
    orders.complete_scheduling_step(db, principal=principal, account_id=appointment.account_id,
                                    kind=appointment.kind, title=appointment.title)
    _tell(db, appointment, change="booked", when=when)
    return appointment


def _changeable(db: Session, principal: Principal, appointment_id: int, now: dt.datetime) -> Appointment:
    """The account's own appointment, while it may still be moved or cancelled (the provider's cut-off).
    Its callers check the role themselves (each public service names its own role)."""
    appointment = access_appointment(db, principal, appointment_id)
    if not can_change(db, appointment, now):
        hours = provider_settings(db).reschedule_cutoff_hours
        raise PortalError(f"Appointments can be changed up to {hours} hours before they start. Please call us.")
    return appointment


def reschedule(db: Session, *, principal: Principal, appointment_id: int, window_id: int,
               now: dt.datetime | None = None) -> Appointment:
    require_role(principal, FULL)
    now = now or utcnow()
    appointment = _changeable(db, principal, appointment_id, now)
    if int(window_id) == appointment.window_id:
        raise FieldErrors({"window": "That is the time you already have. Pick another."})
    old_window, before = appointment.window_id, when_label(appointment.starts_at, appointment.ends_at)
    window = _claim(db, window_id, appointment.kind, now)
    _move(db, appointment, "scheduled", {"window_id": window.id, "starts_at": window.starts_at,
                                          "ends_at": window.ends_at})
    _release(db, old_window)
    when = when_label(window.starts_at, window.ends_at)
    history.record(db, principal=principal, account_id=appointment.account_id, kind="appointment",
                   action="rescheduled", summary=f"{appointment.title} moved from {before} to {when}",
                   entity_type="appointment", entity_id=appointment.id)
    _tell(db, appointment, change="moved", when=when, before=before)
    return appointment


def cancel(db: Session, *, principal: Principal, appointment_id: int, now: dt.datetime | None = None) -> Appointment:
    require_role(principal, FULL)
    appointment = _changeable(db, principal, appointment_id, now or utcnow())
    old_window, before = appointment.window_id, when_label(appointment.starts_at, appointment.ends_at)
    _move(db, appointment, "scheduled", {"status": "cancelled", "window_id": None})
    _release(db, old_window)
    history.record(db, principal=principal, account_id=appointment.account_id, kind="appointment",
                   action="cancelled", summary=f"{appointment.title} on {before} cancelled",
                   entity_type="appointment", entity_id=appointment.id)
    _tell(db, appointment, change="cancelled", before=before, method="CANCEL")
    return appointment


# --- staff: windows and their capacity ------------------------------------------------------


@dataclass(frozen=True)
class SlotSpec:
    starts: dt.time
    ends: dt.time
    capacity: int


def staff_windows_for_day(db: Session, *, principal: Principal, day: dt.date, kind: str = "install") -> list[AppointmentWindow]:
    require_staff(principal, role=ADMIN, what="appointment window")
    zone = _zone()
    start = dt.datetime.combine(day, dt.time(0), tzinfo=zone).astimezone(dt.UTC)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=zone).astimezone(dt.UTC)
    return list(db.exec(select(AppointmentWindow).where(
        AppointmentWindow.kind == kind, AppointmentWindow.starts_at >= start, AppointmentWindow.starts_at < end,
    ).order_by(col(AppointmentWindow.starts_at))))


def staff_window_days(db: Session, *, principal: Principal, start: dt.date, days: int = 60,
                      kind: str = "install") -> list[tuple[dt.date, int, int]]:
    """Provider-local days from `start` on that have windows: (day, places booked, capacity)."""
    require_staff(principal, role=ADMIN, what="appointment window")
    zone = _zone()
    first = dt.datetime.combine(start, dt.time(0), tzinfo=zone).astimezone(dt.UTC)
    last = dt.datetime.combine(start + dt.timedelta(days=days), dt.time(0), tzinfo=zone).astimezone(dt.UTC)
    totals: dict[dt.date, tuple[int, int]] = {}
    for window in db.exec(select(AppointmentWindow).where(
            AppointmentWindow.kind == kind, AppointmentWindow.starts_at >= first, AppointmentWindow.starts_at < last)):
        booked, capacity = totals.get(local_day(window.starts_at), (0, 0))
        totals[local_day(window.starts_at)] = (booked + window.booked, capacity + window.capacity)
    return [(day, *totals[day]) for day in sorted(totals)]


def staff_define_windows(db: Session, *, principal: Principal, day: dt.date, slots: list[SlotSpec],
                         kind: str = "install") -> list[AppointmentWindow]:
    """Add windows to a day (provider-local wall-clock times); they may not overlap the day's others."""
    require_staff(principal, role=ADMIN, what="appointment window")
    zone = _zone()
    existing = [(w.starts_at, w.ends_at) for w in staff_windows_for_day(db, principal=principal, day=day, kind=kind)]
    created: list[AppointmentWindow] = []
    for index, slot in enumerate(slots):
        if slot.ends <= slot.starts:
            raise FieldErrors({f"slot_{index}": "The window must end after it starts."})
        if not 1 <= int(slot.capacity) <= 100:
            raise FieldErrors({f"slot_{index}": "Capacity must be between 1 and 100."})
        starts = dt.datetime.combine(day, slot.starts, tzinfo=zone).astimezone(dt.UTC)
        ends = dt.datetime.combine(day, slot.ends, tzinfo=zone).astimezone(dt.UTC)
        if any(starts < other_end and other_start < ends for other_start, other_end in existing):
            raise FieldErrors({f"slot_{index}": "This window overlaps another window on that day."})
        existing.append((starts, ends))
        window = AppointmentWindow(kind=kind, starts_at=starts, ends_at=ends, capacity=int(slot.capacity), booked=0)
        db.add(window)
        created.append(window)
    db.flush()
    staff_audit.record(db, principal=principal, action="windows.define", target=day.isoformat(),
                       detail=f"{len(created)} {kind} window(s)")
    return created


def staff_set_capacity(db: Session, *, principal: Principal, window_id: int, capacity: int) -> AppointmentWindow:
    """Change a window's capacity; never below the places already booked (checked in the UPDATE)."""
    require_staff(principal, role=ADMIN, what="appointment window")
    if not 0 <= int(capacity) <= 100:
        raise FieldErrors({"capacity": "Capacity must be between 0 and 100."})
    changed = db.execute(
        sa.update(AppointmentWindow)
        .where(col(AppointmentWindow.id) == int(window_id), col(AppointmentWindow.booked) <= int(capacity))
        .values(capacity=int(capacity))
        .execution_options(synchronize_session=False)
    ).rowcount
    window = row_or_not_found(db, AppointmentWindow, window_id, "appointment window")
    db.refresh(window)
    if changed != 1:
        raise FieldErrors({"capacity": f"{window.booked} places are already booked; capacity cannot go below that."})
    staff_audit.record(db, principal=principal, action="windows.capacity", target=f"window {window.id}",
                       detail=f"capacity {capacity}")
    return window


def staff_delete_window(db: Session, *, principal: Principal, window_id: int) -> None:
    require_staff(principal, role=ADMIN, what="appointment window")
    deleted = db.execute(
        sa.delete(AppointmentWindow)
        .where(col(AppointmentWindow.id) == int(window_id), col(AppointmentWindow.booked) == 0)
        .execution_options(synchronize_session="fetch")
    ).rowcount
    if deleted != 1:
        if db.get(AppointmentWindow, int(window_id)) is None:
            raise NotFound("appointment window")
        raise FieldErrors({"window": "This window has bookings; lower its capacity to 0 instead."})
    staff_audit.record(db, principal=principal, action="windows.delete", target=f"window {window_id}")
