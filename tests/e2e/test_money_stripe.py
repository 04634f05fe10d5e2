"""Money with Stripe's behaviour on a phone: the app runs with PORTAL_PAYMENTS=stripe against a local
HTTP stub answering like Stripe's API, with a Checkout-style page of its own that sends signed
webhooks the way Stripe does.

- A declined card on the Checkout page, then a good card on the same page: paid once, one receipt.
- A 5xx while charging a stored card: the payment stays pending, a second tap charges nothing,
  and reconciliation (same body, same key) records it once.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import urllib.request
import uuid
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session, select

from portal_app.integrations.payments.stripe_gateway import StripeGateway, statement_suffix
from portal_app.jobs import billing_jobs
from portal_app.models import OutboxMail, Payment, PaymentMethod, utcnow
from portal_app.services.billing import billing
from portal_app.theming import current_theme
from tests.e2e.conftest import ARTIFACTS, PHONE, PortalServer, another_app
from tests.e2e.helpers import sign_in
from tests.factories import make_account, make_invoice, make_user
from tests.stripe_stub import StripeStub, error_body, event, intent, signed

pytestmark = pytest.mark.e2e
PASSWORD = "stripe-e2e-subscriber-2026"
SECRET_KEY = "sk_test_e2e_stub"
WEBHOOK_SECRET = "whsec_e2e_stub_0123456789"
DECLINED = "4000000000000002"


class FakeCheckout:
    """Stripe Checkout's part: sessions created by the portal, a page to pay on, webhooks after."""

    def __init__(self, stub: StripeStub) -> None:
        self.stub = stub
        self.portal_url = ""
        self.sessions: dict[str, dict[str, str]] = {}
        stub.answer("POST", "/v1/customers", 200, {"id": "cus_e2e", "object": "customer"})
        stub.route("POST", "/v1/checkout/sessions", self.create)
        stub.route("GET", "/pay/", self.page)
        stub.route("POST", "/pay/", self.submit)

    def create(self, seen):
        session_id = "cs_e2e_" + seen.form["client_reference_id"][-12:]
        self.sessions[session_id] = seen.form
        body = {"id": session_id, "object": "checkout.session", "url": f"{self.stub.url}/pay/{session_id}"}
        return 200, "application/json", json.dumps(body).encode(), {}

    def _html(self, session_id: str, message: str = "") -> bytes:
        amount = int(self.sessions[session_id]["line_items[0][price_data][unit_amount]"])
        note = f'<p role="alert">{html.escape(message)}</p>' if message else ""
        return (f'<!doctype html><html lang="en"><title>Checkout</title><main><h1>Pay ${amount / 100:.2f}</h1>{note}'
                f'<form method="post" action="/pay/{session_id}"><label for="card">Card number</label>'
                f'<input id="card" name="card"><button type="submit">Pay</button></form></main></html>').encode()

    def page(self, seen):
        return 200, "text/html", self._html(seen.path.rsplit("/", 1)[1]), {}

    def _webhook(self, kind: str, obj: dict) -> None:
        payload = event(f"evt_{uuid.uuid4().hex[:12]}", kind, obj)
        request = urllib.request.Request(f"{self.portal_url}/webhooks/stripe", data=payload.encode(),
                                         headers=signed(payload, WEBHOOK_SECRET), method="POST")
        with urllib.request.urlopen(request, timeout=20) as answer:
            assert answer.status == 200

    def submit(self, seen):
        session_id = seen.path.rsplit("/", 1)[1]
        form = self.sessions[session_id]
        metadata = {k[len("metadata["):-1]: v for k, v in form.items() if k.startswith("metadata[")}
        pi = "pi_" + session_id
        card = "".join(ch for ch in seen.form.get("card", "") if ch.isdigit())
        if card == DECLINED:  # Checkout keeps the payer on the page to try another card
            self._webhook("payment_intent.payment_failed", intent(pi, "requires_payment_method", metadata=metadata,
                          last_payment_error={"type": "card_error", "code": "card_declined",
                                              "decline_code": "generic_decline", "message": "Your card was declined."}))
            return 200, "text/html", self._html(session_id, "Your card was declined. Try another card."), {}
        self.stub.answer("GET", f"/v1/payment_intents/{pi}", 200, intent(pi, "succeeded", metadata=metadata))
        self._webhook("payment_intent.succeeded", intent(pi, "succeeded", metadata=metadata))
        self._webhook("checkout.session.completed", {
            "id": session_id, "object": "checkout.session", "mode": "payment", "status": "complete",
            "payment_status": "paid", "customer": "cus_e2e", "payment_intent": pi, "metadata": metadata,
            "client_reference_id": form["client_reference_id"]})
        return 303, "text/html", b"", {"location": form["success_url"]}


@pytest.fixture(scope="module")
def stub() -> Iterator[StripeStub]:
    server = StripeStub()
    yield server
    server.close()


@pytest.fixture(scope="module")
def checkout(stub: StripeStub) -> FakeCheckout:
    return FakeCheckout(stub)


@pytest.fixture(scope="module")
def stripe_portal(tmp_path_factory: pytest.TempPathFactory, stub: StripeStub, checkout: FakeCheckout
                  ) -> Iterator[PortalServer]:
    """The real app, configured for Stripe, with Stripe's API at the stub."""
    with another_app(tmp_path_factory, "stripe", {
        "PORTAL_PAYMENTS": "stripe", "PORTAL_STRIPE_SECRET_KEY": SECRET_KEY,
        "PORTAL_STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET, "PORTAL_STRIPE_API_BASE": stub.url,
    }) as server:
        checkout.portal_url = server.base_url
        yield server


@pytest.fixture
def page(browser, stripe_portal: PortalServer, request: pytest.FixtureRequest) -> Iterator[Page]:
    context = browser.new_context(viewport=PHONE, base_url=stripe_portal.base_url, device_scale_factor=1)
    context.set_default_timeout(20_000)
    page = context.new_page()
    yield page
    page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


def _subscriber(portal: PortalServer, *, stored_card: bool = False) -> dict:
    tag = uuid.uuid4().hex[:6]
    with Session(portal.engine, expire_on_commit=False) as db:
        account = make_account(db, first_name="Lena", last_name=f"Stripe{tag}",
                               account_number=f"77{int(tag, 16) % 10_000_000:07d}")
        user = make_user(db, account, username=f"lena{tag}", email=f"lena{tag}@mail.example", password=PASSWORD)
        make_invoice(db, account, 6400, due_on=dt.date.today() + dt.timedelta(days=5))
        if stored_card:
            db.add(PaymentMethod(account_id=account.id, kind="card", gateway="stripe",
                                 gateway_token=f"cus_e2e:pm_card_{tag}", brand="Visa", last4="4242",
                                 exp_month=8, exp_year=2031))
        db.commit()
        return {"account_id": account.id, "username": user.username}


def _to_pay_page(page: Page, sub: dict) -> None:
    page.goto("/pay")
    page.wait_for_url("**/signin**")
    sign_in(page, sub["username"], PASSWORD)
    page.wait_for_url(re.compile(r"/pay/?$"))


def _payments(portal: PortalServer, account_id: int) -> list[Payment]:
    with Session(portal.engine) as db:
        return list(db.exec(select(Payment).where(Payment.account_id == account_id)))


def _mails(portal: PortalServer, account_id: int) -> list[str]:
    with Session(portal.engine) as db:
        return [m.subject for m in db.exec(select(OutboxMail).where(OutboxMail.account_id == account_id))]


def test_a_declined_checkout_retry_that_succeeds_ends_paid_once(page: Page, stripe_portal: PortalServer) -> None:
    sub = _subscriber(stripe_portal)
    _to_pay_page(page, sub)
    expect(page.locator("#hosted-notice")).to_be_visible()
    page.get_by_role("button", name="PAY NOW").click()
    page.wait_for_url(re.compile(r"/pay/cs_e2e_"))
    expect(page.get_by_role("heading", name="Pay $64.00")).to_be_visible()
    page.get_by_label("Card number").fill("4000 0000 0000 0002")
    page.get_by_role("button", name="Pay").click()
    expect(page.get_by_role("alert")).to_contain_text("declined")
    [payment] = _payments(stripe_portal, sub["account_id"])
    assert payment.status == "pending"  # the failed try decided nothing
    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    page.get_by_role("button", name="Pay").click()
    page.wait_for_url(re.compile(r"/payments/?\?checkout=done"))
    expect(page.locator(".payment-row")).to_have_count(1)
    expect(page.locator(".payment-row").first).to_contain_text("$64.00")
    expect(page.locator(".payment-row").first).to_contain_text("Paid")
    [payment] = _payments(stripe_portal, sub["account_id"])
    assert payment.status == "succeeded" and payment.checkout_session_id.startswith("cs_e2e_")
    with Session(stripe_portal.engine) as db:
        assert billing.balance_cents(db, account_id=sub["account_id"]) == 0
    subjects = _mails(stripe_portal, sub["account_id"])
    assert sum("payment receipt" in s for s in subjects) == 1
    assert not any("did not go through" in s for s in subjects)


def test_a_5xx_on_a_stored_card_stays_pending_and_a_second_tap_charges_nothing(
        page: Page, stripe_portal: PortalServer, stub: StripeStub) -> None:
    sub = _subscriber(stripe_portal, stored_card=True)
    charges_before = len(stub.requests("POST", "/v1/payment_intents"))
    stub.queue("POST", "/v1/payment_intents", 500, error_body("api_error", "Something went wrong on Stripe's end."))
    _to_pay_page(page, sub)
    page.get_by_label("Payment", exact=True).select_option(label="Visa •••• 4242")
    page.get_by_role("button", name="PAY NOW").click()
    expect(page.locator("#payment-error")).to_contain_text("do not pay again")
    page.get_by_role("button", name="PAY NOW").click()  # the second tap
    expect(page.locator("#payment-error")).to_contain_text("already being processed")
    sent = stub.requests("POST", "/v1/payment_intents")[charges_before:]
    assert len(sent) == 1
    [payment] = _payments(stripe_portal, sub["account_id"])
    assert payment.status == "pending"
    with Session(stripe_portal.engine) as db:
        assert billing.balance_cents(db, account_id=sub["account_id"]) == 6400
    # settle-ach asks Stripe again with the very same body and key; Stripe answers the first result.
    stub.queue("POST", "/v1/payment_intents", 200, intent("pi_e2e_5xx", "succeeded", amount=6400))
    gateway = StripeGateway(secret_key=SECRET_KEY, webhook_secret=WEBHOOK_SECRET, api_base=stub.url,
                            statement_suffix=statement_suffix(current_theme().short_name))
    with Session(stripe_portal.engine, expire_on_commit=False) as db:
        billing_jobs.settle_pending(db, gateway=gateway, now=utcnow() + dt.timedelta(minutes=5))
    first, again = stub.requests("POST", "/v1/payment_intents")[charges_before:]
    assert (first.body, first.headers["Idempotency-Key"]) == (again.body, again.headers["Idempotency-Key"])
    [payment] = _payments(stripe_portal, sub["account_id"])
    assert payment.status == "succeeded"
    page.goto("/payments")
    expect(page.locator(".payment-row")).to_have_count(1)
    expect(page.locator(".payment-row").first).to_contain_text("Paid")
