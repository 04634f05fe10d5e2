"""What an invoice holds: the monthly service lines and the part-month lines of package changes.

One function plans the lines (`plan_lines`); the billing run issues them and the CHANGE flow shows
them before PLACE ORDER, so the preview and the bill cannot disagree.

Billing periods are calendar months, billed in advance on the first run of the month. A package
change "prorated from today" starts the new price on its day d. Every day from d that was already
billed at the old price is put right on the next invoice, month by month: a credit for the old
price's days and a charge for the new price's days ("Fiber 1 Gig, Mar 12–31 (20 of 31 days)").
When d falls inside the period being billed now (its service line already at the new price), the
days before d are charged at the old price and credited at the new one. A change "from the next
bill" has no part-month lines: the next invoice simply bills the new package.

A vacation hold bills its days at the hold price instead of the package price: for each month it
touches, a credit for every service's days ("Credit for Fiber 500, Jul 12–26 (15 of 31 days): vacation
hold") and a charge at the hold's monthly price ("Vacation hold Jul 12–26: 15 days at 5.00 a month" in the provider's currency).
Days in the period being billed, or in a month an earlier invoice billed, go on this invoice; later
days wait for their own month's bill (`HoldDays.billed_through` remembers how far a hold is billed). A hold
ended early whose later days a bill already credited (`billed_through` past its new last day) has those
days put back on the next invoice, month by month: each service's days charged and the hold price's
days credited ("Fiber 500, Jul 20–26 (7 of 31 days): vacation hold ended early").
A package change's one-time fee is a `one_time` line on the next invoice after staff complete it.

Rounding: each part-month line is the monthly price × the days ÷ the days in that month, rounded to
the nearest cent, a half cent up (`prorated_cents`). Credit and charge are rounded separately, so a
whole month is exactly the monthly price and every line can be checked on its own.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from sqlmodel import Session, col, select

from portal_app.models import AccountService, CartOrder, Invoice, Package, ServiceHold
from portal_app.models.statuses import InvoiceLineKind
from portal_app.services.core import formatting


@dataclass(frozen=True)
class PlannedLine:
    kind: InvoiceLineKind
    description: str
    amount_cents: int
    account_service_id: int | None = None


@dataclass(frozen=True)
class ServiceCharge:
    """A billable service as the period bills it."""

    account_service_id: int | None
    name: str
    monthly_price_cents: int


@dataclass(frozen=True)
class PriceChange:
    """A prorated package change the next invoice has to put right."""

    account_service_id: int | None
    old_name: str
    old_price_cents: int
    new_name: str
    new_price_cents: int
    effective_on: dt.date
    order_id: int | None = None


@dataclass(frozen=True)
class HoldDays:
    """A vacation hold as billing sees it: its days, the monthly price while on hold, and the last day of
    it an invoice has billed already (None: none)."""

    starts_on: dt.date
    ends_on: dt.date
    monthly_price_cents: int
    billed_through: dt.date | None = None
    hold_id: int | None = None


def days_in_month(day: dt.date) -> int:
    return calendar.monthrange(day.year, day.month)[1]


def month_end(day: dt.date) -> dt.date:
    return day.replace(day=days_in_month(day))


def next_month(day: dt.date) -> dt.date:
    return month_end(day) + dt.timedelta(days=1)


def prorated_cents(monthly_cents: int, days: int, month_days: int) -> int:
    """`monthly_cents × days ÷ month_days` to the nearest cent, a half cent rounded up."""
    if not 0 <= days <= month_days:
        raise ValueError("days must lie within the month")
    return (2 * monthly_cents * days + month_days) // (2 * month_days)


def span_label(start: dt.date, end: dt.date) -> str:
    """'Mar 12–31 (20 of 31 days)'; one month at a time."""
    days = (end - start).days + 1
    dates = formatting.date(start, 'MMMd') if start == end else formatting.formatter().date_range(start, end, 'MMMd')
    return f"{dates} ({days} of {days_in_month(start)} day{'s' if days_in_month(start) != 1 else ''})"


def _part_month(name: str, monthly_cents: int, start: dt.date, end: dt.date, service_id: int | None,
                *, credit: bool) -> PlannedLine:
    cents = prorated_cents(monthly_cents, (end - start).days + 1, days_in_month(start))
    label = f"{name}, {span_label(start, end)}"
    return PlannedLine(kind="proration", description=f"Credit for {label}" if credit else label,
                       amount_cents=-cents if credit else cents, account_service_id=service_id)


def proration_lines(change: PriceChange, *, period_start: dt.date, period_end: dt.date,
                    billed: Callable[[dt.date], bool]) -> list[PlannedLine]:
    """The part-month lines `change` puts on the invoice for `period_start`..`period_end`.

    `billed(day)` says whether an earlier invoice covered that day (at the old price)."""
    lines: list[PlannedLine] = []
    effective, service = change.effective_on, change.account_service_id
    month = effective.replace(day=1)
    while month < period_start:
        start, end = max(effective, month), month_end(month)
        if billed(start):
            lines += [_part_month(change.old_name, change.old_price_cents, start, end, service, credit=True),
                      _part_month(change.new_name, change.new_price_cents, start, end, service, credit=False)]
        month = next_month(month)
    if period_start < effective:  # inside this period: its service line bills the new price for all of it
        end = min(effective - dt.timedelta(days=1), period_end)
        lines += [_part_month(change.old_name, change.old_price_cents, period_start, end, service, credit=False),
                  _part_month(change.new_name, change.new_price_cents, period_start, end, service, credit=True)]
    return lines


def hold_label(start: dt.date, end: dt.date) -> str:
    """'Jul 12–26'; one month at a time."""
    return formatting.date(start, "MMMd") if start == end else formatting.date_range(start, end, "MMMd")


def _months(first: dt.date, last: dt.date):
    """`first`..`last` cut at month ends: (start, end) of each calendar month's part."""
    while first <= last:
        end = min(month_end(first), last)
        yield first, end
        first = end + dt.timedelta(days=1)


ENDED_EARLY = "vacation hold ended early"  # how a charged-back day's line says so (the bill's explanation reads it)


def _hold_month_lines(hold: HoldDays, services: list[ServiceCharge], day: dt.date, end: dt.date, *,
                      ended_early: bool) -> list[PlannedLine]:
    """One month's part of a hold: each service's days credited and the hold price's days charged, or, for days
    of a hold ended early that a bill already billed so, the reverse."""
    days, month_days = (end - day).days + 1, days_in_month(day)
    sign = 1 if ended_early else -1  # on the services' lines; the hold price's line has the other sign
    plural = "s" if days != 1 else ""
    price = f"{formatting.money(hold.monthly_price_cents)}/month"
    lines = [PlannedLine(kind="hold", amount_cents=sign * prorated_cents(s.monthly_price_cents, days, month_days),
                         account_service_id=s.account_service_id,
                         description=(f"{s.name}, {span_label(day, end)}: {ENDED_EARLY}" if ended_early else
                                      f"Credit for {s.name}, {span_label(day, end)}: vacation hold")[:200])
             for s in services]
    lines.append(PlannedLine(
        kind="hold", amount_cents=-sign * prorated_cents(hold.monthly_price_cents, days, month_days),
        description=(f"Credit for the hold price, {hold_label(day, end)}: {days} day{plural} at {price}, {ENDED_EARLY}"
                     if ended_early else f"Vacation hold {hold_label(day, end)}: {days} day{plural} at {price}")))
    return lines


def hold_lines(hold: HoldDays, services: list[ServiceCharge], *, period_start: dt.date, period_end: dt.date,
               billed: Callable[[dt.date], bool]) -> list[PlannedLine]:
    """The hold's lines on the invoice for `period_start`..`period_end`: month by month, each service's
    days credited and the hold price's days charged, for days not billed at the hold price yet that lie in
    this period or in a month an earlier invoice billed (and first what a hold ended early charges back)."""
    lines = charge_back_lines(hold, services)
    first = hold.starts_on if hold.billed_through is None else max(hold.starts_on,
                                                                    hold.billed_through + dt.timedelta(days=1))
    for day, end in _months(first, min(hold.ends_on, period_end)):
        if day >= period_start or billed(day):
            lines += _hold_month_lines(hold, services, day, end, ended_early=False)
    return lines


def charge_back_lines(hold: HoldDays, services: list[ServiceCharge]) -> list[PlannedLine]:
    """A hold ended early: the days after its new last day that an invoice already billed at the hold price,
    billed again at the package price, month by month (the reverse of that invoice's hold lines)."""
    if hold.billed_through is None or hold.billed_through <= hold.ends_on:
        return []
    first = max(hold.starts_on, hold.ends_on + dt.timedelta(days=1))
    return [line for day, end in _months(first, hold.billed_through)
            for line in _hold_month_lines(hold, services, day, end, ended_early=True)]


def plan_lines(services: Iterable[ServiceCharge], changes: Iterable[PriceChange], *, period_start: dt.date,
               period_end: dt.date, billed: Callable[[dt.date], bool], holds: Iterable[HoldDays] = (),
               one_time: Iterable[PlannedLine] = ()) -> list[PlannedLine]:
    """The lines of the invoice for a calendar-month period: each service, then each change's part-month
    lines, each hold's days, and the one-time charges."""
    services = list(services)
    lines = [PlannedLine(kind="service", description=f"{s.name} ({formatting.date(period_start, 'yMMM')})"[:200],
                         amount_cents=s.monthly_price_cents, account_service_id=s.account_service_id)
             for s in services]
    for change in changes:
        lines += proration_lines(change, period_start=period_start, period_end=period_end, billed=billed)
    for hold in holds:
        lines += hold_lines(hold, services, period_start=period_start, period_end=period_end, billed=billed)
    return lines + list(one_time)


# --- reading what the plan needs from the database --------------------------------------------


def billable_services(db: Session, account_ids: list[int]) -> dict[int, list[AccountService]]:
    """Each account's active billable services, in a stable order (one query)."""
    found: dict[int, list[AccountService]] = {}
    for service in db.exec(select(AccountService).where(
            col(AccountService.account_id).in_(account_ids), col(AccountService.billable).is_(True),
            AccountService.status == "active").order_by(col(AccountService.account_id), col(AccountService.id))):
        found.setdefault(service.account_id, []).append(service)
    return found


def charges(services: Iterable[AccountService]) -> list[ServiceCharge]:
    return [ServiceCharge(s.id, s.name, s.monthly_price_cents) for s in services]


def pending_prorations(db: Session, account_ids: list[int] | None = None) -> dict[int, list[tuple[CartOrder, PriceChange]]]:
    """Prorated package changes staff have completed and no invoice has put right yet, per account."""
    query = select(CartOrder).where(CartOrder.kind == "package_change", CartOrder.status == "completed",
                                    col(CartOrder.prorate_now).is_(True), col(CartOrder.effective_on).is_not(None),
                                    col(CartOrder.prorated_invoice_id).is_(None))
    if account_ids is not None:
        query = query.where(col(CartOrder.account_id).in_(account_ids))
    found: dict[int, list[tuple[CartOrder, PriceChange]]] = {}
    orders = list(db.exec(query.order_by(col(CartOrder.id))))
    names = _order_names(db, orders)
    for order in orders:
        old_name, new_name = names[order.id]
        found.setdefault(order.account_id, []).append((order, PriceChange(
            account_service_id=order.account_service_id, old_name=old_name, old_price_cents=order.previous_price_cents,
            new_name=new_name, new_price_cents=order.new_price_cents, effective_on=order.effective_on,
            order_id=order.id)))
    return found


BILLED_HOLDS = ("approved", "active", "ended")


def hold_days(hold: ServiceHold) -> HoldDays:
    return HoldDays(starts_on=hold.starts_on, ends_on=hold.ends_on, monthly_price_cents=hold.monthly_price_cents,
                    billed_through=hold.invoiced_through, hold_id=hold.id)


def pending_holds(db: Session, account_ids: list[int] | None = None) -> dict[int, list[tuple[ServiceHold, HoldDays]]]:
    """Approved holds (in force or over) with days no invoice has billed at the hold price yet, or ended early
    after an invoice billed days past their new end (to charge back), per account."""
    query = select(ServiceHold).where(col(ServiceHold.status).in_(BILLED_HOLDS),
                                      (col(ServiceHold.invoiced_through).is_(None))
                                      | (col(ServiceHold.invoiced_through) != col(ServiceHold.ends_on)))
    if account_ids is not None:
        query = query.where(col(ServiceHold.account_id).in_(account_ids))
    found: dict[int, list[tuple[ServiceHold, HoldDays]]] = {}
    for hold in db.exec(query.order_by(col(ServiceHold.starts_on), col(ServiceHold.id))):
        found.setdefault(hold.account_id, []).append((hold, hold_days(hold)))
    return found


def fee_line(new_name: str, fee_cents: int) -> PlannedLine:
    return PlannedLine(kind="one_time", description=f"Package change fee (to {new_name})"[:200], amount_cents=fee_cents)


def pending_fees(db: Session, account_ids: list[int] | None = None) -> dict[int, list[tuple[CartOrder, PlannedLine]]]:
    """Package-change fees of orders staff have completed that no invoice has charged yet, per account."""
    query = select(CartOrder).where(CartOrder.kind == "package_change", CartOrder.status == "completed",
                                    CartOrder.fee_cents > 0, col(CartOrder.fee_invoice_id).is_(None))
    if account_ids is not None:
        query = query.where(col(CartOrder.account_id).in_(account_ids))
    orders = list(db.exec(query.order_by(col(CartOrder.id))))
    names = _order_names(db, orders)
    found: dict[int, list[tuple[CartOrder, PlannedLine]]] = {}
    for order in orders:
        found.setdefault(order.account_id, []).append((order, fee_line(names[order.id][1], order.fee_cents)))
    return found


def _order_names(db: Session, orders: list[CartOrder]) -> dict[int, tuple[str, str]]:
    ids = {i for o in orders for i in (o.package_id, o.previous_package_id) if i is not None}
    names = dict(db.exec(select(Package.id, Package.name).where(col(Package.id).in_(ids))).all()) if ids else {}
    return {o.id: (names.get(o.previous_package_id, "Previous package"), names.get(o.package_id, "New package"))
            for o in orders}


def billed_days(db: Session, account_id: int) -> Callable[[dt.date], bool]:
    """Whether an invoice of the account (not void) covered a day: one query, then a lookup."""
    periods = db.exec(select(Invoice.period_start, Invoice.period_end).where(
        Invoice.account_id == account_id, Invoice.status != "void")).all()
    return lambda day: any(start <= day <= end for start, end in periods)


def next_period(db: Session, account_id: int, today: dt.date) -> tuple[dt.date, dt.date]:
    """The period of the account's next invoice: this month unless it is billed already, else the next."""
    start = today.replace(day=1)
    if billed_days(db, account_id)(today):
        start = next_month(start)
    return start, month_end(start)


@dataclass(frozen=True)
class NextBill:
    period_start: dt.date
    lines: list[PlannedLine]

    @property
    def total_cents(self) -> int:
        return sum(line.amount_cents for line in self.lines)


def next_bill(db: Session, *, account_id: int, today: dt.date, change: PriceChange | None = None,
              prorate: bool = False, fee_cents: int = 0, hold: HoldDays | None = None) -> NextBill:
    """The account's next invoice as the billing run will issue it, with `change` (a package change
    not placed yet) as if staff had completed it: its service line at the new package and price, its
    part-month lines when `prorate`, and its one-time fee; or with `hold` (a hold not approved yet) as
    if staff had approved it. A hold that starts after the next bill's month is shown on its own
    month's bill (the first that carries it): that bill has the services as they are today."""
    start, end = next_period(db, account_id, today)
    later = hold is not None and hold.starts_on > end
    if later:
        start = hold.starts_on.replace(day=1)
        end = month_end(start)
    services = charges(billable_services(db, [account_id]).get(account_id, []))
    changes = [] if later else [c for _, c in pending_prorations(db, [account_id]).get(account_id, [])]
    holds = [h for _, h in pending_holds(db, [account_id]).get(account_id, [])]
    fees = [] if later else [line for _, line in pending_fees(db, [account_id]).get(account_id, [])]
    if change is not None:
        services = [replace(s, name=change.new_name, monthly_price_cents=change.new_price_cents)
                    if s.account_service_id == change.account_service_id else s for s in services]
        if prorate:
            changes.append(change)
        if fee_cents > 0:
            fees.append(fee_line(change.new_name, fee_cents))
    if hold is not None:
        holds.append(hold)
    return NextBill(period_start=start, lines=plan_lines(services, changes, period_start=start, period_end=end,
                                                         billed=billed_days(db, account_id), holds=holds,
                                                         one_time=fees))
