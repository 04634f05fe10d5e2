"""Tickets with their notes, and install/service appointments with bookable windows."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Field

from portal_app.models.base import AccountRow, Row, utc_field
from portal_app.models.statuses import AppointmentStatus, TicketStatus, status_field


class Ticket(AccountRow, table=True):
    __tablename__ = "ticket"
    number: str = Field(unique=True, max_length=32)
    category: str = Field(default="General", max_length=60)
    subject: str = Field(max_length=200)
    status: TicketStatus = status_field("open", max_length=16)
    opened_at: dt.datetime = utc_field(default_now=True)
    updated_at: dt.datetime = utc_field(default_now=True)


class TicketNote(Row, table=True):
    """A note on a ticket; only notes marked public ever reach the subscriber."""

    __tablename__ = "ticket_note"
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    body: str = Field(max_length=5000)
    is_public: bool = False
    author_kind: str = Field(max_length=12)  # subscriber | staff
    author_name: str = Field(max_length=120)
    created_at: dt.datetime = utc_field(default_now=True)


class AppointmentWindow(Row, table=True):
    """A bookable time window with a capacity (crews available)."""

    __tablename__ = "appointment_window"
    kind: str = Field(default="install", max_length=24)
    starts_at: dt.datetime = utc_field(index=True)
    ends_at: dt.datetime = utc_field()
    capacity: int = 1
    booked: int = 0


class Appointment(AccountRow, table=True):
    __tablename__ = "appointment"
    kind: str = Field(default="install", max_length=24)
    title: str = Field(max_length=120)
    status: AppointmentStatus = status_field("to_schedule", max_length=16)
    window_id: int | None = Field(default=None, foreign_key="appointment_window.id")
    starts_at: dt.datetime | None = utc_field(nullable=True)
    ends_at: dt.datetime | None = utc_field(nullable=True)
    created_at: dt.datetime = utc_field(default_now=True)
