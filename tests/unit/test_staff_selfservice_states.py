"""Staff self-service handlers: the Tickets tab, Contact Types and Appointment windows; subscribers never get in."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from factories import call, make_subscriber
from sqlmodel import Session, select
from test_access_states import _staff_cookie
from test_states import app_db, page_state, signed_in_cookie  # noqa: F401  (app_db is a fixture)

from portal_app.models import (
    AccountHistory,
    AppointmentWindow,
    Contact,
    ContactType,
    OutboxMail,
    StaffUser,
    Ticket,
    TicketNote,
    utcnow,
)
from portal_app.services.core.clock import provider_today
from portal_app.state.staff_accounts import StaffAccountState
from portal_app.state.staff_contact_types import StaffContactTypesState
from portal_app.state.staff_scheduling import StaffSchedulingState
from portal_app.state.staff_tickets import StaffTicketsState
from portal_app.state.tickets import TicketDetailState


def _admin_cookie(db: Session) -> str:
    """Contact types and appointment windows are admin work."""
    cookie = _staff_cookie(db)
    db.execute(sa.update(StaffUser).where(StaffUser.username == "agent").values(role="admin"))
    db.commit()
    return cookie


def _ticket(db: Session, account_id: int, number: str) -> Ticket:
    now = utcnow() - dt.timedelta(hours=1)
    ticket = Ticket(account_id=account_id, number=number, subject=f"Subject {number}", opened_at=now, updated_at=now)
    db.add(ticket)
    db.flush()
    db.add(TicketNote(ticket_id=ticket.id, body="my words", is_public=True, author_kind="subscriber",
                      author_name="Me", created_at=now))
    db.add(TicketNote(ticket_id=ticket.id, body="internal words", is_public=False, author_kind="staff",
                      author_name="Staff", created_at=now + dt.timedelta(minutes=1)))
    db.commit()
    return ticket


def _tab(db: Session, number: str, cookie: str) -> StaffTicketsState:
    """The account page opened: its one load (StaffAccountState.load) fills the Tickets tab."""
    page = page_state(StaffAccountState, f"/staff/account?number={number}", cookie=cookie)
    call(StaffAccountState.load, page)
    return page._get_root_state().get_substate(StaffTicketsState.get_full_name().split(".")[1:])


# --- Tickets tab -------------------------------------------------------------------------------------------


def test_tickets_tab_shows_all_notes_adds_public_and_private_notes_and_changes_status(app_db: str, db: Session) -> None:
    me = make_subscriber(db, first_name="Maya", last_name="Okafor")
    ticket = _ticket(db, me.account.id, "TKT-1")
    state = _tab(db, me.account.account_number, _staff_cookie(db))
    assert [(t["number"], t["status"]) for t in state.tickets] == [("TKT-1", "Open")]

    call(StaffTicketsState.open_ticket, state, ticket.id)
    assert [(n["visibility"], n["body"]) for n in state.notes] == [("PUBLIC", "my words"), ("PRIVATE", "internal words")]
    call(StaffTicketsState.add_note, state, {"body": "  ", "visibility": "public"})
    assert state.err_body == "Enter a note."
    call(StaffTicketsState.add_note, state, {"body": "Line checked from the office", "visibility": "private"})
    assert state.notice == "Private note added; only staff can see it."
    assert db.exec(select(OutboxMail)).first() is None
    call(StaffTicketsState.add_note, state, {"body": "A technician comes tomorrow", "visibility": "public"})
    assert [n["visibility"] for n in state.notes] == ["PUBLIC", "PRIVATE", "PRIVATE", "PUBLIC"]  # newest last
    [mail] = db.exec(select(OutboxMail)).all()
    assert mail.to_address == me.user.email and "A technician comes tomorrow" in mail.body_text
    call(StaffTicketsState.set_status, state, {"status": "weird"})
    assert state.err_status == "Choose open, pending or closed."
    call(StaffTicketsState.set_status, state, {"status": "pending"})
    assert state.ticket["status_label"] == "Pending" and state.notice == "Status is now Pending."
    actions = [h.action for h in db.exec(select(AccountHistory).where(AccountHistory.account_id == me.account.id))]
    assert {"private_note", "public_note", "status_pending"} <= set(actions)

    # The subscriber's own ticket page still shows public notes only.
    mine = page_state(TicketDetailState, f"/ticket?id={ticket.id}", cookie=signed_in_cookie(db, me))
    call(TicketDetailState.load, mine)
    assert [n["body"] for n in mine.notes] == ["my words", "A technician comes tomorrow"]
    call(StaffTicketsState.back, state)
    assert state.open_id == 0 and state.tickets[0]["status"] == "Pending"


def test_another_accounts_ticket_is_not_found_on_this_accounts_tab(app_db: str, db: Session) -> None:
    me, them = make_subscriber(db), make_subscriber(db)
    theirs = _ticket(db, them.account.id, "TKT-2")
    state = _tab(db, me.account.account_number, _staff_cookie(db))
    assert state.tickets == []
    call(StaffTicketsState.open_ticket, state, theirs.id)
    assert state.open_id == 0 and state.notes == [] and state.notice == "That ticket could not be found."
    state.open_id = theirs.id  # as a modified client might claim
    call(StaffTicketsState.add_note, state, {"body": "sneaky", "visibility": "public"})
    call(StaffTicketsState.set_status, state, {"status": "closed"})
    assert state.notice == "That ticket could not be found."
    assert db.exec(select(TicketNote).where(TicketNote.body == "sneaky")).first() is None
    db.refresh(theirs)
    assert theirs.status == "open"


# --- Contact Types -----------------------------------------------------------------------------------------


def test_contact_types_add_rename_reorder_and_remove(app_db: str, db: Session) -> None:
    me = make_subscriber(db)
    for order, name in enumerate(("Billing", "Technical", "Owner"), start=1):
        db.add(ContactType(name=name, sort_order=order))
    db.commit()
    billing = db.exec(select(ContactType).where(ContactType.name == "Billing")).one()
    db.add(Contact(account_id=me.account.id, first_name="Pat", contact_type_id=billing.id))
    db.commit()
    state = page_state(StaffContactTypesState, "/staff/settings/contact-types", cookie=_admin_cookie(db))
    call(StaffContactTypesState.load, state)
    names = lambda: [t["name"] for t in state.types]  # noqa: E731
    assert names() == ["Billing", "Technical", "Owner"]

    call(StaffContactTypesState.add, state, {"name": "billing"})
    assert state.errors["name"] == "That type already exists."
    call(StaffContactTypesState.add, state, {"name": ""})
    assert state.errors["name"] == "Enter a name for the type."
    call(StaffContactTypesState.add, state, {"name": "Authorized  User"})
    assert state.errors == {} and state.notice == "Authorized User added." and names()[-1] == "Authorized User"

    technical = state.types[1]["id"]
    call(StaffContactTypesState.rename, state, {"type_id": technical, "name": "Owner"})
    assert (state.row_error_id, state.errors["row"]) == (technical, "That type already exists.")
    call(StaffContactTypesState.rename, state, {"type_id": technical, "name": "Tech support"})
    assert names() == ["Billing", "Tech support", "Owner", "Authorized User"]

    call(StaffContactTypesState.move, state, technical, -1)
    assert names() == ["Tech support", "Billing", "Owner", "Authorized User"] and state.notice == "Tech support moved up."
    call(StaffContactTypesState.move, state, technical, -1)  # already first: nothing moves
    call(StaffContactTypesState.move, state, state.types[3]["id"], 1)
    assert names() == ["Tech support", "Billing", "Owner", "Authorized User"]

    call(StaffContactTypesState.ask_remove, state, str(billing.id))
    assert state.confirm_name == "Billing" and names()[1] == "Billing"  # nothing removed before CONFIRM
    call(StaffContactTypesState.remove, state)
    assert names() == ["Tech support", "Owner", "Authorized User"] and state.confirm_id == ""
    assert state.notice == "Billing removed. Contacts that had it keep their details and show no type."
    pat = db.exec(select(Contact).where(Contact.first_name == "Pat")).one()
    db.refresh(pat)
    assert pat.contact_type_id is None


# --- Appointment windows -----------------------------------------------------------------------------------


def test_windows_define_change_capacity_and_delete(app_db: str, db: Session) -> None:
    state = page_state(StaffSchedulingState, "/staff/scheduling", cookie=_admin_cookie(db))
    call(StaffSchedulingState.load, state)
    assert state.day == provider_today().isoformat()
    day = (provider_today() + dt.timedelta(days=9)).isoformat()
    call(StaffSchedulingState.pick_day, state, day)
    assert state.day == day and state.windows == []

    call(StaffSchedulingState.define, state, {"starts": "08:00", "ends": "12:00", "capacity": "2"})
    call(StaffSchedulingState.define, state, {"starts": "13:00", "ends": "17:00", "capacity": "1"})
    assert [(w["label"], w["booked"], w["capacity"]) for w in state.windows] == [
        ("8:00 AM – 12:00 PM", "0", "2"), ("1:00 PM – 5:00 PM", "0", "1")]
    call(StaffSchedulingState.define, state, {"starts": "11:00", "ends": "14:00", "capacity": "1"})
    assert state.errors["define"] == "This window overlaps another window on that day."
    call(StaffSchedulingState.define, state, {"starts": "18:00", "ends": "17:00", "capacity": "1"})
    assert state.errors["define"] == "The window must end after it starts."
    call(StaffSchedulingState.define, state, {"starts": "", "ends": "17:00", "capacity": "1"})
    assert state.errors["define"] == "Enter a start and an end time."
    assert len(state.windows) == 2

    morning, afternoon = (int(w["id"]) for w in state.windows)
    window = db.get(AppointmentWindow, morning)
    window.booked = 2  # two subscribers booked it
    db.add(window)
    db.commit()
    call(StaffSchedulingState.set_capacity, state, {"window_id": str(morning), "capacity": "1"})
    assert (state.row_error_id, state.errors["row"]) == (
        str(morning), "2 places are already booked; capacity cannot go below that.")
    db.refresh(window)
    assert window.capacity == 2
    call(StaffSchedulingState.set_capacity, state, {"window_id": str(morning), "capacity": "4"})
    assert state.windows[0]["capacity"] == "4" and state.notice == "Capacity of 8:00 AM – 12:00 PM is now 4."
    assert state.windows[0]["deletable"] == "" and state.windows[1]["deletable"] == "1"
    assert [(d["day"], d["booked"], d["capacity"]) for d in state.days] == [(day, "2", "5")]
    call(StaffSchedulingState.pick_day, state, provider_today().isoformat())
    assert state.windows == [] and len(state.days) == 1
    call(StaffSchedulingState.pick_day, state, state.days[0]["day"])  # tapping the day brings its windows back

    call(StaffSchedulingState.delete, state, morning)
    assert state.errors["row"] == "This window has bookings; lower its capacity to 0 instead."
    call(StaffSchedulingState.delete, state, afternoon)
    assert state.notice == "Window deleted." and [int(w["id"]) for w in state.windows] == [morning]


# --- subscribers never get in ------------------------------------------------------------------------------


def test_a_subscriber_session_never_reaches_staff_handlers(app_db: str, db: Session) -> None:
    me = make_subscriber(db)
    ticket = _ticket(db, me.account.id, "TKT-3")
    db.add(ContactType(name="Billing", sort_order=1))
    start = utcnow() + dt.timedelta(days=3)
    db.add(AppointmentWindow(starts_at=start, ends_at=start + dt.timedelta(hours=4), capacity=3, booked=0))
    db.commit()
    window = db.exec(select(AppointmentWindow)).one()
    cookie = signed_in_cookie(db, me)

    tab = _tab(db, me.account.account_number, cookie)
    assert tab.tickets == []
    tab.open_id = ticket.id  # as a modified client might claim
    call(StaffTicketsState.open_ticket, tab, ticket.id)
    call(StaffTicketsState.add_note, tab, {"body": "from a subscriber", "visibility": "private"})
    call(StaffTicketsState.set_status, tab, {"status": "closed"})
    assert tab.notes == []

    types = page_state(StaffContactTypesState, "/staff/settings/contact-types", cookie=cookie)
    call(StaffContactTypesState.load, types)
    assert types.types == []
    billing = db.exec(select(ContactType)).one()
    call(StaffContactTypesState.add, types, {"name": "Intruder"})
    call(StaffContactTypesState.rename, types, {"type_id": str(billing.id), "name": "Renamed"})
    types.confirm_id = str(billing.id)
    call(StaffContactTypesState.remove, types)

    windows = page_state(StaffSchedulingState, "/staff/scheduling", cookie=cookie)
    call(StaffSchedulingState.load, windows)
    assert windows.windows == []
    call(StaffSchedulingState.define, windows, {"starts": "08:00", "ends": "09:00", "capacity": "5"})
    call(StaffSchedulingState.set_capacity, windows, {"window_id": str(window.id), "capacity": "0"})
    call(StaffSchedulingState.delete, windows, window.id)

    db.expire_all()
    assert db.exec(select(TicketNote).where(TicketNote.body == "from a subscriber")).first() is None
    assert db.get(Ticket, ticket.id).status == "open"
    assert [t.name for t in db.exec(select(ContactType))] == ["Billing"]
    assert [(w.id, w.capacity) for w in db.exec(select(AppointmentWindow))] == [(window.id, 3)]
