"""A vacation hold on a phone (390×844): the subscriber picks dates on Services, sees the price while on
hold and the bill that carries it, asks for it; staff APPROVE it on the account's Orders page; Order
Tracking and the calendar show it; the daily job pauses the service on its first day and brings it back
after its last (the day passed in); the next bill explains the hold days, to the cent of the quote."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session, select

from portal_app.jobs import billing_jobs
from portal_app.models import Invoice
from portal_app.services.core.formatting import money as format_cents
from portal_app.services.billing import invoicing
from portal_app.services.core.clock import provider_today
from portal_app.services.orders import holds
from tests.e2e.a11y import serious_violations
from tests.e2e.conftest import ARTIFACTS, PHONE
from tests.e2e.helpers import sign_in, sign_in_staff, wait_until_settled
from tests.e2e.personas import make_persona

pytestmark = pytest.mark.e2e


def _fits(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def _staff_hold_button(phone: Page, number: str, *, shown: str, button: str, said: str, after: str,
                       screenshot: str) -> None:
    """Staff, on a phone of their own, tap `button` on the account's vacation hold (Orders and contracts)."""
    staff = phone.context.new_page()
    staff.set_viewport_size(PHONE)
    sign_in_staff(staff)
    staff.goto(f"/staff/orders?number={number}")
    hold_card = staff.locator(".staff-workflow", has_text="Vacation hold")
    expect(hold_card.locator(".hold-state")).to_contain_text(shown)
    hold_card.get_by_role("button", name=button).click()
    expect(staff.locator("#staff-notice")).to_contain_text(said)
    expect(hold_card.locator(".hold-state")).to_contain_text(after)
    staff.screenshot(path=str(ARTIFACTS / screenshot), full_page=True)
    staff.close()


def test_a_vacation_hold_requested_approved_started_ended_and_billed(phone: Page, portal) -> None:
    today = provider_today()
    me = make_persona(portal, first_name="Maya", last_name="Okafor", bills=(), package="FIBER300")
    with Session(portal.engine) as db:  # this month is billed in advance at the package price
        assert billing_jobs.billing_run(db, today=today, account_ids=[me.account_id]).done == 1
    first, last = today + dt.timedelta(days=3), today + dt.timedelta(days=16)

    phone.goto("/services")
    phone.wait_for_url("**/signin**")
    sign_in(phone, me.username, me.password)
    expect(phone.locator("#vacation-hold")).to_contain_text("Pause your service and pay less")
    phone.get_by_role("link", name="Pause my service").click()
    form = phone.locator("#hold-form")
    expect(form).to_contain_text("$5.00/month")
    form.get_by_label("First day").fill(first.isoformat())
    form.get_by_label("Last day").fill((first + dt.timedelta(days=2)).isoformat())
    form.get_by_role("button", name="SEE PRICE").click()
    expect(phone.locator("#hold-ends_on-error")).to_contain_text("A hold lasts 7 to 90 days")
    form.get_by_label("Last day").fill(last.isoformat())
    form.get_by_role("button", name="SEE PRICE").click()
    quote = phone.locator("#hold-quote")
    expect(quote).to_contain_text(f"{holds.span(first, last)}: 14 days at $5.00/month")
    expect(quote).to_contain_text(f"Vacation hold {invoicing.hold_label(first, min(last, invoicing.month_end(first)))}")
    expect(quote).to_contain_text("Credit for Fiber 300")
    quoted_total = phone.locator("#hold-bill-total").inner_text()
    _fits(phone)
    phone.screenshot(path=str(ARTIFACTS / "hold-quote.png"), full_page=True)
    wait_until_settled(phone)
    assert serious_violations(phone) == []
    phone.get_by_role("button", name="REQUEST HOLD").click()
    expect(phone.locator("#hold-notice")).to_contain_text("Your hold request for")
    expect(phone.locator("#holds .hold-row")).to_contain_text("Waiting for approval")

    _staff_hold_button(phone, me.number, shown="Waiting for approval", button="APPROVE", said="approved",
                       after="Approved", screenshot="hold-staff-approved.png")

    phone.goto("/orders")
    order = phone.locator(".order-card, [id^='order-']", has_text="Vacation hold").first
    expect(order).to_contain_text("Approved")
    expect(order).to_contain_text("Service paused")
    phone.screenshot(path=str(ARTIFACTS / "hold-order-tracking.png"), full_page=True)
    phone.goto("/calendar")
    items = phone.locator("#agenda .calendar-item[data-kind='hold']")
    expect(items.first).to_contain_text("Vacation hold starts")
    expect(items.nth(1)).to_contain_text("Service back on after your hold")

    with Session(portal.engine) as db:  # the daily job on the hold's first day
        assert holds.holds_run(db, today=first).startswith("1 started")
    phone.goto("/")
    expect(phone.locator("#service-notice")).to_contain_text("Your service is suspended at your request")
    phone.screenshot(path=str(ARTIFACTS / "hold-home-paused.png"), full_page=True)
    with Session(portal.engine) as db:  # the day after its last
        assert holds.holds_run(db, today=last + dt.timedelta(days=1)).endswith("1 ended")
    phone.goto("/")
    expect(phone.locator("#service-notice")).to_have_count(0)

    next_month = invoicing.next_month(today)
    with Session(portal.engine) as db:
        assert billing_jobs.billing_run(db, today=next_month, account_ids=[me.account_id]).done == 1
        invoice = db.exec(select(Invoice).where(Invoice.account_id == me.account_id,
                                                Invoice.period_start == next_month)).one()
    assert format_cents(invoice.total_cents) == quoted_total
    phone.goto("/invoices")
    row = phone.locator(f"#invoice-{invoice.id}")
    row.get_by_text("Why is my bill different?").click()
    explained = row.locator(".bill-explained")
    expect(explained).to_contain_text("Your vacation hold: its days are billed at the hold price")
    expect(explained).to_contain_text(f"Vacation hold {invoicing.hold_label(first, min(last, invoicing.month_end(first)))}")
    _fits(phone)
    phone.screenshot(path=str(ARTIFACTS / "hold-bill-explained.png"), full_page=True)


def test_a_subscriber_back_early_ends_the_hold_and_staff_can_too(phone: Page, portal) -> None:
    """END HOLD NOW on a hold in force (asked for the day before yesterday, started yesterday): a confirmation,
    then the service is back on and Home says nothing of a pause; staff have the same button on Orders."""
    from portal_app.models import PortalUser, StaffUser
    from portal_app.services.core.principal import Principal
    from portal_app.services.identity import staff_auth

    today = provider_today()
    people = [make_persona(portal, first_name=name, last_name="Okafor", bills=(), package="FIBER300")
              for name in ("Maya", "Tomas")]
    with Session(portal.engine) as db:
        admin = staff_auth.staff_principal(db.get(StaffUser, 1))
        for person in people:
            user = db.exec(select(PortalUser).where(PortalUser.username == person.username)).one()
            asking = Principal(kind="subscriber", display_name=person.username, user_id=user.id,
                               account_id=person.account_id)
            hold = holds.request_hold(db, principal=asking, starts_on=today - dt.timedelta(days=1),
                                      ends_on=today + dt.timedelta(days=10), today=today - dt.timedelta(days=2))
            holds.decide(db, principal=admin, account_id=person.account_id, hold_id=hold.id, approve=True,
                         today=today - dt.timedelta(days=1))  # its first day: it starts at once
            db.commit()
    me, other = people

    phone.goto("/services/hold")
    phone.wait_for_url("**/signin**")
    sign_in(phone, me.username, me.password)
    # A paused service is said first, on Home (whatever page was asked for), with the way back.
    notice = phone.locator("#service-notice")
    expect(notice).to_contain_text("Your service is suspended at your request")
    expect(notice).to_contain_text("Back early? End your vacation hold")
    phone.screenshot(path=str(ARTIFACTS / "hold-home-back-early.png"), full_page=True)
    notice.get_by_role("link", name="End my hold").click()
    phone.wait_for_url("**/services/hold")
    row = phone.locator("#holds .hold-row").first
    expect(row).to_contain_text("On hold now")
    row.get_by_role("button", name="END HOLD NOW").click()  # its name: the label, then the hold's dates
    dialog = phone.get_by_role("alertdialog")
    expect(dialog).to_contain_text("Your service comes back on today")
    _fits(phone)
    phone.screenshot(path=str(ARTIFACTS / "hold-end-early-confirm.png"), full_page=True)
    dialog.get_by_role("button", name="END HOLD NOW").click()
    expect(phone.locator("#hold-notice")).to_contain_text("your service is back on today")
    expect(row).to_contain_text("Over")
    expect(row.get_by_role("button", name="END HOLD NOW")).to_have_count(0)
    phone.screenshot(path=str(ARTIFACTS / "hold-ended-early.png"), full_page=True)
    phone.goto("/")
    wait_until_settled(phone)
    expect(phone.locator("#service-notice")).to_have_count(0)

    _staff_hold_button(phone, other.number, shown="On hold now", button="END HOLD NOW",
                       said="the service is back on today", after="Over", screenshot="hold-staff-ended-early.png")
    with Session(portal.engine) as db:
        ended = db.exec(select(holds.ServiceHold).where(holds.ServiceHold.account_id.in_(
            [me.account_id, other.account_id]))).all()
        assert {(h.status, h.ends_on) for h in ended} == {("ended", today - dt.timedelta(days=1))}
