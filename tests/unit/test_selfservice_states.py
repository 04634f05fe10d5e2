"""Self-service page handlers and .ics routes: another account's ids give not-found; private notes never leave."""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Iterator

import pytest
from factories import call, make_subscriber, point_app_at, reset_app_engine
from reflex_base.utils.format import json_dumps
from sqlmodel import Session, select
from test_states import app_db, load_home, page_state, signed_in_cookie  # noqa: F401  (app_db is a fixture)

import portal_app.api
from portal_app.models import (
    AccountHistory,
    Appointment,
    AppointmentWindow,
    ContactPoint,
    ProviderSettings,
    Ticket,
    TicketNote,
    utcnow,
)
from portal_app.services.identity import auth
from portal_app.services.selfservice import contacts
from portal_app.state.calendar import CalendarState
from portal_app.state.contacts import ContactsState
from portal_app.state.scheduling import SchedulingReminderState, SchedulingState
from portal_app.state.tickets import TicketDetailState, TicketsState

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient` is deprecated")
    from starlette.testclient import TestClient


def _ticket(db: Session, account_id: int, number: str) -> Ticket:
    now = utcnow()
    ticket = Ticket(account_id=account_id, number=number, subject=f"Subject {number}", opened_at=now, updated_at=now)
    db.add(ticket)
    db.flush()
    db.add(TicketNote(ticket_id=ticket.id, body="public words", is_public=True, author_kind="subscriber",
                      author_name="Me", created_at=now))
    db.add(TicketNote(ticket_id=ticket.id, body="PRIVATE staff words", is_public=False, author_kind="staff",
                      author_name="Staff", created_at=now + dt.timedelta(minutes=1)))
    db.flush()
    return ticket


def _scheduled(db: Session, account_id: int) -> Appointment:
    starts = utcnow() + dt.timedelta(days=5)
    window = AppointmentWindow(kind="install", starts_at=starts, ends_at=starts + dt.timedelta(hours=4), capacity=3,
                               booked=1)
    db.add(window)
    db.flush()
    appointment = Appointment(account_id=account_id, title="Install", status="scheduled", window_id=window.id,
                              starts_at=window.starts_at, ends_at=window.ends_at)
    db.add(appointment)
    db.flush()
    return appointment


@pytest.fixture
def two(app_db: str, db: Session):  # noqa: F811
    db.add(ProviderSettings())
    me, them = make_subscriber(db, first_name="Maya", last_name="Okafor"), make_subscriber(db, first_name="Other")
    contacts.add_contact(db, principal=me.principal, first_name="Maya", email="maya@example.com", phone="5125550123")
    contacts.add_contact(db, principal=them.principal, first_name="Theirs", email="theirs@example.com",
                         phone="5125550999")
    mine, theirs = _ticket(db, me.account.id, "TKT-1"), _ticket(db, them.account.id, "TKT-2")
    their_appointment = _scheduled(db, them.account.id)
    my_appointment = _scheduled(db, me.account.id)
    db.commit()
    return {"me": me, "them": them, "cookie": signed_in_cookie(db, me), "my_ticket": mine, "their_ticket": theirs,
            "their_appointment": their_appointment, "my_appointment": my_appointment}


def _their_point(db: Session, them) -> ContactPoint:
    return db.exec(select(ContactPoint).where(ContactPoint.account_id == them.account.id)).first()


def test_contacts_handlers_ignore_another_accounts_ids(two, db: Session) -> None:
    state = page_state(ContactsState, "/contacts", cookie=two["cookie"])
    call(ContactsState.load, state)
    assert [r["text"] for r in state.rows] == ["Maya", "maya@example.com", "(512) 555-0123"]
    point = _their_point(db, two["them"])
    call(ContactsState.open_edit, state, "email", str(point.id))
    assert state.form_open is False
    call(ContactsState.ask_delete, state, "email", str(point.id))
    assert state.confirm_open is False and state._asked is None
    # Even a forged form aimed at their contact is refused by the service.
    call(ContactsState.open_add, state, "email")
    call(ContactsState.submit, state, {"contact_id": str(point.contact_id), "email": "hijack@example.com"})
    assert state.err_form == "That contact could not be found."
    state._asked = ("point", point.id)
    call(ContactsState.confirm_delete, state)
    assert state.page_error == "That contact could not be found."
    db.expire_all()
    assert db.get(ContactPoint, point.id).value == "theirs@example.com"
    assert "theirs@example.com" not in json_dumps(state.dict())


def test_contacts_state_shows_field_errors_and_saves(two, db: Session) -> None:
    state = page_state(ContactsState, "/contacts?add=phone", cookie=two["cookie"])
    call(ContactsState.load, state)
    assert state.form_open and state.form_title == "Add Phone Number" and state.person_choice != "new"
    call(ContactsState.submit, state, {"contact_id": state.person_choice, "phone": "12"})
    assert state.err_phone.startswith("Enter a valid phone number") and state.form_open
    call(ContactsState.submit, state, {"contact_id": state.person_choice, "phone": "512-555-0100"})
    assert state.form_open is False and state.notice == "Contact added."
    assert "(512) 555-0100" in [r["text"] for r in state.rows]
    actions = [h.action for h in db.exec(select(AccountHistory).where(
        AccountHistory.account_id == two["me"].account.id))]
    assert actions[-1] == "phone_added"


def test_ticket_page_never_carries_private_notes_or_other_accounts(two) -> None:
    state = page_state(TicketDetailState, f"/ticket?id={two['my_ticket'].id}", cookie=two["cookie"])
    call(TicketDetailState.load, state)
    assert state.found and [n["body"] for n in state.notes] == ["public words"]
    assert "PRIVATE" not in json_dumps(state.dict())
    other = page_state(TicketDetailState, f"/ticket?id={two['their_ticket'].id}", cookie=two["cookie"])
    call(TicketDetailState.load, other)
    assert not other.found and other.missing == "That ticket could not be found." and other.notes == []
    other._ticket_id = two["their_ticket"].id  # a forged reply to their ticket
    call(TicketDetailState.reply, other, {"reply": "hi"})
    assert other.missing == "That ticket could not be found."
    listing = page_state(TicketsState, "/tickets", cookie=two["cookie"])
    call(TicketsState.load, listing)
    assert [t["number"] for t in listing.tickets] == ["TKT-1"]


def test_scheduling_handlers_ignore_another_accounts_appointment(two, db: Session) -> None:
    state = page_state(SchedulingState, "/scheduling", cookie=two["cookie"])
    call(SchedulingState.load, state)
    assert [a["id"] for a in state.scheduled] == [str(two["my_appointment"].id)]
    theirs = str(two["their_appointment"].id)
    call(SchedulingState.start_reschedule, state, theirs)
    assert state.mode == ""
    call(SchedulingState.ask_cancel, state, theirs)
    assert state.confirm_cancel_open is False
    state._cancel_id = int(theirs)  # forged
    call(SchedulingState.confirm_cancel, state)
    assert state.page_error == "That appointment could not be found."
    db.expire_all()
    assert db.get(Appointment, int(theirs)).status == "scheduled"


def test_reminder_until_later_for_the_session_and_only_when_the_provider_wants_it(app_db: str, db: Session) -> None:  # noqa: F811
    settings = ProviderSettings(scheduling_popup=True)
    db.add(settings)
    me = make_subscriber(db)
    db.add(Appointment(account_id=me.account.id, title="Fiber install"))
    cookie = signed_in_cookie(db, me)
    state = page_state(SchedulingReminderState, "/", cookie=cookie)
    load_home(state)
    assert state.reminder_open and state.reminder_title == "Fiber install"
    load_home(state)
    assert state.reminder_open  # back on Home: still there until booked or put off
    call(SchedulingReminderState.later, state)
    load_home(state)
    assert state.reminder_open is False  # "Later" holds for the rest of this session
    settings.scheduling_popup = False
    db.add(settings)
    db.commit()
    fresh = page_state(SchedulingReminderState, "/", cookie=signed_in_cookie(db, me))
    load_home(fresh)
    assert fresh.reminder_open is False


def test_calendar_state_filters(two) -> None:
    state = page_state(CalendarState, "/calendar", cookie=two["cookie"])
    call(CalendarState.load, state)
    assert {i["kind"] for i in state.items} == {"appointment"}
    call(CalendarState.toggle_kind, state, "ticket", True)
    assert {i["kind"] for i in state.items} == {"appointment", "ticket"}
    assert "PRIVATE" not in json_dumps(state.dict()) and "TKT-2" not in json_dumps(state.dict())
    call(CalendarState.toggle_kind, state, "nonsense", True)
    assert "nonsense" not in state.kinds


# --- .ics routes ----------------------------------------------------------------------------


@pytest.fixture
def client(two, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    point_app_at(monkeypatch, database_url, PORTAL_THEME="demo")
    with TestClient(portal_app.api.build_api(), follow_redirects=False) as test_client:
        yield test_client
    reset_app_engine()


def test_ics_routes_check_the_session_and_the_account(two, client: TestClient) -> None:
    token = two["cookie"].split(f"{auth.SESSION_COOKIE}=")[1]
    mine, theirs = two["my_appointment"].id, two["their_appointment"].id
    assert client.get(f"/ics/appointment/{mine}.ics").status_code == 401
    assert client.get("/ics/feed.ics").status_code == 401
    client.cookies.set(auth.SESSION_COOKIE, token)
    response = client.get(f"/ics/appointment/{mine}.ics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/calendar")
    assert "BEGIN:VEVENT" in response.text and response.headers["cache-control"] == "private, no-store"
    assert client.get(f"/ics/appointment/{theirs}.ics").status_code == 404
    assert client.get("/ics/appointment/999999.ics").status_code == 404
    feed = client.get("/ics/feed.ics")
    assert feed.status_code == 200 and feed.text.count("BEGIN:VEVENT") >= 1
    assert "TKT-2" not in feed.text and "PRIVATE" not in feed.text


def test_deleting_the_last_way_to_reach_is_refused_with_a_message(app_db: str, db: Session) -> None:  # noqa: F811
    me = make_subscriber(db)
    contacts.add_contact(db, principal=me.principal, first_name="Solo", email="solo@example.com")
    cookie = signed_in_cookie(db, me)
    state = page_state(ContactsState, "/contacts", cookie=cookie)
    call(ContactsState.load, state)
    email_row = next(r for r in state.rows if r["kind"] == "email")
    call(ContactsState.ask_delete, state, "email", email_row["id"])
    assert state.confirm_open and state.confirm_text == "Delete solo@example.com?"
    call(ContactsState.confirm_delete, state)
    assert state.page_error == contacts.LAST_WAY_TO_REACH and state.notice == ""
    assert "solo@example.com" in [r["text"] for r in state.rows]


def test_month_view_cells_and_bounds(two) -> None:
    state = page_state(CalendarState, "/calendar", cookie=two["cookie"])
    call(CalendarState.load, state)
    assert len(state.month_cells) % 7 == 0 and state.month_cells[0]["iso"] <= state.month_cells[7]["iso"]
    assert sum(1 for c in state.month_cells if c["today"]) == 1
    for _ in range(10):
        call(CalendarState.change_month, state, 1)
    assert state.month_offset == 6
    key = two["my_appointment"].id
    CalendarState.show_item.fn(state, f"appointment-{key}")
    assert state.detail_open and state.detail_title == "Install" and state.detail_link == "/scheduling"
    CalendarState.set_detail_open.fn(state, False)
    CalendarState.show_item.fn(state, f"appointment-{two['their_appointment'].id}")
    assert state.detail_open is False
