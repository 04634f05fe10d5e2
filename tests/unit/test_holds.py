"""Vacation holds: the provider's rules, the order staff approve or decline, the daily start and end (service
status, history, notices, the network's webhook), calendar entries, and billing at the hold price (over a
month boundary, from the billing day); ending a hold in force early (the days a bill already credited
charged back on the next one); a package-change fee in the preview and on the bill. The day is
passed in (the clock is injected). On SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlmodel import Session, select
from test_proration import _complete, _invoice_lines, _setup

from portal_app.jobs import billing_jobs
from portal_app.models import (
    Account, AccountHistory, OutboxMail, ProviderSettings, ServiceHold, WebhookDelivery, Workflow, WorkflowTask,
)
from portal_app.services.billing import explain, invoicing
from portal_app.services.billing.invoicing import HoldDays, ServiceCharge, charge_back_lines, hold_lines
from portal_app.services.core.errors import FieldErrors, NotFound, PortalError
from portal_app.services.operations import webhooks
from portal_app.services.orders import holds, order_tracking, orders, package_change
from portal_app.services.selfservice import calendar, dashboard

FIBER = ServiceCharge(1, "Fiber 300", 5500)
WIFI = ServiceCharge(2, "Whole-home Wi-Fi", 1000)


def _allow(db: Session, **values) -> ProviderSettings:
    settings = db.exec(select(ProviderSettings)).one()
    for name, value in {"hold_allowed": True, "hold_min_days": 7, "hold_max_days": 90, "hold_max_ahead_days": 60,
                        "hold_price_cents": 500, "hold_per_year": 2, **values}.items():
        setattr(settings, name, value)
    db.add(settings)
    db.commit()
    return settings


def _service_actions(db: Session, account_id: int) -> list[str]:
    return [h.action for h in db.exec(select(AccountHistory).where(
        AccountHistory.account_id == account_id, AccountHistory.kind == "service").order_by(AccountHistory.id))]


# --- billing arithmetic ---------------------------------------------------------------------------


def test_hold_days_are_credited_at_the_package_price_and_charged_at_the_hold_price() -> None:
    hold = HoldDays(starts_on=dt.date(2026, 7, 12), ends_on=dt.date(2026, 7, 26), monthly_price_cents=500)
    lines = hold_lines(hold, [FIBER, WIFI], period_start=dt.date(2026, 7, 1), period_end=dt.date(2026, 7, 31),
                       billed=lambda day: True)
    assert [(line.kind, line.description, line.amount_cents) for line in lines] == [
        ("hold", "Credit for Fiber 300, Jul 12–26 (15 of 31 days): vacation hold", -2661),  # 5500 × 15/31 = 2661.3
        ("hold", "Credit for Whole-home Wi-Fi, Jul 12–26 (15 of 31 days): vacation hold", -484),  # 483.9
        ("hold", "Vacation hold Jul 12–26: 15 days at $5.00/month", 242),  # 241.9
    ]


def test_a_hold_over_a_month_boundary_is_put_right_month_by_month() -> None:
    hold = HoldDays(starts_on=dt.date(2026, 1, 25), ends_on=dt.date(2026, 2, 10), monthly_price_cents=0)
    # January was billed before the hold: the February bill puts Jan 25–31 right and bills Feb 1–10.
    feb = hold_lines(hold, [FIBER], period_start=dt.date(2026, 2, 1), period_end=dt.date(2026, 2, 28),
                     billed=lambda day: day.month == 1)
    assert [(line.description, line.amount_cents) for line in feb] == [
        ("Credit for Fiber 300, Jan 25–31 (7 of 31 days): vacation hold", -1242),
        ("Vacation hold Jan 25–31: 7 days at $0.00/month", 0),
        ("Credit for Fiber 300, Feb 1–10 (10 of 28 days): vacation hold", -1964),
        ("Vacation hold Feb 1–10: 10 days at $0.00/month", 0),
    ]
    # Billed through Jan 31 already (the January bill carried it): only February's days are left.
    rest = hold_lines(HoldDays(hold.starts_on, hold.ends_on, 0, billed_through=dt.date(2026, 1, 31)), [FIBER],
                      period_start=dt.date(2026, 2, 1), period_end=dt.date(2026, 2, 28), billed=lambda day: True)
    assert [line.description for line in rest] == ["Credit for Fiber 300, Feb 1–10 (10 of 28 days): vacation hold",
                                                   "Vacation hold Feb 1–10: 10 days at $0.00/month"]
    # Days of a later month wait for that month's bill; days never billed at the package price are not credited.
    assert hold_lines(hold, [FIBER], period_start=dt.date(2025, 12, 1), period_end=dt.date(2025, 12, 31),
                      billed=lambda day: True) == []
    assert hold_lines(hold, [FIBER], period_start=dt.date(2026, 2, 1), period_end=dt.date(2026, 2, 28),
                      billed=lambda day: False)[0].description.startswith("Credit for Fiber 300, Feb 1–10")


def test_a_hold_from_the_billing_day_for_a_whole_month_bills_exactly_the_hold_price() -> None:
    hold = HoldDays(starts_on=dt.date(2028, 2, 1), ends_on=dt.date(2028, 2, 29), monthly_price_cents=500)  # leap year
    lines = hold_lines(hold, [FIBER, WIFI], period_start=dt.date(2028, 2, 1), period_end=dt.date(2028, 2, 29),
                       billed=lambda day: False)
    assert [line.amount_cents for line in lines] == [-5500, -1000, 500]
    assert lines[-1].description == "Vacation hold Feb 1–29: 29 days at $5.00/month"
    one = hold_lines(HoldDays(dt.date(2026, 3, 1), dt.date(2026, 3, 1), 500), [FIBER], period_start=dt.date(2026, 3, 1),
                     period_end=dt.date(2026, 3, 31), billed=lambda day: False)
    assert [(line.description, line.amount_cents) for line in one] == [
        ("Credit for Fiber 300, Mar 1 (1 of 31 days): vacation hold", -177),
        ("Vacation hold Mar 1: 1 day at $5.00/month", 16)]


# --- the request, staff, the daily job ------------------------------------------------------------


def test_a_hold_ended_early_has_the_days_a_bill_already_credited_charged_back_month_by_month() -> None:
    # Jul 12 – Aug 20, the August bill credited through Aug 20; ended on Jul 29 (its last day now Jul 28).
    hold = HoldDays(starts_on=dt.date(2026, 7, 12), ends_on=dt.date(2026, 7, 28), monthly_price_cents=500,
                    billed_through=dt.date(2026, 8, 20))
    assert [(line.kind, line.description, line.amount_cents) for line in charge_back_lines(hold, [FIBER, WIFI])] == [
        ("hold", "Fiber 300, Jul 29–31 (3 of 31 days): vacation hold ended early", 532),  # 5500 × 3/31 = 532.3
        ("hold", "Whole-home Wi-Fi, Jul 29–31 (3 of 31 days): vacation hold ended early", 97),  # 96.8
        ("hold", "Credit for the hold price, Jul 29–31: 3 days at $5.00/month, vacation hold ended early", -48),
        ("hold", "Fiber 300, Aug 1–20 (20 of 31 days): vacation hold ended early", 3548),  # 3548.4
        ("hold", "Whole-home Wi-Fi, Aug 1–20 (20 of 31 days): vacation hold ended early", 645),  # 645.2
        ("hold", "Credit for the hold price, Aug 1–20: 20 days at $5.00/month, vacation hold ended early", -323),
    ]
    # The next bill carries them (whatever period it is for), and nothing else of the hold: its days are billed.
    assert hold_lines(hold, [FIBER, WIFI], period_start=dt.date(2026, 9, 1), period_end=dt.date(2026, 9, 30),
                      billed=lambda day: True) == charge_back_lines(hold, [FIBER, WIFI])
    # Not billed past its new end: nothing to charge back.
    assert charge_back_lines(HoldDays(hold.starts_on, hold.ends_on, 500, billed_through=hold.ends_on), [FIBER]) == []
    assert charge_back_lines(HoldDays(hold.starts_on, hold.ends_on, 500), [FIBER]) == []


def test_hold_rules_come_from_the_provider_settings(db: Session) -> None:
    me, _, _, staff = _setup(db)
    today = dt.date(2026, 7, 1)
    with pytest.raises(PortalError, match="not offered"):
        holds.quote_hold(db, principal=me.principal, starts_on="2026-07-12", ends_on="2026-07-26", today=today)
    _allow(db)
    for start, end, field in (("2026-07-01", "2026-07-10", "starts_on"),  # not from tomorrow
                              ("2026-09-01", "2026-09-10", "starts_on"),  # more than 60 days ahead
                              ("2026-07-12", "2026-07-14", "ends_on"),  # 3 days: under the 7
                              ("2026-07-12", "2026-12-01", "ends_on"),  # over 90 days
                              ("2026-07-12", "someday", "ends_on")):
        with pytest.raises(FieldErrors) as refused:
            holds.quote_hold(db, principal=me.principal, starts_on=start, ends_on=end, today=today)
        assert list(refused.value.errors) == [field]
    with pytest.raises(NotFound):  # staff cannot ask in a subscriber's name
        holds.request_hold(db, principal=staff, starts_on="2026-07-12", ends_on="2026-07-26", today=today)
    first = holds.request_hold(db, principal=me.principal, starts_on="2026-07-12", ends_on="2026-07-26", today=today)
    db.commit()
    with pytest.raises(PortalError, match="already have"):  # one at a time
        holds.quote_hold(db, principal=me.principal, starts_on="2026-08-12", ends_on="2026-08-26", today=today)
    holds.cancel_request(db, principal=me.principal, hold_id=first.id)
    db.commit()
    _allow(db, hold_per_year=1)
    second = holds.request_hold(db, principal=me.principal, starts_on="2026-08-12", ends_on="2026-08-26", today=today)
    holds.decide(db, principal=staff, account_id=me.account.id, hold_id=second.id, approve=False, reason="Busy",
                 today=today)
    db.commit()  # cancelled and declined holds do not count toward the year's one
    third = holds.request_hold(db, principal=me.principal, starts_on="2026-08-12", ends_on="2026-08-26", today=today)
    holds.decide(db, principal=staff, account_id=me.account.id, hold_id=third.id, approve=True, today=today)
    holds.staff_cancel(db, principal=staff, account_id=me.account.id, hold_id=third.id)
    db.commit()
    assert db.get(ServiceHold, third.id).status == "cancelled"
    _allow(db, hold_per_year=1, hold_max_days=20)
    assert holds.offer(db, db.get(Account, me.account.id), today=today).allowed


def test_another_account_cannot_touch_a_hold(db: Session) -> None:
    me, _, _, staff = _setup(db)
    _allow(db)
    from factories import make_subscriber
    other = make_subscriber(db, first_name="Ola", last_name="Ade")
    db.commit()
    hold = holds.request_hold(db, principal=me.principal, starts_on="2026-07-12", ends_on="2026-07-26",
                              today=dt.date(2026, 7, 1))
    db.commit()
    with pytest.raises(NotFound):
        holds.cancel_request(db, principal=other.principal, hold_id=hold.id)
    with pytest.raises(NotFound):
        holds.decide(db, principal=staff, account_id=other.account.id, hold_id=hold.id, approve=True,
                     today=dt.date(2026, 7, 1))
    with pytest.raises(NotFound):
        holds.decide(db, principal=other.principal, account_id=me.account.id, hold_id=hold.id, approve=True,
                     today=dt.date(2026, 7, 1))


def test_an_approved_hold_starts_and_ends_with_history_notices_webhooks_tracking_calendar_and_billing(db: Session) -> None:
    me, fiber, _, staff = _setup(db)
    _allow(db)
    webhooks.add_endpoint(db, principal=staff, url="http://127.0.0.1:9/hooks")
    db.commit()
    assert billing_jobs.billing_run(db, today=dt.date(2026, 7, 1)).done == 1  # July billed in advance
    quote = holds.quote_hold(db, principal=me.principal, starts_on="2026-07-12", ends_on="2026-07-26",
                             today=dt.date(2026, 7, 3))
    assert quote.bill.period_start == dt.date(2026, 8, 1) and quote.days == 15
    hold = holds.request_hold(db, principal=me.principal, starts_on="2026-07-12", ends_on="2026-07-26",
                              today=dt.date(2026, 7, 3))
    db.commit()
    [tracked] = order_tracking.tracked_orders(db, principal=me.principal)
    assert tracked.title == "Vacation hold Jul 12–26, 2026" and tracked.kind_label == "Vacation hold"
    assert [(s.name, s.state) for s in tracked.steps] == [
        ("Request received", "done"), ("Approved", "current"), ("Service paused", "upcoming"),
        ("Service back on", "upcoming")]
    items = calendar.account_events(db, principal=me.principal, today=dt.date(2026, 7, 3), kinds=["hold"])
    assert [(i["day"], i["title"]) for i in items] == [
        (dt.date(2026, 7, 12), "Vacation hold starts (waiting for approval)"),
        (dt.date(2026, 7, 27), "Service back on after your hold (waiting for approval)")]
    task = db.exec(select(WorkflowTask).where(WorkflowTask.workflow_id == hold.workflow_id,
                                              WorkflowTask.name == holds.APPROVE)).one()
    with pytest.raises(PortalError):  # the hold's steps move by APPROVE / DECLINE and its dates only
        orders.advance_task(db, principal=staff, account_id=me.account.id, task_id=task.id, action="complete")
    holds.decide(db, principal=staff, account_id=me.account.id, hold_id=hold.id, approve=True,
                 today=dt.date(2026, 7, 4))
    db.commit()
    with pytest.raises(PortalError):
        holds.cancel_request(db, principal=me.principal, hold_id=hold.id)  # approved: only staff now
    db.rollback()

    assert holds.holds_run(db, today=dt.date(2026, 7, 11)) == "0 started, 0 ended"
    assert holds.holds_run(db, today=dt.date(2026, 7, 12)) == "1 started, 0 ended"
    assert holds.holds_run(db, today=dt.date(2026, 7, 12)) == "0 started, 0 ended"  # safe twice
    db.expire_all()
    account = db.get(Account, me.account.id)
    assert account.service_status == "suspended_request" and "Vacation hold until Jul 26" in account.service_status_reason
    assert holds.holds_run(db, today=dt.date(2026, 7, 26)) == "0 started, 0 ended"  # its last day
    assert holds.holds_run(db, today=dt.date(2026, 7, 27)) == "0 started, 1 ended"
    db.expire_all()
    assert db.get(Account, me.account.id).service_status == "active"
    assert db.get(ServiceHold, hold.id).status == "ended"
    assert _service_actions(db, me.account.id) == ["hold_requested", "hold_approved", "held", "restored"]
    events = [d.event for d in db.exec(select(WebhookDelivery).order_by(WebhookDelivery.id))]
    assert events[-2:] == ["service.held", "service.restored"]
    held = json.loads(db.exec(select(WebhookDelivery).where(WebhookDelivery.event == "service.held")).one().payload)
    assert held["data"] == {"service_status": "suspended_request", "hold_starts_on": "2026-07-12",
                            "hold_ends_on": "2026-07-26"}
    subjects = [m.subject for m in db.exec(select(OutboxMail).where(OutboxMail.account_id == me.account.id)
                                           .order_by(OutboxMail.id))]
    assert subjects[1:] == [f"Lumen Fiber: {words}" for words in (
        "we have your vacation hold request", "your vacation hold is approved",
        "your service is paused for your vacation hold", "your service is back on")]
    [tracked] = order_tracking.tracked_orders(db, principal=me.principal)
    assert not tracked.open and [s.state for s in tracked.steps] == ["done"] * 4
    assert db.get(Workflow, hold.workflow_id).status == "closed"

    # August's bill puts July's hold days right, exactly as the quote showed before the request.
    billing_jobs.billing_run(db, today=dt.date(2026, 8, 1))
    invoice, lines = _invoice_lines(db, me.account.id, dt.date(2026, 8, 1))
    issued = [(line.kind, line.description, line.amount_cents) for line in lines]
    assert issued == [(p.kind, p.description, p.amount_cents) for p in quote.bill.lines]
    assert issued[2:] == [
        ("hold", "Credit for Fiber 300, Jul 12–26 (15 of 31 days): vacation hold", -2661),
        ("hold", "Credit for Whole-home Wi-Fi, Jul 12–26 (15 of 31 days): vacation hold", -484),
        ("hold", "Vacation hold Jul 12–26: 15 days at $5.00/month", 242)]
    assert invoice.total_cents == quote.bill.total_cents == 6500 - 2661 - 484 + 242
    assert db.get(ServiceHold, hold.id).invoiced_through == dt.date(2026, 7, 26)
    why = explain.explain_invoices(db, account_id=me.account.id, invoice_ids=[invoice.id])[invoice.id]
    texts = [r.text for r in why.changes]
    assert any(t.startswith("Your vacation hold: its days are billed at the hold price") for t in texts)
    assert "Vacation hold Jul 12–26: 15 days at $5.00/month" in texts
    assert sum(r.amount_cents or 0 for r in why.changes) == invoice.total_cents - 6500  # adds up to the difference
    billing_jobs.billing_run(db, today=dt.date(2026, 9, 1))  # billed once
    _, september = _invoice_lines(db, me.account.id, dt.date(2026, 9, 1))
    assert [line.kind for line in september] == ["service", "service"]
    assert fiber.id in {line.account_service_id for line in lines}


def test_a_hold_approved_on_its_first_day_starts_at_once_and_a_suspended_service_stays_suspended(db: Session) -> None:
    me, _, _, staff = _setup(db)
    _allow(db)
    hold = holds.request_hold(db, principal=me.principal, starts_on="2026-07-12", ends_on="2026-07-20",
                              today=dt.date(2026, 7, 10))
    db.commit()
    holds.decide(db, principal=staff, account_id=me.account.id, hold_id=hold.id, approve=True,
                 today=dt.date(2026, 7, 12))
    db.commit()
    assert db.get(ServiceHold, hold.id).status == "active"
    assert db.get(Account, me.account.id).service_status == "suspended_request"
    # Suspended for non-payment meanwhile: the hold's end does not switch that on.
    from portal_app.services.billing import service_status
    service_status.set_service_status(db, principal=staff, account_id=me.account.id, status="suspended_nonpayment")
    db.commit()
    assert holds.holds_run(db, today=dt.date(2026, 7, 21)) == "0 started, 1 ended"
    db.expire_all()
    assert db.get(Account, me.account.id).service_status == "suspended_nonpayment"


def test_a_hold_spanning_two_bills_is_billed_once_per_day(db: Session) -> None:
    me, _, _, staff = _setup(db)
    _allow(db)
    billing_jobs.billing_run(db, today=dt.date(2026, 1, 1))
    hold = holds.request_hold(db, principal=me.principal, starts_on="2026-01-25", ends_on="2026-02-10",
                              today=dt.date(2026, 1, 5))
    holds.decide(db, principal=staff, account_id=me.account.id, hold_id=hold.id, approve=True, today=dt.date(2026, 1, 5))
    db.commit()
    billing_jobs.billing_run(db, today=dt.date(2026, 2, 1))
    _, feb = _invoice_lines(db, me.account.id, dt.date(2026, 2, 1))
    assert [line.description for line in feb if line.kind == "hold" and "Vacation" in line.description] == [
        "Vacation hold Jan 25–31: 7 days at $5.00/month", "Vacation hold Feb 1–10: 10 days at $5.00/month"]
    billing_jobs.billing_run(db, today=dt.date(2026, 3, 1))
    _, march = _invoice_lines(db, me.account.id, dt.date(2026, 3, 1))
    assert [line.kind for line in march] == ["service", "service"]


def _active_hold(db: Session, me, staff, *, starts_on: str, ends_on: str, asked_on: dt.date) -> ServiceHold:
    hold = holds.request_hold(db, principal=me.principal, starts_on=starts_on, ends_on=ends_on, today=asked_on)
    holds.decide(db, principal=staff, account_id=me.account.id, hold_id=hold.id, approve=True, today=asked_on)
    db.commit()
    holds.holds_run(db, today=hold.starts_on)
    db.expire_all()
    assert db.get(ServiceHold, hold.id).status == "active"
    return db.get(ServiceHold, hold.id)


def test_a_subscriber_back_early_ends_the_hold_and_the_next_bill_charges_back_the_credited_days(db: Session) -> None:
    me, _, _, staff = _setup(db)
    _allow(db)
    billing_jobs.billing_run(db, today=dt.date(2026, 7, 1))
    hold = _active_hold(db, me, staff, starts_on="2026-07-25", ends_on="2026-08-20", asked_on=dt.date(2026, 7, 5))
    # Home offers the way back while the hold pauses the service.
    assert dashboard.home_summary(db, principal=me.principal, today=dt.date(2026, 7, 26)).on_hold
    billing_jobs.billing_run(db, today=dt.date(2026, 8, 1))  # credits Jul 25–31 and, in advance, Aug 1–20
    db.expire_all()
    assert db.get(ServiceHold, hold.id).invoiced_through == dt.date(2026, 8, 20)

    ended = holds.end_early(db, principal=me.principal, hold_id=hold.id, today=dt.date(2026, 8, 10))
    db.commit()
    assert (ended.status, ended.ends_on) == ("ended", dt.date(2026, 8, 9))
    db.expire_all()
    assert db.get(Account, me.account.id).service_status == "active"
    assert not dashboard.home_summary(db, principal=me.principal, today=dt.date(2026, 8, 10)).on_hold
    assert _service_actions(db, me.account.id)[-2:] == ["hold_ended_early", "restored"]
    summary = db.exec(select(AccountHistory.summary).where(AccountHistory.action == "hold_ended_early")).one()
    assert summary == ("Vacation hold Jul 25 – Aug 20, 2026 ended early by the subscriber: service back on Aug 10, 2026; "
                       "the hold days already billed are charged back on the next bill")
    assert db.exec(select(OutboxMail.subject).order_by(OutboxMail.id.desc())).first() == (
        "Lumen Fiber: your service is back on")
    assert db.get(Workflow, hold.workflow_id).status == "closed"
    assert holds.holds_run(db, today=dt.date(2026, 8, 21)) == "0 started, 0 ended"  # over already
    with pytest.raises(PortalError):
        holds.end_early(db, principal=me.principal, hold_id=hold.id, today=dt.date(2026, 8, 11))

    # The preview of the next bill and the bill itself: Aug 10–20 at the package price again.
    preview = invoicing.next_bill(db, account_id=me.account.id, today=dt.date(2026, 8, 15))
    billing_jobs.billing_run(db, today=dt.date(2026, 9, 1))
    invoice, lines = _invoice_lines(db, me.account.id, dt.date(2026, 9, 1))
    issued = [(line.kind, line.description, line.amount_cents) for line in lines]
    assert issued == [(p.kind, p.description, p.amount_cents) for p in preview.lines]
    assert issued[2:] == [
        ("hold", "Fiber 300, Aug 10–20 (11 of 31 days): vacation hold ended early", 1952),  # 5500 × 11/31 = 1951.6
        ("hold", "Whole-home Wi-Fi, Aug 10–20 (11 of 31 days): vacation hold ended early", 355),  # 354.8
        ("hold", "Credit for the hold price, Aug 10–20: 11 days at $5.00/month, vacation hold ended early", -177)]
    assert invoice.total_cents == 6500 + 1952 + 355 - 177
    db.expire_all()
    assert db.get(ServiceHold, hold.id).invoiced_through == dt.date(2026, 8, 9)
    why = explain.explain_invoices(db, account_id=me.account.id, invoice_ids=[invoice.id])[invoice.id]
    texts = [r.text for r in why.changes]
    assert any(t.startswith("Your vacation hold ended early: the days after it") for t in texts)
    assert not any(t.startswith("Your vacation hold: its days are billed") for t in texts)
    billing_jobs.billing_run(db, today=dt.date(2026, 10, 1))  # charged back once
    _, october = _invoice_lines(db, me.account.id, dt.date(2026, 10, 1))
    assert [line.kind for line in october] == ["service", "service"]


def test_staff_end_a_hold_early_and_only_a_hold_in_force_of_the_account_can_be(db: Session) -> None:
    me, _, _, staff = _setup(db)
    _allow(db)
    from factories import make_subscriber
    other = make_subscriber(db, first_name="Ola", last_name="Ade")
    db.commit()
    billing_jobs.billing_run(db, today=dt.date(2026, 7, 1))
    waiting = holds.request_hold(db, principal=me.principal, starts_on="2026-07-12", ends_on="2026-07-26",
                                 today=dt.date(2026, 7, 1))
    db.commit()
    with pytest.raises(PortalError):  # not started: cancel it instead
        holds.end_early(db, principal=me.principal, hold_id=waiting.id, today=dt.date(2026, 7, 2))
    holds.cancel_request(db, principal=me.principal, hold_id=waiting.id)
    db.commit()
    hold = _active_hold(db, me, staff, starts_on="2026-07-12", ends_on="2026-07-26", asked_on=dt.date(2026, 7, 3))
    with pytest.raises(NotFound):
        holds.end_early(db, principal=other.principal, hold_id=hold.id, today=dt.date(2026, 7, 12))
    with pytest.raises(NotFound):
        holds.staff_end_early(db, principal=staff, account_id=other.account.id, hold_id=hold.id,
                              today=dt.date(2026, 7, 12))
    # Ended on its first day: that day stays a hold day (the service was paused that morning); nothing billed yet.
    ended = holds.staff_end_early(db, principal=staff, account_id=me.account.id, hold_id=hold.id,
                                  today=dt.date(2026, 7, 12))
    db.commit()
    assert (ended.status, ended.starts_on, ended.ends_on) == ("ended", dt.date(2026, 7, 12), dt.date(2026, 7, 12))
    summary = db.exec(select(AccountHistory.summary).where(AccountHistory.action == "hold_ended_early")).one()
    assert summary == "Vacation hold Jul 12–26, 2026 ended early by staff: service back on Jul 12, 2026"
    billing_jobs.billing_run(db, today=dt.date(2026, 8, 1))
    _, august = _invoice_lines(db, me.account.id, dt.date(2026, 8, 1))
    assert [line.description for line in august if line.kind == "hold"] == [
        "Credit for Fiber 300, Jul 12 (1 of 31 days): vacation hold",
        "Credit for Whole-home Wi-Fi, Jul 12 (1 of 31 days): vacation hold",
        "Vacation hold Jul 12: 1 day at $5.00/month"]


def test_a_package_change_fee_is_in_the_preview_and_on_the_next_bill_once(db: Session) -> None:
    me, fiber, packs, staff = _setup(db)
    settings = db.exec(select(ProviderSettings)).one()
    settings.change_fee_cents = 2500
    db.add(settings)
    db.commit()
    billing_jobs.billing_run(db, today=dt.date(2026, 3, 1))
    preview = package_change.preview_next_bill(db, principal=me.principal, service_id=fiber.id,
                                               package_id=packs["F1G"].id, prorate_now=True, today=dt.date(2026, 3, 12))
    assert preview.fee_cents == 2500
    assert ("one_time", "Package change fee (to Fiber 1 Gig)", 2500) in [
        (p.kind, p.description, p.amount_cents) for p in preview.lines]
    package_change.place_package_change(db, principal=me.principal, service_id=fiber.id, package_id=packs["F1G"].id,
                                        prorate_now=True, paperless=True, today=dt.date(2026, 3, 12))
    db.commit()
    settings.change_fee_cents = 9900  # a later price change does not touch the fee quoted
    db.add(settings)
    db.commit()
    _complete(db, staff, me.account.id)
    billing_jobs.billing_run(db, today=dt.date(2026, 4, 1))
    invoice, lines = _invoice_lines(db, me.account.id, dt.date(2026, 4, 1))
    assert [(line.kind, line.description, line.amount_cents) for line in lines] == [
        (p.kind, p.description, p.amount_cents) for p in preview.lines]
    assert invoice.total_cents == preview.total_cents
    why = explain.explain_invoices(db, account_id=me.account.id, invoice_ids=[invoice.id])[invoice.id]
    assert "One-time charge: Package change fee (to Fiber 1 Gig)" in [r.text for r in why.changes]
    billing_jobs.billing_run(db, today=dt.date(2026, 5, 1))
    _, may = _invoice_lines(db, me.account.id, dt.date(2026, 5, 1))
    assert "one_time" not in [line.kind for line in may]
    assert invoicing.pending_fees(db) == {}
