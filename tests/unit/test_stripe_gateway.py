"""The Stripe gateway against localstripe (a fake Stripe server), and its webhook route with real
signatures. localstripe has no Checkout Sessions, so that one call is checked by its parameters."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
import stripe
from factories import make_invoice, make_subscriber, point_app_at, reset_app_engine
from sqlmodel import Session, select

import portal_app.api
from portal_app.integrations.payments import use_gateway
from portal_app.integrations.payments.stripe_gateway import StripeGateway
from portal_app.models import GatewayEvent, Payment, PaymentMethod, RecurringPayment
from portal_app.services.billing import billing, hosted_payments, payments

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient` is deprecated")
    from starlette.testclient import TestClient

WEBHOOK_SECRET = "whsec_test_portal_0123456789"


@pytest.fixture(scope="session")
def localstripe_url() -> Iterator[str]:
    executable = shutil.which("localstripe", path=str(Path(sys.executable).parent)) or shutil.which("localstripe")
    assert executable, "localstripe is in requirements.txt; install it"
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen([executable, "--port", str(port), "--from-scratch"], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{url}/v1/customers", timeout=2)
        except urllib.error.HTTPError:
            break  # it answers (401 without a key): up
        except OSError:
            time.sleep(0.3)
    yield url
    os.killpg(process.pid, 15)
    process.wait(timeout=10)


@pytest.fixture
def gateway(localstripe_url: str) -> Iterator[StripeGateway]:
    gw = StripeGateway(secret_key="sk_test_portal", webhook_secret=WEBHOOK_SECRET, api_base=localstripe_url,
                       localstripe=True)
    use_gateway(gw)
    yield gw
    use_gateway(None)


def _stored_card(db: Session, gw: StripeGateway, account, number: str) -> PaymentMethod:
    """What a completed Checkout in setup mode leaves behind: a customer with an attached card."""
    customer = gw.create_customer(account_number=account.account_number, name="Test", email=None)
    pm = gw.client.v1.payment_methods.create(params={"type": "card", "card": {
        "number": number, "exp_month": 12, "exp_year": 2031, "cvc": "123"}})
    gw.client.v1.payment_methods.attach(pm.id, params={"customer": customer})
    facts = gw.describe(customer=customer, payment_method_id=pm.id)
    method = PaymentMethod(account_id=account.id, kind="card", gateway="stripe", gateway_token=facts.token,
                           brand=facts.brand, last4=facts.last4, exp_month=facts.exp_month, exp_year=facts.exp_year)
    db.add(method)
    db.commit()
    return method


def test_stored_card_is_charged_off_session(db: Session, gateway: StripeGateway) -> None:
    sub = make_subscriber(db)
    make_invoice(db, sub.account, 6400)
    method = _stored_card(db, gateway, sub.account, "4242424242424242")
    assert (method.brand, method.last4) == ("Visa", "4242")
    outcome = payments.pay(db, principal=sub.principal, amount_cents=6400, method=payments.StoredMethod(method.id),
                           attempt_key=payments.new_attempt_key(), gateway=gateway)
    assert outcome.status == "succeeded" and outcome.new_balance_cents == 0
    payment = db.get(Payment, outcome.payment_id)
    assert payment.gateway_ref.startswith("pi_")
    assert gateway.settlement_status(reference=payment.gateway_ref) == "succeeded"


def test_declined_stored_card_changes_nothing(db: Session, gateway: StripeGateway) -> None:
    sub = make_subscriber(db)
    make_invoice(db, sub.account, 6400)
    method = _stored_card(db, gateway, sub.account, "4000000000000341")
    with pytest.raises(payments.PaymentDeclined, match="declined"):
        payments.pay(db, principal=sub.principal, amount_cents=6400, method=payments.StoredMethod(method.id),
                     attempt_key=payments.new_attempt_key(), gateway=gateway)
    assert billing.balance_cents(db, account_id=sub.account.id) == 6400


def test_checkout_session_parameters(db: Session, gateway: StripeGateway, monkeypatch: pytest.MonkeyPatch) -> None:
    sub = make_subscriber(db)
    make_invoice(db, sub.account, 6400)
    db.commit()
    calls: list[dict] = []

    def create(params, options=None):
        calls.append({"params": params, "options": options})
        return {"id": "cs_test_1", "url": "https://checkout.stripe.com/c/pay/cs_test_1"}

    monkeypatch.setattr(gateway.client.v1.checkout.sessions, "create", create)
    url = hosted_payments.start_checkout(
        db, principal=sub.principal, amount_cents=6400, kind="card", attempt_key="pay_abc", expected_balance_cents=6400,
        save_method=True, autopay_on=True, ach_authorized=False, client_ip="203.0.113.5", return_path="/pay",
        gateway=gateway)
    assert url == "https://checkout.stripe.com/c/pay/cs_test_1"
    params = calls[0]["params"]
    assert params["mode"] == "payment" and params["client_reference_id"] == "pay_abc"
    description = f"Lumen Fiber account {sub.account.account_number}"
    assert params["line_items"] == [{"price_data": {"currency": "usd", "unit_amount": 6400,
                                                    "product_data": {"name": description}}, "quantity": 1}]
    assert params["payment_intent_data"]["setup_future_usage"] == "off_session"
    assert params["payment_intent_data"]["description"] == description
    assert params["customer"].startswith("cus_") and calls[0]["options"] == {"idempotency_key": "checkout-pay_abc"}
    payment = db.exec(select(Payment)).one()
    assert (payment.status, payment.idempotency_key) == ("pending", "pay_abc")
    assert payment.checkout_session_id == "cs_test_1"  # kept, so reconciliation can ask Stripe about it
    # The same attempt again (a reload, a retry) sends the very same body under the same key:
    # the same Stripe Customer, stored on the account, not a new one each time.
    hosted_payments.start_checkout(
        db, principal=sub.principal, amount_cents=6400, kind="card", attempt_key="pay_abc", expected_balance_cents=6400,
        save_method=True, autopay_on=True, ach_authorized=False, client_ip="203.0.113.5", return_path="/pay",
        gateway=gateway)
    assert calls[1] == calls[0]
    db.refresh(sub.account)
    assert sub.account.gateway_customer_id == params["customer"]


def _signed(payload: str, secret: str = WEBHOOK_SECRET) -> dict:
    stamp = int(time.time())
    signature = hmac.new(secret.encode(), f"{stamp}.{payload}".encode(), hashlib.sha256).hexdigest()
    return {"stripe-signature": f"t={stamp},v1={signature}", "content-type": "application/json"}


def _event(event_id: str, kind: str, obj: dict) -> str:
    return json.dumps({"id": event_id, "object": "event", "type": kind, "api_version": "2024-06-20",
                       "created": int(time.time()), "data": {"object": obj}})


@pytest.fixture
def client(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    point_app_at(monkeypatch, database_url)
    with TestClient(portal_app.api.build_api()) as test_client:
        yield test_client
    reset_app_engine()


def test_webhook_verifies_signatures_records_events_once_in_any_order(db: Session, gateway: StripeGateway, client) -> None:
    sub = make_subscriber(db)
    make_invoice(db, sub.account, 6400)
    db.add(Payment(account_id=sub.account.id, receipt_number="RCP-W-1", amount_cents=6400, status="pending",
                   method_kind="card", method_label="Card", gateway="stripe", idempotency_key="pay_w1"))
    db.commit()
    customer = gateway.create_customer(account_number=sub.account.account_number, name="T", email=None)
    pm = gateway.client.v1.payment_methods.create(params={"type": "card", "card": {
        "number": "4242424242424242", "exp_month": 12, "exp_year": 2031, "cvc": "123"}})
    gateway.client.v1.payment_methods.attach(pm.id, params={"customer": customer})
    intent = gateway.client.v1.payment_intents.create(params={
        "amount": 6400, "currency": "usd", "customer": customer, "payment_method": pm.id, "confirm": True})
    metadata = {"attempt_key": "pay_w1", "account_id": str(sub.account.id), "save": "1", "autopay": "1"}

    succeeded = _event("evt_1", "payment_intent.succeeded", {"id": intent.id, "object": "payment_intent", "metadata": metadata})
    assert client.post("/webhooks/stripe", content=succeeded, headers=_signed(succeeded, "whsec_wrong")).status_code == 400
    assert client.post("/webhooks/stripe", content=succeeded, headers=_signed(succeeded)).json()["outcome"] == "applied"
    assert client.post("/webhooks/stripe", content=succeeded, headers=_signed(succeeded)).json()["outcome"] == "duplicate"
    # The checkout event arrives after the payment event: the method is saved, AutoPay turned on, nothing paid twice.
    completed = _event("evt_2", "checkout.session.completed", {
        "id": "cs_1", "object": "checkout.session", "mode": "payment", "payment_status": "paid", "customer": customer,
        "payment_intent": intent.id, "client_reference_id": "pay_w1", "metadata": metadata})
    assert client.post("/webhooks/stripe", content=completed, headers=_signed(completed)).status_code == 200
    db.expire_all()
    payment = db.exec(select(Payment)).one()
    assert payment.status == "succeeded" and payment.method_label == "Visa •••• 4242"
    assert billing.balance_cents(db, account_id=sub.account.id) == 0
    method = db.exec(select(PaymentMethod)).one()
    assert method.gateway_token == f"{customer}:{pm.id}"
    assert db.exec(select(RecurringPayment)).one().payment_method_id == method.id
    assert len(db.exec(select(GatewayEvent)).all()) == 2
