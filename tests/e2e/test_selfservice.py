"""Self-service on a phone: contacts, tickets, scheduling and the calendar, as Maya would use them.

Each test signs in as a copy of Maya of its own (same bills, contacts, tickets and install), so the
tests pass in any order and never change the demo account."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session, col, select

from portal_app.models import AccountHistory
from tests.e2e.helpers import sign_in
from tests.e2e.personas import MayaCopy, make_persona, maya_copy

pytestmark = pytest.mark.e2e
ARTIFACTS = "test-artifacts"


def _open(page: Page, path: str, me: MayaCopy) -> None:
    """Sign in and land on `path`, as a subscriber following a link would."""
    page.goto("/signin?" + urlencode({"next": path}))
    sign_in(page, me.username, me.password)
    page.wait_for_url(re.compile(re.escape(path.split("?")[0])))


def _history(portal, kind: str, me: MayaCopy) -> list[AccountHistory]:
    with Session(portal.engine) as db:
        return list(db.exec(select(AccountHistory).where(AccountHistory.account_id == me.account_id,
                                                         AccountHistory.kind == kind)
                            .order_by(col(AccountHistory.id))))


def _no_horizontal_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def _accessible(page: Page) -> None:
    """axe finds no serious or critical violation on what is on screen now."""
    from axe_playwright_python.sync_playwright import Axe

    violations = Axe().run(page).response["violations"]
    bad = [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in violations if v["impact"] in ("serious", "critical")]
    assert bad == []


def test_contacts_add_validate_edit_and_delete(phone: Page, portal) -> None:
    me = maya_copy(portal)
    _open(phone, "/contacts", me)
    expect(phone.get_by_role("heading", name="Contacts")).to_be_visible()
    owner = phone.locator(".contact-row", has_text="Maya Okafor")
    expect(owner).to_contain_text("Owner")
    expect(phone.get_by_text(me.email)).to_be_visible()
    expect(phone.get_by_text("(512) 555-0123")).to_be_visible()
    _no_horizontal_scroll(phone)
    _accessible(phone)

    # Add a person: the server's messages appear next to each field.
    phone.get_by_role("button", name="Add Contact").click()
    dialog = phone.get_by_role("dialog")
    expect(dialog.get_by_role("heading", name="Add Contact")).to_be_visible()
    dialog.get_by_label("Email address").fill("priya@@example")
    dialog.get_by_label("Phone number").fill("555")
    dialog.get_by_role("button", name="CONFIRM").click()
    expect(dialog.locator("#field-first_name-error")).to_have_text("Enter a first name.")
    expect(dialog.locator("#field-email-error")).to_have_text("Enter an email address like name@example.com.")
    expect(dialog.locator("#field-phone-error")).to_have_text("Enter a valid phone number, for example (512) 555-0123.")
    phone.screenshot(path=f"{ARTIFACTS}/contacts-validation.png")
    _accessible(phone)
    dialog.get_by_label("First name").fill("Priya")
    dialog.get_by_label("Last name").fill("Nair")
    dialog.get_by_label("Type").select_option(label="Technical")
    dialog.get_by_label("Email address").fill("priya@example.com")
    dialog.get_by_label("Phone number").fill("512 555 0199")
    dialog.get_by_role("button", name="CONFIRM").click()
    expect(phone.get_by_role("dialog")).to_have_count(0)
    expect(phone.locator("#contacts-notice")).to_have_text("Contact added.")
    priya = phone.locator(".contact-row", has_text="Priya Nair")
    expect(priya).to_contain_text("Technical")
    expect(phone.get_by_text("(512) 555-0199")).to_be_visible()

    # Tap a phone number to edit it.
    phone.get_by_role("button", name="Edit (512) 555-0199").click()
    dialog = phone.get_by_role("dialog")
    expect(dialog.get_by_role("heading", name="Edit phone number")).to_be_visible()
    dialog.get_by_label("Phone number").fill("12")
    dialog.get_by_role("button", name="CONFIRM").click()
    expect(dialog.get_by_role("alert")).to_have_text("Enter a valid phone number, for example (512) 555-0123.")
    dialog.get_by_label("Phone number").fill("(512) 555-0177")
    dialog.get_by_role("button", name="CONFIRM").click()
    expect(phone.get_by_text("(512) 555-0177")).to_be_visible()
    expect(phone.get_by_text("(512) 555-0199")).to_have_count(0)

    # The red X asks first; DELETE CONTACT deletes the person with their email and phone.
    phone.get_by_role("button", name="Delete Priya Nair").click()
    confirm = phone.get_by_role("alertdialog")
    expect(confirm).to_contain_text("Delete Priya Nair and their email addresses and phone numbers?")
    phone.screenshot(path=f"{ARTIFACTS}/contacts-delete-confirm.png")
    confirm.get_by_role("button", name="DELETE CONTACT").click()
    expect(phone.locator("#contacts-notice")).to_have_text("Contact deleted.")
    expect(phone.get_by_text("Priya Nair")).to_have_count(0)
    expect(phone.get_by_text("priya@example.com")).to_have_count(0)

    actions = [h.action for h in _history(portal, "contact", me)]
    assert actions[-5:] == ["added", "email_added", "phone_added", "phone_edited", "deleted"]


def test_home_quick_links_open_the_contact_form(phone: Page, portal) -> None:
    _open(phone, "/contacts?add=email", maya_copy(portal))
    dialog = phone.get_by_role("dialog")
    expect(dialog.get_by_role("heading", name="Add Email Address")).to_be_visible()
    expect(dialog.get_by_label("Email address")).to_be_visible()
    expect(dialog.get_by_label("Phone number")).to_have_count(0)
    expect(dialog.get_by_label("Person")).to_have_value(re.compile(r"^\d+$"))  # the first person, not "new"
    dialog.get_by_label("Email address").fill("maya.work@example.com")
    dialog.get_by_role("button", name="CONFIRM").click()
    expect(phone.locator(".contact-row", has_text="maya.work@example.com")).to_be_visible()
    phone.goto("/contacts?add=phone")
    dialog = phone.get_by_role("dialog")
    expect(dialog.get_by_role("heading", name="Add Phone Number")).to_be_visible()
    expect(dialog.get_by_label("Email address")).to_have_count(0)
    dialog.get_by_role("button", name="Cancel").click()
    expect(phone.get_by_role("dialog")).to_have_count(0)
    # The red X on the new address removes it again.
    phone.get_by_role("button", name="Delete maya.work@example.com").click()
    phone.get_by_role("alertdialog").get_by_role("button", name="DELETE CONTACT").click()
    expect(phone.get_by_text("maya.work@example.com")).to_have_count(0)


def test_tickets_public_notes_reply_and_new_ticket(phone: Page, portal) -> None:
    me = maya_copy(portal)
    _open(phone, "/tickets", me)
    expect(phone.get_by_role("heading", name="Tickets")).to_be_visible()
    bill = phone.locator(".ticket-item", has_text=me.bill_ticket)
    expect(bill).to_contain_text("Question about my bill")
    expect(bill).to_contain_text("Open")
    expect(phone.locator(".ticket-item", has_text=me.wifi_ticket)).to_contain_text("Closed")
    _no_horizontal_scroll(phone)
    _accessible(phone)
    bill.click()
    phone.wait_for_url(re.compile(r"/ticket\?id=\d+"))
    expect(phone.get_by_role("heading", name="Question about my bill")).to_be_visible()
    notes = phone.locator(".ticket-note")
    expect(notes).to_have_count(2)
    expect(notes.nth(0)).to_contain_text("Will the second Wi-Fi extender change my monthly bill?")
    expect(notes.nth(1)).to_contain_text("no change: the extender is included")
    expect(notes.nth(0)).to_contain_text("PUBLIC")
    expect(phone.get_by_text("INTERNAL", exact=False)).to_have_count(0)
    assert "Do NOT add" not in phone.content()

    phone.get_by_role("button", name="ADD REPLY").click()
    expect(phone.locator("#field-reply-error")).to_have_text("Enter a reply.")
    phone.get_by_label("Your reply").fill("Thanks, that answers it.")
    phone.get_by_role("button", name="ADD REPLY").click()
    expect(notes).to_have_count(3)
    expect(notes.nth(2)).to_contain_text("Thanks, that answers it.")
    expect(notes.nth(2)).to_contain_text("You")
    phone.screenshot(path=f"{ARTIFACTS}/ticket-detail.png", full_page=True)
    _accessible(phone)

    phone.get_by_role("link", name="Tickets").first.click()
    phone.locator(".ticket-item", has_text=me.wifi_ticket).click()
    expect(phone.get_by_text("This ticket is closed.", exact=False)).to_be_visible()
    expect(phone.get_by_role("button", name="ADD REPLY")).to_have_count(0)

    phone.goto("/tickets")
    phone.get_by_role("button", name="New Ticket").click()
    dialog = phone.get_by_role("dialog")
    dialog.get_by_role("button", name="SUBMIT").click()
    expect(dialog.locator("#field-subject-error")).to_have_text("Enter a subject.")
    expect(dialog.locator("#field-description-error")).to_have_text("Enter a description.")
    dialog.get_by_label("Category").select_option("Technical")
    dialog.get_by_label("Subject").fill("Router light blinking red")
    dialog.get_by_label("Description").fill("Since this morning the light blinks red.")
    dialog.get_by_role("button", name="SUBMIT").click()
    phone.wait_for_url(re.compile(r"/ticket\?id=\d+"))
    expect(phone.get_by_role("heading", name="Router light blinking red")).to_be_visible()
    expect(phone.locator(".ticket-note")).to_contain_text("Since this morning the light blinks red.")
    assert [h.action for h in _history(portal, "ticket", me)][-2:] == ["replied", "opened"]


def test_another_accounts_ticket_is_not_found(phone: Page, portal) -> None:
    theirs = make_persona(portal, ticket=True).ticket_id  # another subscriber's "Slow evenings"
    _open(phone, f"/ticket?id={theirs}", maya_copy(portal))
    expect(phone.locator("#ticket-missing")).to_have_text("That ticket could not be found.")
    expect(phone.get_by_text("Slow evenings")).to_have_count(0)
    phone.goto("/ticket?id=999999")
    expect(phone.locator("#ticket-missing")).to_have_text("That ticket could not be found.")


def test_desktop_scheduling_shows_times_beside_the_calendar(browser, portal) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=portal.base_url)
    page = context.new_page()
    try:
        _open(page, "/scheduling", maya_copy(portal))
        days = page.locator(".open-day")
        days.last.click()
        first_time = page.locator(".open-time").first
        expect(first_time).to_be_visible()
        assert first_time.bounding_box()["x"] > days.last.bounding_box()["x"] + days.last.bounding_box()["width"]
        page.screenshot(path=f"{ARTIFACTS}/scheduling-desktop.png", full_page=True)
    finally:
        context.close()


def test_schedule_reschedule_and_cancel_the_install(phone: Page, portal) -> None:
    me = maya_copy(portal)
    _open(phone, "/", me)
    reminder = phone.locator("#scheduling-reminder")
    expect(reminder).to_contain_text("Mesh Wi-Fi extender install")
    phone.screenshot(path=f"{ARTIFACTS}/scheduling-reminder.png")
    reminder.get_by_role("button", name="Go to Scheduling").click()
    phone.wait_for_url("**/scheduling")
    expect(phone.locator("#to-schedule")).to_have_text("Mesh Wi-Fi extender install")
    phone.get_by_role("button", name="SUBMIT").click()
    expect(phone.locator("#window-error")).to_have_text("Pick a day and a time first.")
    days = phone.locator(".open-day")
    expect(days.first).to_be_visible()
    days.last.click()  # far enough ahead to be changed later
    expect(phone.locator("#times-heading")).to_be_visible()
    times = phone.locator(".open-time")
    # On a phone the times sit below the calendar.
    assert times.first.bounding_box()["y"] > days.last.bounding_box()["y"]
    _no_horizontal_scroll(phone)
    phone.screenshot(path=f"{ARTIFACTS}/scheduling-pick.png", full_page=True)
    _accessible(phone)
    times.first.click()
    phone.get_by_role("button", name="SUBMIT").click()
    expect(phone.locator("#scheduling-confirmation")).to_contain_text("Your Mesh Wi-Fi extender install is booked for")
    booked = phone.locator(".booked-appointment")
    expect(booked).to_contain_text("Mesh Wi-Fi extender install")
    first_when = booked.locator(".booked-when").inner_text()

    with Session(portal.engine) as db:
        from portal_app.models import Appointment, OutboxMail
        appointment = db.exec(select(Appointment).where(Appointment.account_id == me.account_id,
                                                        Appointment.title == "Mesh Wi-Fi extender install")).one()
        mail = db.exec(select(OutboxMail).where(col(OutboxMail.subject).contains("is booked"),
                                                OutboxMail.to_address == me.email)).one()
    assert appointment.status == "scheduled"
    assert "BEGIN:VCALENDAR" in mail.attachment_text
    ics = phone.request.get(f"/ics/appointment/{appointment.id}.ics")
    assert ics.status == 200 and ics.headers["content-type"].startswith("text/calendar")
    assert "Mesh Wi-Fi extender install" in ics.text()
    other = maya_copy(portal)
    with Session(portal.engine) as db:
        theirs = db.exec(select(Appointment).where(Appointment.account_id == other.account_id)).one().id
    assert phone.request.get(f"/ics/appointment/{theirs}.ics").status == 404

    booked.get_by_role("button", name="Reschedule").click()
    expect(phone.locator(".open-day").first).to_be_visible()
    phone.locator(".open-day").nth(max(phone.locator(".open-day").count() - 2, 0)).click()
    phone.locator(".open-time").first.click()
    phone.get_by_role("button", name="SUBMIT").click()
    expect(phone.locator("#scheduling-confirmation")).to_contain_text("is moved to")
    expect(booked.locator(".booked-when")).not_to_have_text(first_when)

    booked.get_by_role("button", name="Cancel appointment").click()
    confirm = phone.get_by_role("alertdialog")
    expect(confirm).to_contain_text("Cancel your Mesh Wi-Fi extender install")
    confirm.get_by_role("button", name="CANCEL APPOINTMENT").click()
    expect(phone.locator("#scheduling-confirmation")).to_contain_text("is cancelled")
    expect(phone.locator(".booked-appointment")).to_have_count(0)
    assert [h.action for h in _history(portal, "appointment", me)][-3:] == ["booked", "rescheduled", "cancelled"]


def test_calendar_filter_details_and_feed(phone: Page, portal, browser) -> None:
    me = maya_copy(portal)
    _open(phone, "/calendar", me)
    agenda = phone.locator("#agenda")
    expect(agenda.locator(".calendar-item[data-kind='bill']").first).to_be_visible()
    expect(agenda.locator(".calendar-item[data-kind='ticket']")).to_have_count(0)  # not in the default set
    _no_horizontal_scroll(phone)
    phone.get_by_role("button", name="FILTER").click()
    dialog = phone.get_by_role("dialog")
    dialog.get_by_text("Ticket updates").click()
    dialog.get_by_text("Bill due dates").click()
    dialog.get_by_role("button", name="Done").click()
    expect(agenda.locator(".calendar-item[data-kind='ticket']").first).to_be_visible()
    expect(agenda.locator(".calendar-item[data-kind='bill']")).to_have_count(0)
    item = agenda.locator(".calendar-item", has_text=me.bill_ticket).first
    item.get_by_role("button").click()
    expect(item.locator(".calendar-details")).to_contain_text("Question about my bill")
    phone.screenshot(path=f"{ARTIFACTS}/calendar-details.png", full_page=True)
    _accessible(phone)
    item.get_by_role("link", name="Open the ticket").click()
    phone.wait_for_url(re.compile(r"/ticket\?id=\d+"))
    expect(phone.get_by_role("heading", name="Question about my bill")).to_be_visible()

    feed = phone.request.get("/ics/feed.ics")
    assert feed.status == 200 and "BEGIN:VEVENT" in feed.text() and me.bill_ticket in feed.text()
    stranger = browser.new_context(base_url=portal.base_url)
    try:
        assert stranger.request.get("/ics/feed.ics").status == 401
    finally:
        stranger.close()


def test_desktop_calendar_month_view(browser, portal) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=portal.base_url)
    page = context.new_page()
    try:
        _open(page, "/calendar", maya_copy(portal))
        month = page.locator("#month-view")
        expect(month.locator("#month-title")).to_have_text(re.compile(r"^[A-Z][a-z]+ \d{4}$"))
        chip = month.locator(".month-chip[data-kind='bill']").first
        expect(chip).to_contain_text("Bill")
        chip.click()
        dialog = page.get_by_role("dialog")
        expect(dialog.get_by_role("heading")).to_contain_text("Bill")
        expect(dialog.get_by_role("link", name="See your invoices")).to_have_attribute("href", "/invoices")
        page.screenshot(path=f"{ARTIFACTS}/calendar-desktop.png", full_page=True)
        _accessible(page)
        dialog.get_by_role("button", name="Close").click()
        title = month.locator("#month-title").inner_text()
        month.get_by_role("button", name="Next month").click()
        expect(month.locator("#month-title")).not_to_have_text(title)
    finally:
        context.close()
