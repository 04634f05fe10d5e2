"""The public shopping cart: service address → the area's packages → subscriber details → order.

Placing an order creates the account, its pending service, the install workflow and (when the
service area's portal-account step is taken) an unverified portal user who gets the same
verification email as self sign-up. Everything happens in the caller's transaction.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from sqlmodel import Session, col, select

from portal_app.models import (
    Account, AccountService, Appointment, CartOrder, Contact, ContactPoint, ContactType, Package, ServiceArea,
    ServiceAreaPackage,
)
from portal_app.services.core import history
from portal_app.services.identity import portal_users, ratelimit
from portal_app.services.orders import workflows
from portal_app.services.core.reach import normalize_phone
from portal_app.services.core.errors import FieldErrors
from portal_app.services.core.i18n import N_, _
from portal_app.services.core.country import terms
from portal_app.services.core.principal import Principal

MODES = ("disabled", "optional", "required")
INSTALL_STEPS = [
    # What the subscriber reads is stored in English and said in their language where it is shown.
    ("Order received", N_("Order received"), N_("We have your order and are preparing your install.")),
    ("Credit and address check", "", ""),
    ("Schedule installer", N_("Pick an install time"), N_("Choose a time window that suits you under Scheduling.")),
    ("Installer visit", N_("Installer visit"), N_("A technician connects your home to fiber.")),
    ("Activation", N_("Service activated"), N_("Your internet is on.")),
]


def area_for_zip(db: Session, zip_code: str) -> ServiceArea | None:
    code = re.sub(r"\D", "", zip_code or "")[:5]
    if len(code) != 5:
        return None
    for area in db.exec(select(ServiceArea).order_by(col(ServiceArea.id))):
        if code in {z.strip() for z in area.zip_codes.split(",")}:
            return area
    return None


def area_packages(db: Session, area_id: int) -> list[Package]:
    query = (select(Package).join(ServiceAreaPackage, ServiceAreaPackage.package_id == Package.id)
             .where(ServiceAreaPackage.service_area_id == area_id, col(Package.active).is_(True))
             .order_by(col(Package.monthly_price_cents), col(Package.id)))
    return list(db.exec(query))


@dataclass(frozen=True)
class CartForm:
    street: str
    city: str
    state: str
    zip_code: str
    package_id: int
    first_name: str
    last_name: str
    email: str
    phone: str
    want_portal: bool = False
    username: str = ""
    password: str = ""


@dataclass(frozen=True)
class Placed:
    account_number: str
    username: str  # "" when no portal sign-in was made
    email: str


def _new_account_number(db: Session) -> str:
    while True:
        number = f"3{secrets.randbelow(10**8):08d}"
        if db.exec(select(Account.id).where(Account.account_number == number)).first() is None:
            return number


NO_STREET = _("Enter the street address where you want service.")
NO_CITY = _("Enter the city.")


def _validate(db: Session, form: CartForm) -> tuple[ServiceArea, Package, str, str, str, bool]:
    errors: dict[str, str] = {}
    area = area_for_zip(db, form.zip_code)
    if not form.street.strip():
        errors["street"] = NO_STREET
    if not form.city.strip():
        errors["city"] = NO_CITY
    if area is None:
        errors["zip_code"] = terms().not_served  # ZIP code, postcode...: the provider's country
    package = None
    if area is not None:
        package = next((p for p in area_packages(db, area.id) if p.id == form.package_id), None)
        if package is None:
            errors["package"] = _("Choose a package offered at this address.")
    for field, message in (("first_name", _("Enter your first name.")), ("last_name", _("Enter your last name."))):
        if not getattr(form, field).strip():
            errors[field] = message
    email = phone = username = ""
    try:
        email = portal_users.clean_email(form.email)
    except FieldErrors as problem:
        errors.update(problem.errors)
    try:
        phone = normalize_phone(form.phone)
    except ValueError:
        errors["phone"] = portal_users.PHONE_TO_CALL
    wants = area is not None and (area.portal_account_mode == "required"
                                  or (area.portal_account_mode == "optional" and form.want_portal))
    if wants:
        username = portal_users.check_new_sign_in(form.username, form.password, form.email, errors)
        if username and portal_users.username_taken(db, username):
            errors["username"] = _("That username is taken. Choose another.")
    if errors:
        raise FieldErrors(errors)
    assert area is not None and package is not None
    return area, package, email, phone, username, wants


def place_order(db: Session, *, form: CartForm, client_ip: str = "") -> Placed:
    """A new subscriber from the cart; rate-limited per client address like self sign-up."""
    limits = [(ratelimit.SIGN_UP_IP, client_ip)]
    ratelimit.check(db, limits)
    if form.username.strip():
        # Every attempt that can answer "that username is taken" counts, so usernames cannot be
        # listed through the cart; committed now, as the validation below may refuse the form.
        ratelimit.hit(db, limits)
        db.commit()
    area, package, email, phone, username, wants = _validate(db, form)
    if not form.username.strip():
        ratelimit.hit(db, limits)  # every placed order counts: each one creates an account
    account = Account(account_number=_new_account_number(db), first_name=form.first_name.strip()[:80],
                      last_name=form.last_name.strip()[:80], service_street=form.street.strip()[:200],
                      service_city=form.city.strip()[:100], service_state=form.state.strip()[:40],
                      service_zip=re.sub(r"\D", "", form.zip_code)[:5], billing_zip=re.sub(r"\D", "", form.zip_code)[:5],
                      service_area_id=area.id)
    db.add(account)
    db.flush()
    owner = db.exec(select(ContactType).where(ContactType.name == "Owner")).first()
    contact = Contact(account_id=account.id, first_name=account.first_name, last_name=account.last_name,
                      contact_type_id=owner.id if owner else None)
    db.add(contact)
    db.flush()
    db.add(ContactPoint(contact_id=contact.id, account_id=account.id, kind="email", value=email, label="Cart"))
    db.add(ContactPoint(contact_id=contact.id, account_id=account.id, kind="phone", value=phone, label="Cart"))
    db.add(AccountService(account_id=account.id, package_id=package.id, name=package.name, billable=True,
                          monthly_price_cents=package.monthly_price_cents, status="pending"))
    order = CartOrder(account_id=account.id, kind="new_service", service_area_id=area.id, package_id=package.id)
    db.add(order)
    db.flush()
    actor = Principal(kind="subscriber", display_name=f"{account.first_name} {account.last_name}".strip(),
                      account_id=account.id)
    history.record(db, principal=actor, account_id=account.id, kind="order", action="cart_sign_up",
                   summary=f"Ordered {package.name} through the shopping cart for {account.service_street}",
                   entity_type="cart_order", entity_id=order.id)
    workflows.create_workflow(db, principal=actor, account=account, kind="install", title=f"{package.name} install",
                           steps=INSTALL_STEPS, cart_order_id=order.id)
    # The install waits on Go to Scheduling, so the new subscriber picks a time after signing in.
    db.add(Appointment(account_id=account.id, kind="install", title=f"{package.name} install"))
    if wants:
        user = portal_users.create_unverified_user(db, account=account, username=username, email=email,
                                                   password=form.password)
        history.record(db, principal=actor, account_id=account.id, kind="access", action="signed_up",
                       summary=f"Portal sign-in '{username}' made in the shopping cart; verification email sent",
                       entity_type="portal_user", entity_id=user.id)
    return Placed(account_number=account.account_number, username=username, email=email)
