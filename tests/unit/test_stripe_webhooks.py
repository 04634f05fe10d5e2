"""Every Stripe webhook event the README lists, through the real route with real signatures: each
applied once, in any order, replays ignored. Stripe's API answers come from the local HTTP stub."""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Iterator

import pytest
from factories import make_invoice, make_subscriber, point_app_at, reset_app_engine
from sqlmodel import Session, select
from stripe_stub import StripeStub, event, intent, signed

import portal_app.api
from portal_app.integrations.payments import use_gateway
from portal_app.integrations.payments.stripe_gateway import StripeGateway
from portal_app.jobs import billing_jobs
from portal_app.models import (
    AccountHistory,
    Invoice,
    OutboxMail,
    Payment,
    PaymentAdjustment,
    PaymentMethod,
    RecurringPayment,
    utcnow,
)
from portal_app.services.billing import billing

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient` is deprecated")
    from starlette.testclient import TestClient

SECRET = "whsec_stub_webhooks"


@pytest.fixture
def stub() -> Iterator[StripeStub]:
    server = StripeStub()
    yield server
    server.close()


@pytest.fixture
def gateway(stub: StripeStub) -> Iterator[StripeGateway]:
    gw = StripeGateway(secret_key="sk_test_stub", webhook_secret=SECRET, api_base=stub.url, max_network_retries=0)
    use_gateway(gw)
    yield gw
    use_gateway(None)


@pytest.fixture
def client(database_url: str, monkeypatch: pytest.MonkeyPatch, gateway: StripeGateway) -> Iterator[TestClient]:
    point_app_at(monkeypatch, database_url)
    with TestClient(portal_app.api.build_api()) as test_client:
        yield test_client
    reset_app_engine()


def _send(client: TestClient, payload: str) -> str:
    answer = client.post("/webhooks/stripe", content=payload, headers=signed(payload, SECRET))
    assert answer.status_code == 200, answer.text
    return answer.json()["outcome"]


def _send_all(client: TestClient, payloads: list[str]) -> list[str]:
    return [_send(client, p) for p in payloads]


def _checkout_payment(db: Session, *, amount: int = 6400, kind: str = "card"):
    sub = make_subscriber(db)
    make_invoice(db, sub.account, amount)
    payment = Payment(account_id=sub.account.id, receipt_number=f"RCP-WH-{sub.account.id}", amount_cents=amount,
                      status="pending", method_kind=kind, method_label="Card" if kind == "card" else "Bank account",
                      gateway="stripe", idempotency_key=f"pay_wh_{sub.account.id}",
                      checkout_session_id=f"cs_{sub.account.id}")
    db.add(payment)
    db.commit()
    metadata = {"attempt_key": payment.idempotency_key, "account_id": str(sub.account.id), "save": "0",
                "autopay": "0", "client_ip": ""}
    return sub, payment, metadata


def _session(payment: Payment, metadata: dict, **fields) -> dict:
    return {"id": payment.checkout_session_id, "object": "checkout.session", "mode": "payment",
            "customer": "cus_wh", "client_reference_id": payment.idempotency_key, "metadata": metadata,
            "payment_intent": f"pi_{payment.id}", **fields}


def _mails(db: Session, account_id: int) -> list[OutboxMail]:
    return list(db.exec(select(OutboxMail).where(OutboxMail.account_id == account_id).order_by(OutboxMail.id)))


# --- Checkout: a decline then a retry on the same page ends paid once ----------------------------------


@pytest.mark.parametrize("order", ["as_sent", "reversed"])
def test_checkout_retry_after_a_decline_ends_paid_once(db: Session, client: TestClient, stub: StripeStub,
                                                       order: str) -> None:
    sub, payment, metadata = _checkout_payment(db)
    pi = f"pi_{payment.id}"
    stub.answer("GET", f"/v1/payment_intents/{pi}", 200, intent(pi, "succeeded", metadata=metadata))
    declined = intent(pi, "requires_payment_method", metadata=metadata, last_payment_error={
        "code": "card_declined", "decline_code": "insufficient_funds", "message": "Your card has insufficient funds."})
    events = [
        event(f"evt_f{payment.id}", "payment_intent.payment_failed", declined),
        event(f"evt_s{payment.id}", "payment_intent.succeeded", intent(pi, "succeeded", metadata=metadata)),
        event(f"evt_c{payment.id}", "checkout.session.completed",
              _session(payment, metadata, status="complete", payment_status="paid")),
    ]
    if order == "reversed":
        events.reverse()
    _send(client, events[0])
    if order == "as_sent":
        db.refresh(payment)
        assert payment.status == "pending"  # a failed try on the Checkout page decides nothing
    assert _send_all(client, events[1:]) == ["applied", "applied"]
    assert _send_all(client, events) == ["duplicate"] * 3
    db.expire_all()
    payment = db.get(Payment, payment.id)
    assert (payment.status, payment.gateway_ref) == ("succeeded", pi)
    assert billing.balance_cents(db, account_id=sub.account.id) == 0
    mails = _mails(db, sub.account.id)
    assert len(mails) == 1 and "receipt" in mails[0].subject
    assert not any("did not go through" in m.subject for m in mails)


def test_checkout_bank_debit_async_outcomes_and_microdeposits(db: Session, client: TestClient, stub: StripeStub) -> None:
    sub, payment, metadata = _checkout_payment(db, kind="ach")
    pi = f"pi_{payment.id}"
    stub.answer("GET", f"/v1/payment_intents/{pi}", 200, intent(
        pi, "requires_action", metadata=metadata, next_action={"type": "verify_with_microdeposits"}))
    completed = event("evt_ach_c", "checkout.session.completed",
                      _session(payment, metadata, status="complete", payment_status="unpaid"))
    assert _send(client, completed) == "applied"
    db.refresh(payment)
    assert payment.status == "pending" and "small deposits" in payment.payer_note
    assert "small deposits" in _mails(db, sub.account.id)[-1].body_text
    # The same fact again by the PaymentIntent's own event: no second mail.
    _send(client, event("evt_ach_ra", "payment_intent.requires_action", intent(
        pi, "requires_action", metadata=metadata, next_action={"type": "verify_with_microdeposits"})))
    _send(client, event("evt_ach_p", "payment_intent.processing", intent(pi, "processing", metadata=metadata)))
    assert len(_mails(db, sub.account.id)) == 1
    succeeded = event("evt_ach_s", "checkout.session.async_payment_succeeded",
                      _session(payment, metadata, status="complete", payment_status="paid"))
    assert _send_all(client, [succeeded, succeeded]) == ["applied", "duplicate"]
    db.refresh(payment)
    assert payment.status == "succeeded" and payment.payer_note == ""
    assert billing.balance_cents(db, account_id=sub.account.id) == 0


def test_checkout_async_failure_and_expiry(db: Session, client: TestClient, stub: StripeStub) -> None:
    _, failed, meta_f = _checkout_payment(db, kind="ach")
    _, expired, meta_e = _checkout_payment(db)
    stub.answer("GET", f"/v1/payment_intents/pi_{failed.id}", 200, intent(
        f"pi_{failed.id}", "requires_payment_method", last_payment_error={"code": "account_closed"}))
    _send(client, event("evt_af", "checkout.session.async_payment_failed",
                        _session(failed, meta_f, status="complete", payment_status="unpaid")))
    _send(client, event("evt_ex", "checkout.session.expired",
                        _session(expired, meta_e, status="expired", payment_status="unpaid", payment_intent=None)))
    db.expire_all()
    failed, expired = db.get(Payment, failed.id), db.get(Payment, expired.id)
    assert (failed.status, expired.status) == ("failed", "failed")
    assert "closed" in failed.failure_reason and "not completed" in expired.failure_reason


def test_a_late_webhook_after_a_decision_is_still_applied(db: Session, client: TestClient, stub: StripeStub,
                                                          gateway: StripeGateway) -> None:
    """Reconciliation found nothing at Stripe after a day and failed the payment; Stripe's webhook
    (retried for up to 3 days) then says the payer paid: the money was taken, so it counts."""
    sub, payment, metadata = _checkout_payment(db)
    payment.checkout_session_id = ""  # from before the session id was kept
    payment.created_at = utcnow() - dt.timedelta(hours=30)
    db.add(payment)
    db.commit()
    stub.answer("GET", "/v1/payment_intents/search", 200, {"object": "search_result", "data": [], "has_more": False})
    billing_jobs.settle_pending(db, gateway=gateway)
    db.refresh(payment)
    assert payment.status == "failed"
    stub.answer("GET", f"/v1/payment_intents/pi_{payment.id}", 200, intent(f"pi_{payment.id}", "succeeded"))
    _send(client, event("evt_late", "checkout.session.completed",
                        _session(payment, metadata, id="cs_late", status="complete", payment_status="paid")))
    db.refresh(payment)
    assert payment.status == "succeeded" and billing.balance_cents(db, account_id=sub.account.id) == 0


# --- off-session PaymentIntents ---------------------------------------------------------------------


def _off_session(db: Session, *, status: str = "pending", kind: str = "card", amount: int = 6400):
    sub = make_subscriber(db)
    make_invoice(db, sub.account, amount)
    payment = Payment(account_id=sub.account.id, receipt_number=f"RCP-OS-{sub.account.id}", amount_cents=amount,
                      status=status, method_kind=kind, method_label="Visa •••• 4242", gateway="stripe",
                      gateway_ref=f"pi_os{sub.account.id}", idempotency_key=f"autopay-os-{sub.account.id}",
                      settled_at=utcnow() if status == "succeeded" else None)
    db.add(payment)
    db.commit()
    if status == "succeeded":
        from portal_app.services.billing import payments

        payments.allocate(db, payment)
        db.commit()
    return sub, payment


def test_off_session_failure_then_success_events(db: Session, client: TestClient) -> None:
    sub, payment = _off_session(db)
    meta = {"attempt_key": payment.idempotency_key}
    failed = event("evt_osf", "payment_intent.payment_failed", intent(payment.gateway_ref, "requires_payment_method",
                   metadata=meta, last_payment_error={"code": "card_declined", "decline_code": "expired_card"}))
    assert _send_all(client, [failed, failed]) == ["applied", "duplicate"]
    db.refresh(payment)
    assert payment.status == "failed" and "expired" in payment.failure_reason
    # A success reported after the failure (the processor's last word) counts: the money was taken.
    _send(client, event("evt_oss", "payment_intent.succeeded", intent(payment.gateway_ref, "succeeded", metadata=meta)))
    db.refresh(payment)
    assert payment.status == "succeeded" and billing.balance_cents(db, account_id=sub.account.id) == 0


# --- refunds, disputes and returns after success --------------------------------------------------------


def _refund(refund_id: str, pi: str, amount: int, status: str = "succeeded") -> dict:
    return {"id": refund_id, "object": "refund", "amount": amount, "status": status, "payment_intent": pi,
            "charge": "ch_x", "metadata": {}}


def test_dashboard_refunds_apply_once_in_any_order(db: Session, client: TestClient, stub: StripeStub) -> None:
    sub, payment = _off_session(db, status="succeeded", amount=6400)
    pi = payment.gateway_ref
    stub.answer("GET", "/v1/refunds", 200, {"object": "list", "data": [
        _refund("re_1", pi, 1000), _refund("re_2", pi, 400, "pending")], "has_more": False})
    charge = {"id": "ch_x", "object": "charge", "payment_intent": pi, "amount": 6400, "amount_refunded": 1400,
              "refunded": False, "metadata": {}}
    events = [event("evt_r1u", "refund.updated", _refund("re_1", pi, 1000)),
              event("evt_cr", "charge.refunded", charge),
              event("evt_r2c", "refund.created", _refund("re_2", pi, 400, "pending"))]
    _send_all(client, events + events)
    _send(client, event("evt_r2u", "refund.updated", _refund("re_2", pi, 400)))
    _send(client, event("evt_r2late", "refund.created", _refund("re_2", pi, 400, "pending")))  # older news
    db.expire_all()
    rows = db.exec(select(PaymentAdjustment).where(PaymentAdjustment.payment_id == payment.id)
                   .order_by(PaymentAdjustment.amount_cents)).all()
    assert [(r.gateway_ref, r.amount_cents, r.status) for r in rows] == [("re_2", 400, "applied"), ("re_1", 1000, "applied")]
    assert billing.balance_cents(db, account_id=sub.account.id) == 1400
    assert db.get(Payment, payment.id).flag == "partly_refunded"
    invoice = db.exec(select(Invoice).where(Invoice.account_id == sub.account.id)).one()
    assert invoice.status == "open"
    assert sum("refund" in m.subject for m in _mails(db, sub.account.id)) == 2


def test_a_failed_refund_puts_the_payment_back(db: Session, client: TestClient) -> None:
    sub, payment = _off_session(db, status="succeeded")
    pi = payment.gateway_ref
    _send(client, event("evt_rf1", "refund.created", _refund("re_f", pi, 6400, "pending")))
    assert billing.balance_cents(db, account_id=sub.account.id) == 6400
    _send(client, event("evt_rf2", "refund.failed", _refund("re_f", pi, 6400, "failed")))
    db.expire_all()
    assert billing.balance_cents(db, account_id=sub.account.id) == 0
    assert db.exec(select(Invoice).where(Invoice.account_id == sub.account.id)).one().status == "paid"


@pytest.mark.parametrize("result", ["won", "lost"])
def test_disputes_reverse_and_reinstate(db: Session, client: TestClient, result: str) -> None:
    sub, payment = _off_session(db, status="succeeded")
    dispute = {"id": f"dp_{payment.id}", "object": "dispute", "amount": 6400, "payment_intent": payment.gateway_ref,
               "charge": "ch_x", "reason": "fraudulent", "status": "needs_response"}
    created = event(f"evt_dc{payment.id}", "charge.dispute.created", dispute)
    updated = event(f"evt_du{payment.id}", "charge.dispute.updated", {**dispute, "status": "under_review"})
    closed = event(f"evt_dx{payment.id}", "charge.dispute.closed", {**dispute, "status": result})
    _send(client, created)
    db.expire_all()
    assert billing.balance_cents(db, account_id=sub.account.id) == 6400
    assert db.get(Payment, payment.id).flag == "disputed"
    _send_all(client, [closed, updated, created, closed])  # the close first, older news after it
    db.expire_all()
    expected = 0 if result == "won" else 6400
    assert billing.balance_cents(db, account_id=sub.account.id) == expected
    assert db.get(Payment, payment.id).flag == f"dispute_{result}"
    assert db.exec(select(AccountHistory).where(AccountHistory.account_id == sub.account.id,
                                                AccountHistory.action.like("dispute_%"))).all()


def test_an_ach_return_after_success(db: Session, client: TestClient, stub: StripeStub) -> None:
    sub, payment = _off_session(db, status="succeeded", kind="ach")
    meta = {"attempt_key": payment.idempotency_key}
    stale = event("evt_stale", "payment_intent.payment_failed", intent(payment.gateway_ref, "requires_payment_method",
                                                                        metadata=meta))
    stub.answer("GET", f"/v1/payment_intents/{payment.gateway_ref}", 200, intent(payment.gateway_ref, "succeeded"))
    _send(client, stale)  # an older failed try arriving late: Stripe still says succeeded
    assert billing.balance_cents(db, account_id=sub.account.id) == 0
    stub.answer("GET", f"/v1/payment_intents/{payment.gateway_ref}", 200, intent(
        payment.gateway_ref, "requires_payment_method", last_payment_error={"code": "insufficient_funds"}))
    returned = event("evt_ret", "payment_intent.payment_failed", intent(
        payment.gateway_ref, "requires_payment_method", metadata=meta,
        last_payment_error={"code": "insufficient_funds", "message": "R01 insufficient funds"}))
    charge_failed = event("evt_retc", "charge.failed", {"id": "ch_ret", "object": "charge", "metadata": meta,
                                                        "payment_intent": payment.gateway_ref,
                                                        "failure_message": "R01 insufficient funds"})
    _send_all(client, [charge_failed, returned, returned])
    db.expire_all()
    rows = db.exec(select(PaymentAdjustment).where(PaymentAdjustment.payment_id == payment.id)).all()
    assert [(r.kind, r.amount_cents) for r in rows] == [("return", 6400)]
    assert db.get(Payment, payment.id).flag == "returned"
    assert billing.balance_cents(db, account_id=sub.account.id) == 6400
    assert any("returned" in m.subject for m in _mails(db, sub.account.id))


# --- stored methods and mandates ------------------------------------------------------------------------


def test_card_updates_refresh_the_stored_facts(db: Session, client: TestClient) -> None:
    sub = make_subscriber(db)
    method = PaymentMethod(account_id=sub.account.id, kind="card", gateway="stripe", gateway_token="cus_u:pm_upd",
                           brand="Visa", last4="4242", exp_month=4, exp_year=2026)
    db.add(method)
    db.commit()
    card = {"id": "pm_upd", "object": "payment_method", "type": "card", "customer": "cus_u",
            "card": {"brand": "visa", "last4": "1881", "exp_month": 9, "exp_year": 2030}}
    auto = event("evt_pmu", "payment_method.automatically_updated", card)
    _send_all(client, [auto, event("evt_pmu2", "payment_method.updated", card), auto])
    db.refresh(method)
    assert (method.last4, method.exp_month, method.exp_year) == ("1881", 9, 2030)
    assert len(db.exec(select(AccountHistory).where(AccountHistory.action == "updated",
                                                    AccountHistory.entity_id == method.id)).all()) == 1


def test_an_inactive_mandate_stops_autopay_on_that_bank_account(db: Session, client: TestClient,
                                                                gateway: StripeGateway, stub: StripeStub) -> None:
    sub = make_subscriber(db)
    method = PaymentMethod(account_id=sub.account.id, kind="ach", gateway="stripe", gateway_token="cus_m:pm_bank",
                           brand="STRIPE TEST BANK", last4="6789")
    db.add(method)
    db.flush()
    db.add(RecurringPayment(account_id=sub.account.id, payment_method_id=method.id))
    make_invoice(db, sub.account, 8000, due_on=dt.date(2026, 3, 21))
    db.commit()
    mandate = {"id": "mandate_1", "object": "mandate", "payment_method": "pm_bank", "status": "active", "type": "multi_use"}
    _send(client, event("evt_m1", "mandate.updated", mandate))
    db.refresh(method)
    assert (method.mandate_id, method.mandate_status) == ("mandate_1", "active")
    inactive = event("evt_m2", "mandate.updated", {**mandate, "status": "inactive"})
    _send_all(client, [inactive, inactive])
    db.refresh(method)
    assert method.mandate_status == "inactive"
    assert sum("can no longer be debited" in m.subject for m in _mails(db, sub.account.id)) == 1
    report = billing_jobs.autopay_run(db, today=dt.date(2026, 3, 25), gateway=gateway)
    assert report.skipped == 1 and not stub.requests("POST", "/v1/payment_intents")


def test_unknown_events_are_recorded_and_ignored(client: TestClient) -> None:
    assert _send(client, event("evt_other", "customer.created", {"id": "cus_1", "object": "customer"})) == "ignored"
