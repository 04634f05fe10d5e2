"""Promise to pay: offered within the provider's rules, recorded, turns a suspended service on until its
date, on the calendar, reminded before, kept when paid, lapsed (and suspended again) when not, and
cancelled by staff. The day is passed in (the clock is injected)."""

from __future__ import annotations

import datetime as dt

import pytest
from factories import make_invoice, make_payment, make_subscriber
from sqlmodel import Session, select
from test_service_status import _actions, _suspended

from portal_app.models import Account, AccountHistory, OutboxMail, PaymentPromise, ProviderSettings
from portal_app.services.billing import promises
from portal_app.services.core.errors import FieldErrors, PortalError
from portal_app.services.selfservice import calendar, dashboard

TODAY = dt.date(2026, 3, 10)


def _billing_actions(db: Session, account_id: int) -> list[str]:
    return [h.action for h in db.exec(select(AccountHistory).where(
        AccountHistory.account_id == account_id, AccountHistory.kind == "billing").order_by(AccountHistory.id))]


def _mails(db: Session, account_id: int) -> list[str]:
    return [m.subject for m in db.exec(select(OutboxMail).where(OutboxMail.account_id == account_id)
                                       .order_by(OutboxMail.id))]


def test_a_promise_turns_a_suspended_service_on_until_its_date_and_lapses_unpaid(db: Session) -> None:
    me, _ = _suspended(db, 6450)
    summary = dashboard.home_summary(db, principal=me.principal, today=TODAY)
    assert summary.promise_latest == TODAY + dt.timedelta(days=14) and summary.promise_on is None
    with pytest.raises(FieldErrors):
        promises.make_promise(db, principal=me.principal, promised_on=TODAY, today=TODAY)
    with pytest.raises(FieldErrors):
        promises.make_promise(db, principal=me.principal, promised_on=TODAY + dt.timedelta(days=15), today=TODAY)
    promise = promises.make_promise(db, principal=me.principal, promised_on="2026-03-20", today=TODAY)
    db.commit()
    assert (promise.amount_cents, promise.restored_service) == (6450, True)
    assert db.get(Account, me.account.id).service_status == "active"
    assert _actions(db, me.account.id)[-1] == ("service", "restored", "system")
    summary = dashboard.home_summary(db, principal=me.principal, today=TODAY)
    assert (summary.promise_on, summary.promise_cents, summary.promise_latest) == (dt.date(2026, 3, 20), 6450, None)
    [item] = calendar.account_events(db, principal=me.principal, today=TODAY, kinds=["promise"])
    assert (item["day"], item["title"]) == (dt.date(2026, 3, 20), "Promise to pay: $64.50")
    with pytest.raises(PortalError):  # one at a time
        promises.make_promise(db, principal=me.principal, promised_on="2026-03-21", today=TODAY)
    db.rollback()

    assert promises.promise_run(db, today=dt.date(2026, 3, 17)) == "0 reminded, 0 kept, 0 lapsed"
    assert promises.promise_run(db, today=dt.date(2026, 3, 18)) == "1 reminded, 0 kept, 0 lapsed"
    assert promises.promise_run(db, today=dt.date(2026, 3, 19)) == "0 reminded, 0 kept, 0 lapsed"  # once
    assert promises.promise_run(db, today=dt.date(2026, 3, 20)) == "0 reminded, 0 kept, 0 lapsed"  # its last day
    assert promises.promise_run(db, today=dt.date(2026, 3, 21)) == "0 reminded, 0 kept, 1 lapsed"
    db.expire_all()
    assert db.get(PaymentPromise, promise.id).status == "lapsed"
    account = db.get(Account, me.account.id)
    assert account.service_status == "suspended_nonpayment" and "was not kept" in account.service_status_reason
    assert _billing_actions(db, me.account.id) == ["promise_made", "promise_lapsed"]
    subjects = _mails(db, me.account.id)
    assert any("reminder" in s for s in subjects) and any("has lapsed" in s for s in subjects)
    [lapsed] = calendar.account_events(db, principal=me.principal, today=TODAY, kinds=["promise"])
    assert lapsed["title"].endswith("(lapsed)")


def test_a_paid_promise_is_kept_and_the_service_stays_on(db: Session) -> None:
    me, _ = _suspended(db, 5000)
    promises.make_promise(db, principal=me.principal, promised_on=TODAY + dt.timedelta(days=5), today=TODAY)
    db.commit()
    make_payment(db, me.account, 5000)
    db.commit()
    assert dashboard.home_summary(db, principal=me.principal, today=TODAY).promise_on is None  # nothing owed
    assert promises.promise_run(db, today=TODAY + dt.timedelta(days=9)) == "0 reminded, 1 kept, 0 lapsed"
    assert db.exec(select(PaymentPromise)).one().status == "kept"
    assert db.get(Account, me.account.id).service_status == "active"


def test_past_due_but_not_suspended_may_promise_without_a_service_change(db: Session) -> None:
    db.add(ProviderSettings())
    me = make_subscriber(db)
    make_invoice(db, me.account, 3000, due_on=TODAY - dt.timedelta(days=3))
    db.commit()
    promise = promises.make_promise(db, principal=me.principal, promised_on=TODAY + dt.timedelta(days=3), today=TODAY)
    db.commit()
    assert promise.restored_service is False and _actions(db, me.account.id) == []
    promises.promise_run(db, today=TODAY + dt.timedelta(days=4))
    assert db.get(Account, me.account.id).service_status == "active"  # never suspended by a lapse it did not lift


def test_the_providers_rules(db: Session) -> None:
    me, _ = _suspended(db, 6000)
    settings = db.exec(select(ProviderSettings)).one()
    settings.promise_max_days = 0
    db.commit()
    assert not promises.offer(db, db.get(Account, me.account.id), today=TODAY).allowed
    settings.promise_max_days, settings.promise_min_paid_cents = 7, 2000
    db.commit()
    refused = promises.offer(db, db.get(Account, me.account.id), today=TODAY)
    assert not refused.allowed and "Pay at least $20.00 first" in refused.reason
    with pytest.raises(PortalError, match="Pay at least"):
        promises.make_promise(db, principal=me.principal, promised_on=TODAY + dt.timedelta(days=2), today=TODAY)
    db.rollback()
    make_payment(db, me.account, 2000)
    db.commit()
    assert promises.offer(db, db.get(Account, me.account.id), today=TODAY).latest == TODAY + dt.timedelta(days=7)
    settings.promise_per_year = 1
    db.commit()
    promises.make_promise(db, principal=me.principal, promised_on=TODAY + dt.timedelta(days=2), today=TODAY)
    promises.promise_run(db, today=TODAY + dt.timedelta(days=3))  # lapses, suspended again
    again = promises.offer(db, db.get(Account, me.account.id), today=TODAY + dt.timedelta(days=3))
    assert not again.allowed and "1 promises to pay a year" in again.reason


def test_staff_see_and_cancel_a_promise(db: Session) -> None:
    me, admin = _suspended(db, 4000)
    promises.make_promise(db, principal=me.principal, promised_on=TODAY + dt.timedelta(days=4), today=TODAY)
    db.commit()
    assert promises.staff_promise(db, principal=admin, account_id=me.account.id).amount_cents == 4000
    with pytest.raises(PortalError):
        promises.staff_promise(db, principal=me.principal, account_id=me.account.id)
    assert promises.cancel_promise(db, principal=admin, account_id=me.account.id)
    db.commit()
    assert db.exec(select(PaymentPromise)).one().status == "cancelled"
    assert db.get(Account, me.account.id).service_status == "suspended_nonpayment"
    assert not promises.cancel_promise(db, principal=admin, account_id=me.account.id)
    other = make_subscriber(db)
    db.commit()
    assert not promises.offer(db, db.get(Account, other.account.id), today=TODAY).allowed  # owes nothing
