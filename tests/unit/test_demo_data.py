"""The demo data loads once, tells a consistent billing story and stores no card numbers."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from portal_app.jobs.demo_data import DEMO_SIGN_INS, load_demo_data
from portal_app.models import (
    Account,
    AccountHistory,
    Appointment,
    AppointmentWindow,
    Contact,
    ContactPoint,
    Contract,
    Invoice,
    InvoiceLine,
    Payment,
    PaymentAllocation,
    PaymentMethod,
    PortalUser,
    StaffUser,
    Ticket,
    TicketNote,
    Workflow,
    WorkflowTask,
    WorkflowTaskDependency,
)
from portal_app.services.billing import billing
from portal_app.services.identity.secrets_util import verify_password

TODAY = dt.date(2026, 3, 10)


def _count(db: Session, model: type) -> int:
    return int(db.exec(select(func.count()).select_from(model)).one())


@pytest.fixture
def loaded(db: Session) -> Session:
    assert load_demo_data(db, today=TODAY) is True
    db.commit()
    return db


def _account(db: Session, number: str) -> Account:
    return db.exec(select(Account).where(Account.account_number == number)).one()


def test_second_load_inserts_nothing(loaded: Session) -> None:
    models = (Account, Invoice, Payment, Contact, AccountHistory)
    before = {m: _count(loaded, m) for m in models}
    assert load_demo_data(loaded, today=TODAY) is False
    loaded.commit()
    assert {m: _count(loaded, m) for m in models} == before
    assert before[Account] == 2


def test_residential_billing_story(loaded: Session) -> None:
    account = _account(loaded, "100200300")
    invoices = list(loaded.exec(select(Invoice).where(Invoice.account_id == account.id).order_by(Invoice.issued_on)))
    assert len(invoices) == 12
    assert invoices[-1].issued_on == dt.date(2026, 3, 1) and invoices[0].issued_on == dt.date(2025, 4, 1)
    assert [i.status for i in invoices] == ["paid"] * 11 + ["open"]
    for invoice in invoices:
        lines = loaded.exec(select(InvoiceLine).where(InvoiceLine.invoice_id == invoice.id)).all()
        assert lines and sum(line.amount_cents for line in lines) == invoice.total_cents
        assert invoice.due_on == invoice.issued_on.replace(day=21)
    payments = loaded.exec(select(Payment).where(Payment.account_id == account.id)).all()
    assert len(payments) == 11 and all(p.status == "succeeded" for p in payments)
    for payment in payments:
        allocated = loaded.exec(select(PaymentAllocation).where(PaymentAllocation.payment_id == payment.id)).all()
        assert sum(a.amount_cents for a in allocated) == payment.amount_cents
        assert payment.created_at.tzinfo is not None

    current = invoices[-1]
    balance = billing.balance_cents(loaded, account_id=account.id)
    assert balance == current.total_cents > 0
    due = billing.amount_due(loaded, account_id=account.id, today=TODAY)
    assert due.balance_cents == balance
    assert due.due_on == dt.date(2026, 3, 21) and due.past_due is False
    assert billing.amount_due(loaded, account_id=account.id, today=dt.date(2026, 3, 25)).past_due is True


def test_residential_account_has_everything_the_portal_shows(loaded: Session) -> None:
    account = _account(loaded, "100200300")
    contacts = loaded.exec(select(Contact).where(Contact.account_id == account.id)).all()
    assert len({c.contact_type_id for c in contacts}) >= 3
    points = loaded.exec(select(ContactPoint).where(ContactPoint.account_id == account.id)).all()
    assert all(p.value.endswith(".example") for p in points if p.kind == "email")
    assert all(re.fullmatch(r"\+1\d{3}55501\d\d", p.value) for p in points if p.kind == "phone")

    tickets = loaded.exec(select(Ticket).where(Ticket.account_id == account.id)).all()
    assert {t.status for t in tickets} >= {"open", "closed"}
    for ticket in tickets:
        notes = loaded.exec(select(TicketNote).where(TicketNote.ticket_id == ticket.id)).all()
        assert {n.is_public for n in notes} == {True, False}
        assert all(n.created_at <= ticket.updated_at for n in notes)

    appointment = loaded.exec(select(Appointment).where(Appointment.account_id == account.id)).one()
    assert appointment.status == "to_schedule" and appointment.window_id is None
    windows = loaded.exec(select(AppointmentWindow)).all()
    assert windows and all(w.starts_at.date() > TODAY for w in windows)
    assert any(w.booked >= w.capacity for w in windows) and any(w.booked < w.capacity for w in windows)

    contract = loaded.exec(select(Contract).where(Contract.account_id == account.id)).one()
    assert contract.status == "pending" and contract.signed_at is None and contract.body_text.count("\n\n") >= 3

    workflow = loaded.exec(select(Workflow).where(Workflow.account_id == account.id, Workflow.kind == "install")).one()
    tasks = loaded.exec(select(WorkflowTask).where(WorkflowTask.workflow_id == workflow.id)).all()
    trackable = [t for t in tasks if t.trackable]
    assert trackable and all(t.portal_name for t in trackable) and any(not t.trackable for t in tasks)
    deps = loaded.exec(
        select(WorkflowTaskDependency).where(WorkflowTaskDependency.task_id.in_([t.id for t in tasks]))
    ).all()
    assert len(deps) >= 5
    assert sorted(t.status for t in tasks).count("completed") == 1

    assert loaded.exec(select(AccountHistory).where(AccountHistory.account_id == account.id)).first()


def test_business_account(loaded: Session) -> None:
    account = _account(loaded, "100200400")
    assert account.kind == "business" and account.display_name == "Bluebonnet Bakery LLC"
    contacts = loaded.exec(select(Contact).where(Contact.account_id == account.id)).all()
    assert len(contacts) >= 4 and len({c.contact_type_id for c in contacts}) >= 4
    assert len(loaded.exec(select(Invoice).where(Invoice.account_id == account.id)).all()) == 3


def test_the_bakery_has_an_approved_vacation_hold_next_month_in_order_tracking(loaded: Session) -> None:
    from portal_app.models import ServiceHold
    from portal_app.services.core.principal import Principal
    from portal_app.services.orders import order_tracking

    account = _account(loaded, "100200400")
    hold = loaded.exec(select(ServiceHold).where(ServiceHold.account_id == account.id)).one()
    assert hold.status == "approved" and (hold.ends_on - hold.starts_on).days == 13 and hold.starts_on.day == 10
    principal = Principal(kind="subscriber", display_name="Rosa", account_id=account.id)
    [order] = [o for o in order_tracking.tracked_orders(loaded, principal=principal) if o.kind_label == "Vacation hold"]
    assert [s.state for s in order.steps] == ["done", "done", "current", "upcoming"]


def test_demo_passwords_are_argon2_hashed(loaded: Session) -> None:
    by_username = {s["username"]: s["password"] for s in DEMO_SIGN_INS}
    assert set(by_username) == {"maya", "bluebonnet", "staff"}
    for username in ("maya", "bluebonnet"):
        user = loaded.exec(select(PortalUser).where(PortalUser.username == username)).one()
        assert user.verified_at is not None
        assert user.password_hash.startswith("$argon2id$")
        assert verify_password(by_username[username], user.password_hash)
    staff = loaded.exec(select(StaffUser).where(StaffUser.username == "staff")).one()
    assert staff.role == "admin" and staff.password_hash.startswith("$argon2id$")
    assert verify_password(by_username["staff"], staff.password_hash)
    assert not verify_password("wrong-password", staff.password_hash)


def test_payment_methods_hold_no_card_numbers(loaded: Session) -> None:
    methods = loaded.exec(select(PaymentMethod)).all()
    assert methods
    for method in methods:
        assert len(method.last4) == 4 and method.last4.isdigit()
        assert not re.search(r"\d{12,}", method.gateway_token)
    for payment in loaded.exec(select(Payment)).all():
        assert not re.search(r"\d{12,}", payment.gateway_ref + payment.method_label)


def test_mayas_latest_bill_explains_her_mid_month_upgrade(loaded: Session) -> None:
    from portal_app.jobs import billing_jobs
    from portal_app.models import CartOrder
    from portal_app.services.billing.explain import explain_invoices

    account = _account(loaded, "100200300")
    invoices = list(loaded.exec(select(Invoice).where(Invoice.account_id == account.id).order_by(Invoice.issued_on)))
    latest = invoices[-1]
    lines = loaded.exec(select(InvoiceLine).where(InvoiceLine.invoice_id == latest.id).order_by(InvoiceLine.sort_order)).all()
    assert [(line.kind, line.description, line.amount_cents) for line in lines if line.kind == "proration"] == [
        ("proration", "Credit for Fiber 300, Feb 12–28 (17 of 28 days)", -3339),
        ("proration", "Fiber 1 Gig, Feb 12–28 (17 of 28 days)", 4554)]
    order = loaded.exec(select(CartOrder).where(CartOrder.account_id == account.id)).one()
    assert order.prorated_invoice_id == latest.id and order.status == "completed"
    why = explain_invoices(loaded, account_id=account.id, invoice_ids=[latest.id])[latest.id]
    assert "more than your last bill" in why.headline
    assert why.changes[0].text == "Fiber 300 changed to Fiber 1 Gig: $55.00 → $75.00 a month"
    assert sum(r.amount_cents or 0 for r in why.changes) == latest.total_cents - invoices[-2].total_cents
    # The next billing run bills Fiber 1 Gig and never prorates the change again.
    billing_jobs.billing_run(loaded, today=dt.date(2026, 4, 1), account_ids=[account.id])
    april = loaded.exec(select(Invoice).where(Invoice.account_id == account.id,
                                              Invoice.period_start == dt.date(2026, 4, 1))).one()
    kinds = loaded.exec(select(InvoiceLine.kind).where(InvoiceLine.invoice_id == april.id)).all()
    assert "proration" not in kinds and april.total_cents == 8500
