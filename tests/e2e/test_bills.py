"""A bill anyone understands, on a phone (390×844): the next bill before PLACE ORDER, the same bill
issued after a mid-month upgrade, and "Why is my bill different?" on the Invoices page and the PDF."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader
from sqlmodel import Session, select

from portal_app.jobs import billing_jobs
from portal_app.models import Invoice, InvoiceLine, ProviderSettings
from portal_app.services.core.formatting import date_range
from portal_app.services.core.formatting import money as format_cents
from portal_app.services.billing import invoicing
from portal_app.services.core.clock import provider_today
from portal_app.services.core.principal import Principal
from portal_app.services.orders import orders
from tests.e2e.a11y import serious_violations
from tests.e2e.conftest import ARTIFACTS, PHONE
from tests.e2e.helpers import sign_in, wait_until_settled
from tests.e2e.personas import make_persona, maya_copy

pytestmark = pytest.mark.e2e


def _fits(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def _complete_the_change(portal, account_id: int) -> None:
    """What staff do on the account's Orders page: every task of the service change done."""
    with Session(portal.engine) as db:
        staff = Principal(kind="staff", display_name="Jordan Rivera", staff_user_id=1, staff_role="admin")
        _, tasks = next((w, t) for w, t in orders.staff_workflows(db, principal=staff, account_id=account_id)
                        if w.kind == "service_change")
        for task in (t for t in tasks if t.status != "completed"):
            orders.advance_task(db, principal=staff, account_id=account_id, task_id=task.id, action="complete")
        db.commit()


def _bill(portal, account_id: int, day: dt.date) -> None:
    with Session(portal.engine) as db:
        assert billing_jobs.billing_run(db, today=day, account_ids=[account_id]).done == 1


def _change_fee(portal, cents: int) -> None:
    with Session(portal.engine) as db:
        settings = db.exec(select(ProviderSettings)).one()
        settings.change_fee_cents = cents
        db.add(settings)
        db.commit()


@pytest.fixture
def change_fee(portal):
    """The provider charges $15.00 for a package change while the test runs (other tests see no fee)."""
    _change_fee(portal, 1500)
    yield
    _change_fee(portal, 0)


def test_the_next_bill_shown_before_place_order_is_the_bill_issued_to_the_cent(phone: Page, portal, change_fee) -> None:
    today = provider_today()
    me = make_persona(portal, first_name="Maya", last_name="Okafor", bills=(), package="FIBER300")
    _bill(portal, me.account_id, today)  # this month is billed at Fiber 300
    phone.goto("/services")
    phone.wait_for_url("**/signin**")
    sign_in(phone, me.username, me.password)
    phone.locator(".service-line", has_text="Fiber 300").click()
    phone.get_by_role("link", name="CHANGE Fiber 300").click()
    phone.get_by_role("button", name="Select Fiber 1 Gig").click()
    phone.get_by_role("button", name="PROCEED").click()

    end = invoicing.month_end(today)
    days = f"{invoicing.span_label(today, end)}"
    preview = phone.locator("#next-bill")
    expect(preview).to_contain_text(f"Credit for Fiber 300, {days}")
    expect(preview).to_contain_text(f"Fiber 1 Gig, {days}")
    expect(preview).to_contain_text("After that: $75.00 a month.")
    expect(preview).to_contain_text("Package change fee (to Fiber 1 Gig)")  # the one-time fee, on this bill
    prorated_total = phone.locator("#next-bill-total").inner_text()
    _fits(phone)
    phone.screenshot(path=str(ARTIFACTS / "change-next-bill.png"), full_page=True)
    wait_until_settled(phone)
    assert serious_violations(phone) == []
    # "From my next bill": no part-month lines, the new price from the next bill.
    phone.get_by_label("From my next bill").check()
    expect(preview).not_to_contain_text("Credit for")
    expect(phone.locator("#next-bill-total")).to_have_text("$90.00")
    phone.get_by_label("Prorate from today").check()
    expect(phone.locator("#next-bill-total")).to_have_text(prorated_total)
    phone.get_by_role("button", name="PLACE ORDER").click()
    expect(phone.locator("#change-placed")).to_contain_text("Your order is placed.")

    _complete_the_change(portal, me.account_id)
    next_month = invoicing.next_month(today)
    _bill(portal, me.account_id, next_month)
    with Session(portal.engine) as db:
        invoice = db.exec(select(Invoice).where(Invoice.account_id == me.account_id,
                                                Invoice.period_start == next_month)).one()
        lines = db.exec(select(InvoiceLine).where(InvoiceLine.invoice_id == invoice.id)).all()
    assert format_cents(invoice.total_cents) == prorated_total
    assert f"Credit for Fiber 300, {days}" in [line.description for line in lines]
    assert ("one_time", 1500) in [(line.kind, line.amount_cents) for line in lines]

    phone.goto("/invoices")
    row = phone.locator(f"#invoice-{invoice.id}")
    expect(row).to_contain_text(prorated_total)
    row.get_by_text("Why is my bill different?").click()
    explained = row.locator(".bill-explained")
    expect(explained).to_contain_text("Fiber 300 changed to Fiber 1 Gig: $55.00 → $75.00 a month")
    expect(explained).to_contain_text(f"Credit for Fiber 300, {days}")
    expect(explained).to_contain_text("What changed")
    _fits(phone)
    phone.screenshot(path=str(ARTIFACTS / "bill-explained.png"), full_page=True)
    wait_until_settled(phone)
    assert serious_violations(phone) == []

    pdf = phone.request.get(f"/documents/invoices/{invoice.id}.pdf")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.body())).pages)
    assert "Why is my bill different?" in text and f"Credit for Fiber 300, {days}" in text


def test_maya_sees_why_her_latest_bill_is_different(phone: Page, portal) -> None:
    maya = maya_copy(portal)
    phone.goto("/invoices")
    phone.wait_for_url("**/signin**")
    sign_in(phone, maya.username, maya.password)
    latest = phone.locator(".bill-explained").first
    expect(latest).not_to_have_attribute("open", re.compile(".*"))
    latest.get_by_text("Why is my bill different?").click()
    expect(latest).to_contain_text("more than your last bill")
    expect(latest).to_contain_text("Fiber 300 changed to Fiber 1 Gig")
    expect(latest).to_contain_text(re.compile(r"Credit for Fiber 300, \w{3} 12–\d\d \(\d+ of \d\d days\)"))
    expect(latest).to_contain_text("Everything before this bill is paid")
    _fits(phone)
    phone.screenshot(path=str(ARTIFACTS / "bill-explained-maya.png"), full_page=True)


def test_a_statement_for_two_dates_from_the_billing_pages(phone: Page, portal) -> None:
    maya = maya_copy(portal)
    today = provider_today()
    phone.goto("/payments")
    phone.wait_for_url("**/signin**")
    sign_in(phone, maya.username, maya.password)
    form = phone.locator("#statement")
    expect(form.get_by_label("To")).to_have_value(today.isoformat())
    form.get_by_label("From").fill(today.isoformat())
    form.get_by_label("To").fill((today - dt.timedelta(days=1)).isoformat())
    form.get_by_role("button", name="MAKE STATEMENT").click()
    expect(phone.locator("#statement-from-error")).to_have_text("Start on or before the end date.")
    expect(phone.locator("#statement-link")).to_have_count(0)
    start = invoicing.next_month(today.replace(day=1) - dt.timedelta(days=200))
    form.get_by_label("From").fill(start.isoformat())
    form.get_by_label("To").fill(today.isoformat())
    form.get_by_role("button", name="MAKE STATEMENT").click()
    link = phone.locator("#statement-link")
    expect(link).to_contain_text(f"Statement {date_range(start, today)} (PDF)")
    expect(phone.locator("#statement-from-error")).to_have_count(0)
    _fits(phone)
    phone.screenshot(path=str(ARTIFACTS / "statement-form.png"), full_page=True)
    wait_until_settled(phone)
    assert serious_violations(phone) == []
    pdf = phone.request.get(link.get_attribute("href"))
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.body())).pages)
    assert "Opening balance" in text and "Closing balance" in text and "Over 90 days" in text
    assert f"Subscriber ID: {maya.number}" in text
    # The link is the signed-in account's own: without the session it is a 404.
    phone.context.clear_cookies()
    assert phone.request.get(link.get_attribute("href")).status == 404


def test_staff_print_the_paper_bills_waiting_and_mark_them_printed(phone: Page, portal) -> None:
    from portal_app.models import Account
    from tests.e2e.helpers import sign_in_staff

    me = make_persona(portal, first_name="Paula", last_name="Post", bills=(), package="FIBER300")
    with Session(portal.engine) as db:
        account = db.get(Account, me.account_id)
        account.paperless = False
        db.add(account)
        db.commit()
    _bill(portal, me.account_id, invoicing.next_month(provider_today()))
    sign_in_staff(phone)
    phone.goto("/staff/paper-bills")
    bill = phone.locator(".paper-bill", has_text=me.number)
    expect(bill).to_be_visible()
    pdf = phone.request.get("/staff/documents/paper-bills.pdf")
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.body())).pages)
    assert me.number in text
    _fits(phone)
    phone.screenshot(path=str(ARTIFACTS / "staff-paper-bills.png"), full_page=True)
    wait_until_settled(phone)
    assert serious_violations(phone) == []
    bill.get_by_role("button", name=re.compile(r"^Mark INV-.* printed$")).click()
    expect(phone.locator("#staff-notice")).to_contain_text("Marked printed.")
    expect(phone.locator(".paper-bill", has_text=me.number)).to_have_count(0)
