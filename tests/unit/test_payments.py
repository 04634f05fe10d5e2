"""The payments service on a real database: charge once, allocate oldest first, declines change nothing."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from factories import make_invoice, make_subscriber
from sqlmodel import Session, select

from portal_app.integrations.payments import BankDetails, CardDetails
from portal_app.integrations.payments.sandbox import SandboxGateway
from portal_app.models import AccountHistory, Invoice, OutboxMail, Payment, PaymentMethod, RecurringPayment
from portal_app.services.billing import billing, mandates, payments
from portal_app.services.core.errors import FieldErrors, NotFound
from portal_app.services.billing.payments import NewBank, NewCard, StoredMethod

VISA = CardDetails(number="4242 4242 4242 4242", exp_month=12, exp_year=2031, cvc="123")
DECLINED = CardDetails(number="4000000000000002", exp_month=12, exp_year=2031, cvc="123")
BANK = BankDetails(routing_number="110000000", account_number="000123456789")


@pytest.fixture
def gateway() -> SandboxGateway:
    return SandboxGateway()


def _subscriber_with_bills(db: Session):
    sub = make_subscriber(db)
    older = make_invoice(db, sub.account, 5000, due_on=dt.date(2026, 2, 21))
    newer = make_invoice(db, sub.account, 7000, due_on=dt.date(2026, 3, 21))
    db.commit()
    return sub, older, newer


def test_payment_applies_to_the_oldest_open_invoice_first(db: Session, gateway: SandboxGateway) -> None:
    sub, older, newer = _subscriber_with_bills(db)
    outcome = payments.pay(db, principal=sub.principal, amount_cents=6000, method=NewCard(VISA),
                           attempt_key=payments.new_attempt_key(), expected_balance_cents=12000, gateway=gateway)
    assert outcome.status == "succeeded" and outcome.new_balance_cents == 6000
    assert outcome.method_label == "Visa •••• 4242"
    db.expire_all()
    assert db.get(Invoice, older.id).status == "paid"
    assert db.get(Invoice, newer.id).status == "open"
    assert payments.invoice_paid_cents(db, newer.id) == 1000
    assert gateway.charges == [(gateway.charges[0][0], 6000)]
    mail = db.exec(select(OutboxMail)).one()
    assert mail.to_address == sub.user.email and "$60.00" in mail.body_text
    entry = db.exec(select(AccountHistory).where(AccountHistory.kind == "payment")).one()
    assert "Visa •••• 4242" in entry.summary
    assert db.get(type(sub.account), sub.account.id).payment_claim is None


def test_declined_card_changes_nothing_and_says_why(db: Session, gateway: SandboxGateway) -> None:
    sub, older, _ = _subscriber_with_bills(db)
    with pytest.raises(payments.PaymentDeclined, match="declined by your bank"):
        payments.pay(db, principal=sub.principal, amount_cents=12000, method=NewCard(DECLINED),
                     attempt_key=payments.new_attempt_key(), save_method=True, autopay=True, gateway=gateway)
    assert billing.balance_cents(db, account_id=sub.account.id) == 12000
    assert db.exec(select(PaymentMethod)).all() == []
    assert db.exec(select(RecurringPayment)).all() == []
    assert db.exec(select(OutboxMail)).all() == []
    assert gateway.charges == []


def test_pay_ahead_within_provider_limits(db: Session, gateway: SandboxGateway) -> None:
    sub = make_subscriber(db)
    db.commit()
    with pytest.raises(FieldErrors) as small:
        payments.pay(db, principal=sub.principal, amount_cents=50, method=NewCard(VISA), attempt_key="k1", gateway=gateway)
    assert "smallest payment" in small.value.errors["amount"]
    with pytest.raises(FieldErrors):
        payments.pay(db, principal=sub.principal, amount_cents=10_000_000, method=NewCard(VISA), attempt_key="k2", gateway=gateway)
    outcome = payments.pay(db, principal=sub.principal, amount_cents=2500, method=NewCard(VISA), attempt_key="k3", gateway=gateway)
    assert outcome.new_balance_cents == -2500  # a credit


def test_save_method_and_autopay_with_the_payment(db: Session, gateway: SandboxGateway) -> None:
    sub, _, _ = _subscriber_with_bills(db)
    outcome = payments.pay(db, principal=sub.principal, amount_cents=12000, method=NewCard(VISA),
                           attempt_key="k-save", save_method=True, autopay=True, gateway=gateway)
    assert outcome.method_saved and outcome.autopay_on
    method = db.exec(select(PaymentMethod)).one()
    assert (method.last4, method.brand, method.exp_year) == ("4242", "Visa", 2031)
    assert "4242424242424242" not in method.gateway_token
    recurring = db.exec(select(RecurringPayment)).one()
    assert recurring.payment_method_id == method.id
    actions = {(h.kind, h.action) for h in db.exec(select(AccountHistory))}
    assert {("payment", "succeeded"), ("payment_method", "saved"), ("autopay", "created")} <= actions


def test_stored_method_of_another_account_is_not_found(db: Session, gateway: SandboxGateway) -> None:
    sub, _, _ = _subscriber_with_bills(db)
    other = make_subscriber(db)
    theirs = PaymentMethod(account_id=other.account.id, kind="card", gateway="sandbox", gateway_token="pm_sandbox_x_y",
                           brand="Visa", last4="1111")
    db.add(theirs)
    db.commit()
    with pytest.raises(NotFound):
        payments.pay(db, principal=sub.principal, amount_cents=1000, method=StoredMethod(theirs.id),
                     attempt_key="k-other", gateway=gateway)
    assert gateway.charges == []


def test_ach_needs_authorization_stays_pending_until_settled(db: Session, gateway: SandboxGateway) -> None:
    sub, _, _ = _subscriber_with_bills(db)
    with pytest.raises(FieldErrors) as missing:
        payments.pay(db, principal=sub.principal, amount_cents=5000, method=NewBank(BANK), attempt_key="a0", gateway=gateway)
    assert "authorize" in missing.value.errors["ach_authorization"]
    outcome = payments.pay(db, principal=sub.principal, amount_cents=5000, method=NewBank(BANK), attempt_key="a1",
                           ach_authorized=True, client_ip="203.0.113.9", gateway=gateway)
    assert outcome.status == "pending" and outcome.new_balance_cents == 12000
    entry = db.exec(select(AccountHistory).where(AccountHistory.kind == "payment")).one()
    assert mandates.ACH_TERMS_VERSION in entry.summary and "203.0.113.9" in entry.summary
    payment = db.get(Payment, outcome.payment_id)
    payments.settle(db, payment=payment, status=gateway.settlement_status(reference=payment.gateway_ref))
    db.commit()
    assert billing.balance_cents(db, account_id=sub.account.id) == 7000


@pytest.mark.parametrize("same_key", [True, False], ids=["double-tap", "two-tabs"])
def test_fifty_concurrent_attempts_charge_once(engine, db: Session, gateway: SandboxGateway, same_key: bool) -> None:
    sub, _, _ = _subscriber_with_bills(db)
    shared_key = payments.new_attempt_key()
    start = threading.Barrier(50)
    results: list[object] = []

    def attempt() -> None:
        with Session(engine, expire_on_commit=False) as own:
            start.wait()
            try:
                results.append(payments.pay(
                    own, principal=sub.principal, amount_cents=12000, method=StoredMethod(method_id),
                    attempt_key=shared_key if same_key else payments.new_attempt_key(),
                    expected_balance_cents=12000, gateway=gateway))
            except payments.PortalError as refusal:
                results.append(refusal)

    method = PaymentMethod(account_id=sub.account.id, kind="card", gateway="sandbox",
                           gateway_token="pm_sandbox_ok_abc", brand="Visa", last4="4242")
    db.add(method)
    db.commit()
    method_id = method.id
    threads = [threading.Thread(target=attempt) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(gateway.charges) == 1
    db.expire_all()
    assert len(db.exec(select(Payment).where(Payment.status == "succeeded")).all()) == 1
    assert billing.balance_cents(db, account_id=sub.account.id) == 0
    unexpected = [r for r in results if isinstance(r, Exception)
                  and not isinstance(r, (payments.PaymentInProgress, payments.BalanceChanged))]
    assert unexpected == []


class LostResponseGateway(SandboxGateway):
    """Charges, then the connection drops before the answer arrives (the worst moment to fail)."""

    def __init__(self) -> None:
        super().__init__()
        self.drop_next = True

    def charge(self, **kwargs):
        result = super().charge(**kwargs)
        if self.drop_next:
            self.drop_next = False
            raise payments.GatewayUnavailable("connection reset")
        return result


def test_a_charge_whose_answer_is_lost_is_recorded_once_by_reconciliation(db: Session) -> None:
    from portal_app.jobs import billing_jobs
    from portal_app.models import utcnow

    gateway = LostResponseGateway()
    sub, _, _ = _subscriber_with_bills(db)
    method = PaymentMethod(account_id=sub.account.id, kind="card", gateway="sandbox", gateway_token="pm_sandbox_ok_l",
                           brand="Visa", last4="4242")
    db.add(method)
    db.commit()
    with pytest.raises(payments.PaymentPending, match="do not pay again"):
        payments.pay(db, principal=sub.principal, amount_cents=12000, method=StoredMethod(method.id),
                     attempt_key="lost-1", gateway=gateway)
    payment = db.exec(select(Payment)).one()
    assert payment.status == "pending" and billing.balance_cents(db, account_id=sub.account.id) == 12000
    db.refresh(sub.account)
    assert sub.account.payment_claim == "lost-1"  # the claim is held until reconciliation decides
    report = billing_jobs.settle_pending(db, gateway=gateway, now=utcnow() + dt.timedelta(minutes=5))
    assert report.done == 1 and len(gateway.charges) == 1
    assert billing.balance_cents(db, account_id=sub.account.id) == 0


def test_production_refuses_the_sandbox_unless_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    from portal_app.config import get_settings
    from portal_app.integrations import payments as gateways

    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("PORTAL_SECRET_KEY", "x" * 40)
    get_settings.cache_clear()
    try:
        with pytest.raises(RuntimeError, match="sandbox"):
            gateways._build("sandbox")
        monkeypatch.setenv("PORTAL_ALLOW_SANDBOX_IN_PRODUCTION", "true")
        get_settings.cache_clear()
        assert gateways._build("sandbox").name == "sandbox"
    finally:
        get_settings.cache_clear()
