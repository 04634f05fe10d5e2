"""Staff self-service on a phone (390×844): ticket notes on the account's Tickets tab, Contact Types, windows."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session, col, select

from portal_app.models import AccountHistory, AppointmentWindow, OutboxMail, Ticket, TicketNote, utcnow
from portal_app.services.core.clock import provider_today
from tests.e2e.a11y import serious_violations
from tests.e2e.conftest import ARTIFACTS, PHONE
from tests.e2e.helpers import SOCKET_WATCH, sign_in, wait_until_settled
from tests.e2e.personas import maya_copy
from tests.factories import make_account, make_user

pytestmark = pytest.mark.e2e
PASSWORD = "staff-e2e-subscriber-2026"


def _staff(browser, portal, path: str) -> Page:
    """A phone-sized staff browser of its own, signed in and on `path`."""
    context = browser.new_context(viewport=PHONE, base_url=portal.base_url, device_scale_factor=1)
    context.set_default_timeout(20_000)
    context.add_init_script(SOCKET_WATCH)
    page = context.new_page()
    page.goto("/staff/signin")
    page.get_by_label("Staff username").fill("staff")
    page.get_by_label("Password").fill("demo-staff-2026")
    page.get_by_role("button", name="SIGN IN").click()
    expect(page.get_by_role("heading", name="Find an account")).to_be_visible()
    page.goto(path)
    page.wait_for_url(re.compile(re.escape(path.split("?")[0]) + r"/?(\?|$)"))
    return page


def _fits(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert serious_violations(page) == []


def _subscriber_with_ticket(portal) -> dict:
    """An account of this test's own with a verified user and one open ticket."""
    tag = uuid.uuid4().hex[:6]
    with Session(portal.engine, expire_on_commit=False) as db:
        account = make_account(db, first_name="Rosa", last_name=f"Staffnote{tag}",
                               account_number=f"55{int(tag, 16) % 10_000_000:07d}")
        user = make_user(db, account, username=f"rosa{tag}", email=f"rosa{tag}@mail.example", password=PASSWORD)
        now = utcnow()
        ticket = Ticket(account_id=account.id, number=f"TKT-E{tag}", category="Technical", subject="Slow evenings",
                        status="open", opened_at=now, updated_at=now)
        db.add(ticket)
        db.flush()
        db.add(TicketNote(ticket_id=ticket.id, body="It slows down every evening.", is_public=True,
                          author_kind="subscriber", author_name="Rosa", created_at=now))
        db.commit()
        return {"account_id": account.id, "number": account.account_number, "username": user.username,
                "email": user.email, "ticket_id": ticket.id, "ticket_number": ticket.number}


def test_staff_notes_reach_the_subscriber_only_when_public(browser, portal, phone: Page) -> None:
    sub = _subscriber_with_ticket(portal)
    staff = _staff(browser, portal, f"/staff/account?number={sub['number']}")
    expect(staff.get_by_role("heading", name=re.compile("Rosa Staffnote"))).to_be_visible()
    staff.get_by_role("tab", name="Tickets").click()
    staff.get_by_role("button", name=re.compile(f"Open {sub['ticket_number']}")).click()
    expect(staff.get_by_role("heading", name="Slow evenings")).to_be_visible()

    staff.get_by_label("Note").fill("Node 14 is congested; crew booked for Thursday.")
    staff.get_by_role("button", name="ADD NOTE").click()  # Private is the default
    expect(staff.locator("#ticket-notice")).to_have_text("Private note added; only staff can see it.")
    staff.get_by_label("Note").fill("We found the cause and are fixing it this week.")
    staff.get_by_text("Public", exact=True).click()
    staff.get_by_role("button", name="ADD NOTE").click()
    expect(staff.locator("#ticket-notice")).to_have_text("Public note added; the subscriber is emailed.")
    notes = staff.locator(".staff-note")
    expect(notes).to_have_count(3)
    expect(notes.nth(1)).to_contain_text("PRIVATE")
    expect(notes.nth(1)).to_contain_text("Node 14 is congested")
    expect(notes.nth(2)).to_contain_text("PUBLIC")  # newest last
    staff.get_by_label("Status").select_option("pending")
    staff.get_by_role("button", name="CHANGE STATUS").click()
    expect(staff.locator("#ticket-notice")).to_have_text("Status is now Pending.")
    _fits(staff)
    staff.screenshot(path=str(ARTIFACTS / "staff-tickets-tab.png"), full_page=True)
    staff.get_by_role("tab", name="History (ALL)").click()
    expect(staff.locator("#history")).to_contain_text(f"Public note added to ticket {sub['ticket_number']}")
    staff.context.close()

    with Session(portal.engine) as db:
        mails = db.exec(select(OutboxMail).where(OutboxMail.account_id == sub["account_id"])).all()
        actions = [h.action for h in db.exec(select(AccountHistory).where(
            AccountHistory.account_id == sub["account_id"]).order_by(col(AccountHistory.id)))]
    assert [(m.to_address, "We found the cause" in m.body_text) for m in mails] == [(sub["email"], True)]
    assert actions[-3:] == ["private_note", "public_note", "status_pending"]

    # The subscriber reads the public note on their ticket page; the private one never arrives.
    phone.goto("/signin?" + urlencode({"next": f"/ticket?id={sub['ticket_id']}"}))
    sign_in(phone, sub["username"], PASSWORD)
    expect(phone.get_by_role("heading", name="Slow evenings")).to_be_visible()
    expect(phone.locator(".ticket-note")).to_have_count(2)
    expect(phone.locator("#ticket-notes")).to_contain_text("We found the cause and are fixing it this week.")
    expect(phone.get_by_text("Pending", exact=True)).to_be_visible()
    assert "Node 14" not in phone.content()


def test_staff_contact_types_add_rename_reorder_and_remove(browser, portal) -> None:
    staff = _staff(browser, portal, "/staff/settings/contact-types")
    expect(staff.get_by_role("heading", name="Contact Types")).to_be_visible()
    rows = staff.locator(".contact-type")
    expect(rows.nth(1)).to_be_visible()  # the page's loader has filled the list
    count = rows.count()
    name = f"Site manager {uuid.uuid4().hex[:4]}"
    staff.get_by_label("New type name").fill("billing")
    staff.get_by_role("button", name="ADD TYPE").click()
    expect(staff.locator("#field-name-error")).to_have_text("That type already exists.")
    staff.get_by_label("New type name").fill(name)
    staff.get_by_role("button", name="ADD TYPE").click()
    expect(staff.locator("#staff-notice")).to_have_text(f"{name} added.")
    expect(rows).to_have_count(count + 1)
    mine = rows.nth(count)
    mine.get_by_label("Name").fill(f"{name} (on site)")
    mine.get_by_role("button", name="RENAME").click()
    expect(staff.locator("#staff-notice")).to_have_text(f"Renamed to {name} (on site).")
    name = f"{name} (on site)"
    staff.get_by_role("button", name=f"Move {name} up").click()
    expect(staff.locator("#staff-notice")).to_have_text(f"{name} moved up.")
    expect(rows.nth(count - 1).get_by_label("Name")).to_have_value(name)
    _fits(staff)
    staff.screenshot(path=str(ARTIFACTS / "staff-contact-types.png"), full_page=True)
    staff.get_by_role("button", name=f"Move {name} down").click()  # back where it was, for other tests
    expect(rows.nth(count).get_by_label("Name")).to_have_value(name)

    staff.get_by_role("button", name=f"Remove {name}").click()
    dialog = staff.get_by_role("alertdialog")
    expect(dialog).to_contain_text("Contacts that have this type keep their")
    wait_until_settled(staff)  # the dialog's fade-in over: axe reads colours mid-animation as blends
    staff.screenshot(path=str(ARTIFACTS / "staff-contact-types-remove.png"))
    assert serious_violations(staff) == []
    dialog.get_by_role("button", name="REMOVE TYPE").click()
    expect(staff.locator("#staff-notice")).to_have_text(
        f"{name} removed. Contacts that had it keep their details and show no type.")
    expect(rows).to_have_count(count)
    staff.context.close()


def test_staff_windows_capacity_never_below_booked(browser, portal) -> None:
    day = provider_today() + dt.timedelta(days=200 + uuid.uuid4().int % 100)
    starts = dt.datetime.combine(day, dt.time(16), tzinfo=dt.UTC)
    with Session(portal.engine) as db:
        full = AppointmentWindow(kind="install", starts_at=starts, ends_at=starts + dt.timedelta(hours=4),
                                 capacity=2, booked=2)
        db.add(full)
        db.commit()
        full_id = full.id

    staff = _staff(browser, portal, "/staff/scheduling")
    expect(staff.get_by_role("heading", name="Appointment windows")).to_be_visible()
    windows = staff.locator(".staff-window")
    first_day = staff.locator(".window-day").first  # the demo data has windows in the coming days
    first_day.click()
    expect(windows.first).to_be_visible()
    staff.get_by_label("Day").fill(day.isoformat())
    expect(windows).to_have_count(1)
    expect(windows.first).to_contain_text("2 of 2 booked")
    windows.first.get_by_label("Capacity").fill("1")
    windows.first.get_by_role("button", name="SET CAPACITY").click()
    expect(windows.first.get_by_role("alert")).to_have_text(
        "2 places are already booked; capacity cannot go below that.")
    with Session(portal.engine) as db:
        assert db.get(AppointmentWindow, full_id).capacity == 2
    windows.first.get_by_label("Capacity").fill("3")
    windows.first.get_by_role("button", name="SET CAPACITY").click()
    expect(windows.first).to_contain_text("2 of 3 booked")
    expect(windows.first.get_by_role("button", name=re.compile("Delete"))).to_have_count(0)  # booked: no delete

    staff.get_by_label("Starts").fill("07:00")
    staff.get_by_label("Ends").fill("09:00")
    staff.get_by_role("button", name="ADD WINDOW").click()
    expect(staff.locator("#field-define-error")).to_have_count(0)
    expect(windows).to_have_count(2)
    staff.get_by_label("Starts").fill("08:00")
    staff.get_by_label("Ends").fill("11:00")
    staff.get_by_role("button", name="ADD WINDOW").click()  # overlaps the 7–9 window just added
    expect(staff.locator("#field-define-error")).to_have_text("This window overlaps another window on that day.")
    _fits(staff)
    staff.screenshot(path=str(ARTIFACTS / "staff-windows.png"), full_page=True)
    new = windows.filter(has_text="0 of 2 booked")
    new.get_by_role("button", name=re.compile("Delete")).click()
    expect(staff.locator("#staff-notice")).to_have_text("Window deleted.")
    expect(windows).to_have_count(1)
    staff.context.close()


def test_staff_pages_turn_subscribers_away(phone: Page, portal) -> None:
    maya = maya_copy(portal)
    phone.goto("/signin?" + urlencode({"next": "/"}))
    sign_in(phone, maya.username, maya.password)
    expect(phone.get_by_role("heading", name="Hi, Maya")).to_be_visible()
    for path in ("/staff/scheduling", "/staff/settings/contact-types"):
        phone.goto(path)
        phone.wait_for_url("**/staff/signin**")
        expect(phone.get_by_label("Staff username")).to_be_visible()
