"""Money on a phone: pay, save a card, AutoPay, declines, Quick Pay, invoice and receipt PDFs.

Each test makes its own subscriber in the running app's database, so payments here never move
the demo persona's balance that other browser tests read.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import re

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader
from sqlmodel import Session, select

from portal_app.models import Invoice, Payment, PaymentMethod, RecurringPayment
from portal_app.services.billing import billing, quickpay
from tests.e2e.helpers import sign_in, wait_until_settled
from tests.factories import make_account, make_invoice, make_user

pytestmark = pytest.mark.e2e
PASSWORD = "e2e-money-passphrase-1"
_n = itertools.count(1)


def _subscriber(portal, *, bills=(5000, 7245), card=False, autopay=False, last_name="Nakamura") -> dict:
    n = next(_n)
    with Session(portal.engine, expire_on_commit=False) as db:
        account = make_account(db, first_name="Kenji", last_name=last_name, account_number=f"7{n:02d}{dt.datetime.now():%H%M%S}")
        user = make_user(db, account, username=f"money{n}{account.account_number}", password=PASSWORD)
        today = dt.date.today()
        invoices = [make_invoice(db, account, cents, due_on=today + dt.timedelta(days=10 * i - 5))
                    for i, cents in enumerate(bills)]
        method = None
        if card:
            method = PaymentMethod(account_id=account.id, kind="card", gateway="sandbox", gateway_token="pm_sandbox_ok_e2e",
                                   brand="Visa", last4="4242", exp_month=8, exp_year=2030)
            db.add(method)
            db.flush()
        if autopay:
            db.add(RecurringPayment(account_id=account.id, payment_method_id=method.id))
        db.commit()
        return {"account_id": account.id, "number": account.account_number, "username": user.username,
                "invoices": [i.id for i in invoices], "numbers": [i.number for i in invoices]}


def _balance(portal, account_id: int) -> int:
    with Session(portal.engine) as db:
        return billing.balance_cents(db, account_id=account_id)


def _sign_in_to(page: Page, path: str, sub: dict) -> None:
    page.goto(path)
    page.wait_for_url("**/signin**")
    sign_in(page, sub["username"], PASSWORD)
    page.wait_for_url(re.compile(re.escape(path.rstrip("/")) + "/?$"))


def _fill_card(page: Page, number: str) -> None:
    page.get_by_label("Card number").fill(number)
    page.get_by_label("Expiry (MM/YY)").fill("12/31")
    page.get_by_label("Security code").fill("123")
    page.get_by_label("Billing ZIP").fill("78701")


def _no_horizontal_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_home_pay_bill_new_card_saved_with_autopay(phone: Page, portal) -> None:
    sub = _subscriber(portal)
    _sign_in_to(phone, "/", sub)
    expect(phone.get_by_role("link", name="CREATE AUTOPAY")).to_be_visible()
    phone.get_by_role("link", name="PAY BILL").click()
    phone.wait_for_url(re.compile(r"/pay/?$"))
    expect(phone.get_by_label("Amount")).to_have_value("122.45")
    expect(phone.get_by_label("Payment", exact=True)).to_have_value("card")
    _fill_card(phone, "4242 4242 4242 4242")
    phone.get_by_role("switch", name="Save Payment Method").click()
    phone.get_by_role("switch", name="Setup Automatic Recurring Payment").click()
    expect(phone.locator("#recurring-details")).to_contain_text("Repeat On")
    phone.get_by_role("button", name="ADD RECURRING").click()
    expect(phone.locator("#recurring-added")).to_be_visible()
    _no_horizontal_scroll(phone)
    phone.screenshot(path="test-artifacts/money-make-payment.png", full_page=True)
    phone.get_by_role("button", name="PAY NOW").click()
    expect(phone.locator("#payment-done")).to_have_text("Payment received")
    expect(phone.locator("#done-balance")).to_contain_text("$0.00")
    expect(phone.locator("#done-autopay")).to_be_visible()
    phone.screenshot(path="test-artifacts/money-payment-done.png", full_page=True)
    assert _balance(portal, sub["account_id"]) == 0
    with Session(portal.engine) as db:
        method = db.exec(select(PaymentMethod).where(PaymentMethod.account_id == sub["account_id"])).one()
        assert method.last4 == "4242" and "4242424242424242" not in method.gateway_token
        assert db.exec(select(RecurringPayment).where(RecurringPayment.account_id == sub["account_id"])).one()
    phone.goto("/")
    expect(phone.locator("#home-autopay")).to_contain_text("Visa •••• 4242")
    expect(phone.get_by_role("link", name="PAY BILL")).to_have_count(0)


def test_pay_with_stored_method_from_quick_actions(phone: Page, portal) -> None:
    sub = _subscriber(portal, card=True)
    _sign_in_to(phone, "/", sub)
    phone.get_by_role("button", name="Quick actions").click()
    phone.get_by_role("link", name="Make Payment").click()
    phone.wait_for_url(re.compile(r"/pay/?$"))
    phone.get_by_label("Payment", exact=True).select_option(label="Visa •••• 4242")
    expect(phone.get_by_label("Card number")).to_have_count(0)
    phone.get_by_label("Amount").fill("50")
    phone.get_by_role("button", name="PAY NOW").click()
    expect(phone.locator("#payment-done")).to_have_text("Payment received")
    expect(phone.locator("#done-amount")).to_contain_text("$50.00")
    expect(phone.locator("#done-balance")).to_contain_text("$72.45")
    with Session(portal.engine) as db:
        assert db.get(Invoice, sub["invoices"][0]).status == "paid"
        assert db.get(Invoice, sub["invoices"][1]).status == "open"


def test_declined_card_says_why_and_changes_nothing(phone: Page, portal) -> None:
    sub = _subscriber(portal)
    _sign_in_to(phone, "/pay", sub)
    _fill_card(phone, "4000 0000 0000 0002")
    phone.get_by_role("switch", name="Save Payment Method").click()
    phone.get_by_role("button", name="PAY NOW").click()
    expect(phone.locator("#payment-error")).to_contain_text("declined by your bank")
    phone.screenshot(path="test-artifacts/money-declined.png", full_page=True)
    assert _balance(portal, sub["account_id"]) == 12245
    with Session(portal.engine) as db:
        assert db.exec(select(PaymentMethod).where(PaymentMethod.account_id == sub["account_id"])).all() == []
    # A bad amount is refused next to the field.
    phone.get_by_label("Amount").fill("12.345")
    phone.get_by_role("button", name="PAY NOW").click()
    expect(phone.locator("#amount-error")).to_contain_text("dollars and cents")


def test_remove_and_re_add_autopay(phone: Page, portal) -> None:
    sub = _subscriber(portal, card=True, autopay=True)
    _sign_in_to(phone, "/autopay", sub)
    phone.get_by_role("button", name="Show the history of Visa •••• 4242").click()
    expect(phone.locator("#autopay-history")).to_contain_text("No AutoPay charges yet.")
    phone.get_by_role("button", name="Remove AutoPay with Visa •••• 4242").click()
    phone.get_by_role("alertdialog").get_by_role("button", name="REMOVE").click()
    expect(phone.locator("#autopay-notice")).to_contain_text("AutoPay removed")
    with Session(portal.engine) as db:
        rows = db.exec(select(RecurringPayment).where(RecurringPayment.account_id == sub["account_id"])).all()
        assert [r.cancelled_at is not None for r in rows] == [True]
    phone.get_by_label("Stored payment method").select_option(label="Visa •••• 4242")
    phone.get_by_role("button", name="ADD RECURRING").click()
    expect(phone.locator("#autopay-notice")).to_contain_text("AutoPay is on")
    expect(phone.get_by_role("button", name="EDIT")).to_be_visible()
    _no_horizontal_scroll(phone)
    phone.screenshot(path="test-artifacts/money-autopay.png", full_page=True)


def test_quick_pay_by_form_then_by_signed_link(phone: Page, portal) -> None:
    sub = _subscriber(portal, last_name="Quickley")
    phone.goto("/signin")
    phone.get_by_role("link", name=re.compile("Quick Pay")).click()
    phone.wait_for_url(re.compile(r"/quickpay/?$"))
    phone.get_by_label("Account number", exact=True).fill(sub["number"])
    phone.get_by_label("Last name or billing ZIP").fill("wrong")
    phone.get_by_role("button", name="CONTINUE").click()
    expect(phone.locator("#quickpay-error")).to_contain_text("could not find an account")
    phone.get_by_label("Last name or billing ZIP").fill("quickley")
    phone.get_by_role("button", name="CONTINUE").click()
    expect(phone.locator("#qp-name")).to_contain_text("K**** Q*******")
    expect(phone.locator("#qp-due")).to_contain_text("$122.45")
    _fill_card(phone, "4242424242424242")
    phone.get_by_label("Email for your receipt (optional)").fill("payer@example.com")
    phone.get_by_role("button", name="PAY NOW").click()
    expect(phone.locator("#qp-done")).to_have_text("Payment received")
    phone.screenshot(path="test-artifacts/money-quickpay.png", full_page=True)
    assert _balance(portal, sub["account_id"]) == 0

    other = _subscriber(portal, bills=(3000,))
    phone.goto(f"/quickpay?t={quickpay.link_token(other['number'])}")
    expect(phone.locator("#qp-due")).to_contain_text("$30.00")
    phone.get_by_label("Payment", exact=True).select_option("ach")
    phone.get_by_label("Routing number").fill("110000000")
    phone.get_by_label("Account number", exact=True).fill("000123456789")
    phone.get_by_role("button", name="PAY NOW").click()
    expect(phone.locator("#ach_authorization-error")).to_be_visible()
    phone.get_by_label("I authorize this bank debit").check()
    phone.get_by_role("button", name="PAY NOW").click()
    expect(phone.locator("#qp-done")).to_have_text("Payment submitted")
    with Session(portal.engine) as db:
        payment = db.exec(select(Payment).where(Payment.account_id == other["account_id"])).one()
        assert (payment.status, payment.source, payment.method_kind) == ("pending", "quickpay", "ach")
    phone.goto("/quickpay?t=not-a-real-token")
    expect(phone.locator("#quickpay-error")).to_contain_text("expired or is not valid")


def _pdf_text(response) -> str:
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.body())).pages)


def test_invoice_and_receipt_pdfs_and_other_accounts_not_found(phone: Page, portal) -> None:
    sub = _subscriber(portal, card=True)
    stranger = _subscriber(portal, card=True)
    _sign_in_to(phone, "/pay", sub)
    phone.get_by_label("Payment", exact=True).select_option(label="Visa •••• 4242")
    phone.get_by_role("button", name="PAY NOW").click()
    expect(phone.locator("#payment-done")).to_be_visible()

    phone.goto("/invoices")
    newest = sub["numbers"][-1]
    expect(phone.locator(".invoice-row").first).to_contain_text(newest)
    href = phone.get_by_role("link", name=f"Invoice {newest} PDF").get_attribute("href")
    text = _pdf_text(phone.context.request.get(href))
    assert newest in text and "$72.45" in text
    phone.screenshot(path="test-artifacts/money-invoices.png", full_page=True)

    phone.get_by_role("link", name="Payments").click()
    phone.wait_for_url(re.compile(r"/payments/?$"))
    row = phone.locator(".payment-row").first
    expect(row).to_contain_text("$122.45")
    receipt_link = row.get_by_role("link", name=re.compile("Receipt .* PDF"))
    text = _pdf_text(phone.context.request.get(receipt_link.get_attribute("href")))
    assert "$122.45" in text and sub["numbers"][0] in text
    phone.screenshot(path="test-artifacts/money-payments.png", full_page=True)

    with Session(portal.engine) as db:
        theirs = db.exec(select(Invoice).where(Invoice.account_id == stranger["account_id"])).first()
        their_pay = Payment(account_id=stranger["account_id"], receipt_number=f"RCP-X-{stranger['number']}",
                            amount_cents=100, status="succeeded", method_kind="card", method_label="Visa •••• 4242",
                            gateway="sandbox", idempotency_key=f"x-{stranger['number']}")
        db.add(their_pay)
        db.commit()
        ids = (theirs.id, their_pay.id)
    for path in (f"/documents/invoices/{ids[0]}.pdf", f"/documents/receipts/{ids[1]}.pdf"):
        assert phone.context.request.get(path).status == 404
    phone.context.clear_cookies()
    assert phone.context.request.get(href).status == 404


def _serious_axe_violations(page: Page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [f"{v['id']}: {v['help']} {[n['target'] for n in v['nodes']]}" for v in results.response["violations"]
            if v.get("impact") in ("serious", "critical")]


def test_money_pages_pass_axe(phone: Page, portal) -> None:
    sub = _subscriber(portal, card=True, autopay=True)
    phone.goto("/quickpay")
    expect(phone.get_by_role("heading", name="Quick Pay")).to_be_visible()
    problems = {"/quickpay": _serious_axe_violations(phone)}
    _sign_in_to(phone, "/pay", sub)
    checks = {"/pay": "Make a Payment", "/invoices": "Invoices", "/payments": "Payments", "/autopay": "AutoPay", "/": "Hi, Kenji"}
    for path, heading in checks.items():
        phone.goto(path)
        expect(phone.get_by_role("heading", name=heading, exact=True)).to_be_visible()
        wait_until_settled(phone)
        problems[path] = _serious_axe_violations(phone)
        _no_horizontal_scroll(phone)
    assert {path: found for path, found in problems.items() if found} == {}


def test_bill_email_quick_pay_link_opens_quick_pay_identified(phone: Page, portal) -> None:
    """The billing run's email goes out over real SMTP; its link opens Quick Pay already identified."""
    import email
    import socket

    from aiosmtpd.controller import Controller

    from portal_app.integrations.mail import deliver_pending
    from portal_app.jobs import billing_jobs
    from portal_app.models import AccountService, OutboxMail

    class Inbox:
        def __init__(self) -> None:
            self.messages: list[email.message.Message] = []

        async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
            self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
            return "250 OK"

    sub = _subscriber(portal, bills=())
    with Session(portal.engine, expire_on_commit=False) as db:
        db.add(AccountService(account_id=sub["account_id"], name="Fiber 500", billable=True, monthly_price_cents=6500))
        db.commit()
        billing_jobs.billing_run(db, today=dt.date.today(), account_ids=[sub["account_id"]])
        bill = db.exec(select(OutboxMail).where(OutboxMail.account_id == sub["account_id"])).one()
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        inbox = Inbox()
        controller = Controller(inbox, hostname="127.0.0.1", port=port)
        controller.start()
        try:
            deliver_pending(db, smtp_url=f"smtp+plain://127.0.0.1:{port}", sender_name="Lumen Fiber",
                            sender_address="billing@lumenfiber.example")
        finally:
            controller.stop()
    received = next(m for m in inbox.messages if m["Subject"] == bill.subject)
    link = re.search(r"https?://\S+/quickpay\?t=\S+", received.get_body(preferencelist=("plain",)).get_content()).group(0)
    phone.goto(link[link.index("/quickpay"):])
    expect(phone.locator("#qp-due")).to_contain_text("$65.00")
    expect(phone.locator("#qp-name")).to_contain_text("K**** N*******")
