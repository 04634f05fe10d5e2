"""The account's contacts: people with a Type, each reachable by email addresses and phone numbers.

Emails are checked with `email-validator`; phones are parsed for the provider's country with
`phonenumbers` and stored in E.164. The last way to reach the account can never be deleted.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, func, select

from portal_app.models import Contact, ContactPoint, ContactType
from portal_app.services.core import history
from portal_app.services.staff import staff_audit
from portal_app.services.core.access import FULL, require_role, ADMIN, access_account, access_contact, access_contact_point, require_staff
from portal_app.services.core.errors import FieldErrors, PortalError, StaffOnly  # noqa: F401 - StaffOnly re-exported
from portal_app.services.core.i18n import _
from portal_app.services.core.principal import Principal
from portal_app.services.core.reach import INVALID_EMAIL, format_phone, normalize_email, normalize_phone  # noqa: F401 - re-exported

NAME_MAX = 80
LAST_WAY_TO_REACH = _("This is the last way to reach you. Add another email or phone number before deleting it.")


@dataclass(frozen=True)
class PointView:
    id: int
    kind: str  # email | phone
    value: str  # as shown: phones formatted for the provider's country
    label: str


@dataclass(frozen=True)
class ContactView:
    id: int
    name: str
    first_name: str
    last_name: str
    type_id: int | None
    type_name: str
    points: tuple[PointView, ...]


# --- validation -----------------------------------------------------------------------------


def _name(raw: str, field: str, label: str, errors: dict[str, str], *, required: bool) -> str:
    value = " ".join((raw or "").split())
    first = field == "first_name"  # the two name fields, each said in full for the catalog
    if required and not value:
        errors[field] = _("Enter a first name.") if first else _("Enter a last name.")
    elif len(value) > NAME_MAX:
        errors[field] = (_("Keep the first name under %(count)s characters.", count=NAME_MAX) if first
                         else _("Keep the last name under %(count)s characters.", count=NAME_MAX))
    return value


def _type_id(db: Session, raw: int | str | None, errors: dict[str, str]) -> int | None:
    if raw in (None, "", "none"):
        return None
    try:
        type_id = int(raw)
    except (TypeError, ValueError):
        errors["type_id"] = _("Choose a type from the list.")
        return None
    if db.get(ContactType, type_id) is None:
        errors["type_id"] = _("Choose a type from the list.")
    return type_id


def _point(kind: str, raw: str, errors: dict[str, str]) -> str | None:
    if not (raw or "").strip():
        return None
    try:
        return normalize_email(raw) if kind == "email" else normalize_phone(raw)
    except ValueError as problem:
        errors[kind] = problem.args[0] if problem.args else str(problem)  # a Text keeps its msgid
        return None


# --- reading --------------------------------------------------------------------------------


def contact_types(db: Session) -> list[ContactType]:
    return list(db.exec(select(ContactType).order_by(col(ContactType.sort_order), col(ContactType.name))))


def list_contacts(db: Session, *, principal: Principal) -> list[ContactView]:
    account = access_account(db, principal)
    types = {t.id: t.name for t in contact_types(db)}
    order = {t.id: t.sort_order for t in contact_types(db)}
    contacts = list(db.exec(select(Contact).where(Contact.account_id == account.id).order_by(col(Contact.id))))
    points = list(
        db.exec(select(ContactPoint).where(ContactPoint.account_id == account.id).order_by(col(ContactPoint.id)))
    )
    views = []
    for contact in contacts:
        mine = [p for p in points if p.contact_id == contact.id]
        mine.sort(key=lambda p: (p.kind != "email", p.id))
        views.append(
            ContactView(
                id=contact.id,
                name=f"{contact.first_name} {contact.last_name}".strip() or "Unnamed contact",
                first_name=contact.first_name,
                last_name=contact.last_name,
                type_id=contact.contact_type_id,
                type_name=types.get(contact.contact_type_id, ""),
                points=tuple(
                    PointView(id=p.id, kind=p.kind, label=p.label,
                              value=format_phone(p.value) if p.kind == "phone" else p.value)
                    for p in mine
                ),
            )
        )
    views.sort(key=lambda v: (order.get(v.type_id, 10_000), v.id))
    return views


def _points_on_account(db: Session, account_id: int) -> int:
    return db.exec(select(func.count()).select_from(ContactPoint).where(ContactPoint.account_id == account_id)).one()


# --- changes (each writes account history) --------------------------------------------------


def add_contact(
    db: Session,
    *,
    principal: Principal,
    contact_id: int | None = None,
    first_name: str = "",
    last_name: str = "",
    type_id: int | str | None = None,
    email: str = "",
    phone: str = "",
) -> Contact:
    """Add a new person (name, Type, optional email/phone) or an email/phone to an existing person."""
    require_role(principal, FULL)
    account = access_account(db, principal)
    errors: dict[str, str] = {}
    contact = access_contact(db, principal, contact_id) if contact_id else None
    email_value = _point("email", email, errors)
    phone_value = _point("phone", phone, errors)
    if contact is None:
        first = _name(first_name, "first_name", "first name", errors, required=True)
        last = _name(last_name, "last_name", "last name", errors, required=False)
        chosen_type = _type_id(db, type_id, errors)
    elif not (email or "").strip() and not (phone or "").strip():
        errors.setdefault("email", _("Enter an email address or a phone number."))
    if errors:
        raise FieldErrors(errors)
    if contact is None:
        contact = Contact(account_id=account.id, first_name=first, last_name=last, contact_type_id=chosen_type)
        db.add(contact)
        db.flush()
        history.record(db, principal=principal, account_id=account.id, kind="contact", action="added",
                       summary=f"Contact added: {contact.first_name} {contact.last_name}".strip(),
                       entity_type="contact", entity_id=contact.id)
    who = f"{contact.first_name} {contact.last_name}".strip()
    for kind, value in (("email", email_value), ("phone", phone_value)):
        if value is None:
            continue
        point = ContactPoint(contact_id=contact.id, account_id=account.id, kind=kind, value=value)
        db.add(point)
        db.flush()
        shown = value if kind == "email" else format_phone(value)
        history.record(db, principal=principal, account_id=account.id, kind="contact", action=f"{kind}_added",
                       summary=f"{'Email address' if kind == 'email' else 'Phone number'} {shown} added for {who}",
                       entity_type="contact_point", entity_id=point.id)
    return contact


def update_contact(
    db: Session, *, principal: Principal, contact_id: int, first_name: str, last_name: str, type_id: int | str | None
) -> Contact:
    require_role(principal, FULL)
    contact = access_contact(db, principal, contact_id)
    errors: dict[str, str] = {}
    first = _name(first_name, "first_name", "first name", errors, required=True)
    last = _name(last_name, "last_name", "last name", errors, required=False)
    chosen_type = _type_id(db, type_id, errors)
    if errors:
        raise FieldErrors(errors)
    before = f"{contact.first_name} {contact.last_name}".strip()
    contact.first_name, contact.last_name, contact.contact_type_id = first, last, chosen_type
    db.add(contact)
    type_name = db.get(ContactType, chosen_type).name if chosen_type else "no type"
    history.record(db, principal=principal, account_id=contact.account_id, kind="contact", action="edited",
                   summary=f"Contact {before} changed to {first} {last}".strip() + f" ({type_name})",
                   entity_type="contact", entity_id=contact.id)
    return contact


def update_point(db: Session, *, principal: Principal, point_id: int, value: str) -> ContactPoint:
    require_role(principal, FULL)
    point = access_contact_point(db, principal, point_id)
    errors: dict[str, str] = {}
    new_value = _point(point.kind, value, errors)
    if new_value is None and point.kind not in errors:
        errors[point.kind] = _("Enter an email address.") if point.kind == "email" else _("Enter a phone number.")
    if errors:
        raise FieldErrors(errors)
    old = point.value if point.kind == "email" else format_phone(point.value)
    point.value = new_value
    db.add(point)
    shown = new_value if point.kind == "email" else format_phone(new_value)
    noun = "Email address" if point.kind == "email" else "Phone number"
    history.record(db, principal=principal, account_id=point.account_id, kind="contact", action=f"{point.kind}_edited",
                   summary=f"{noun} {old} changed to {shown}", entity_type="contact_point", entity_id=point.id)
    return point


def delete_point(db: Session, *, principal: Principal, point_id: int) -> None:
    require_role(principal, FULL)
    point = access_contact_point(db, principal, point_id)
    if _points_on_account(db, point.account_id) <= 1:
        raise PortalError(LAST_WAY_TO_REACH)
    shown = point.value if point.kind == "email" else format_phone(point.value)
    noun = "Email address" if point.kind == "email" else "Phone number"
    history.record(db, principal=principal, account_id=point.account_id, kind="contact", action=f"{point.kind}_deleted",
                   summary=f"{noun} {shown} deleted", entity_type="contact_point", entity_id=point.id)
    db.delete(point)


def delete_contact(db: Session, *, principal: Principal, contact_id: int) -> None:
    """Delete a person with their emails and phones, unless that leaves no way to reach the account."""
    require_role(principal, FULL)
    contact = access_contact(db, principal, contact_id)
    points = list(db.exec(select(ContactPoint).where(ContactPoint.contact_id == contact.id)))
    if points and _points_on_account(db, contact.account_id) <= len(points):
        raise PortalError(LAST_WAY_TO_REACH)
    history.record(db, principal=principal, account_id=contact.account_id, kind="contact", action="deleted",
                   summary=f"Contact deleted: {contact.first_name} {contact.last_name}".strip(),
                   entity_type="contact", entity_id=contact.id)
    for point in points:
        db.delete(point)
    db.flush()
    db.delete(contact)


# --- staff: the Type options ----------------------------------------------------------------


def _type_name(raw: str, errors: dict[str, str]) -> str:
    name = " ".join((raw or "").split())
    if not name:
        errors["name"] = "Enter a name for the type."
    elif len(name) > 60:
        errors["name"] = "Keep the name under 60 characters."
    return name


def add_contact_type(db: Session, *, principal: Principal, name: str) -> ContactType:
    require_staff(principal, role=ADMIN)
    errors: dict[str, str] = {}
    clean = _type_name(name, errors)
    if not errors and db.exec(select(ContactType).where(func.lower(ContactType.name) == clean.lower())).first():
        errors["name"] = "That type already exists."
    if errors:
        raise FieldErrors(errors)
    last = db.exec(select(func.max(ContactType.sort_order))).one() or 0
    row = ContactType(name=clean, sort_order=last + 1)
    db.add(row)
    db.flush()
    staff_audit.record(db, principal=principal, action="contact_types.add", target=clean)
    return row


def rename_contact_type(db: Session, *, principal: Principal, type_id: int, name: str) -> ContactType:
    require_staff(principal, role=ADMIN)
    row = db.get(ContactType, int(type_id))
    if row is None:
        raise FieldErrors({"type_id": "That type no longer exists."})
    errors: dict[str, str] = {}
    clean = _type_name(name, errors)
    clash = db.exec(select(ContactType).where(func.lower(ContactType.name) == clean.lower(), ContactType.id != row.id))
    if not errors and clash.first():
        errors["name"] = "That type already exists."
    if errors:
        raise FieldErrors(errors)
    staff_audit.record(db, principal=principal, action="contact_types.rename", target=row.name, detail=f"now {clean}")
    row.name = clean
    db.add(row)
    return row


def reorder_contact_types(db: Session, *, principal: Principal, type_ids: list[int]) -> None:
    require_staff(principal, role=ADMIN)
    rows = {t.id: t for t in contact_types(db)}
    if sorted(int(i) for i in type_ids) != sorted(rows):
        raise FieldErrors({"order": "List every type exactly once."})
    for position, type_id in enumerate(type_ids, start=1):
        rows[int(type_id)].sort_order = position
        db.add(rows[int(type_id)])
    staff_audit.record(db, principal=principal, action="contact_types.reorder",
                       detail=", ".join(rows[int(i)].name for i in type_ids))


def remove_contact_type(db: Session, *, principal: Principal, type_id: int) -> None:
    """Remove a Type option; contacts that had it keep their details and show no type."""
    require_staff(principal, role=ADMIN)
    row = db.get(ContactType, int(type_id))
    if row is None:
        raise FieldErrors({"type_id": "That type no longer exists."})
    for contact in db.exec(select(Contact).where(Contact.contact_type_id == row.id)):
        contact.contact_type_id = None
        db.add(contact)
    db.flush()
    db.delete(row)
    staff_audit.record(db, principal=principal, action="contact_types.remove", target=row.name)
