"""Part-month lines of a package change: the arithmetic (month lengths, leap years, the billing
day, the rounding rule) and the whole path on a real database: preview before PLACE ORDER →
staff complete the change → the billing run's invoice, equal to the preview to the cent, once."""

from __future__ import annotations

import datetime as dt

import pytest
from factories import make_subscriber
from sqlmodel import Session, select

from portal_app.jobs import billing_jobs
from portal_app.models import (
    Account, AccountService, CartOrder, Invoice, InvoiceLine, OutboxMail, Package, ProviderSettings, ServiceArea,
    ServiceAreaPackage, StaffUser,
)
from portal_app.services.billing import invoicing
from portal_app.services.billing.invoicing import PriceChange, prorated_cents, proration_lines, span_label
from portal_app.services.core.principal import Principal
from portal_app.services.orders import orders, package_change


def _change(day: dt.date, old: int = 5500, new: int = 7500) -> PriceChange:
    return PriceChange(account_service_id=7, old_name="Fiber 300", old_price_cents=old, new_name="Fiber 1 Gig",
                       new_price_cents=new, effective_on=day)


def _lines(change: PriceChange, period_start: dt.date, billed=lambda day: True) -> list[tuple[str, int]]:
    end = invoicing.month_end(period_start)
    return [(line.description, line.amount_cents)
            for line in proration_lines(change, period_start=period_start, period_end=end, billed=billed)]


# --- arithmetic --------------------------------------------------------------------------------


def test_rounding_rule_nearest_cent_half_up_and_a_whole_month_is_the_price() -> None:
    assert prorated_cents(5500, 20, 31) == 3548  # 3548.39
    assert prorated_cents(7500, 20, 31) == 4839  # 4838.71
    assert prorated_cents(1, 14, 28) == 1  # exactly half a cent: up
    assert prorated_cents(1, 13, 28) == 0
    assert prorated_cents(0, 10, 30) == 0
    for month_days in (28, 29, 30, 31):
        assert prorated_cents(9999, month_days, month_days) == 9999
        assert prorated_cents(9999, 0, month_days) == 0
    with pytest.raises(ValueError):
        prorated_cents(5500, 32, 31)


def test_every_day_of_every_month_splits_the_price_within_a_cent() -> None:
    """Two halves of a month, each rounded on its own, never add up to more than a cent off the price."""
    for year in (2026, 2027, 2028):
        for month in range(1, 13):
            days = invoicing.days_in_month(dt.date(year, month, 1))
            for before in range(days + 1):
                for price in (5500, 7499, 9501, 1):
                    parts = prorated_cents(price, before, days) + prorated_cents(price, days - before, days)
                    assert abs(parts - price) <= 1


def test_an_upgrade_in_a_billed_month_credits_the_old_days_and_charges_the_new() -> None:
    assert _lines(_change(dt.date(2026, 3, 12)), dt.date(2026, 4, 1)) == [
        ("Credit for Fiber 300, Mar 12–31 (20 of 31 days)", -3548),
        ("Fiber 1 Gig, Mar 12–31 (20 of 31 days)", 4839),
    ]
    assert span_label(dt.date(2026, 3, 12), dt.date(2026, 3, 31)) == "Mar 12–31 (20 of 31 days)"


@pytest.mark.parametrize(("day", "month_days", "credit", "charge"), [
    (dt.date(2026, 2, 15), 28, 2750, 3750),  # 14 of 28: exactly half
    (dt.date(2028, 2, 15), 29, 2845, 3879),  # leap year: 15 of 29
    (dt.date(2026, 4, 16), 30, 2750, 3750),  # 15 of 30
    (dt.date(2026, 1, 17), 31, 2661, 3629),  # 15 of 31
])
def test_month_lengths_and_leap_years(day: dt.date, month_days: int, credit: int, charge: int) -> None:
    lines = _lines(_change(day), invoicing.next_month(day))
    days = month_days - day.day + 1
    assert lines == [(f"Credit for Fiber 300, {day:%b %-d}–{month_days} ({days} of {month_days} days)", -credit),
                     (f"Fiber 1 Gig, {day:%b %-d}–{month_days} ({days} of {month_days} days)", charge)]
    assert credit == prorated_cents(5500, days, month_days) and charge == prorated_cents(7500, days, month_days)


def test_a_change_on_the_billing_day_swaps_the_whole_month_and_on_the_last_day_one_day() -> None:
    assert _lines(_change(dt.date(2026, 3, 1)), dt.date(2026, 4, 1)) == [
        ("Credit for Fiber 300, Mar 1–31 (31 of 31 days)", -5500), ("Fiber 1 Gig, Mar 1–31 (31 of 31 days)", 7500)]
    assert _lines(_change(dt.date(2026, 3, 31)), dt.date(2026, 4, 1)) == [
        ("Credit for Fiber 300, Mar 31 (1 of 31 days)", -177), ("Fiber 1 Gig, Mar 31 (1 of 31 days)", 242)]
    # On the first day of the period being billed now, the service line at the new price is all of it.
    assert _lines(_change(dt.date(2026, 4, 1)), dt.date(2026, 4, 1)) == []


def test_a_downgrade_gives_back_the_difference() -> None:
    lines = _lines(_change(dt.date(2026, 3, 12), old=9500, new=5500), dt.date(2026, 4, 1))
    assert sum(cents for _, cents in lines) == prorated_cents(5500, 20, 31) - prorated_cents(9500, 20, 31) < 0


def test_months_billed_at_the_old_price_since_the_change_are_all_put_right() -> None:
    """Completed only after another bill went out at the old price: both months are corrected."""
    assert _lines(_change(dt.date(2026, 3, 12)), dt.date(2026, 5, 1)) == [
        ("Credit for Fiber 300, Mar 12–31 (20 of 31 days)", -3548), ("Fiber 1 Gig, Mar 12–31 (20 of 31 days)", 4839),
        ("Credit for Fiber 300, Apr 1–30 (30 of 30 days)", -5500), ("Fiber 1 Gig, Apr 1–30 (30 of 30 days)", 7500)]
    # A month never billed is not credited.
    assert _lines(_change(dt.date(2026, 3, 12)), dt.date(2026, 4, 1), billed=lambda day: False) == []


def test_a_change_inside_the_period_billed_now_charges_the_old_price_before_it() -> None:
    assert _lines(_change(dt.date(2026, 4, 11)), dt.date(2026, 4, 1)) == [
        ("Fiber 300, Apr 1–10 (10 of 30 days)", 1833), ("Credit for Fiber 1 Gig, Apr 1–10 (10 of 30 days)", -2500)]


# --- the whole path on a database -------------------------------------------------------------


def _setup(db: Session, *, paperless: bool = True):
    me = make_subscriber(db, first_name="Maya", last_name="Okafor")
    area = ServiceArea(name="Metro", zip_codes="78701")
    db.add(area)
    db.add(ProviderSettings())
    db.flush()
    packs = {}
    for code, name, cents in (("F300", "Fiber 300", 5500), ("F1G", "Fiber 1 Gig", 7500)):
        packs[code] = Package(code=code, name=name, monthly_price_cents=cents)
        db.add(packs[code])
        db.flush()
        db.add(ServiceAreaPackage(service_area_id=area.id, package_id=packs[code].id))
    account = db.get(Account, me.account.id)
    account.service_area_id, account.paperless = area.id, paperless
    fiber = AccountService(account_id=account.id, package_id=packs["F300"].id, name="Fiber 300", monthly_price_cents=5500)
    wifi = AccountService(account_id=account.id, name="Whole-home Wi-Fi", monthly_price_cents=1000)
    db.add_all([fiber, wifi])
    staff = StaffUser(username="jr", email="jr@lumen.example", full_name="Jordan Rivera", password_hash="x", role="admin")
    db.add(staff)
    db.commit()
    return me, fiber, packs, Principal(kind="staff", display_name="Jordan", staff_user_id=staff.id, staff_role="admin")


def _complete(db: Session, staff: Principal, account_id: int) -> None:
    _, tasks = orders.staff_workflows(db, principal=staff, account_id=account_id)[0]
    for task in (t for t in tasks if t.status != "completed"):
        orders.advance_task(db, principal=staff, account_id=account_id, task_id=task.id, action="complete")
    db.commit()


def _invoice_lines(db: Session, account_id: int, period_start: dt.date) -> tuple[Invoice, list[InvoiceLine]]:
    invoice = db.exec(select(Invoice).where(Invoice.account_id == account_id, Invoice.period_start == period_start)).one()
    return invoice, list(db.exec(select(InvoiceLine).where(InvoiceLine.invoice_id == invoice.id)
                                 .order_by(InvoiceLine.sort_order)))


def test_prorated_upgrade_preview_equals_the_issued_invoice_to_the_cent_and_is_invoiced_once(db: Session) -> None:
    me, fiber, packs, staff = _setup(db)
    assert billing_jobs.billing_run(db, today=dt.date(2026, 3, 1)).done == 1  # March billed at Fiber 300
    preview = package_change.preview_next_bill(db, principal=me.principal, service_id=fiber.id,
                                               package_id=packs["F1G"].id, prorate_now=True, today=dt.date(2026, 3, 12))
    assert preview.period_start == dt.date(2026, 4, 1) and preview.monthly_cents == 8500
    package_change.place_package_change(db, principal=me.principal, service_id=fiber.id, package_id=packs["F1G"].id,
                                        prorate_now=True, paperless=True, today=dt.date(2026, 3, 12))
    db.commit()
    _complete(db, staff, me.account.id)
    assert billing_jobs.billing_run(db, today=dt.date(2026, 4, 1)).done == 1
    invoice, lines = _invoice_lines(db, me.account.id, dt.date(2026, 4, 1))
    issued = [(line.kind, line.description, line.amount_cents, line.account_service_id) for line in lines]
    assert issued == [(p.kind, p.description, p.amount_cents, p.account_service_id) for p in preview.lines]
    assert issued == [
        ("service", "Fiber 1 Gig (Apr 2026)", 7500, fiber.id),
        ("service", "Whole-home Wi-Fi (Apr 2026)", 1000, lines[1].account_service_id),
        ("proration", "Credit for Fiber 300, Mar 12–31 (20 of 31 days)", -3548, fiber.id),
        ("proration", "Fiber 1 Gig, Mar 12–31 (20 of 31 days)", 4839, fiber.id),
    ]
    assert invoice.total_cents == preview.total_cents == 7500 + 1000 - 3548 + 4839
    order = db.exec(select(CartOrder)).one()
    assert order.prorated_invoice_id == invoice.id and order.effective_on == dt.date(2026, 3, 12)
    # May's bill is the new price, without the part-month lines again.
    billing_jobs.billing_run(db, today=dt.date(2026, 5, 1))
    may, lines = _invoice_lines(db, me.account.id, dt.date(2026, 5, 1))
    assert [line.kind for line in lines] == ["service", "service"] and may.total_cents == 8500


def test_from_the_next_bill_has_no_part_month_lines_and_the_preview_says_so(db: Session) -> None:
    me, fiber, packs, staff = _setup(db)
    billing_jobs.billing_run(db, today=dt.date(2026, 3, 1))
    preview = package_change.preview_next_bill(db, principal=me.principal, service_id=fiber.id,
                                               package_id=packs["F1G"].id, prorate_now=False, today=dt.date(2026, 3, 12))
    package_change.place_package_change(db, principal=me.principal, service_id=fiber.id, package_id=packs["F1G"].id,
                                        prorate_now=False, paperless=True, today=dt.date(2026, 3, 12))
    db.commit()
    assert db.exec(select(CartOrder)).one().effective_on == dt.date(2026, 4, 1)
    _complete(db, staff, me.account.id)
    billing_jobs.billing_run(db, today=dt.date(2026, 4, 1))
    invoice, lines = _invoice_lines(db, me.account.id, dt.date(2026, 4, 1))
    assert [(line.description, line.amount_cents) for line in lines] == [
        (p.description, p.amount_cents) for p in preview.lines] == [
        ("Fiber 1 Gig (Apr 2026)", 7500), ("Whole-home Wi-Fi (Apr 2026)", 1000)]
    assert invoice.total_cents == preview.total_cents == 8500


def test_a_change_not_completed_by_the_bill_is_prorated_on_the_first_bill_after(db: Session) -> None:
    me, fiber, packs, staff = _setup(db)
    billing_jobs.billing_run(db, today=dt.date(2026, 3, 1))
    package_change.place_package_change(db, principal=me.principal, service_id=fiber.id, package_id=packs["F1G"].id,
                                        prorate_now=True, paperless=True, today=dt.date(2026, 3, 12))
    db.commit()
    billing_jobs.billing_run(db, today=dt.date(2026, 4, 1))  # still open: April at Fiber 300
    _, april = _invoice_lines(db, me.account.id, dt.date(2026, 4, 1))
    assert [line.kind for line in april] == ["service", "service"] and april[0].amount_cents == 5500
    _complete(db, staff, me.account.id)
    billing_jobs.billing_run(db, today=dt.date(2026, 5, 1))
    _, may = _invoice_lines(db, me.account.id, dt.date(2026, 5, 1))
    assert [(line.description, line.amount_cents) for line in may if line.kind == "proration"] == [
        ("Credit for Fiber 300, Mar 12–31 (20 of 31 days)", -3548), ("Fiber 1 Gig, Mar 12–31 (20 of 31 days)", 4839),
        ("Credit for Fiber 300, Apr 1–30 (30 of 30 days)", -5500), ("Fiber 1 Gig, Apr 1–30 (30 of 30 days)", 7500)]


def test_paper_bills_are_marked_for_the_post_and_not_emailed(db: Session) -> None:
    paper, _, _, _ = _setup(db, paperless=False)
    billing_jobs.billing_run(db, today=dt.date(2026, 3, 1))
    invoice = db.exec(select(Invoice).where(Invoice.account_id == paper.account.id)).one()
    assert invoice.delivery == "paper"
    assert db.exec(select(OutboxMail).where(OutboxMail.account_id == paper.account.id)).all() == []
