"""The Stripe gateway through every PaymentIntent status and every stripe-python error class, against
a local HTTP stub answering with Stripe-shaped bodies and status codes; and what the portal then
records (pending kept for reconciliation, declines with their reason, batches that carry on)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
import stripe
from factories import make_invoice, make_subscriber
from sqlmodel import Session, select
from stripe_stub import StripeStub, error_body, intent

from portal_app.integrations.payments import (
    GatewayBusy,
    GatewayDeclined,
    GatewayMisconfigured,
    GatewayUnavailable,
)
from portal_app.integrations.payments.stripe_gateway import MICRODEPOSITS, StripeGateway
from portal_app.jobs import billing_jobs
from portal_app.models import (
    Account,
    AccountHistory,
    OutboxMail,
    Payment,
    PaymentMethod,
    RecurringPayment,
    utcnow,
)
from portal_app.services.billing import autopay, billing, hosted_payments, payments

PI = ("POST", "/v1/payment_intents")
TOKEN = "cus_stub:pm_stub_card"


@pytest.fixture
def stub() -> Iterator[StripeStub]:
    server = StripeStub()
    yield server
    server.close()


@pytest.fixture
def gateway(stub: StripeStub) -> StripeGateway:
    return StripeGateway(secret_key="sk_test_stub", webhook_secret="whsec_stub", api_base=stub.url,
                         statement_suffix="LUMEN", max_network_retries=0)


def _charge(gw: StripeGateway, kind: str = "card", key: str = "pay_k1"):
    return gw.charge(token=TOKEN, kind=kind, amount_cents=6400, idempotency_key=key, description="Lumen Fiber account 9")


# --- every PaymentIntent status --------------------------------------------------------------------


def test_succeeded_and_processing(stub: StripeStub, gateway: StripeGateway) -> None:
    stub.queue(*PI, 200, intent("pi_ok", "succeeded"))
    stub.queue(*PI, 200, intent("pi_ach", "processing"))
    assert (_charge(gateway).status, _charge(gateway, "ach").status) == ("succeeded", "pending")
    sent = stub.requests(*PI)[0]
    assert sent.form["description"] == "Lumen Fiber account 9" and sent.form["statement_descriptor_suffix"] == "LUMEN"
    assert sent.headers["Idempotency-Key"] == "pay_k1" and sent.form["metadata[attempt_key]"] == "pay_k1"
    assert "statement_descriptor_suffix" not in stub.requests(*PI)[1].form  # cards only


def test_requires_action_microdeposits_is_pending_with_what_to_do(stub: StripeStub, gateway: StripeGateway) -> None:
    stub.queue(*PI, 200, intent("pi_md", "requires_action", next_action={
        "type": "verify_with_microdeposits",
        "verify_with_microdeposits": {"hosted_verification_url": "https://payments.stripe.com/microdeposit/x"}}))
    result = _charge(gateway, "ach")
    assert (result.status, result.reference, result.note) == ("pending", "pi_md", MICRODEPOSITS)


def test_requires_action_for_a_card_asks_the_payer_to_confirm(stub: StripeStub, gateway: StripeGateway) -> None:
    stub.queue(*PI, 200, intent("pi_3ds", "requires_action", next_action={"type": "use_stripe_sdk"}))
    with pytest.raises(GatewayDeclined, match="confirm") as refused:
        _charge(gateway)
    assert refused.value.needs_authentication and refused.value.reference == "pi_3ds"


def test_requires_payment_method_reads_the_decline_code(stub: StripeStub, gateway: StripeGateway) -> None:
    stub.queue(*PI, 200, intent("pi_nsf", "requires_payment_method", last_payment_error={
        "type": "card_error", "code": "card_declined", "decline_code": "insufficient_funds",
        "message": "Your card has insufficient funds."}))
    with pytest.raises(GatewayDeclined, match="insufficient funds") as refused:
        _charge(gateway)
    assert refused.value.code == "insufficient_funds"


def test_canceled(stub: StripeStub, gateway: StripeGateway) -> None:
    stub.queue(*PI, 200, intent("pi_c", "canceled"))
    with pytest.raises(GatewayDeclined, match="cancelled"):
        _charge(gateway)


def test_settlement_status_of_each_state(stub: StripeStub, gateway: StripeGateway) -> None:
    for status, extra, expected in (
        ("succeeded", {}, "succeeded"),
        ("processing", {}, "pending"),
        ("requires_action", {"next_action": {"type": "verify_with_microdeposits"}}, "pending"),
        ("requires_payment_method", {"last_payment_error": {"code": "bank_account_declined"}},
         "failed:Your bank declined the debit. Use another bank account or a card."),
        ("canceled", {}, "failed:The payment was cancelled before it was completed. Nothing was charged."),
    ):
        stub.answer("GET", "/v1/payment_intents/pi_s", 200, intent("pi_s", status, **extra))
        assert gateway.settlement_status(reference="pi_s") == expected, status


# --- every stripe-python error class -----------------------------------------------------------------

ERRORS = [
    # (HTTP status, body, the class stripe-python raises, the portal's outcome, words in the message)
    (402, error_body("card_error", "Your card has insufficient funds.", code="card_declined",
                     decline_code="insufficient_funds", payment_intent=intent("pi_d", "requires_payment_method")),
     stripe.CardError, GatewayDeclined, "insufficient funds"),
    (402, error_body("card_error", "Authentication required.", code="authentication_required",
                     decline_code="authentication_required"),
     stripe.CardError, GatewayDeclined, "confirm"),
    (429, error_body("invalid_request_error", "Too many requests", code="rate_limit"),
     stripe.RateLimitError, GatewayBusy, "busy"),
    (500, error_body("api_error", "Something went wrong on Stripe's end."),
     stripe.APIError, GatewayUnavailable, ""),
    (503, error_body("api_error", "Service unavailable"), stripe.APIError, GatewayUnavailable, ""),
    (400, error_body("idempotency_error", "Keys for idempotent requests can only be used with the same parameters"),
     stripe.IdempotencyError, GatewayUnavailable, ""),
    (400, error_body("invalid_request_error", "No such PaymentMethod: 'pm_gone'", code="resource_missing",
                     param="payment_method"),
     stripe.InvalidRequestError, GatewayDeclined, "no longer available"),
    (400, error_body("invalid_request_error", "Received unknown parameter: foo", code="parameter_unknown", param="foo"),
     stripe.InvalidRequestError, GatewayMisconfigured, ""),
    (401, error_body("invalid_request_error", "Invalid API Key provided: sk_test_****"),
     stripe.AuthenticationError, GatewayMisconfigured, ""),
    (403, error_body("invalid_request_error", "The provided key does not have access to this resource."),
     stripe.PermissionError, GatewayMisconfigured, ""),
]


@pytest.mark.parametrize(("status", "body", "raised", "outcome", "words"), ERRORS,
                         ids=[f"{e[0]}-{e[2].__name__}-{e[3].__name__}" for e in ERRORS])
def test_every_error_class_maps_to_an_outcome(stub: StripeStub, gateway: StripeGateway, status, body, raised,
                                              outcome, words) -> None:
    stub.answer(*PI, status, body)
    with pytest.raises(raised):  # the stub really makes stripe-python raise this class
        gateway.client.v1.payment_intents.create(params={"amount": 1})
    with pytest.raises(outcome, match=words or None) as caught:
        _charge(gateway)
    if status == 402 and "decline_code" in body["error"]:
        assert caught.value.code == body["error"]["decline_code"]
        assert caught.value.needs_authentication == (body["error"]["decline_code"] == "authentication_required")


def test_a_connection_error_is_an_unknown_outcome() -> None:
    gw = StripeGateway(secret_key="sk_test_stub", webhook_secret="x", api_base="http://127.0.0.1:9",
                       max_network_retries=0)
    with pytest.raises(stripe.APIConnectionError):
        gw.client.v1.payment_intents.create(params={"amount": 1})
    with pytest.raises(GatewayUnavailable):
        _charge(gw)


def test_ach_only_in_us_dollars(stub: StripeStub) -> None:
    gw = StripeGateway(secret_key="sk_test_stub", webhook_secret="x", api_base=stub.url, currency="cad")
    with pytest.raises(GatewayMisconfigured, match="US dollars"):
        _charge(gw, "ach")
    assert not stub.seen and not gw.offers_ach


# --- what the portal records ------------------------------------------------------------------------


def _stored(db: Session, account: Account, kind: str = "card", token: str = TOKEN) -> PaymentMethod:
    method = PaymentMethod(account_id=account.id, kind=kind, gateway="stripe", gateway_token=token,
                           brand="Visa" if kind == "card" else "STRIPE TEST BANK", last4="4242" if kind == "card" else "6789",
                           exp_month=12 if kind == "card" else None, exp_year=2031 if kind == "card" else None)
    db.add(method)
    db.commit()
    return method


def test_a_5xx_keeps_the_payment_pending_and_the_claim_then_reconciles_with_the_same_body(
        db: Session, stub: StripeStub, gateway: StripeGateway) -> None:
    sub = make_subscriber(db)
    make_invoice(db, sub.account, 6400)
    method = _stored(db, sub.account)
    stub.queue(*PI, 500, error_body("api_error", "Something went wrong on Stripe's end."))
    with pytest.raises(payments.PaymentPending):
        payments.pay(db, principal=sub.principal, amount_cents=6400, method=payments.StoredMethod(method.id),
                     attempt_key="pay_5xx", gateway=gateway)
    payment = db.exec(select(Payment)).one()
    db.refresh(sub.account)
    assert payment.status == "pending" and sub.account.payment_claim == "pay_5xx"
    assert billing.balance_cents(db, account_id=sub.account.id) == 6400
    # A second tap (same form, or a reloaded one) is not a second charge.
    for key in ("pay_5xx", "pay_other"):
        with pytest.raises(payments.PaymentInProgress):
            payments.pay(db, principal=sub.principal, amount_cents=6400, method=payments.StoredMethod(method.id),
                         attempt_key=key, gateway=gateway)
    assert len(stub.requests(*PI)) == 1
    # Reconciliation asks again: the very same body under the same key (Stripe refuses a changed one).
    stub.queue(*PI, 200, intent("pi_5xx", "succeeded"))
    report = billing_jobs.settle_pending(db, gateway=gateway, now=utcnow() + dt.timedelta(minutes=5))
    first, again = stub.requests(*PI)
    assert (again.body, again.headers["Idempotency-Key"]) == (first.body, first.headers["Idempotency-Key"])
    assert report.done == 1
    db.refresh(payment)
    db.refresh(sub.account)
    assert (payment.status, payment.gateway_ref, sub.account.payment_claim) == ("succeeded", "pi_5xx", None)
    assert billing.balance_cents(db, account_id=sub.account.id) == 0


def test_a_new_attempt_after_the_claim_time_asks_stripe_about_the_held_one_first(
        db: Session, stub: StripeStub, gateway: StripeGateway) -> None:
    sub = make_subscriber(db)
    make_invoice(db, sub.account, 6400)
    method = _stored(db, sub.account)
    stub.queue(*PI, 500, error_body("api_error", "boom"))
    with pytest.raises(payments.PaymentPending):
        payments.pay(db, principal=sub.principal, amount_cents=6400, method=payments.StoredMethod(method.id),
                     attempt_key="pay_held", gateway=gateway)
    held = db.exec(select(Payment)).one()
    held.created_at = utcnow() - dt.timedelta(minutes=10)
    db.add(held)
    db.commit()
    stub.queue(*PI, 200, intent("pi_held", "requires_payment_method", last_payment_error={"code": "card_declined"}))
    stub.queue(*PI, 200, intent("pi_new", "succeeded"))
    outcome = payments.pay(db, principal=sub.principal, amount_cents=6400, method=payments.StoredMethod(method.id),
                           attempt_key="pay_new", gateway=gateway)
    db.refresh(held)
    assert held.status == "failed" and outcome.status == "succeeded"
    assert [s.headers["Idempotency-Key"] for s in stub.requests(*PI)] == ["pay_held", "pay_held", "pay_new"]


def test_rate_limit_and_configuration_errors_release_the_claim_and_say_nothing_was_charged(
        db: Session, stub: StripeStub, gateway: StripeGateway, caplog: pytest.LogCaptureFixture) -> None:
    sub = make_subscriber(db)
    make_invoice(db, sub.account, 6400)
    method = _stored(db, sub.account)
    stub.queue(*PI, 429, error_body("invalid_request_error", "Too many requests", code="rate_limit"))
    stub.queue(*PI, 401, error_body("invalid_request_error", "Invalid API Key provided"))
    for key, words in (("pay_busy", "busy"), ("pay_conf", "not available")):
        with pytest.raises(payments.PaymentNotProcessed, match=words):
            payments.pay(db, principal=sub.principal, amount_cents=6400, method=payments.StoredMethod(method.id),
                         attempt_key=key, gateway=gateway)
    db.refresh(sub.account)
    assert sub.account.payment_claim is None
    assert [p.status for p in db.exec(select(Payment))] == ["failed", "failed"]
    assert any(r.levelname == "CRITICAL" and "API key" in r.getMessage() for r in caplog.records)


def test_ach_awaiting_microdeposits_is_pending_and_tells_the_subscriber(
        db: Session, stub: StripeStub, gateway: StripeGateway) -> None:
    sub = make_subscriber(db)
    make_invoice(db, sub.account, 6400)
    method = _stored(db, sub.account, "ach", "cus_stub:pm_stub_bank")
    stub.queue(*PI, 200, intent("pi_md", "requires_action", next_action={"type": "verify_with_microdeposits"}))
    outcome = payments.pay(db, principal=sub.principal, amount_cents=6400, method=payments.StoredMethod(method.id),
                           attempt_key="pay_md", ach_authorized=True, gateway=gateway)
    assert outcome.status == "pending" and "small deposits" in outcome.note
    payment = db.get(Payment, outcome.payment_id)
    assert payment.status == "pending" and payment.payer_note == MICRODEPOSITS
    receipt = db.exec(select(OutboxMail)).one()
    assert "small deposits" in receipt.body_text
    # Still waiting when settle-ach asks: pending, not failed.
    stub.answer("GET", "/v1/payment_intents/pi_md", 200,
                intent("pi_md", "requires_action", next_action={"type": "verify_with_microdeposits"}))
    assert billing_jobs.settle_pending(db, gateway=gateway).pending == 1
    db.refresh(payment)
    assert payment.status == "pending"


def test_a_decline_reads_the_decline_code(db: Session, stub: StripeStub, gateway: StripeGateway) -> None:
    sub = make_subscriber(db)
    make_invoice(db, sub.account, 6400)
    method = _stored(db, sub.account)
    stub.queue(*PI, 402, error_body("card_error", "Your card has insufficient funds.", code="card_declined",
                                    decline_code="insufficient_funds",
                                    payment_intent=intent("pi_nsf", "requires_payment_method")))
    with pytest.raises(payments.PaymentDeclined, match="insufficient funds"):
        payments.pay(db, principal=sub.principal, amount_cents=6400, method=payments.StoredMethod(method.id),
                     attempt_key="pay_nsf", gateway=gateway)
    payment = db.exec(select(Payment)).one()
    assert (payment.status, payment.gateway_ref) == ("failed", "pi_nsf")
    assert "insufficient_funds" in db.exec(select(AccountHistory).where(AccountHistory.action == "declined")).one().summary


def _autopay(db: Session, token: str) -> RecurringPayment:
    sub = make_subscriber(db)
    method = _stored(db, sub.account, token=token)
    recurring = RecurringPayment(account_id=sub.account.id, payment_method_id=method.id)
    db.add(recurring)
    make_invoice(db, sub.account, 8000, due_on=dt.date(2026, 3, 21))
    db.commit()
    return recurring


def test_autopay_run_carries_on_past_every_kind_of_error(db: Session, stub: StripeStub, gateway: StripeGateway) -> None:
    accounts = [_autopay(db, f"cus_{n}:pm_{n}") for n in range(5)]
    stub.queue(*PI, 500, error_body("api_error", "boom"))                                   # unknown: pending
    stub.queue(*PI, 400, error_body("invalid_request_error", "Received unknown parameter", code="parameter_unknown"))
    stub.queue(*PI, 402, error_body("card_error", "Authentication required.", code="authentication_required",
                                    decline_code="authentication_required"))
    stub.queue(*PI, 403, error_body("invalid_request_error", "no access"))
    stub.queue(*PI, 200, intent("pi_last", "succeeded", amount=8000))
    report = billing_jobs.autopay_run(db, today=dt.date(2026, 3, 25), gateway=gateway)
    assert (report.done, report.pending, report.failed) == (1, 1, 3) and len(report.problems) == 2
    assert len(stub.requests(*PI)) == 5  # every account was tried
    statuses = [db.exec(select(Payment.status).where(Payment.account_id == r.account_id)).one() for r in accounts]
    assert statuses == ["pending", "failed", "failed", "failed", "succeeded"]
    failures = [db.get(RecurringPayment, r.id).consecutive_failures for r in accounts]
    assert failures == [0, 0, 1, 0, 0]  # only the subscriber's own decline counts against AutoPay
    mail = db.exec(select(OutboxMail).where(OutboxMail.account_id == accounts[2].account_id)).one()
    assert "confirm" in mail.body_text and "/pay" in mail.body_text
    assert "try another card" not in mail.body_text.lower()


def test_settle_ach_carries_on_past_a_bad_reference(db: Session, stub: StripeStub, gateway: StripeGateway) -> None:
    sub = make_subscriber(db)
    make_invoice(db, sub.account, 6400)
    for n, ref in enumerate(("pi_missing", "pi_settled")):
        db.add(Payment(account_id=sub.account.id, receipt_number=f"RCP-S-{n}", amount_cents=3200, status="pending",
                       method_kind="ach", method_label="Bank", gateway="stripe", gateway_ref=ref,
                       idempotency_key=f"pay_s{n}"))
    db.commit()
    stub.answer("GET", "/v1/payment_intents/pi_missing", 404,
                error_body("invalid_request_error", "No such payment_intent", code="resource_missing", param="intent"))
    stub.answer("GET", "/v1/payment_intents/pi_settled", 200, intent("pi_settled", "succeeded"))
    report = billing_jobs.settle_pending(db, gateway=gateway)
    assert (report.done, report.failed) == (1, 1) and "payment" in report.problems[0]
    assert billing.balance_cents(db, account_id=sub.account.id) == 3200


# --- pending hosted payments are decided by asking Stripe ---------------------------------------------


def _hosted(db: Session, account: Account, key: str, session_id: str = "", hours_old: float = 30) -> Payment:
    payment = Payment(account_id=account.id, receipt_number=f"RCP-{key}", amount_cents=6400, status="pending",
                      method_kind="card", method_label="Card", gateway="stripe", idempotency_key=key,
                      checkout_session_id=session_id, created_at=utcnow() - dt.timedelta(hours=hours_old))
    db.add(payment)
    db.commit()
    return payment


def test_pending_checkout_payments_are_asked_about_not_failed_by_age(
        db: Session, stub: StripeStub, gateway: StripeGateway) -> None:
    sub = make_subscriber(db)
    make_invoice(db, sub.account, 19200)
    paid = _hosted(db, sub.account, "pay_paid", "cs_paid")
    open_ = _hosted(db, sub.account, "pay_open", "cs_open")
    expired = _hosted(db, sub.account, "pay_expired", "cs_expired")
    legacy = _hosted(db, sub.account, "pay_legacy")  # from before the session id was kept
    stub.answer("GET", "/v1/checkout/sessions/cs_paid", 200, {"id": "cs_paid", "object": "checkout.session",
                "status": "complete", "payment_status": "paid", "payment_intent": "pi_paid"})
    stub.answer("GET", "/v1/checkout/sessions/cs_open", 200, {"id": "cs_open", "object": "checkout.session",
                "status": "open", "payment_status": "unpaid", "payment_intent": None})
    stub.answer("GET", "/v1/checkout/sessions/cs_expired", 200, {"id": "cs_expired", "object": "checkout.session",
                "status": "expired", "payment_status": "unpaid", "payment_intent": None})
    stub.answer("GET", "/v1/payment_intents/search", 200, {"object": "search_result", "data": [
        intent("pi_legacy", "succeeded", metadata={"attempt_key": "pay_legacy"})], "has_more": False})
    report = billing_jobs.settle_pending(db, gateway=gateway)
    assert (report.done, report.failed, report.pending) == (2, 1, 1)
    for payment in (paid, open_, expired, legacy):
        db.refresh(payment)
    assert [p.status for p in (paid, open_, expired, legacy)] == ["succeeded", "pending", "failed", "succeeded"]
    assert (paid.gateway_ref, legacy.gateway_ref) == ("pi_paid", "pi_legacy")
    assert stub.requests("GET", "/v1/payment_intents/search")[0].form["query"] == "metadata['attempt_key']:'pay_legacy'"


def test_a_stored_card_charge_older_than_stripes_key_window_is_searched_not_resent(
        db: Session, stub: StripeStub, gateway: StripeGateway) -> None:
    sub = make_subscriber(db)
    make_invoice(db, sub.account, 6400)
    method = _stored(db, sub.account)
    payment = _hosted(db, sub.account, "pay_old", hours_old=30)
    payment.payment_method_id = method.id
    db.add(payment)
    db.commit()
    stub.answer("GET", "/v1/payment_intents/search", 200, {"object": "search_result", "data": [], "has_more": False})
    billing_jobs.settle_pending(db, gateway=gateway)
    db.refresh(payment)
    assert payment.status == "failed" and "Nothing was charged" in payment.failure_reason
    assert not stub.requests(*PI)  # never a new charge under an expired key


# --- one Stripe Customer per account; removed methods are detached ------------------------------------


def test_one_customer_per_account(db: Session, stub: StripeStub, gateway: StripeGateway) -> None:
    sub = make_subscriber(db)
    make_invoice(db, sub.account, 6400)
    db.commit()
    stub.answer("POST", "/v1/customers", 200, {"id": "cus_one", "object": "customer"})
    stub.answer("POST", "/v1/checkout/sessions", 200, {"id": "cs_1", "object": "checkout.session",
                                                       "url": "https://checkout.stripe.com/c/pay/cs_1"})
    for key in ("pay_a", "pay_b"):
        hosted_payments.start_checkout(db, principal=sub.principal, amount_cents=3200, kind="card", attempt_key=key,
                                       expected_balance_cents=None, save_method=False, autopay_on=False,
                                       ach_authorized=False, client_ip="", return_path="/pay", gateway=gateway)
    hosted_payments.start_setup(db, principal=sub.principal, kind="card", attempt_key="set_a", autopay_on=False,
                                client_ip="", gateway=gateway)
    created = stub.requests("POST", "/v1/customers")
    assert len(created) == 1 and created[0].headers["Idempotency-Key"] == f"customer-{sub.account.account_number}"
    assert {s.form["customer"] for s in stub.requests("POST", "/v1/checkout/sessions")} == {"cus_one"}
    db.refresh(sub.account)
    assert sub.account.gateway_customer_id == "cus_one"


def test_removing_a_stored_method_detaches_it_at_stripe(db: Session, stub: StripeStub, gateway: StripeGateway) -> None:
    sub = make_subscriber(db)
    kept = _stored(db, sub.account, token="cus_stub:pm_kept")
    gone = _stored(db, sub.account, token="cus_stub:pm_gone")
    stub.answer("POST", "/v1/payment_methods/pm_kept/detach", 200, {"id": "pm_kept", "object": "payment_method"})
    stub.answer("POST", "/v1/payment_methods/pm_gone/detach", 400, error_body(
        "invalid_request_error", "The payment method you provided is not attached to a customer",
        code="resource_missing", param="payment_method"))
    for method in (kept, gone):
        autopay.remove_method(db, principal=sub.principal, method_id=method.id, gateway=gateway)
        db.commit()
    assert len(stub.requests("POST", "/v1/payment_methods/pm_kept/detach")) == 1
    assert all(db.get(PaymentMethod, m.id).removed_at is not None for m in (kept, gone))
    assert autopay.stored_methods(db, principal=sub.principal) == []
