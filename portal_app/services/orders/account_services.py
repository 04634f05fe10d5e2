"""The Services page: an account's billed packages and non-billable services, with package items."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from portal_app.models import AccountService, Package, PackageItem
from portal_app.services.core.access import access_account, access_service
from portal_app.services.core.principal import Principal


@dataclass(frozen=True)
class Item:
    name: str
    detail: str
    price_cents: int


@dataclass(frozen=True)
class ServiceLine:
    id: int
    name: str
    billable: bool
    monthly_price_cents: int
    status: str
    package_id: int | None
    speed: str = ""
    items: list[Item] = field(default_factory=list)


def package_items(db: Session, package_id: int) -> list[Item]:
    rows = db.exec(select(PackageItem).where(PackageItem.package_id == package_id)
                   .order_by(col(PackageItem.sort_order), col(PackageItem.id)))
    return [Item(r.name, r.detail, r.price_cents) for r in rows]


def speed_label(package: Package) -> str:
    def mbps(value: int) -> str:
        return f"{value // 1000} Gbps" if value >= 1000 and value % 1000 == 0 else f"{value} Mbps"

    return f"{mbps(package.download_mbps)} down / {mbps(package.upload_mbps)} up" if package.download_mbps else ""


def _line(db: Session, row: AccountService) -> ServiceLine:
    package = db.get(Package, row.package_id) if row.package_id else None
    return ServiceLine(id=row.id, name=row.name, billable=row.billable, monthly_price_cents=row.monthly_price_cents,
                       status=row.status, package_id=row.package_id,
                       speed=speed_label(package) if package else "",
                       items=package_items(db, package.id) if package else [])


def account_services(db: Session, *, principal: Principal) -> list[ServiceLine]:
    """Current (active or pending) services, billed packages first."""
    account = access_account(db, principal)
    rows = db.exec(select(AccountService).where(AccountService.account_id == account.id,
                                                col(AccountService.status).in_(("active", "pending")))
                   .order_by(col(AccountService.billable).desc(), col(AccountService.id)))
    return [_line(db, r) for r in rows]


def service_line(db: Session, *, principal: Principal, service_id: int) -> ServiceLine:
    return _line(db, access_service(db, principal, service_id))
