"""Staff refunds: full or partial with a reason, once per form, through the gateway; the balance,
invoices, Payments page, receipt, history and the subscriber's mail follow."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from factories import call, make_invoice, make_subscriber
from sqlmodel import Session, select
from stripe_stub import StripeStub, error_body
from test_access_states import _staff_cookie
from test_money_states import run
from test_states import app_db, page_state  # noqa: F401  (app_db is a fixture)

from portal_app.integrations.payments.sandbox import SandboxGateway
from portal_app.integrations.payments.stripe_gateway import StripeGateway
from portal_app.models import AccountHistory, Invoice, OutboxMail, Payment, PaymentAdjustment, PaymentMethod
from portal_app.services.billing import billing, payments, refunds, statements
from portal_app.services.core.errors import FieldErrors, NotFound, PortalError
from portal_app.services.core.principal import Principal
from portal_app.services.core.formatting import formatter

STAFF = Principal(kind="staff", display_name="Jordan Rivera", staff_user_id=1, staff_role="admin")


def _paid(db: Session, gateway, amount: int = 8000):
    sub = make_subscriber(db)
    make_invoice(db, sub.account, amount)
    method = PaymentMethod(account_id=sub.account.id, kind="card", gateway=gateway.name,
                           gateway_token="pm_sandbox_ok_r" if gateway.name == "sandbox" else "cus_r:pm_r",
                           brand="Visa", last4="4242")
    db.add(method)
    db.commit()
    if gateway.name == "sandbox":
        outcome = payments.pay(db, principal=sub.principal, amount_cents=amount,
                               method=payments.StoredMethod(method.id), attempt_key=payments.new_attempt_key(),
                               gateway=gateway)
        payment = db.get(Payment, outcome.payment_id)
    else:
        payment = Payment(account_id=sub.account.id, receipt_number=f"RCP-R-{sub.account.id}", amount_cents=amount,
                          status="succeeded", method_kind="card", method_label="Visa •••• 4242", gateway="stripe",
                          gateway_ref="pi_refund_me", idempotency_key=f"pay_r{sub.account.id}")
        db.add(payment)
        db.flush()
        payments.allocate(db, payment)
        db.commit()
    return sub, payment


def _refund(db, sub, payment, amount, gateway, key="refund_k1", reason="Service outage credit"):
    return refunds.refund_payment(db, principal=STAFF, account_number=sub.account.account_number,
                                  payment_id=payment.id, amount_cents=amount, reason=reason, refund_key=key,
                                  gateway=gateway)


def test_partial_then_full_refund(db: Session) -> None:
    gateway = SandboxGateway()
    sub, payment = _paid(db, gateway)
    assert billing.balance_cents(db, account_id=sub.account.id) == 0
    first = _refund(db, sub, payment, 3000, gateway)
    again = _refund(db, sub, payment, 3000, gateway)  # a double tap on the same form
    assert first.id == again.id and first.status == "applied" and len(gateway.refunds) == 1
    assert billing.balance_cents(db, account_id=sub.account.id) == 3000
    db.refresh(payment)
    assert payment.flag == "partly_refunded"
    assert db.exec(select(Invoice).where(Invoice.account_id == sub.account.id)).one().status == "open"
    with pytest.raises(FieldErrors) as too_much:
        _refund(db, sub, payment, 6000, gateway, key="refund_k2")
    assert "$50.00" in too_much.value.errors["refund_amount"]
    _refund(db, sub, payment, 5000, gateway, key="refund_k3")
    db.refresh(payment)
    assert payment.flag == "refunded" and refunds.refundable_cents(db, payment) == 0
    assert billing.balance_cents(db, account_id=sub.account.id) == 8000
    # What the subscriber sees: the Payments page, the receipt, the history, the mail.
    page = statements.list_payments(db, principal=sub.principal)
    assert page.notes[payment.id] == "Refunded $30.00; Refunded $50.00"
    receipt = statements.receipt_document(db, principal=sub.principal, payment_id=payment.id)
    assert receipt.taken_back == [("Refunded", 3000), ("Refunded", 5000)] and receipt.applied == []
    from portal_app.integrations.documents import receipt_pdf

    assert receipt_pdf(receipt, fmt=formatter()).startswith(b"%PDF")
    summaries = [h.summary for h in db.exec(select(AccountHistory).where(
        AccountHistory.account_id == sub.account.id, AccountHistory.action.like("refund_%")))]
    assert any("Service outage credit" in s for s in summaries)
    assert all(h.actor_name == "Jordan Rivera" for h in db.exec(select(AccountHistory).where(
        AccountHistory.action == "refund_applied")))
    mails = [m for m in db.exec(select(OutboxMail).where(OutboxMail.account_id == sub.account.id))
             if "refund" in m.subject.lower()]
    assert len(mails) == 2 and "$30.00" in mails[0].body_text


def test_refunds_need_staff_a_reason_and_the_right_account(db: Session) -> None:
    gateway = SandboxGateway()
    sub, payment = _paid(db, gateway)
    other = make_subscriber(db)
    db.commit()
    with pytest.raises(NotFound):
        refunds.refund_payment(db, principal=sub.principal, account_number=sub.account.account_number,
                               payment_id=payment.id, amount_cents=100, reason="x", refund_key="k", gateway=gateway)
    with pytest.raises(NotFound):
        refunds.refund_payment(db, principal=STAFF, account_number=other.account.account_number,
                               payment_id=payment.id, amount_cents=100, reason="x", refund_key="k", gateway=gateway)
    with pytest.raises(FieldErrors) as problems:
        _refund(db, sub, payment, 0, gateway, reason=" ")
    assert set(problems.value.errors) == {"refund_amount", "refund_reason"}
    assert not gateway.refunds and not db.exec(select(PaymentAdjustment)).all()


@pytest.fixture
def stub() -> Iterator[StripeStub]:
    server = StripeStub()
    yield server
    server.close()


def test_a_stripe_refund_with_a_lost_answer_is_asked_again_under_the_same_key(db: Session, stub: StripeStub) -> None:
    gateway = StripeGateway(secret_key="sk_test_stub", webhook_secret="x", api_base=stub.url, max_network_retries=0)
    sub, payment = _paid(db, gateway)
    stub.queue("POST", "/v1/refunds", 500, error_body("api_error", "boom"))
    with pytest.raises(PortalError, match="pending"):
        _refund(db, sub, payment, 2500, gateway)
    assert db.exec(select(PaymentAdjustment)).one().status == "pending"
    stub.queue("POST", "/v1/refunds", 200, {"id": "re_1", "object": "refund", "amount": 2500, "status": "succeeded"})
    adjustment = _refund(db, sub, payment, 2500, gateway)
    assert (adjustment.status, adjustment.gateway_ref) == ("applied", "re_1")
    first, again = stub.requests("POST", "/v1/refunds")
    assert first.body == again.body and first.headers["Idempotency-Key"] == again.headers["Idempotency-Key"] == "refund_k1"
    assert first.form["payment_intent"] == "pi_refund_me" and first.form["amount"] == "2500"
    assert first.form["reason"] == "requested_by_customer" and first.form["metadata[reason]"] == "Service outage credit"
    assert billing.balance_cents(db, account_id=sub.account.id) == 2500


def test_a_refund_the_processor_refuses_changes_nothing(db: Session, stub: StripeStub) -> None:
    gateway = StripeGateway(secret_key="sk_test_stub", webhook_secret="x", api_base=stub.url, max_network_retries=0)
    sub, payment = _paid(db, gateway)
    stub.queue("POST", "/v1/refunds", 400, error_body("invalid_request_error", "Charge has already been refunded.",
                                                      code="charge_already_refunded"))
    with pytest.raises(PortalError, match="refused"):
        _refund(db, sub, payment, 2500, gateway)
    assert db.exec(select(PaymentAdjustment)).one().status == "failed"
    assert billing.balance_cents(db, account_id=sub.account.id) == 0
    assert db.exec(select(Invoice).where(Invoice.account_id == sub.account.id)).one().status == "paid"


def test_staff_payments_tab_refunds_once_and_only_this_accounts_payments(app_db: str, db: Session) -> None:  # noqa: F811
    from portal_app.integrations.payments import use_gateway
    from portal_app.state.staff_accounts import StaffAccountState
    from portal_app.state.staff_payments import StaffPaymentsState

    gateway = SandboxGateway()
    use_gateway(gateway)
    try:
        sub, payment = _paid(db, gateway)
        _, theirs = _paid(db, gateway)
        page = page_state(StaffAccountState, f"/staff/account?number={sub.account.account_number}",
                          cookie=_staff_cookie(db))
        call(StaffAccountState.load, page)  # the account page's one load fills the Payments tab
        state = page._get_root_state().get_substate(StaffPaymentsState.get_full_name().split(".")[1:])
        assert [p["id"] for p in state.payments] == [payment.id] and state.payments[0]["refundable"]
        StaffPaymentsState.open_refund.fn(state, theirs.id)  # not on this account's tab: nothing opens
        assert state.refunding_id == 0
        StaffPaymentsState.open_refund.fn(state, payment.id)
        assert state.refund_max == "$80.00"
        run(StaffPaymentsState.refund, state, {"refund_amount": "abc", "refund_reason": "x"})
        assert "dollars and cents" in state.err_refund_amount
        run(StaffPaymentsState.refund, state, {"refund_amount": "25.00", "refund_reason": ""})
        assert "Say why" in state.err_refund_reason and not gateway.refunds
        run(StaffPaymentsState.refund, state, {"refund_amount": "25.00", "refund_reason": "Goodwill"})
        assert state.notice.startswith("Refunded $25.00") and state.refunding_id == 0
        assert state.payments[0]["taken_back"] == "$25.00" and state.payments[0]["flag"] == "Partly refunded"
        assert len(gateway.refunds) == 1 and billing.balance_cents(db, account_id=sub.account.id) == 2500
    finally:
        use_gateway(None)
