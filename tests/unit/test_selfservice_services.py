"""Contacts, tickets, scheduling and calendar services on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import threading
from email import message_from_string

import pytest
import sqlalchemy as sa
from factories import make_invoice, make_subscriber
from icalendar import Calendar
from sqlmodel import Session, select

from portal_app.integrations.mail import _message
from portal_app.models import (
    AccountHistory,
    Appointment,
    AppointmentWindow,
    Contact,
    ContactPoint,
    ContactType,
    OutboxMail,
    ProviderSettings,
    StaffUser,
    Ticket,
    TicketNote,
    utcnow,
)
from portal_app.services.selfservice import calendar, contacts, scheduling, tickets
from portal_app.services.core.errors import FieldErrors, NotFound, PortalError
from portal_app.services.core.principal import Principal


def _history(db: Session, account_id: int) -> list[AccountHistory]:
    return list(db.exec(select(AccountHistory).where(AccountHistory.account_id == account_id)
                        .order_by(AccountHistory.id)))


def _staff(db: Session) -> Principal:
    staff = StaffUser(username="jr", email="jr@lumen.example", full_name="Jordan Rivera", password_hash="x", role="admin")
    db.add(staff)
    db.flush()
    return Principal(kind="staff", display_name="Jordan Rivera", staff_user_id=staff.id, staff_role="admin")


def _types(db: Session) -> dict[str, ContactType]:
    rows = {name: ContactType(name=name, sort_order=n) for n, name in enumerate(("Owner", "Billing", "Technical"))}
    db.add_all(rows.values())
    db.flush()
    return rows


# --- contacts -------------------------------------------------------------------------------


def test_add_edit_and_delete_contacts_with_history(db: Session) -> None:
    me = make_subscriber(db)
    types = _types(db)
    person = contacts.add_contact(db, principal=me.principal, first_name="  Maya ", last_name="Okafor",
                                  type_id=str(types["Owner"].id), email="Maya@Example.COM", phone="512 555 0123")
    db.commit()
    [view] = contacts.list_contacts(db, principal=me.principal)
    assert (view.name, view.type_name) == ("Maya Okafor", "Owner")
    assert [(p.kind, p.value) for p in view.points] == [("email", "Maya@example.com"), ("phone", "(512) 555-0123")]
    stored = db.exec(select(ContactPoint).where(ContactPoint.kind == "phone")).one()
    assert stored.value == "+15125550123"
    contacts.add_contact(db, principal=me.principal, contact_id=person.id, phone="+44 20 7946 0958")
    contacts.update_contact(db, principal=me.principal, contact_id=person.id, first_name="Maya", last_name="O.",
                            type_id=types["Billing"].id)
    point = contacts.update_point(db, principal=me.principal, point_id=stored.id, value="(512) 555-0199")
    assert point.value == "+15125550199"
    contacts.delete_point(db, principal=me.principal, point_id=stored.id)
    db.commit()
    actions = [h.action for h in _history(db, me.account.id)]
    assert actions == ["added", "email_added", "phone_added", "phone_added", "edited", "phone_edited", "phone_deleted"]
    [view] = contacts.list_contacts(db, principal=me.principal)
    assert view.type_name == "Billing" and [p.value for p in view.points] == ["Maya@example.com", "+44 20 7946 0958"]


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"first_name": "", "email": "a@b.example"}, {"first_name": "Enter a first name."}),
        ({"first_name": "A", "email": "not-an-email"}, {"email"}),
        ({"first_name": "A", "email": "a@b..example"}, {"email"}),
        ({"first_name": "A", "phone": "555"}, {"phone": "Enter a valid phone number, for example (512) 555-0123."}),
        ({"first_name": "A", "phone": "call me"}, {"phone"}),
        ({"first_name": "A", "type_id": "999"}, {"type_id": "Choose a type from the list."}),
        ({"first_name": "A" * 81}, {"first_name"}),
    ],
)
def test_contact_validation_names_the_field_and_writes_nothing(db: Session, fields: dict, errors) -> None:
    me = make_subscriber(db)
    db.commit()
    with pytest.raises(FieldErrors) as problem:
        contacts.add_contact(db, principal=me.principal, **fields)
    db.rollback()
    if isinstance(errors, dict):
        assert problem.value.errors == errors
    else:
        assert set(problem.value.errors) == errors
    assert db.exec(select(Contact)).first() is None and _history(db, me.account.id) == []


def test_the_last_way_to_reach_the_account_cannot_be_deleted(db: Session) -> None:
    me = make_subscriber(db)
    only = contacts.add_contact(db, principal=me.principal, first_name="Maya", email="maya@example.com")
    other = contacts.add_contact(db, principal=me.principal, first_name="Daniel")  # a name without points
    db.commit()
    point = db.exec(select(ContactPoint)).one()
    with pytest.raises(PortalError, match="last way to reach you"):
        contacts.delete_point(db, principal=me.principal, point_id=point.id)
    with pytest.raises(PortalError, match="last way to reach you"):
        contacts.delete_contact(db, principal=me.principal, contact_id=only.id)
    contacts.delete_contact(db, principal=me.principal, contact_id=other.id)  # no points: fine
    contacts.add_contact(db, principal=me.principal, contact_id=only.id, phone="5125550123")
    contacts.delete_point(db, principal=me.principal, point_id=point.id)
    db.commit()
    assert [p.kind for p in db.exec(select(ContactPoint))] == ["phone"]


def test_another_accounts_contact_is_not_found(db: Session) -> None:
    me, them = make_subscriber(db), make_subscriber(db)
    theirs = contacts.add_contact(db, principal=them.principal, first_name="T", email="t@example.com",
                                  phone="5125550100")
    db.commit()
    point = db.exec(select(ContactPoint)).first()
    calls = [
        lambda: contacts.add_contact(db, principal=me.principal, contact_id=theirs.id, email="x@example.com"),
        lambda: contacts.update_contact(db, principal=me.principal, contact_id=theirs.id, first_name="X",
                                        last_name="", type_id=None),
        lambda: contacts.update_point(db, principal=me.principal, point_id=point.id, value="x@example.com"),
        lambda: contacts.delete_point(db, principal=me.principal, point_id=point.id),
        lambda: contacts.delete_contact(db, principal=me.principal, contact_id=theirs.id),
    ]
    for call in calls:
        with pytest.raises(NotFound, match="That contact could not be found."):
            call()
    assert contacts.list_contacts(db, principal=me.principal) == []


def test_staff_edit_contact_type_options(db: Session) -> None:
    me = make_subscriber(db)
    staff = _staff(db)
    types = _types(db)
    added = contacts.add_contact_type(db, principal=staff, name="  Authorized   User ")
    assert added.name == "Authorized User" and added.sort_order == 3
    with pytest.raises(FieldErrors, match="already exists"):
        contacts.add_contact_type(db, principal=staff, name="billing")
    contacts.rename_contact_type(db, principal=staff, type_id=types["Technical"].id, name="Tech")
    contacts.reorder_contact_types(db, principal=staff, type_ids=[added.id, types["Technical"].id,
                                                                   types["Billing"].id, types["Owner"].id])
    person = contacts.add_contact(db, principal=me.principal, first_name="A", type_id=types["Billing"].id)
    contacts.remove_contact_type(db, principal=staff, type_id=types["Billing"].id)
    db.commit()
    assert [t.name for t in contacts.contact_types(db)] == ["Authorized User", "Tech", "Owner"]
    db.refresh(person)
    assert person.contact_type_id is None
    with pytest.raises(contacts.StaffOnly):
        contacts.add_contact_type(db, principal=me.principal, name="Sneaky")


# --- tickets --------------------------------------------------------------------------------


def _ticket_with_notes(db: Session, account_id: int) -> Ticket:
    now = utcnow()
    ticket = Ticket(account_id=account_id, number=f"TKT-{account_id}99", subject="Slow Wi-Fi", opened_at=now,
                    updated_at=now)
    db.add(ticket)
    db.flush()
    db.add_all([
        TicketNote(ticket_id=ticket.id, body="first public", is_public=True, author_kind="subscriber",
                   author_name="Maya", created_at=now),
        TicketNote(ticket_id=ticket.id, body="SECRET internal", is_public=False, author_kind="staff",
                   author_name="Jordan", created_at=now + dt.timedelta(hours=1)),
        TicketNote(ticket_id=ticket.id, body="second public", is_public=True, author_kind="staff",
                   author_name="Jordan", created_at=now + dt.timedelta(hours=2)),
    ])
    db.flush()
    return ticket


def test_subscriber_sees_public_notes_only_newest_last(db: Session) -> None:
    me = make_subscriber(db)
    ticket = _ticket_with_notes(db, me.account.id)
    detail = tickets.ticket_detail(db, principal=me.principal, ticket_id=ticket.id)
    assert [n.body for n in detail.notes] == ["first public", "second public"]
    assert all(n.is_public for n in detail.notes) and detail.can_reply
    staff_view = tickets.staff_ticket(db, principal=_staff(db), ticket_id=ticket.id)
    assert [n.body for n in staff_view.notes] == ["first public", "SECRET internal", "second public"]
    with pytest.raises(contacts.StaffOnly):
        tickets.staff_ticket(db, principal=me.principal, ticket_id=ticket.id)


def test_open_ticket_reply_and_history(db: Session) -> None:
    me = make_subscriber(db, first_name="Maya", last_name="Okafor")
    db.add(ProviderSettings(allow_ticket_creation=True))
    first = tickets.open_ticket(db, principal=me.principal, category="Billing", subject=" Bill question ",
                                description="Why is it higher?")
    second = tickets.open_ticket(db, principal=me.principal, category="Technical", subject="Outage",
                                 description="No internet")
    assert (first.number, second.number) == ("TKT-10001", "TKT-10002")
    tickets.add_reply(db, principal=me.principal, ticket_id=first.id, body="Any news?")
    db.commit()
    detail = tickets.ticket_detail(db, principal=me.principal, ticket_id=first.id)
    assert [n.body for n in detail.notes] == ["Why is it higher?", "Any news?"]
    assert [(h.kind, h.action) for h in _history(db, me.account.id)] == [
        ("ticket", "opened"), ("ticket", "opened"), ("ticket", "replied")]
    with pytest.raises(FieldErrors) as problem:
        tickets.open_ticket(db, principal=me.principal, category="Nope", subject="", description="x" * 5001)
    assert set(problem.value.errors) == {"category", "subject", "description"}
    with pytest.raises(FieldErrors, match="Enter a reply"):
        tickets.add_reply(db, principal=me.principal, ticket_id=first.id, body="   ")


def test_ticket_creation_follows_the_provider_setting(db: Session) -> None:
    me = make_subscriber(db)
    db.add(ProviderSettings(allow_ticket_creation=False))
    db.commit()
    with pytest.raises(PortalError, match="not taken online"):
        tickets.open_ticket(db, principal=me.principal, category="General", subject="x", description="y")


def test_closed_tickets_take_no_reply(db: Session) -> None:
    me = make_subscriber(db)
    ticket = _ticket_with_notes(db, me.account.id)
    ticket.status = "closed"
    db.add(ticket)
    db.commit()
    with pytest.raises(FieldErrors, match="closed"):
        tickets.add_reply(db, principal=me.principal, ticket_id=ticket.id, body="hello")
    assert not tickets.ticket_detail(db, principal=me.principal, ticket_id=ticket.id).can_reply


def test_staff_notes_status_and_mail_on_public_note(db: Session) -> None:
    me = make_subscriber(db)
    staff = _staff(db)
    ticket = _ticket_with_notes(db, me.account.id)
    tickets.staff_add_note(db, principal=staff, ticket_id=ticket.id, body="checked logs", public=False)
    db.commit()
    assert db.exec(select(OutboxMail)).first() is None
    tickets.staff_add_note(db, principal=staff, ticket_id=ticket.id, body="Fixed it for you", public=True)
    tickets.staff_set_status(db, principal=staff, ticket_id=ticket.id, status="closed")
    db.commit()
    [mail] = db.exec(select(OutboxMail)).all()
    assert mail.to_address == me.user.email and ticket.number in mail.subject and "Fixed it for you" in mail.body_text
    assert "checked logs" not in mail.body_text
    assert [h.action for h in _history(db, me.account.id)] == ["private_note", "public_note", "status_closed"]
    detail = tickets.ticket_detail(db, principal=me.principal, ticket_id=ticket.id)
    assert "checked logs" not in [n.body for n in detail.notes] and detail.ticket.status == "closed"
    with pytest.raises(FieldErrors):
        tickets.staff_set_status(db, principal=staff, ticket_id=ticket.id, status="weird")


def test_another_accounts_ticket_is_not_found(db: Session) -> None:
    me, them = make_subscriber(db), make_subscriber(db)
    theirs = _ticket_with_notes(db, them.account.id)
    db.commit()
    for call in (lambda: tickets.ticket_detail(db, principal=me.principal, ticket_id=theirs.id),
                 lambda: tickets.add_reply(db, principal=me.principal, ticket_id=theirs.id, body="hi")):
        with pytest.raises(NotFound, match="That ticket could not be found."):
            call()
    assert tickets.list_tickets(db, principal=me.principal) == []


# --- scheduling -----------------------------------------------------------------------------


def _window(db: Session, *, days: int, capacity: int = 2, booked: int = 0, hour: int = 15) -> AppointmentWindow:
    day = dt.date.today() + dt.timedelta(days=days)
    starts = dt.datetime(day.year, day.month, day.day, hour, tzinfo=dt.UTC)
    window = AppointmentWindow(kind="install", starts_at=starts, ends_at=starts + dt.timedelta(hours=4),
                               capacity=capacity, booked=booked)
    db.add(window)
    db.flush()
    return window


def _appointment(db: Session, account_id: int) -> Appointment:
    appointment = Appointment(account_id=account_id, kind="install", title="Fiber install")
    db.add(appointment)
    db.flush()
    return appointment


def test_book_reschedule_cancel_with_history_and_ics_mail(db: Session) -> None:
    me = make_subscriber(db)
    db.add(ProviderSettings(reschedule_cutoff_hours=24))
    appointment = _appointment(db, me.account.id)
    full = _window(db, days=3, capacity=1, booked=1)
    first, second = _window(db, days=4), _window(db, days=5)
    db.commit()
    assert full.id not in [w.id for w in scheduling.open_windows(db, principal=me.principal, appointment_id=appointment.id)]
    assert scheduling.scheduling_reminder(db, principal=me.principal).id == appointment.id
    scheduling.book(db, principal=me.principal, appointment_id=appointment.id, window_id=first.id)
    db.commit()
    db.refresh(first)
    assert appointment.status == "scheduled" and appointment.starts_at == first.starts_at and first.booked == 1
    assert scheduling.scheduling_reminder(db, principal=me.principal) is None
    scheduling.reschedule(db, principal=me.principal, appointment_id=appointment.id, window_id=second.id)
    db.commit()
    db.refresh(first), db.refresh(second)
    assert (first.booked, second.booked, appointment.window_id) == (0, 1, second.id)
    scheduling.cancel(db, principal=me.principal, appointment_id=appointment.id)
    db.commit()
    db.refresh(second)
    assert appointment.status == "cancelled" and second.booked == 0
    assert [h.action for h in _history(db, me.account.id)] == ["booked", "rescheduled", "cancelled"]
    mails = db.exec(select(OutboxMail).order_by(OutboxMail.id)).all()
    assert len(mails) == 3 and all(m.to_address == me.user.email for m in mails)
    booked_mail = mails[0]
    assert booked_mail.attachment_name == "appointment.ics" and booked_mail.attachment_type == "text/calendar"
    event = Calendar.from_ical(booked_mail.attachment_text).walk("VEVENT")[0]
    assert event.decoded("dtstart") == first.starts_at and "Fiber install" in str(event["summary"])
    assert "STATUS:CANCELLED" in mails[2].attachment_text
    sent = message_from_string(_message(booked_mail, "Lumen <no-reply@lumen.example>").as_string())
    [part] = [p for p in sent.walk() if p.get_filename() == "appointment.ics"]
    assert part.get_content_type() == "text/calendar" and b"BEGIN:VCALENDAR" in part.get_payload(decode=True)


def test_no_changes_inside_the_cutoff(db: Session) -> None:
    me = make_subscriber(db)
    db.add(ProviderSettings(reschedule_cutoff_hours=48))
    appointment = _appointment(db, me.account.id)
    soon, later = _window(db, days=1), _window(db, days=6)
    scheduling.book(db, principal=me.principal, appointment_id=appointment.id, window_id=soon.id)
    db.commit()
    with pytest.raises(PortalError, match="up to 48 hours before"):
        scheduling.reschedule(db, principal=me.principal, appointment_id=appointment.id, window_id=later.id)
    with pytest.raises(PortalError, match="up to 48 hours before"):
        scheduling.cancel(db, principal=me.principal, appointment_id=appointment.id)
    with pytest.raises(PortalError, match="not waiting"):
        scheduling.book(db, principal=me.principal, appointment_id=appointment.id, window_id=later.id)


def test_another_accounts_appointment_is_not_found(db: Session) -> None:
    me, them = make_subscriber(db), make_subscriber(db)
    theirs = _appointment(db, them.account.id)
    window = _window(db, days=4)
    db.commit()
    calls = [
        lambda: scheduling.open_windows(db, principal=me.principal, appointment_id=theirs.id),
        lambda: scheduling.book(db, principal=me.principal, appointment_id=theirs.id, window_id=window.id),
        lambda: scheduling.reschedule(db, principal=me.principal, appointment_id=theirs.id, window_id=window.id),
        lambda: scheduling.cancel(db, principal=me.principal, appointment_id=theirs.id),
    ]
    for call in calls:
        with pytest.raises(NotFound, match="That appointment could not be found."):
            call()


def test_two_subscribers_never_take_the_last_place(engine: sa.Engine) -> None:
    """Threads race for the one place left; exactly one wins, on SQLite and PostgreSQL."""
    racers = 4
    with Session(engine, expire_on_commit=False) as db:
        people = [make_subscriber(db) for _ in range(racers)]
        appointments = [_appointment(db, p.account.id) for p in people]
        window = _window(db, days=4, capacity=2, booked=1)
        db.commit()
    barrier = threading.Barrier(racers)
    outcomes: list[str] = []
    lock = threading.Lock()

    def race(index: int) -> None:
        with Session(engine, expire_on_commit=False) as db:
            barrier.wait()
            try:
                scheduling.book(db, principal=people[index].principal, appointment_id=appointments[index].id,
                                window_id=window.id)
                db.commit()
                result = "booked"
            except FieldErrors as problem:
                db.rollback()
                result = problem.errors["window"]
            except Exception as problem:  # noqa: BLE001 - any other failure must show in the assert
                db.rollback()
                result = repr(problem)
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=race, args=(i,)) for i in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == sorted(["booked"] + [scheduling.SLOT_TAKEN] * (racers - 1))
    with Session(engine) as db:
        assert db.get(AppointmentWindow, window.id).booked == 2
        assert len(db.exec(select(Appointment).where(Appointment.status == "scheduled")).all()) == 1


def test_staff_define_windows_and_capacity(db: Session) -> None:
    staff = _staff(db)
    me = make_subscriber(db)
    day = dt.date.today() + dt.timedelta(days=10)
    slots = [scheduling.SlotSpec(dt.time(8), dt.time(12), 2), scheduling.SlotSpec(dt.time(13), dt.time(17), 1)]
    morning, afternoon = scheduling.staff_define_windows(db, principal=staff, day=day, slots=slots)
    db.commit()
    assert [w.id for w in scheduling.staff_windows_for_day(db, principal=staff, day=day)] == [morning.id, afternoon.id]
    assert scheduling.local_day(morning.starts_at) == day
    with pytest.raises(FieldErrors, match="overlaps"):
        scheduling.staff_define_windows(db, principal=staff, day=day,
                                        slots=[scheduling.SlotSpec(dt.time(11), dt.time(14), 1)])
    with pytest.raises(FieldErrors, match="end after"):
        scheduling.staff_define_windows(db, principal=staff, day=day,
                                        slots=[scheduling.SlotSpec(dt.time(18), dt.time(17), 1)])
    scheduling.book(db, principal=me.principal, appointment_id=_appointment(db, me.account.id).id,
                    window_id=morning.id)
    db.commit()
    with pytest.raises(FieldErrors, match="already booked"):
        scheduling.staff_set_capacity(db, principal=staff, window_id=morning.id, capacity=0)
    assert scheduling.staff_set_capacity(db, principal=staff, window_id=afternoon.id, capacity=5).capacity == 5
    with pytest.raises(FieldErrors, match="has bookings"):
        scheduling.staff_delete_window(db, principal=staff, window_id=morning.id)
    scheduling.staff_delete_window(db, principal=staff, window_id=afternoon.id)
    db.commit()
    assert db.get(AppointmentWindow, afternoon.id) is None
    with pytest.raises(contacts.StaffOnly):
        scheduling.staff_set_capacity(db, principal=me.principal, window_id=morning.id, capacity=9)


# --- calendar -------------------------------------------------------------------------------


def test_calendar_events_filter_and_scope(db: Session) -> None:
    me, them = make_subscriber(db), make_subscriber(db)
    today = dt.date.today()
    make_invoice(db, me.account, 5_000, due_on=today + dt.timedelta(days=5))
    make_invoice(db, them.account, 7_000, due_on=today + dt.timedelta(days=5))
    _ticket_with_notes(db, me.account.id)
    appointment = _appointment(db, me.account.id)
    scheduling.book(db, principal=me.principal, appointment_id=appointment.id, window_id=_window(db, days=4).id)
    db.commit()
    default = calendar.account_events(db, principal=me.principal, today=today)
    assert [e["kind"] for e in default] == ["appointment", "bill"]
    assert default[1]["title"] == "Bill due: $50.00"
    everything = calendar.account_events(db, principal=me.principal, today=today, kinds=list(calendar.KINDS))
    ticket_items = [e for e in everything if e["kind"] == "ticket"]
    assert len(ticket_items) == 2 and all("SECRET" not in e["detail"] for e in ticket_items)
    only_bills = calendar.account_events(db, principal=me.principal, today=today, kinds=["bill"])
    assert len(only_bills) == 1
    key = default[0]["key"]
    assert calendar.find_event(db, principal=me.principal, today=today, key=key)["title"] == "Fiber install"
    assert calendar.find_event(db, principal=them.principal, today=today, key=key) is None


def test_booking_mail_arrives_over_smtp_with_the_ics_file(db: Session) -> None:
    """A real SMTP server (aiosmtpd on loopback) receives the booking mail and its calendar file."""
    import socket
    from email import message_from_bytes

    from aiosmtpd.controller import Controller

    from portal_app.integrations.mail import deliver_pending

    received: list[bytes] = []

    class Inbox:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
            received.append(envelope.original_content or envelope.content)
            return "250 OK"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    me = make_subscriber(db)
    appointment = _appointment(db, me.account.id)
    window = _window(db, days=6)
    scheduling.book(db, principal=me.principal, appointment_id=appointment.id, window_id=window.id)
    db.commit()
    controller = Controller(Inbox(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        sent = deliver_pending(db, smtp_url=f"smtp+plain://127.0.0.1:{port}", sender_name="Lumen Fiber",
                               sender_address="no-reply@lumen.example")
    finally:
        controller.stop()
    assert sent.sent == 1 and len(received) == 1
    message = message_from_bytes(received[0])
    assert message["To"] == me.user.email and "is booked" in message["Subject"]
    [ics] = [part for part in message.walk() if part.get_content_type() == "text/calendar"]
    assert ics.get_filename() == "appointment.ics"
    event = Calendar.from_ical(ics.get_payload(decode=True)).walk("VEVENT")[0]
    assert event.decoded("dtstart") == window.starts_at
