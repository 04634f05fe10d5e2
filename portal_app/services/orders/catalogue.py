"""Staff: the package catalogue and service areas (their packages and cart portal-account mode)."""

from __future__ import annotations

import re

from sqlmodel import Session, col, select

from portal_app.models import Package, PackageItem, ServiceArea, ServiceAreaPackage
from portal_app.services.orders.cart import MODES
from portal_app.services.staff import staff_audit
from portal_app.services.core.access import ADMIN, require_staff, row_or_not_found
from portal_app.services.core.errors import FieldErrors, NotFound
from portal_app.services.core.principal import Principal
from portal_app.services.core import formatting


def packages(db: Session, *, principal: Principal) -> list[Package]:
    require_staff(principal, role=ADMIN, what="catalogue")
    return list(db.exec(select(Package).order_by(col(Package.monthly_price_cents), col(Package.id))))


MAX_PRICE_CENTS = 100_000_000  # a monthly price under a million


def _cents(raw: str) -> int | None:
    cents = formatting.parse_amount(raw)
    return cents if cents is not None and cents < MAX_PRICE_CENTS else None


def _name(errors: dict[str, str], field: str, raw: str) -> str:
    """A package's or area's name with its spaces tidied; a missing or long one goes into `errors`."""
    name = " ".join(str(raw or "").split())
    if not name or len(name) > 120:
        errors[field] = "Enter a name (120 characters at most)."
    return name


def _package_fields(errors: dict[str, str], *, name: str, description: str, price: str, download_mbps: str,
                    upload_mbps: str) -> dict:
    """The editable facts of a package, validated; problems go into `errors` by field."""
    name = _name(errors, "name", name)
    cents = _cents(price)
    if cents is None:
        errors["price"] = "Enter the monthly price, like 55.00."
    speeds = []
    for field, raw in (("download_mbps", download_mbps), ("upload_mbps", upload_mbps)):
        text = str(raw or "0").strip() or "0"
        if not text.isdigit() or int(text) > 100_000:
            errors[field] = "Enter whole Mbps, like 300."
        speeds.append(int(text) if text.isdigit() else 0)
    return {"name": name, "description": str(description or "").strip()[:500], "monthly_price_cents": cents,
            "download_mbps": speeds[0], "upload_mbps": speeds[1]}


def add_package(db: Session, *, principal: Principal, code: str, name: str, description: str, price: str,
                download_mbps: str, upload_mbps: str) -> Package:
    require_staff(principal, role=ADMIN, what="catalogue")
    errors: dict[str, str] = {}
    code = str(code or "").strip().upper()
    if not re.fullmatch(r"[A-Z0-9_-]{2,32}", code):
        errors["code"] = "Use 2 to 32 letters, digits, dashes or underscores."
    elif db.exec(select(Package.id).where(Package.code == code)).first() is not None:
        errors["code"] = "That code is taken."
    fields = _package_fields(errors, name=name, description=description, price=price,
                             download_mbps=download_mbps, upload_mbps=upload_mbps)
    if errors:
        raise FieldErrors(errors)
    package = Package(code=code, **fields)
    db.add(package)
    db.flush()
    db.add(PackageItem(package_id=package.id, name=package.name, detail="Service", price_cents=package.monthly_price_cents))
    staff_audit.record(db, principal=principal, action="catalogue.add_package", target=code,
                       detail=f"{package.name} at {package.monthly_price_cents} cents a month")
    return package


def update_package(db: Session, *, principal: Principal, package_id: int, name: str, description: str, price: str,
                   download_mbps: str, upload_mbps: str) -> Package:
    """Edit a package; a new price moves its service line (the first item) so the items still add up."""
    require_staff(principal, role=ADMIN, what="catalogue")
    package = row_or_not_found(db, Package, package_id, "package")
    errors: dict[str, str] = {}
    fields = _package_fields(errors, name=name, description=description, price=price,
                             download_mbps=download_mbps, upload_mbps=upload_mbps)
    service_line = db.exec(
        select(PackageItem).where(PackageItem.package_id == package.id).order_by(col(PackageItem.sort_order), col(PackageItem.id))
    ).first()
    if not errors and fields["monthly_price_cents"] != package.monthly_price_cents:
        change = fields["monthly_price_cents"] - package.monthly_price_cents
        if service_line is None or service_line.price_cents + change < 0:
            errors["price"] = "The package's other items cost more than that price."
    if errors:
        raise FieldErrors(errors)
    if service_line is not None:
        service_line.price_cents += fields["monthly_price_cents"] - package.monthly_price_cents
        db.add(service_line)
    for key, value in fields.items():
        setattr(package, key, value)
    db.add(package)
    staff_audit.record(db, principal=principal, action="catalogue.update_package", target=package.code,
                       detail=f"{package.name} at {package.monthly_price_cents} cents a month")
    return package


def set_package_active(db: Session, *, principal: Principal, package_id: int, active: bool) -> Package:
    require_staff(principal, role=ADMIN, what="catalogue")
    package = row_or_not_found(db, Package, package_id, "package")
    package.active = bool(active)
    db.add(package)
    staff_audit.record(db, principal=principal, action="catalogue.package_active", target=package.code,
                       detail="offered" if active else "withdrawn")
    return package


def areas(db: Session, *, principal: Principal) -> list[tuple[ServiceArea, set[int]]]:
    require_staff(principal, role=ADMIN, what="catalogue")
    rows = list(db.exec(select(ServiceArea).order_by(col(ServiceArea.name))))
    links = db.exec(select(ServiceAreaPackage))
    offered: dict[int, set[int]] = {a.id: set() for a in rows}
    for link in links:
        offered.setdefault(link.service_area_id, set()).add(link.package_id)
    return [(a, offered[a.id]) for a in rows]


def _clean_zips(raw: str) -> str | None:
    zips = [z for z in re.split(r"[\s,]+", str(raw or "")) if z]
    if not zips or not all(re.fullmatch(r"\d{5}", z) for z in zips):
        return None
    return ",".join(dict.fromkeys(zips))


def add_area(db: Session, *, principal: Principal, name: str, zip_codes: str, mode: str) -> ServiceArea:
    require_staff(principal, role=ADMIN, what="catalogue")
    errors = {}
    name = _name(errors, "area_name", name)
    zips = _clean_zips(zip_codes)
    if zips is None:
        errors["zip_codes"] = "Enter 5-digit ZIP codes separated by commas."
    if mode not in MODES:
        errors["mode"] = "Choose disabled, optional or required."
    if errors:
        raise FieldErrors(errors)
    area = ServiceArea(name=name, zip_codes=zips, portal_account_mode=mode)
    db.add(area)
    db.flush()
    staff_audit.record(db, principal=principal, action="catalogue.add_area", target=name, detail=f"ZIPs {zips}; {mode}")
    return area


def set_area_mode(db: Session, *, principal: Principal, area_id: int, mode: str) -> ServiceArea:
    require_staff(principal, role=ADMIN, what="catalogue")
    area = row_or_not_found(db, ServiceArea, area_id, "service area")
    if mode not in MODES:
        raise FieldErrors({"mode": "Choose disabled, optional or required."})
    area.portal_account_mode = mode
    db.add(area)
    staff_audit.record(db, principal=principal, action="catalogue.area_mode", target=area.name, detail=mode)
    return area


def set_area_package(db: Session, *, principal: Principal, area_id: int, package_id: int, offered: bool) -> None:
    require_staff(principal, role=ADMIN, what="catalogue")
    if db.get(ServiceArea, area_id) is None or db.get(Package, package_id) is None:
        raise NotFound("service area")
    link = db.get(ServiceAreaPackage, (area_id, package_id))
    if offered and link is None:
        db.add(ServiceAreaPackage(service_area_id=area_id, package_id=package_id))
    elif not offered and link is not None:
        db.delete(link)
    staff_audit.record(db, principal=principal, action="catalogue.area_package", target=f"area {area_id}",
                       detail=f"package {package_id} {'offered' if offered else 'not offered'}")
