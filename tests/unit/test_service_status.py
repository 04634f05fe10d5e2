"""Suspension and restoral: staff (and the integration API) set an account's service status; a payment
that brings the balance to the provider's threshold restores a service suspended for non-payment,
once, with history, a mail and a signed webhook; the restore link opens Quick Pay with the amount."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json

import pytest
from factories import make_invoice, make_subscriber
from sqlmodel import Session, select
from test_webhooks import Receiver, _admin, receiver  # noqa: F401  (receiver is a fixture)

from portal_app.integrations.payments import BankDetails, CardDetails
from portal_app.integrations.payments.sandbox import SandboxGateway
from portal_app.jobs import billing_jobs
from portal_app.models import Account, AccountHistory, OutboxMail, ProviderSettings, WebhookDelivery, utcnow
from portal_app.services.billing import payments, quickpay, service_status
from portal_app.services.billing.payments import NewBank, NewCard
from portal_app.services.core.access import StaffOnly
from portal_app.services.core.errors import FieldErrors
from portal_app.services.identity import signin_flow
from portal_app.services.operations import integration, webhooks
from portal_app.services.selfservice import dashboard

VISA = CardDetails(number="4242 4242 4242 4242", exp_month=12, exp_year=2031, cvc="123")


def _suspended(db: Session, owed: int = 10000, *, threshold: int = 0, status: str = "suspended_nonpayment"):
    admin = _admin(db)
    db.add(ProviderSettings(restore_threshold_cents=threshold))
    me = make_subscriber(db, first_name="Maya", last_name="Okafor")
    make_invoice(db, me.account, owed, due_on=dt.date(2026, 2, 21))
    db.commit()
    assert service_status.set_service_status(db, principal=admin, account_id=me.account.id, status=status,
                                             reason="Bill of Feb 21 unpaid")
    db.commit()
    return me, admin


def _actions(db: Session, account_id: int) -> list[tuple[str, str, str]]:
    return [(h.kind, h.action, h.actor_kind) for h in db.exec(
        select(AccountHistory).where(AccountHistory.account_id == account_id, AccountHistory.kind == "service")
        .order_by(AccountHistory.id))]


def _pay(db: Session, me, cents: int, key: str):
    return payments.pay(db, principal=me.principal, amount_cents=cents, method=NewCard(VISA), attempt_key=key,
                        gateway=SandboxGateway())


def test_staff_suspend_for_non_payment_mails_a_restore_link_and_queues_the_webhook(db: Session, receiver) -> None:  # noqa: F811
    admin = _admin(db)
    webhooks.add_endpoint(db, principal=admin, url=receiver)
    db.commit()
    db.add(ProviderSettings(restore_threshold_cents=0))
    me = make_subscriber(db)
    make_invoice(db, me.account, 8000)
    db.commit()
    assert service_status.set_service_status(db, principal=admin, account_id=me.account.id,
                                             status="suspended_nonpayment", reason="Unpaid since Feb")
    assert not service_status.set_service_status(db, principal=admin, account_id=me.account.id,
                                                 status="suspended_nonpayment")  # no change, nothing announced
    db.commit()
    account = db.get(Account, me.account.id)
    assert (account.service_status, account.service_status_reason) == ("suspended_nonpayment", "Unpaid since Feb")
    assert _actions(db, me.account.id) == [("service", "suspended", "staff")]
    [delivery] = db.exec(select(WebhookDelivery)).all()
    payload = json.loads(delivery.payload)
    assert payload["event"] == "service.suspended" and payload["data"]["restore_amount"] == "80.00"
    token = payload["data"]["restore_url"].split("/quickpay?t=")[1]
    assert quickpay.identify_by_link(db, token=token).restore_cents == 8000
    mail = db.exec(select(OutboxMail).where(OutboxMail.account_id == me.account.id)).one()
    assert "suspended" in mail.subject and payload["data"]["restore_url"] in mail.body_text


def test_only_staff_or_the_api_set_it_and_only_to_known_states(db: Session) -> None:
    me = make_subscriber(db)
    admin = _admin(db)
    with pytest.raises(StaffOnly):
        service_status.set_service_status(db, principal=me.principal, account_id=me.account.id, status="active")
    with pytest.raises(FieldErrors):
        service_status.set_service_status(db, principal=admin, account_id=me.account.id, status="paused")


def test_a_partial_payment_keeps_it_suspended_and_the_payment_that_clears_it_restores_it_once(db: Session) -> None:
    me, _ = _suspended(db)
    assert _pay(db, me, 4000, "k1").service_restored is False
    assert db.get(Account, me.account.id).service_status == "suspended_nonpayment"
    outcome = _pay(db, me, 6000, "k2")
    assert outcome.service_restored is True
    db.expire_all()
    account = db.get(Account, me.account.id)
    assert (account.service_status, account.service_status_reason) == ("active", service_status.RESTORED_BY_PAYMENT)
    assert _actions(db, me.account.id) == [("service", "suspended", "staff"), ("service", "restored", "system")]
    assert not service_status.restore_after_payment(db, account_id=me.account.id)  # once
    subjects = [m.subject for m in db.exec(select(OutboxMail).where(OutboxMail.account_id == me.account.id))]
    assert any("being restored" in s for s in subjects)
    summary = dashboard.home_summary(db, principal=me.principal, today=dt.date(2026, 3, 1))
    assert summary.restoring and summary.service_status == "active"
    assert not service_status.recently_restored(account, now=utcnow() + dt.timedelta(days=2))


def test_the_threshold_restores_before_the_balance_is_zero(db: Session) -> None:
    me, _ = _suspended(db, 10000, threshold=2500)
    summary = dashboard.home_summary(db, principal=me.principal, today=dt.date(2026, 3, 1))
    assert (summary.service_status, summary.restore_cents) == ("suspended_nonpayment", 7500)
    assert summary.service_label == "Your service is suspended for non-payment"
    assert _pay(db, me, 7500, "k1").service_restored is True


def test_suspended_at_the_subscribers_request_is_not_restored_by_paying(db: Session) -> None:
    me, admin = _suspended(db, status="suspended_request")
    assert _pay(db, me, 10000, "k1").service_restored is False
    assert db.get(Account, me.account.id).service_status == "suspended_request"
    service_status.set_service_status(db, principal=admin, account_id=me.account.id, status="active")
    db.commit()
    assert _actions(db, me.account.id)[-1] == ("service", "restored", "staff")


def test_a_bank_debit_restores_only_when_it_settles(db: Session) -> None:
    me, _ = _suspended(db, 5000)
    gateway = SandboxGateway()
    payments.pay(db, principal=me.principal, amount_cents=5000, attempt_key="ach", ach_authorized=True,
                 method=NewBank(BankDetails("110000000", "000123456789")), gateway=gateway)
    assert db.get(Account, me.account.id).service_status == "suspended_nonpayment"
    billing_jobs.settle_pending(db, gateway=gateway)
    db.expire_all()
    assert db.get(Account, me.account.id).service_status == "active"


def test_restore_links_are_short_lived_and_only_for_the_account(db: Session) -> None:
    me, _ = _suspended(db, 6000)
    now = utcnow()
    token = quickpay.restore_link_url(me.account.account_number, now=now).split("?t=")[1]
    found = quickpay.identify_by_link(db, token=token, now=now + dt.timedelta(hours=71))
    assert (found.account_id, found.amount_due_cents, found.restore_cents) == (me.account.id, 6000, 6000)
    with pytest.raises(quickpay.QuickPayRefused):
        quickpay.identify_by_link(db, token=token, now=now + dt.timedelta(hours=73))
    with pytest.raises(quickpay.QuickPayRefused):
        quickpay.identify_by_link(db, token=token[:-2] + ("AA" if token[-2:] != "AA" else "BB"), now=now)
    # The bill's Quick Pay link identifies without the restore amount.
    plain = quickpay.link_token(me.account.account_number, now=now)
    assert quickpay.identify_by_link(db, token=plain, now=now).restore_cents == 0


def test_the_restored_webhook_is_delivered_signed(db: Session, receiver) -> None:  # noqa: F811
    me, admin = _suspended(db, 3000)
    _, secret = webhooks.add_endpoint(db, principal=admin, url=receiver)
    db.commit()
    _pay(db, me, 3000, "k1")
    assert webhooks.deliver_due(db) == "2 delivered, 0 failed (retried later)"  # the payment, then the restoral
    assert [json.loads(body)["event"] for _, body in Receiver.received] == ["payment.succeeded", "service.restored"]
    headers, body = Receiver.received[-1]
    stamp, digest = (part.split("=", 1)[1] for part in headers["Portal-Signature"].split(","))
    assert hmac.compare_digest(digest, hmac.new(secret.encode(), f"{stamp}.{body.decode()}".encode(),
                                                hashlib.sha256).hexdigest())
    event = json.loads(body)
    assert (event["event"], event["account_id"], event["data"]) == (
        "service.restored", me.account.account_number, {"service_status": "active"})


def test_the_integration_api_sets_the_service_status(db: Session) -> None:
    me = make_subscriber(db)
    db.commit()
    api = service_status.Principal.system("API key billing (pk_test)")
    batch = integration.Batch(accounts=[integration.AccountIn(
        account_id=me.account.account_number, last_name="Lovelace", service_status="disconnected",
        service_status_reason="Moved away")])
    assert integration.upsert(db, principal=api, batch=batch).ok
    db.commit()
    db.expire_all()
    assert db.get(Account, me.account.id).service_status == "disconnected"
    assert _actions(db, me.account.id) == [("service", "disconnected", "system")]


def test_sign_in_sends_a_suspended_subscriber_home_first(db: Session) -> None:
    me, admin = _suspended(db)
    outcome = signin_flow.sign_in(db, login=me.user.username, password=me.password)
    assert outcome.ticket and outcome.home_first
    service_status.set_service_status(db, principal=admin, account_id=me.account.id, status="active")
    db.commit()
    assert not signin_flow.sign_in(db, login=me.user.username, password=me.password).home_first
