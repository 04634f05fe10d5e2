"""Staff refund on a phone (390×844): the account's Payments tab, a partial refund with a reason;
the subscriber's balance, Payments page and mail follow."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session, select

from portal_app.integrations.payments.sandbox import SandboxGateway
from portal_app.models import OutboxMail, PaymentMethod
from portal_app.services.billing import billing, payments
from tests.e2e.a11y import serious_violations
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.helpers import sign_in
from tests.e2e.test_staff_selfservice import _staff
from tests.factories import make_account, make_invoice, make_user

pytestmark = pytest.mark.e2e
PASSWORD = "refund-e2e-subscriber-2026"


def _paid_subscriber(portal) -> dict:
    tag = uuid.uuid4().hex[:6]
    with Session(portal.engine, expire_on_commit=False) as db:
        account = make_account(db, first_name="Iris", last_name=f"Refund{tag}",
                               account_number=f"66{int(tag, 16) % 10_000_000:07d}")
        user = make_user(db, account, username=f"iris{tag}", email=f"iris{tag}@mail.example", password=PASSWORD)
        make_invoice(db, account, 8000)
        method = PaymentMethod(account_id=account.id, kind="card", gateway="sandbox", gateway_token="pm_sandbox_ok_rf",
                               brand="Visa", last4="4242", exp_month=8, exp_year=2030)
        db.add(method)
        db.commit()
        from tests.factories import Subscriber

        sub = Subscriber(account=account, user=user, password=PASSWORD)
        outcome = payments.pay(db, principal=sub.principal, amount_cents=8000, method=payments.StoredMethod(method.id),
                               attempt_key=payments.new_attempt_key(), gateway=SandboxGateway())
        return {"account_id": account.id, "number": account.account_number, "username": user.username,
                "receipt": outcome.receipt_number, "email": user.email}


def test_staff_refund_part_of_a_payment(browser, portal, phone: Page) -> None:
    sub = _paid_subscriber(portal)
    staff = _staff(browser, portal, f"/staff/account?number={sub['number']}")
    staff.get_by_role("tab", name="Payments").click()
    row = staff.locator(".staff-payment").first
    expect(row).to_contain_text("$80.00")
    staff.get_by_role("button", name=f"Refund payment {sub['receipt']}").click()
    expect(staff.get_by_text("Refund up to $80.00")).to_be_visible()
    staff.get_by_label("Refund amount").fill("100")
    staff.get_by_label("Reason (the subscriber sees it)").fill("Outage credit for March 3")
    staff.get_by_role("button", name="REFUND", exact=True).click()
    expect(staff.locator("#field-refund_amount-error")).to_contain_text("At most $80.00")
    staff.get_by_label("Refund amount").fill("25.00")
    staff.get_by_role("button", name="REFUND", exact=True).click()
    expect(staff.locator("#payment-notice")).to_contain_text("Refunded $25.00")
    expect(row.locator(".payment-flag")).to_have_text("Partly refunded")
    expect(row).to_contain_text("Taken back: $25.00")
    assert staff.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert serious_violations(staff) == []
    staff.screenshot(path=str(ARTIFACTS / "staff-refund.png"), full_page=True)
    staff.context.close()
    with Session(portal.engine) as db:
        assert billing.balance_cents(db, account_id=sub["account_id"]) == 2500
        mails = [m for m in db.exec(select(OutboxMail).where(OutboxMail.account_id == sub["account_id"]))
                 if "refund" in m.subject.lower()]
        assert len(mails) == 1 and "$25.00" in mails[0].body_text
    # The subscriber sees it on the Payments page.
    phone.goto("/payments")
    phone.wait_for_url("**/signin**")
    sign_in(phone, sub["username"], PASSWORD)
    phone.wait_for_url(re.compile(r"/payments/?$"))
    expect(phone.locator(".payment-taken-back")).to_have_text("Refunded $25.00")
