"""One access function per owned thing: look it up within the principal's account or 404."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlmodel import Session, SQLModel, col, select

from portal_app.models.identity import HOME_ADDED_BY
from portal_app.models import (
    Account, AccountMembership, AccountService, Appointment, Contact, ContactPoint, Contract, Invoice, Payment,
    PaymentMethod, PortalUser, ProviderSettings, RecurringPayment, Ticket, Workflow,
)
from portal_app.services.core.errors import FieldErrors, Forbidden, NotFound, RoleRefused, StaffOnly
from portal_app.services.core.i18n import N_
from portal_app.services.core.principal import Principal
from portal_app.services.core import formatting

Owned = TypeVar("Owned", bound=SQLModel)
_LARGEST_ID = 2**63 - 1  # ids come from the client: anything a BIGINT cannot hold is simply not found


def account_id_of(principal: Principal) -> int:
    """The signed-in subscriber's account id (lists scope their queries by it: no need to read the
    account row first); not-found for anyone without an account."""
    if principal.account_id is None:
        raise NotFound("account")
    return principal.account_id


def access_account(db: Session, principal: Principal) -> Account:
    account = db.get(Account, account_id_of(principal))
    if account is None:
        raise NotFound("account")
    return account


def access_own_sign_in(db: Session, principal: Principal) -> PortalUser:
    """The signed-in person's own sign-in, while it holds the principal's account; else not found."""
    user = db.get(PortalUser, principal.user_id) if principal.user_id and principal.kind == "subscriber" else None
    if user is None or user.disabled or db.exec(select(AccountMembership.id).where(
            AccountMembership.user_id == user.id, AccountMembership.account_id == account_id_of(principal))).first() is None:
        raise NotFound("sign-in")
    return user


def is_invited(*, home_account_id: int, account_id: int, added_by: str) -> bool:
    """Whether a membership is an invited person's (an accepted invitation, a sign-in made from one, another
    account's sign-in that proved this one) rather than one made with a sign-in for the account itself: the
    account's own sign-ins share its address and choices; an invited person has their own (services/notify)."""
    return not (home_account_id == account_id and added_by == HOME_ADDED_BY)


def invited_to(db: Session, principal: Principal) -> bool:
    """Whether the signed-in person holds the principal's account as an invited person (one query)."""
    if principal.user_id is None or principal.kind != "subscriber":
        return False
    row = db.exec(select(PortalUser.account_id, AccountMembership.added_by)
                  .join(AccountMembership, col(AccountMembership.user_id) == PortalUser.id)
                  .where(PortalUser.id == principal.user_id,
                         AccountMembership.account_id == account_id_of(principal))).first()
    return row is not None and is_invited(home_account_id=row[0], account_id=account_id_of(principal), added_by=row[1])


def object_id_from(raw: object, what: str) -> int:
    """A client-sent id as a positive integer a database column can hold, or not found."""
    try:
        object_id = int(raw)  # type: ignore[call-overload]
    except (TypeError, ValueError, OverflowError):
        raise NotFound(what) from None
    if isinstance(raw, bool) or not 0 < object_id <= _LARGEST_ID:
        raise NotFound(what)
    return object_id


def row_or_not_found(db: Session, model: type[Owned], raw_id: object, what: str) -> Owned:
    """A row by a client-sent id (staff pages), or not found for a missing row or an id that cannot be one."""
    row = db.get(model, object_id_from(raw_id, what))
    if row is None:
        raise NotFound(what)
    return row


def access_owned(db: Session, principal: Principal, model: type[Owned], object_id: object, what: str) -> Owned:
    """Fetch `model` row `object_id` only if it belongs to the principal's account; the same
    not-found for a missing row, another account's row and an id that cannot be one."""
    object_id = object_id_from(object_id, what)
    row = db.exec(
        select(model).where(model.id == object_id, model.account_id == account_id_of(principal))  # type: ignore[attr-defined]
    ).first()
    if row is None:
        raise NotFound(what)
    return row


def _owned_by_account(model: type[Owned], what: str) -> Callable[[Session, Principal, object], Owned]:
    def access(db: Session, principal: Principal, object_id: object) -> Owned:
        return access_owned(db, principal, model, object_id, what)
    access.__doc__ = f"The {what} of the principal's account with this id, or not found."
    return access


access_invoice = _owned_by_account(Invoice, "invoice")
access_payment = _owned_by_account(Payment, "payment")
access_contract = _owned_by_account(Contract, "contract")
access_workflow = _owned_by_account(Workflow, "order")
access_service = _owned_by_account(AccountService, "service")
access_ticket = _owned_by_account(Ticket, "ticket")
access_appointment = _owned_by_account(Appointment, "appointment")
access_contact = _owned_by_account(Contact, "contact")
access_contact_point = _owned_by_account(ContactPoint, "contact")  # an email or phone of a contact


def access_payment_method(db: Session, principal: Principal, method_id: int) -> PaymentMethod:
    """A stored method of the principal's account that has not been removed."""
    method = access_owned(db, principal, PaymentMethod, method_id, "payment method")
    if method.removed_at is not None:
        raise NotFound("payment method")
    return method


def access_recurring(db: Session, principal: Principal, recurring_id: int) -> RecurringPayment:
    """An active AutoPay of the principal's account."""
    recurring = access_owned(db, principal, RecurringPayment, recurring_id, "recurring payment")
    if recurring.cancelled_at is not None:
        raise NotFound("recurring payment")
    return recurring


# --- subscribers: the one role guard every subscriber write calls -------------------------------

FULL = "full"  # everything the portal offers the account
BILLING = "billing"  # pay, invoices and statements, AutoPay, payment methods; no contacts, orders, tickets...
VIEW = "view"  # sees the account, changes nothing
MEMBER_ROLES = (FULL, BILLING, VIEW)
_RANK = {VIEW: 0, BILLING: 1, FULL: 2}
ROLE_LABELS = {FULL: N_("Full access"), BILLING: N_("Billing only"), VIEW: N_("View only")}
_REFUSALS = {
    VIEW: N_("Your access to this account is view-only: ask the account holder to make this change."),
    BILLING: N_("Your access to this account covers billing only: ask the account holder to make this change."),
}


def require_role(principal: Principal, needed: str) -> None:
    """Refuse a subscriber whose role on the chosen account is below `needed` (FULL or BILLING).

    Staff and the system act under their own guards, so only subscriber principals are held here. Called
    by the write services and by the signed-in preamble of each handler that declares what it needs."""
    if principal.kind != "subscriber":
        return
    if _RANK.get(principal.role, -1) < _RANK[needed]:
        raise RoleRefused(_REFUSALS.get(principal.role, _REFUSALS[VIEW]))


def may(principal_role: str, needed: str) -> bool:
    """Whether a role is enough for `needed` (what the pages show follows the same ranks)."""
    return _RANK.get(principal_role, -1) >= _RANK[needed]


# --- staff: the one guard every staff verb calls ------------------------------------------------

ADMIN = "admin"
AGENT = "agent"
STAFF_ROLES = (AGENT, ADMIN)


def require_staff(principal: Principal, *, role: str = AGENT, what: str = "page") -> None:
    """Refuse anyone but signed-in staff, and agents where `role` is ADMIN.

    Agents look after accounts, portal users, tickets, orders and refunds up to a limit; admins do
    that and also settings, the catalogue, staff users, contact types, appointment windows and
    imports. Not staff at all gets the same not-found a subscriber gets for anything not theirs.
    """
    if principal.kind != "staff" or principal.staff_user_id is None:
        raise StaffOnly(what)
    if role == ADMIN and principal.staff_role != ADMIN:
        raise Forbidden()


def require_refund_allowed(db: Session, principal: Principal, amount_cents: int) -> None:
    """Agents refund up to the admin-set limit per refund; admins refund whatever the payment allows."""
    require_staff(principal, what="payment")
    if principal.staff_role == ADMIN:
        return
    limit = (db.exec(select(ProviderSettings)).first() or ProviderSettings()).agent_refund_limit_cents
    if amount_cents > limit:
        raise FieldErrors({"refund_amount": f"Agents can refund up to {formatting.money(limit)}; ask an admin for more."})
