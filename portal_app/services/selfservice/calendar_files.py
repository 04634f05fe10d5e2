"""Calendar (.ics) files with `icalendar`: one appointment, or a feed of the account's events."""

from __future__ import annotations

import datetime as dt

from icalendar import Calendar, Event

from portal_app.models import Appointment
from portal_app.theming import current_theme

PRODID = "-//Subscriber Portal//Appointments//EN"


def _calendar(name: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    return calendar


def _uid(kind: str, object_id: int) -> str:
    host = current_theme().support_email.rsplit("@", 1)[-1]
    return f"{kind}-{object_id}@{host}"


def appointment_event(appointment: Appointment, *, location: str = "", sequence: int = 0) -> Event:
    event = Event()
    event.add("uid", _uid("appointment", appointment.id))
    event.add("dtstamp", dt.datetime.now(dt.UTC))
    event.add("summary", f"{current_theme().provider_name}: {appointment.title}")
    event.add("dtstart", appointment.starts_at)
    event.add("dtend", appointment.ends_at)
    event.add("sequence", sequence)
    if location:
        event.add("location", location)
    event.add("description", "A technician arrives within this window. Reschedule or cancel in the portal.")
    if appointment.status == "cancelled":
        event.add("status", "CANCELLED")
    else:
        event.add("status", "CONFIRMED")
    return event


def appointment_ics(appointment: Appointment, *, location: str = "", method: str = "PUBLISH") -> str:
    """One appointment as a calendar file; a cancelled one carries STATUS:CANCELLED."""
    calendar = _calendar(f"{current_theme().provider_name} appointment")
    calendar.add("method", method)
    calendar.add_component(appointment_event(appointment, location=location))
    return calendar.to_ical().decode()


def feed_ics(events: list[dict], *, name: str) -> str:
    """A feed of calendar items as `services.calendar.account_events` returns them."""
    calendar = _calendar(name)
    for item in events:
        event = Event()
        event.add("uid", _uid(item["kind"], item["uid"]))
        event.add("dtstamp", dt.datetime.now(dt.UTC))
        event.add("summary", item["title"])
        if item.get("starts_at") and item.get("ends_at"):
            event.add("dtstart", item["starts_at"])
            event.add("dtend", item["ends_at"])
        else:
            event.add("dtstart", item["day"])
            event.add("dtend", item["day"] + dt.timedelta(days=1))
        if item.get("detail"):
            event.add("description", item["detail"])
        calendar.add_component(event)
    return calendar.to_ical().decode()
