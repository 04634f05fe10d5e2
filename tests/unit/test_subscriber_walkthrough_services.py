"""Issue #18 at the service layer: what is left to pay, Quick Pay with a credit, booking and the
order's scheduling step, a package change in progress, paged staff history, our own wording."""

from __future__ import annotations

import datetime as dt

import pytest
from factories import make_invoice, make_payment, make_subscriber
from sqlmodel import Session, select

from portal_app.models import (
    AccountHistory,
    AccountService,
    Appointment,
    AppointmentWindow,
    Package,
    PaymentMethod,
    ProviderSettings,
    ServiceArea,
    ServiceAreaPackage,
    StaffUser,
    WorkflowTask,
    utcnow,
)
from portal_app.services.billing import autopay, billing, quickpay
from portal_app.services.orders import cart, order_tracking, package_change, workflows
from portal_app.services.selfservice import contacts, scheduling
from portal_app.services.staff import staff_accounts
from portal_app.services.core.errors import PortalError
from portal_app.services.core.formatting import balance as format_balance
from portal_app.services.core.principal import Principal


def test_what_is_left_to_pay_leaves_out_payments_still_settling(db: Session) -> None:
    me = make_subscriber(db)
    make_invoice(db, me.account, 12_245, due_on=dt.date(2020, 1, 21))
    bank = make_payment(db, me.account, 10_000, status="pending")
    bank.method_kind = "ach"
    db.add(bank)
    db.commit()
    due = billing.amount_due(db, account_id=me.account.id, today=dt.date(2026, 1, 1))
    assert (due.balance_cents, due.pending_cents, due.pending_bank, due.left_cents) == (12_245, 10_000, True, 2_245)
    assert due.past_due and due.due_on == dt.date(2020, 1, 21)
    make_payment(db, me.account, 5_000, status="pending")
    db.commit()
    due = billing.amount_due(db, account_id=me.account.id, today=dt.date(2026, 1, 1))
    assert due.left_cents == 0 and not due.past_due
    assert due.due_on == dt.date(2020, 1, 21)  # AutoPay and billing still see the open invoice


def test_a_credit_reads_as_a_credit() -> None:
    assert format_balance(-1_000) == "$10.00 credit"
    assert format_balance(12_245) == "$122.45" and format_balance(0) == "$0.00"


def test_quick_pay_shows_the_real_balance_so_paying_ahead_is_not_refused(db: Session) -> None:
    me = make_subscriber(db, last_name="Credito")
    make_invoice(db, me.account, 5_000)
    make_payment(db, me.account, 6_000)
    db.commit()
    found = quickpay.identify(db, account_number=me.account.account_number, name_or_zip="credito", client_ip="1.2.3.4")
    assert (found.amount_due_cents, found.balance_cents) == (0, -1_000)


def test_dropdown_labels_keep_the_last_four_digits() -> None:
    long = PaymentMethod(account_id=1, kind="ach", gateway="sandbox", gateway_token="t",
                         brand="Hill Country Credit Union", last4="6789")
    short = PaymentMethod(account_id=1, kind="card", gateway="sandbox", gateway_token="t", brand="Visa", last4="4242")
    assert autopay.option_label(long) == "Hill Country Cred… •••• 6789"
    assert autopay.option_label(short) == autopay.method_label(short) == "Visa •••• 4242"


def test_our_own_invalid_email_message() -> None:
    with pytest.raises(ValueError) as problem:
        contacts.normalize_email("ola-at-example.com")
    assert str(problem.value) == "Enter an email address like name@example.com."


def test_booking_completes_the_orders_scheduling_step_with_history(db: Session) -> None:
    me = make_subscriber(db)
    db.add(ProviderSettings())
    workflow = workflows.create_workflow(db, principal=Principal.system("test"), account=me.account, kind="install",
                                      title="Fiber 300 install", steps=cart.INSTALL_STEPS)
    appointment = Appointment(account_id=me.account.id, kind="install", title="Fiber 300 install")
    db.add(appointment)
    day = dt.date.today() + dt.timedelta(days=4)
    window = AppointmentWindow(kind="install", starts_at=dt.datetime(day.year, day.month, day.day, 15, tzinfo=dt.UTC),
                               ends_at=dt.datetime(day.year, day.month, day.day, 19, tzinfo=dt.UTC), capacity=2)
    db.add(window)
    db.commit()
    [tracked] = order_tracking.tracked_orders(db, principal=me.principal)
    assert tracked.current_name == "Pick an install time"
    scheduling.book(db, principal=me.principal, appointment_id=appointment.id, window_id=window.id)
    db.commit()
    task = db.exec(select(WorkflowTask).where(WorkflowTask.workflow_id == workflow.id,
                                              WorkflowTask.name == workflows.SCHEDULING_TASK)).one()
    assert task.status == "completed" and task.completed_at is not None
    [tracked] = order_tracking.tracked_orders(db, principal=me.principal)
    assert tracked.current_name == "Installer visit"
    assert scheduling.scheduling_reminder(db, principal=me.principal) is None
    summaries = db.exec(select(AccountHistory.summary).where(AccountHistory.account_id == me.account.id,
                                                             AccountHistory.action == "task_complete")).all()
    assert summaries == ["Fiber 300 install: Schedule installer completed (the subscriber booked a time)"]


def test_a_package_change_in_progress_is_shown_and_no_second_one_is_offered(db: Session) -> None:
    me = make_subscriber(db)
    area = ServiceArea(name="Metro", zip_codes="78701")
    db.add(area)
    db.flush()
    packs = {}
    for code, cents in (("P300", 5500), ("P2G", 9500)):
        packs[code] = Package(code=code, name=code, monthly_price_cents=cents)
        db.add(packs[code])
        db.flush()
        db.add(ServiceAreaPackage(service_area_id=area.id, package_id=packs[code].id))
    me.account.service_area_id = area.id
    service = AccountService(account_id=me.account.id, package_id=packs["P300"].id, name="P300",
                             monthly_price_cents=5500)
    db.add(service)
    db.add(ProviderSettings())
    db.commit()
    assert package_change.pending_change(db, principal=me.principal) is None
    package_change.place_package_change(db, principal=me.principal, service_id=service.id,
                                        package_id=packs["P2G"].id, prorate_now=False, paperless=True)
    db.commit()
    pending = package_change.pending_change(db, principal=me.principal)
    assert (pending.service_package_id, pending.new_name) == (packs["P300"].id, "P2G")
    assert pending.workflow_id == package_change.open_change(db, me.account.id).id
    with pytest.raises(PortalError, match="already in progress"):
        package_change.change_options(db, principal=me.principal, service_id=service.id)
    other = make_subscriber(db)
    db.commit()
    assert package_change.pending_change(db, principal=other.principal) is None


def test_staff_history_is_paged_newest_first_with_the_kind_filter(db: Session) -> None:
    me = make_subscriber(db)
    staff = StaffUser(username="jr", email="jr@lumen.example", full_name="Jordan Rivera", password_hash="x", role="admin")
    db.add(staff)
    db.flush()
    principal = Principal(kind="staff", display_name="Jordan Rivera", staff_user_id=staff.id, staff_role="admin")
    now = utcnow()
    for i in range(60):
        db.add(AccountHistory(account_id=me.account.id, actor_kind="system", actor_name="test",
                              kind="billing" if i % 2 else "contact", action="seeded", summary=f"event {i:02d}",
                              occurred_at=now - dt.timedelta(minutes=60 - i)))
    db.commit()
    number = me.account.account_number
    first = staff_accounts.account_history(db, principal=principal, account_number=number)
    assert (first.page, first.pages, len(first.rows)) == (1, 3, 25)
    assert first.rows[0].summary == "event 59" and first.rows[-1].summary == "event 35"
    last = staff_accounts.account_history(db, principal=principal, account_number=number, page=99)
    assert (last.page, [r.summary for r in last.rows][:2]) == (3, ["event 09", "event 08"]) and len(last.rows) == 10
    billing_only = staff_accounts.account_history(db, principal=principal, account_number=number, kind="billing",
                                                  page=2)
    assert billing_only.pages == 2 and {r.kind for r in billing_only.rows} == {"billing"}
    assert billing_only.rows[0].summary == "event 09"
