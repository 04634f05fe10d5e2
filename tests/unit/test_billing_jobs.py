"""Billing run, AutoPay run and ACH settlement: right results, and safe to run twice."""

from __future__ import annotations

import datetime as dt

from factories import make_invoice, make_payment, make_subscriber
from sqlmodel import Session, select

from portal_app.integrations.payments.sandbox import SandboxGateway
from portal_app.jobs import billing_jobs
from portal_app.models import (
    AccountHistory,
    AccountService,
    Invoice,
    OutboxMail,
    Payment,
    PaymentMethod,
    RecurringPayment,
    utcnow,
)
from portal_app.services.billing import billing, payments, quickpay
from portal_app.services.billing.payments import NewBank
from portal_app.integrations.payments import BankDetails

TODAY = dt.date(2026, 3, 25)


def _autopay_account(db: Session, token: str = "pm_sandbox_ok_t", *, exp=(2030, 8)):
    sub = make_subscriber(db)
    method = PaymentMethod(account_id=sub.account.id, kind="card", gateway="sandbox", gateway_token=token,
                           brand="Visa", last4="4242", exp_month=exp[1], exp_year=exp[0])
    db.add(method)
    db.flush()
    recurring = RecurringPayment(account_id=sub.account.id, payment_method_id=method.id)
    db.add(recurring)
    make_invoice(db, sub.account, 8000, due_on=dt.date(2026, 3, 21))
    db.commit()
    return sub, recurring


def test_billing_run_issues_once_applies_credit_and_emails_a_quick_pay_link(db: Session) -> None:
    sub = make_subscriber(db)
    db.add(AccountService(account_id=sub.account.id, name="Fiber 1 Gig", billable=True, monthly_price_cents=7000))
    db.add(AccountService(account_id=sub.account.id, name="Static IP", billable=False, monthly_price_cents=0))
    make_payment(db, sub.account, 2500)  # paid ahead: a credit
    db.commit()
    first = billing_jobs.billing_run(db, today=TODAY)
    second = billing_jobs.billing_run(db, today=TODAY)
    assert (first.done, second.done, second.skipped) == (1, 0, 1)
    invoice = db.exec(select(Invoice).where(Invoice.account_id == sub.account.id)).one()
    assert (invoice.total_cents, invoice.due_on) == (7000, dt.date(2026, 3, 21))
    assert payments.invoice_paid_cents(db, invoice.id) == 2500
    assert billing.balance_cents(db, account_id=sub.account.id) == 4500
    mail = db.exec(select(OutboxMail)).one()
    token = mail.body_text.split("/quickpay?t=")[1].split()[0]
    assert quickpay.identify_by_link(db, token=token).account_id == sub.account.id


def test_autopay_run_charges_due_invoice_once(db: Session) -> None:
    gateway = SandboxGateway()
    sub, _ = _autopay_account(db)
    assert billing_jobs.autopay_run(db, today=TODAY, gateway=gateway).done == 1
    assert billing_jobs.autopay_run(db, today=TODAY, gateway=gateway).done == 0
    assert len(gateway.charges) == 1
    assert billing.balance_cents(db, account_id=sub.account.id) == 0
    payment = db.exec(select(Payment)).one()
    assert payment.source == "autopay"


def test_autopay_failure_emails_and_retries_a_bounded_number_of_days(db: Session) -> None:
    gateway = SandboxGateway()
    sub, recurring = _autopay_account(db, token="pm_sandbox_chargefail_x")
    for day in range(6):
        billing_jobs.autopay_run(db, today=TODAY + dt.timedelta(days=day), gateway=gateway)
        billing_jobs.autopay_run(db, today=TODAY + dt.timedelta(days=day), gateway=gateway)
    db.refresh(recurring)
    assert recurring.consecutive_failures == 3  # the provider's autopay_max_retries
    mails = db.exec(select(OutboxMail)).all()
    assert len(mails) == 3 and "did not go through" in mails[0].subject
    assert billing.balance_cents(db, account_id=sub.account.id) == 8000


def _reminders(db: Session) -> list[OutboxMail]:
    return [m for m in db.exec(select(OutboxMail)) if "expires soon" in m.subject]


def test_card_expiry_reminders_are_a_job_of_their_own_once_per_card(db: Session) -> None:
    sub, _ = _autopay_account(db, exp=(2026, 4))
    db.exec(select(Invoice)).one().status = "paid"
    db.commit()
    april = dt.date(2026, 4, 5)  # the card runs out at the end of April: within 30 days
    billing_jobs.autopay_run(db, today=april, gateway=SandboxGateway())
    assert _reminders(db) == []  # the AutoPay run no longer sends them
    first = billing_jobs.expiry_reminders(db, today=april)
    again = billing_jobs.expiry_reminders(db, today=april + dt.timedelta(days=1))
    assert (first.done, again.done, again.skipped) == (1, 0, 1)
    [mail] = _reminders(db)
    assert "Visa •••• 4242" in mail.body_text and "April 2026" in mail.body_text and "/autopay" in mail.body_text
    [entry] = db.exec(select(AccountHistory).where(AccountHistory.action == "expiry_reminder")).all()
    assert (entry.account_id, entry.entity_type, entry.actor_kind) == (sub.account.id, "payment_method", "system")


def test_a_card_two_recurring_payments_use_is_reminded_once(db: Session) -> None:
    sub, recurring = _autopay_account(db, exp=(2026, 4))
    db.add(RecurringPayment(account_id=sub.account.id, payment_method_id=recurring.payment_method_id))
    db.commit()
    assert billing_jobs.expiry_reminders(db, today=dt.date(2026, 4, 5)).done == 1
    assert len(_reminders(db)) == 1


def test_no_reminder_for_cards_that_do_not_expire_soon_or_are_not_used_by_autopay(db: Session) -> None:
    _autopay_account(db, exp=(2030, 8))  # years away
    _autopay_account(db, exp=(2026, 2))  # already expired: nothing to remind of
    cancelled_sub, cancelled = _autopay_account(db, exp=(2026, 4))
    cancelled.cancelled_at = utcnow()
    removed_sub, removed = _autopay_account(db, exp=(2026, 4))
    db.get(PaymentMethod, removed.payment_method_id).removed_at = utcnow()
    stored_only = make_subscriber(db)  # a stored card AutoPay does not use
    db.add(PaymentMethod(account_id=stored_only.account.id, kind="card", gateway="sandbox", gateway_token="pm_x",
                         brand="Visa", last4="1111", exp_month=4, exp_year=2026))
    db.commit()
    report = billing_jobs.expiry_reminders(db, today=dt.date(2026, 3, 25))
    assert report.done == 0 and report.failed == 0
    assert _reminders(db) == []
    assert db.exec(select(AccountHistory).where(AccountHistory.action == "expiry_reminder")).all() == []


def test_the_notice_period_starts_thirty_days_before_the_card_runs_out(db: Session) -> None:
    _autopay_account(db, exp=(2026, 4))  # works until April 30
    assert billing_jobs.expiry_reminders(db, today=dt.date(2026, 3, 30)).done == 0  # 31 days before
    assert billing_jobs.expiry_reminders(db, today=dt.date(2026, 3, 31)).done == 1  # 30 days before


def test_settle_ach_success_and_return(db: Session) -> None:
    gateway = SandboxGateway()
    sub = make_subscriber(db)
    make_invoice(db, sub.account, 9000)
    db.commit()
    good = payments.pay(db, principal=sub.principal, amount_cents=4000, attempt_key="ach-good", ach_authorized=True,
                        method=NewBank(BankDetails("110000000", "000123456789")), gateway=gateway)
    bad = payments.pay(db, principal=sub.principal, amount_cents=5000, attempt_key="ach-bad", ach_authorized=True,
                       method=NewBank(BankDetails("110000000", "000111111113")), gateway=gateway)
    assert good.status == bad.status == "pending"
    report = billing_jobs.settle_pending(db, gateway=gateway)
    assert (report.done, report.failed) == (1, 1)
    assert billing_jobs.settle_pending(db, gateway=gateway).done == 0
    assert billing.balance_cents(db, account_id=sub.account.id) == 5000
    assert "insufficient funds" in db.get(Payment, bad.payment_id).failure_reason


def test_autopay_batches_keep_one_attempt_per_account(db: Session) -> None:
    """The batched run claims like a payment does: an account a subscriber is paying right now is
    left alone, and a run twice the same day (any batch size) charges each account once."""
    gateway = SandboxGateway()
    subs = [_autopay_account(db)[0] for _ in range(5)]
    busy = subs[2].account
    busy.payment_claim, busy.payment_claim_expires_at = "pay_subscriber_tab", utcnow() + dt.timedelta(minutes=2)
    db.add(busy)
    db.commit()
    report = billing_jobs.autopay_run(db, today=TODAY, gateway=gateway, batch=2)
    assert (report.done, report.skipped) == (4, 1)
    assert billing_jobs.autopay_run(db, today=TODAY, gateway=gateway, batch=3).done == 0
    assert len(gateway.charges) == 4
    assert [billing.balance_cents(db, account_id=s.account.id) for s in subs] == [0, 0, 8000, 0, 0]
    db.refresh(busy)
    assert busy.payment_claim == "pay_subscriber_tab"  # the subscriber's claim is untouched
    assert all(db.get(type(busy), s.account.id).payment_claim is None for s in subs if s.account.id != busy.id)


def test_an_account_whose_outcome_cannot_be_recorded_stays_pending_and_the_rest_are_recorded(
        db: Session, monkeypatch) -> None:
    gateway = SandboxGateway()
    subs = [_autopay_account(db)[0] for _ in range(3)]
    real = payments.finish_charge
    broken = subs[1].account.id

    def finish(db_, principal, payment, *args, **kwargs):
        if payment.account_id == broken:
            raise RuntimeError("disk full")
        return real(db_, principal, payment, *args, **kwargs)

    monkeypatch.setattr(payments, "finish_charge", finish)
    report = billing_jobs.autopay_run(db, today=TODAY, gateway=gateway)
    assert (report.done, report.failed) == (2, 1) and "disk full" in report.problems[0]
    db.expire_all()
    statuses = [db.exec(select(Payment.status).where(Payment.account_id == s.account.id)).one() for s in subs]
    assert statuses == ["succeeded", "pending", "succeeded"]
    assert db.get(type(subs[1].account), broken).payment_claim is not None  # held: no second attempt
    monkeypatch.setattr(payments, "finish_charge", real)
    # settle-ach asks the processor again under the same key: recorded once, charged once.
    billing_jobs.settle_pending(db, gateway=gateway, now=utcnow() + dt.timedelta(minutes=5))
    assert db.exec(select(Payment.status).where(Payment.account_id == broken)).one() == "succeeded"
    assert len(gateway.charges) == 3 and billing.balance_cents(db, account_id=broken) == 0


def test_when_a_batch_cannot_be_written_each_account_is_recorded_on_its_own(db: Session, monkeypatch) -> None:
    gateway = SandboxGateway()
    subs = [_autopay_account(db)[0] for _ in range(3)]
    real = payments.release_claims
    calls = []

    def refuse_once(db_, keys):
        calls.append(keys)
        if len(calls) == 1:
            raise RuntimeError("could not serialize access")
        return real(db_, keys)

    monkeypatch.setattr(payments, "release_claims", refuse_once)
    report = billing_jobs.autopay_run(db, today=TODAY, gateway=gateway)
    assert (report.done, report.failed) == (3, 0) and len(gateway.charges) == 3
    db.expire_all()
    assert [billing.balance_cents(db, account_id=s.account.id) for s in subs] == [0, 0, 0]
    assert all(db.get(type(s.account), s.account.id).payment_claim is None for s in subs)
