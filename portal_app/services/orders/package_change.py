"""CHANGE a package: the packages on offer with the price difference, and placing the change order.

Placing it writes a CartOrder (kind package_change) with both prices as quoted and the day the
new price starts, opens a service-change workflow with trackable steps (so Order Tracking shows it
at once) and records the account history. The account's service switches to the new package when
staff close that workflow; the next invoice then bills it, with part-month lines when the change
was prorated, and the provider's package-change fee (`change_fee_cents`, quoted on the order) once
(services/billing/invoicing.py). `preview_next_bill` shows that invoice before the
order is placed, computed by the same code.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel import Session, col, select

from portal_app.models import Account, AccountService, CartOrder, Package, ServiceAreaPackage, Workflow
from portal_app.services.billing import invoicing
from portal_app.services.core import history
from portal_app.services.core.clock import provider_today
from portal_app.services.orders import workflows
from portal_app.services.core.access import FULL, require_role, access_account, access_service
from portal_app.services.orders.account_services import speed_label
from portal_app.services.core.errors import NotFound, PortalError
from portal_app.services.core.i18n import _, N_
from portal_app.services.core import formatting
from portal_app.services.core.principal import Principal
from portal_app.services.core.provider_settings import provider_settings


IN_PROGRESS = _("A package change is already in progress. You can follow it in Order Tracking.")


@dataclass(frozen=True)
class Option:
    package_id: int
    name: str
    description: str
    speed: str
    monthly_price_cents: int
    difference_cents: int  # new minus current, per month

    @property
    def direction(self) -> str:
        return N_("Upgrade") if self.difference_cents > 0 else N_("Downgrade") if self.difference_cents < 0 else N_("Same price")


def _changeable(db: Session, principal: Principal, service_id: int) -> tuple[Account, AccountService, Package]:
    service = access_service(db, principal, service_id)
    package = db.get(Package, service.package_id) if service.package_id else None
    if package is None or not service.billable or service.status != "active":
        raise NotFound(N_("service"))
    return access_account(db, principal), service, package


def offered_packages(db: Session, account: Account) -> list[Package]:
    """Active packages of the account's service area (every active package when it has none)."""
    query = select(Package).where(col(Package.active).is_(True))
    if account.service_area_id is not None:
        query = query.join(ServiceAreaPackage, ServiceAreaPackage.package_id == Package.id).where(
            ServiceAreaPackage.service_area_id == account.service_area_id)
    return list(db.exec(query.order_by(col(Package.monthly_price_cents), col(Package.id))))


def change_allowed(db: Session) -> bool:
    return provider_settings(db).allow_service_change


def change_options(db: Session, *, principal: Principal, service_id: int) -> tuple[AccountService, list[Option]]:
    account, service, current = _changeable(db, principal, service_id)
    if not change_allowed(db):
        raise PortalError(_("Package changes are not available online. Please contact us."))
    if open_change(db, account.id) is not None:
        raise PortalError(IN_PROGRESS)
    options = [Option(p.id, p.name, p.description, speed_label(p), p.monthly_price_cents,
                      p.monthly_price_cents - service.monthly_price_cents)
               for p in offered_packages(db, account) if p.id != current.id]
    return service, options


def open_change(db: Session, account_id: int) -> Workflow | None:
    return db.exec(select(Workflow).where(Workflow.account_id == account_id, Workflow.kind == "service_change",
                                          Workflow.status == "open")).first()


@dataclass(frozen=True)
class PendingChange:
    service_package_id: int | None  # the package line being changed
    new_name: str
    workflow_id: int  # its order in Order Tracking


def pending_change(db: Session, *, principal: Principal) -> PendingChange | None:
    """The account's package change still in progress, if any (one at a time)."""
    workflow = open_change(db, access_account(db, principal).id)
    if workflow is None:
        return None
    order = db.get(CartOrder, workflow.cart_order_id) if workflow.cart_order_id else None
    new = db.get(Package, order.package_id) if order is not None else None
    return PendingChange(service_package_id=order.previous_package_id if order is not None else None,
                         new_name=new.name if new is not None else workflow.title, workflow_id=workflow.id)


def _offered(db: Session, account: Account, current: Package, package_id: int) -> Package:
    new = next((p for p in offered_packages(db, account) if p.id == package_id and p.id != current.id), None)
    if new is None:
        raise NotFound(N_("package"))
    return new


def _price_change(db: Session, account: Account, service: AccountService, current: Package, new: Package, *,
                  prorate_now: bool, today: dt.date) -> invoicing.PriceChange:
    """The change as billing will see it: from today when prorated, else from the next bill's first day."""
    effective = today if prorate_now else invoicing.next_period(db, account.id, today)[0]
    return invoicing.PriceChange(account_service_id=service.id, old_name=current.name,
                                 old_price_cents=service.monthly_price_cents, new_name=new.name,
                                 new_price_cents=new.monthly_price_cents, effective_on=effective)


@dataclass(frozen=True)
class BillPreview:
    """The next invoice if the change is made: its lines and total, the monthly total after it, and the
    one-time fee the change costs (on that bill)."""

    period_start: dt.date
    lines: list[invoicing.PlannedLine]
    total_cents: int
    monthly_cents: int
    fee_cents: int = 0


def preview_next_bill(db: Session, *, principal: Principal, service_id: int, package_id: int, prorate_now: bool,
                      today: dt.date | None = None) -> BillPreview:
    """What the next bill will be with this change (as if staff complete it before then), line by line."""
    account, service, current = _changeable(db, principal, service_id)
    new = _offered(db, account, current, package_id)
    today = today or provider_today()
    change = _price_change(db, account, service, current, new, prorate_now=prorate_now, today=today)
    fee = provider_settings(db).change_fee_cents
    bill = invoicing.next_bill(db, account_id=account.id, today=today, change=change, prorate=prorate_now,
                               fee_cents=fee)
    monthly = sum(line.amount_cents for line in bill.lines if line.kind == "service")
    return BillPreview(period_start=bill.period_start, lines=bill.lines, total_cents=bill.total_cents,
                       monthly_cents=monthly, fee_cents=max(0, fee))


def place_package_change(db: Session, *, principal: Principal, service_id: int, package_id: int, prorate_now: bool,
                         paperless: bool, today: dt.date | None = None) -> CartOrder:
    require_role(principal, FULL)
    account, service, current = _changeable(db, principal, service_id)
    if principal.kind != "subscriber":
        raise NotFound(N_("service"))
    if not change_allowed(db):
        raise PortalError(_("Package changes are not available online. Please contact us."))
    new = _offered(db, account, current, package_id)
    if open_change(db, account.id) is not None:
        raise PortalError(IN_PROGRESS)
    change = _price_change(db, account, service, current, new, prorate_now=bool(prorate_now),
                           today=today or provider_today())
    order = CartOrder(account_id=account.id, kind="package_change", service_area_id=account.service_area_id,
                      package_id=new.id, previous_package_id=current.id, prorate_now=bool(prorate_now),
                      account_service_id=service.id, previous_price_cents=change.old_price_cents,
                      new_price_cents=change.new_price_cents, effective_on=change.effective_on,
                      fee_cents=max(0, provider_settings(db).change_fee_cents))
    db.add(order)
    account.paperless = bool(paperless)
    db.add(account)
    db.flush()
    when = (f"prorated from {formatting.date(change.effective_on, 'MMMd')}" if prorate_now
            else f"from your next bill ({formatting.date(change.effective_on, 'MMMd')})")
    workflows.create_workflow(db, principal=principal, account=account, kind="service_change",
                           title=f"Change to {new.name}", cart_order_id=order.id, steps=[
                               ("Order received", N_("Order received"), f"We have your request to change to {new.name}."),
                               ("Provision package", N_("Switching your service"), f"We switch your line to {new.name}."),
                               ("Update billing", N_("Billing updated"), f"Your bills show {new.name} {when}."),
                               ("Quality check", "", ""),
                           ])
    difference = new.monthly_price_cents - service.monthly_price_cents
    history.record(db, principal=principal, account_id=account.id, kind="service", action="package_change_ordered",
                   summary=(f"Package change ordered: {current.name} → {new.name} "
                            f"({formatting.signed(difference)}/mo, {when}, "
                            f"{'email' if paperless else 'paper'} bills"
                            + (f", one-time fee {formatting.money(order.fee_cents)}" if order.fee_cents else "")
                            + ")"),
                   entity_type="cart_order", entity_id=order.id)
    return order


def apply_package_change(db: Session, *, principal: Principal, workflow: Workflow) -> None:
    """When staff close a service-change workflow: the account's package line becomes the new package."""
    order = db.get(CartOrder, workflow.cart_order_id) if workflow.cart_order_id else None
    if order is None or order.kind != "package_change":
        return
    which = (AccountService.id == order.account_service_id if order.account_service_id is not None
             else AccountService.package_id == order.previous_package_id)
    service = db.exec(select(AccountService).where(AccountService.account_id == workflow.account_id, which,
                                                   AccountService.status == "active")).first()
    new = db.get(Package, order.package_id)
    if service is None or new is None:
        return
    # The price quoted when the order was placed (orders from before prices were kept: today's price).
    price = order.new_price_cents if order.effective_on is not None else new.monthly_price_cents
    service.package_id, service.name, service.monthly_price_cents = new.id, new.name, price
    order.status = "completed"
    db.add(service)
    db.add(order)
    history.record(db, principal=principal, account_id=workflow.account_id, kind="service", action="package_changed",
                   summary=f"Package changed to {new.name}", entity_type="account_service", entity_id=service.id)
