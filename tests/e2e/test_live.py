"""Live updates at 390×844: what staff do shows on a subscriber's open page without a reload: an outage
notice on the pages of subscribers in its area (and not outside it), a step completed on Order Tracking,
a public ticket note, and the staff texts page with its failed text sent again."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import Page, expect
from sqlmodel import Session

from portal_app.models import Notification, NotificationSettings, OutboxSms, ServiceArea, Ticket, utcnow
from tests.e2e.conftest import ARTIFACTS, PHONE
from tests.e2e.helpers import sign_in, sign_in_staff
from tests.e2e.personas import make_persona
from tests.e2e.test_services_orders import PASSWORD, _subscriber


def _staff(browser, portal) -> Page:
    context = browser.new_context(viewport=PHONE, base_url=portal.base_url)
    context.set_default_timeout(20_000)
    desk = context.new_page()
    sign_in_staff(desk)
    return desk


def _signed_in(page: Page, persona) -> None:
    page.goto("/signin")
    sign_in(page, persona.username, persona.password)
    expect(page.get_by_role("heading", name=re.compile(r"^Hi, "))).to_be_visible()


def _no_reload(page: Page) -> None:
    """Marks the page: a full reload or navigation would drop the mark (checked after the change shows)."""
    page.evaluate("window.__liveMark = 'still here'")


def _still_same_page(page: Page) -> None:
    assert page.evaluate("window.__liveMark") == "still here"


def test_an_outage_appears_live_in_its_area_and_not_outside(browser, portal, phone: Page) -> None:
    tag = uuid.uuid4().hex[:6]
    title = f"Live fiber cut {tag}"
    with Session(portal.engine, expire_on_commit=False) as db:
        north, south = ServiceArea(name=f"Live North {tag}"), ServiceArea(name=f"Live South {tag}")
        db.add_all([north, south])
        db.commit()
    inside, outside = make_persona(portal, first_name="Ines"), make_persona(portal, first_name="Omar")
    portal.sql("UPDATE account SET service_area_id = :area WHERE id = :id", area=north.id, id=inside.account_id)
    portal.sql("UPDATE account SET service_area_id = :area WHERE id = :id", area=south.id, id=outside.account_id)

    _signed_in(phone, inside)
    phone.goto("/invoices")  # any page: the banner is in the shell
    expect(phone.get_by_role("heading", name="Invoices")).to_be_visible()
    other = browser.new_context(viewport=PHONE, base_url=portal.base_url)
    other.set_default_timeout(20_000)
    elsewhere = other.new_page()
    _signed_in(elsewhere, outside)
    for page in (phone, elsewhere):
        expect(page.locator(".outage-banner", has_text=title)).to_have_count(0)
        _no_reload(page)

    desk = _staff(browser, portal)
    desk.goto("/staff/outages")
    desk.get_by_label("What customers see (a short title)").fill(title)
    desk.get_by_role("checkbox", name=f"Live North {tag}").click()
    desk.get_by_role("button", name="POST NOTICE").click()
    expect(desk.locator("#staff-notice")).to_contain_text(f"Posted “{title}”.")

    banner = phone.locator(".outage-banner", has_text=title)
    expect(banner).to_contain_text(f"Service problem in your area: {title}", timeout=10_000)
    _still_same_page(phone)
    phone.screenshot(path=str(ARTIFACTS / "live-outage-banner.png"))
    desk.get_by_role("button", name=f"Service restored: {title}").click()
    expect(desk.locator("#staff-notice")).to_contain_text("Marked restored")
    expect(banner).to_have_count(0, timeout=10_000)
    _still_same_page(phone)
    # Outside the area: nothing arrived (and the page was left alone).
    expect(elsewhere.locator(".outage-banner", has_text=title)).to_have_count(0)
    _still_same_page(elsewhere)
    for context in (desk.context, other):
        context.close()


def test_a_step_completed_by_staff_appears_live_on_order_tracking(browser, portal, phone: Page) -> None:
    me = _subscriber(portal, workflow=True)
    phone.goto("/orders")
    phone.wait_for_url("**/signin**")
    sign_in(phone, me["username"], PASSWORD)
    phone.wait_for_url(re.compile(r"/orders/?$"))
    steps = phone.locator(".tracker-step")
    expect(steps.nth(1)).to_have_attribute("data-state", "current")
    _no_reload(phone)

    desk = _staff(browser, portal)
    desk.goto(f"/staff/orders?number={me['number']}")
    tasks = desk.locator(".staff-task")
    tasks.nth(1).get_by_role("button", name="COMPLETE").click()
    expect(tasks.nth(1)).to_contain_text("Completed")

    expect(steps.nth(1)).to_have_attribute("data-state", "done", timeout=10_000)
    expect(steps.nth(2)).to_have_attribute("data-state", "current")
    _still_same_page(phone)
    phone.screenshot(path=str(ARTIFACTS / "live-order-step.png"), full_page=True)
    desk.context.close()


def test_a_public_ticket_note_appears_live_and_a_private_one_never(browser, portal, phone: Page) -> None:
    persona = make_persona(portal, first_name="Tess")
    number = f"T-LIVE-{uuid.uuid4().hex[:6]}"
    with Session(portal.engine, expire_on_commit=False) as db:
        now = utcnow()
        ticket = Ticket(account_id=persona.account_id, number=number, subject="Slow evenings", opened_at=now,
                        updated_at=now)
        db.add(ticket)
        db.commit()
    _signed_in(phone, persona)
    phone.goto(f"/ticket?id={ticket.id}")
    expect(phone.get_by_text("Slow evenings").first).to_be_visible()
    _no_reload(phone)

    desk = _staff(browser, portal)
    desk.goto(f"/staff/account?number={persona.number}")
    desk.get_by_role("tab", name="Tickets").click()
    desk.get_by_role("button", name=re.compile(f"Open {number}")).click()
    desk.get_by_label("Note").fill("Private: check the splitter.")
    desk.get_by_role("button", name="ADD NOTE").click()
    expect(desk.locator("#ticket-notice")).to_have_text("Private note added; only staff can see it.")
    desk.get_by_label("Note").fill("We replaced the port; speeds are back.")
    desk.get_by_text("Public", exact=True).click()
    desk.get_by_role("button", name="ADD NOTE").click()
    expect(desk.locator("#ticket-notice")).to_have_text("Public note added; the subscriber is emailed.")

    expect(phone.get_by_text("We replaced the port; speeds are back.")).to_be_visible(timeout=10_000)
    expect(phone.get_by_text("Private: check the splitter.")).to_have_count(0)
    _still_same_page(phone)
    desk.context.close()


def test_staff_see_a_failed_text_and_send_it_again(browser, portal) -> None:
    persona = make_persona(portal, first_name="Tom")
    with Session(portal.engine, expire_on_commit=False) as db:
        db.add(NotificationSettings(account_id=persona.account_id, sms_phone="+15125550177", sms_verified_at=utcnow()))
        text = OutboxSms(account_id=persona.account_id, to_number="+15125550177", body="Lumen: order step done.",
                         attempts=6, last_error="Twilio 30003: unreachable destination handset")
        db.add(text)
        db.flush()
        db.add(Notification(account_id=persona.account_id, event="order_step", channel="sms",
                            dedupe_key=f"live-e2e:{text.id}", to_address=text.to_number, subject=text.body,
                            outbox_sms_id=text.id))
        db.commit()
    desk = _staff(browser, portal)
    desk.goto("/staff/mail")
    desk.get_by_role("link", name="Text messages →").click()
    expect(desk.get_by_role("heading", name="Text messages")).to_be_visible()
    row = desk.locator(".text-row", has_text="(512) 555-0177")
    expect(row).to_contain_text("Order progress")
    expect(row).to_contain_text("Not delivered")
    expect(row).to_contain_text("Twilio 30003: unreachable destination handset")
    assert desk.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    desk.screenshot(path=str(ARTIFACTS / "staff-texts.png"), full_page=True)
    row.get_by_role("button", name=re.compile("^Send again")).click()
    expect(desk.locator("#staff-notice")).to_contain_text("Queued again")
    expect(desk.locator(".text-row", has_text="(512) 555-0177")).to_have_count(0)
    desk.get_by_role("button", name="All texts").click()
    expect(desk.locator(".text-row", has_text="(512) 555-0177")).to_contain_text("Waiting")
    with Session(portal.engine) as db:
        assert db.get(OutboxSms, text.id).attempts == 0
    desk.context.close()
