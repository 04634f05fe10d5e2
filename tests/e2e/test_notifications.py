"""Notifications as a subscriber meets them, at 390×844: choosing channels on the Notifications page (a
mobile number confirmed by the code texted to it) and a bill then arriving only on those channels (texts
caught by the fake Twilio); an AutoPay subscriber's reminder saying there is nothing to pay; an outage
posted by staff shown on the pages of subscribers in its area and nowhere else, until restored."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import random
import re
import socket
import uuid

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session, select

from portal_app.config import get_settings
from portal_app.integrations.sms import TwilioSms
from portal_app.jobs import billing_jobs, notify_jobs
from portal_app.models import Account, AccountService, OutboxMail, PaymentMethod, RecurringPayment, ServiceArea, utcnow
from portal_app.services.core.clock import provider_today
from portal_app.services.notify.sms_outbox import deliver_due
from tests.e2e.conftest import ARTIFACTS, PHONE
from tests.e2e.helpers import sign_in, sign_in_staff, wait_until_settled
from tests.e2e.personas import make_persona
from tests.factories import make_invoice


@pytest.fixture
def texts_here(monkeypatch: pytest.MonkeyPatch, twilio):
    """Jobs run in this process (the billing run) see texts configured, as the app's worker would."""
    for key, value in twilio.env().items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _deliver_texts(portal, twilio) -> None:
    """What the worker's text job does: send the due texts, here to the fake Twilio."""
    sender = TwilioSms(account_sid=twilio.account_sid, auth_token=twilio.auth_token, from_number="+15125550100",
                       api_base=twilio.base_url)
    with Session(portal.engine, expire_on_commit=False) as db:
        deliver_due(db, sender=sender)


def _signed_in(page: Page, persona) -> None:
    page.goto("/signin")
    sign_in(page, persona.username, persona.password)
    expect(page.get_by_role("heading", name=re.compile(r"^Hi, "))).to_be_visible()


def test_texts_for_bills_then_a_paper_bill_comes_only_by_text(phone: Page, portal, twilio, texts_here) -> None:
    persona = make_persona(portal, bills=())
    with Session(portal.engine) as db:
        db.add(AccountService(account_id=persona.account_id, name="Fiber 500", billable=True, monthly_price_cents=6500))
        db.commit()
    last_two = random.randint(10, 99)
    number, national = f"+15125550{last_two + 100}", f"(512) 555-0{last_two + 100}"
    _signed_in(phone, persona)
    phone.get_by_role("button", name="More destinations").click()
    phone.get_by_role("menuitem", name="Notifications").click()
    expect(phone.get_by_role("heading", name="Notifications", exact=True)).to_be_visible()

    # A mobile number counts only once the code texted to it comes back.
    phone.get_by_label("Mobile number").fill(national)
    phone.get_by_role("button", name="SEND CODE").click()
    expect(phone.locator("#notifications-notice")).to_contain_text(f"We texted a code to {national}")
    _deliver_texts(portal, twilio)
    code = re.match(r"(\d{6}) is your Lumen code", twilio.wait_for(number)[-1]).group(1)
    phone.get_by_label(re.compile("Code we texted")).fill(code)
    phone.get_by_role("button", name="CONFIRM NUMBER").click()
    expect(phone.locator("#texting-number")).to_have_text(national)

    # Paper bills by post (so the bill is not emailed), texts at any hour; then the bill's text on.
    expect(phone.get_by_role("checkbox", name="New bill by email (always sent)")).to_be_disabled()  # paperless
    phone.get_by_role("checkbox", name="Paperless billing").click()
    phone.get_by_role("checkbox", name="Hold texts during quiet hours").click()
    phone.get_by_role("button", name="SAVE CHOICES").click()
    expect(phone.locator("#notifications-notice")).to_contain_text("paperless billing off")
    wait_until_settled(phone)
    bill_row = phone.locator(".choice-row", has_text="New bill")
    expect(bill_row).to_contain_text("Paper bill by post")
    expect(bill_row.get_by_role("checkbox", name=re.compile("by email"))).to_have_count(0)
    phone.get_by_role("checkbox", name="New bill by text", exact=True).click()
    phone.get_by_role("button", name="SAVE CHOICES").click()
    expect(phone.locator("#notifications-notice")).to_contain_text("New bill: texts on")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.screenshot(path=str(ARTIFACTS / "notifications-choices.png"), full_page=True)

    with Session(portal.engine, expire_on_commit=False) as db:
        billing_jobs.billing_run(db, today=provider_today(), account_ids=[persona.account_id])
        mails = db.exec(select(OutboxMail).where(OutboxMail.account_id == persona.account_id)).all()
    assert [m.subject for m in mails if "bill" in m.subject.lower()] == []  # no bill email: it is in the post
    sent_before = len(twilio.to(number))
    _deliver_texts(portal, twilio)
    bill_text = twilio.wait_for(number, count=sent_before + 1)[-1]
    assert re.fullmatch(r"Lumen: your bill is \$65\.00, due \w{3} \d{1,2}, \d{4}\. Pay: \S+/pay", bill_text)

    phone.reload()
    sent = phone.locator(".sent-row", has_text="your bill is $65.00")
    expect(sent).to_contain_text("Text")
    expect(sent).to_contain_text("Sent")
    expect(phone.locator(".sent-row", has_text="bill INV-")).to_have_count(0)


def _smtp_inbox():
    from aiosmtpd.controller import Controller

    class Inbox:
        def __init__(self) -> None:
            self.messages: list[email.message.EmailMessage] = []

        async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
            self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
            return "250 OK"

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    inbox = Inbox()
    return inbox, Controller(inbox, hostname="127.0.0.1", port=port), port


def test_an_autopay_subscribers_reminder_says_there_is_nothing_to_pay(phone: Page, portal) -> None:
    from portal_app.integrations.mail import deliver_pending

    persona = make_persona(portal, bills=(), card=True)
    today = provider_today()
    due = today + dt.timedelta(days=2)
    with Session(portal.engine, expire_on_commit=False) as db:
        method = db.exec(select(PaymentMethod).where(PaymentMethod.account_id == persona.account_id)).one()
        db.add(RecurringPayment(account_id=persona.account_id, payment_method_id=method.id,
                                mandate_accepted_at=utcnow()))
        make_invoice(db, db.get(Account, persona.account_id), 7245, due_on=due)
        db.commit()
        assert notify_jobs.bill_reminders(db, today=today, account_ids=[persona.account_id]).done == 1
        inbox, controller, port = _smtp_inbox()
        controller.start()
        try:
            deliver_pending(db, smtp_url=f"smtp+plain://127.0.0.1:{port}", sender_name="Lumen Fiber",
                            sender_address="billing@lumenfiber.example")
        finally:
            controller.stop()
    when = f"{due:%b} {due.day}, {due.year}"
    [reminder] = [m for m in inbox.messages if m["To"] == persona.email]
    assert reminder["Subject"] == f"Lumen Fiber: AutoPay pays your bill on {when}, nothing to do"
    text = reminder.get_body(preferencelist=("plain",)).get_content()
    html = reminder.get_body(preferencelist=("html",)).get_content()
    assert f"Nothing to do: AutoPay will charge Visa •••• 4242 $72.45 on {when}." in text
    assert "Nothing to do" in html and when in html
    for words in ("please pay", "pay now", "is due", "/quickpay"):
        assert words not in text.lower() and words not in html.lower()

    _signed_in(phone, persona)
    phone.goto("/notifications")
    row = phone.locator(".sent-row", has_text="AutoPay pays your bill")
    expect(row).to_contain_text("Email")
    expect(row).to_contain_text("Sent")
    expect(row).to_contain_text("Bill due soon")
    phone.screenshot(path=str(ARTIFACTS / "notifications-autopay-reminder.png"), full_page=True)


def test_an_outage_posted_by_staff_shows_in_its_area_and_not_outside(browser, portal, phone: Page) -> None:
    tag = uuid.uuid4().hex[:6]
    title = f"Fiber cut on Elm St {tag}"
    with Session(portal.engine, expire_on_commit=False) as db:
        north, south = ServiceArea(name=f"E2E North {tag}"), ServiceArea(name=f"E2E South {tag}")
        db.add_all([north, south])
        db.commit()
    inside, outside = make_persona(portal, first_name="Ines"), make_persona(portal, first_name="Omar")
    portal.sql("UPDATE account SET service_area_id = :area WHERE id = :id", area=north.id, id=inside.account_id)
    portal.sql("UPDATE account SET service_area_id = :area WHERE id = :id", area=south.id, id=outside.account_id)

    _signed_in(phone, inside)  # the subscriber in the area, signed in before the notice exists
    expect(phone.locator(".outage-banner", has_text=title)).to_have_count(0)

    staff = browser.new_context(viewport=PHONE, base_url=portal.base_url)
    staff.set_default_timeout(20_000)
    desk = staff.new_page()
    sign_in_staff(desk)
    desk.goto("/staff/outages")
    desk.get_by_label("What customers see (a short title)").fill(title)
    desk.get_by_label("Details (optional)").fill("A contractor cut a cable; crews are on the way.")
    desk.get_by_role("checkbox", name=f"E2E North {tag}").click()
    desk.get_by_role("button", name="POST NOTICE").click()
    expect(desk.locator("#staff-notice")).to_contain_text(f"Posted “{title}”. 1 message is on their way.")
    desk.screenshot(path=str(ARTIFACTS / "notifications-staff-outage.png"), full_page=True)

    for path in ("/", "/invoices"):  # every page carries it
        phone.goto(path)
        banner = phone.locator(".outage-banner", has_text=title)
        expect(banner).to_contain_text(f"Service problem in your area: {title}")
        expect(banner).to_contain_text("Since ")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.screenshot(path=str(ARTIFACTS / "notifications-outage-banner.png"))

    other = browser.new_context(viewport=PHONE, base_url=portal.base_url)
    other.set_default_timeout(20_000)
    elsewhere = other.new_page()
    _signed_in(elsewhere, outside)  # the greeting arrives with the same event that would carry a banner
    expect(elsewhere.locator(".outage-banner", has_text=title)).to_have_count(0)
    elsewhere.goto("/invoices")
    expect(elsewhere.get_by_role("heading", name="Invoices")).to_be_visible()
    expect(elsewhere.locator(".outage-banner", has_text=title)).to_have_count(0)

    anyone = browser.new_context(viewport=PHONE, base_url=portal.base_url).new_page()
    anyone.goto("/status")  # public: no sign-in
    expect(anyone.locator(".status-notice", has_text=title)).to_contain_text(f"E2E North {tag}")

    with Session(portal.engine) as db:
        told = {m.account_id: m.subject for m in db.exec(select(OutboxMail).where(
            OutboxMail.subject.contains(title)))}
    assert told == {inside.account_id: f"Lumen Fiber: service problem: {title}"}

    card = desk.locator(".outage-notice", has_text=title)
    card.get_by_role("button", name="SEND UPDATE").click()
    expect(card).to_contain_text("Write the update in 3 to 500 characters.")
    card.get_by_label("Update for customers").fill("Crews are splicing the cable now.")
    card.get_by_role("button", name="SEND UPDATE").click()
    expect(desk.locator("#staff-notice")).to_contain_text("Update sent: 1 message is on their way.")
    phone.goto("/")
    expect(phone.locator(".outage-banner", has_text=title)).to_contain_text("Latest: Crews are splicing the cable now.")

    desk.get_by_role("button", name=f"Service restored: {title}").click()
    expect(desk.locator("#staff-notice")).to_contain_text("Marked restored")
    phone.goto("/")
    expect(phone.get_by_role("heading", name=re.compile(r"^Hi, "))).to_be_visible()
    wait_until_settled(phone)
    expect(phone.locator(".outage-banner", has_text=title)).to_have_count(0)
    with Session(portal.engine) as db:
        subjects = sorted(m.subject for m in db.exec(select(OutboxMail).where(
            OutboxMail.account_id == inside.account_id, OutboxMail.subject.contains(title))))
    assert subjects == [f"Lumen Fiber: service is back: {title}", f"Lumen Fiber: service problem: {title}",
                        f"Lumen Fiber: update: {title}"]
    for context in (staff, other, anyone.context):
        context.close()
