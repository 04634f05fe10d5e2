"""AutoPay (recurring payments): set up, change the method, remove, and list its charges."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from portal_app.models import Payment, PaymentMethod, RecurringPayment, utcnow
from portal_app.services.billing.mandates import ACH_TERMS_VERSION
from portal_app.services.core import history
from portal_app.services.core.access import BILLING, require_role, access_account, access_payment_method, access_recurring
from portal_app.services.core.errors import FieldErrors, PortalError
from portal_app.services.core.i18n import _
from portal_app.services.core.principal import Principal
from portal_app.services.core.provider_settings import provider_settings
from portal_app.services.core import formatting

DEFAULT_LOCK_REASON = _("Your service agreement sets how AutoPay is paid. Call us to change it.")


class AutoPayLocked(PortalError):
    pass


@dataclass(frozen=True)
class AutoPayView:
    id: int
    method_id: int
    method_label: str
    method_kind: str
    repeat_on: str
    since: str


def method_label(method: PaymentMethod) -> str:
    return f"{method.brand} •••• {method.last4}"


OPTION_BRAND_CHARS = 18  # what a native select shows beside "•••• 1234" on a 360 px phone


def option_label(method: PaymentMethod) -> str:
    """The label in a dropdown: a long bank name is shortened so the last four digits always show."""
    brand = method.brand if len(method.brand) <= OPTION_BRAND_CHARS else method.brand[:OPTION_BRAND_CHARS - 1].rstrip() + "…"
    return f"{brand} •••• {method.last4}"


def lock_reason(db: Session) -> str:
    """Why editing is locked by the provider, or "" when it is not."""

    settings = provider_settings(db)
    if not settings.lock_recurring_edit:
        return ""
    return settings.recurring_lock_reason or DEFAULT_LOCK_REASON


def active(db: Session, *, account_id: int) -> RecurringPayment | None:
    return db.exec(
        select(RecurringPayment).where(RecurringPayment.account_id == account_id, col(RecurringPayment.cancelled_at).is_(None))
        .order_by(col(RecurringPayment.id))
    ).first()


def list_autopay(db: Session, *, principal: Principal) -> list[AutoPayView]:
    account = access_account(db, principal)
    rows = db.exec(
        select(RecurringPayment, PaymentMethod)
        .join(PaymentMethod, col(PaymentMethod.id) == RecurringPayment.payment_method_id)
        .where(RecurringPayment.account_id == account.id, col(RecurringPayment.cancelled_at).is_(None))
        .order_by(col(RecurringPayment.id))
    ).all()
    return [AutoPayView(id=r.id, method_id=m.id, method_label=method_label(m), method_kind=m.kind,
                        repeat_on=_("Each invoice's due date"), since=formatting.date(r.created_at))
            for r, m in rows]


def turn_on(db: Session, *, principal: Principal, account_id: int, method: PaymentMethod,
            ach_authorized: bool, client_ip: str) -> RecurringPayment:
    """Make `method` the account's AutoPay (replacing another method); the caller commits."""

    if method.kind == "ach" and not ach_authorized:
        raise FieldErrors({"ach_authorization": _("Tick the box to authorize recurring bank debits.")})
    current = active(db, account_id=account_id)
    now = utcnow()
    mandate = {"mandate_version": ACH_TERMS_VERSION, "mandate_accepted_at": now, "mandate_ip": client_ip[:64]} \
        if method.kind == "ach" else {"mandate_version": "", "mandate_accepted_at": None, "mandate_ip": ""}
    if current is not None:
        if current.payment_method_id == method.id:
            return current
        current.payment_method_id = method.id
        current.consecutive_failures = 0
        for key, value in mandate.items():
            setattr(current, key, value)
        db.add(current)
        history.record(db, principal=principal, account_id=account_id, kind="autopay", action="changed",
                       summary=f"AutoPay now charges {method_label(method)}", entity_type="recurring_payment",
                       entity_id=current.id)
        return current
    recurring = RecurringPayment(account_id=account_id, payment_method_id=method.id, **mandate)
    db.add(recurring)
    db.flush()
    extra = f" (bank debit terms {ACH_TERMS_VERSION} accepted from {client_ip or 'unknown address'})" if method.kind == "ach" else ""
    history.record(db, principal=principal, account_id=account_id, kind="autopay", action="created",
                   summary=f"AutoPay set up with {method_label(method)} on each invoice's due date{extra}",
                   entity_type="recurring_payment", entity_id=recurring.id)
    return recurring


def set_up(db: Session, *, principal: Principal, method_id: int, ach_authorized: bool = False,
           client_ip: str = "") -> RecurringPayment:
    """Set up a stored card or bank account as AutoPay."""
    require_role(principal, BILLING)
    account = access_account(db, principal)
    method = access_payment_method(db, principal, method_id)
    if active(db, account_id=account.id) is not None:
        raise PortalError(_("AutoPay is already on. Use EDIT to change the payment method."))
    return turn_on(db, principal=principal, account_id=account.id, method=method,
                   ach_authorized=ach_authorized, client_ip=client_ip)


def change_method(db: Session, *, principal: Principal, recurring_id: int, method_id: int,
                  ach_authorized: bool = False, client_ip: str = "") -> RecurringPayment:
    require_role(principal, BILLING)
    recurring = access_recurring(db, principal, recurring_id)
    method = access_payment_method(db, principal, method_id)
    reason = lock_reason(db)
    if reason:
        raise AutoPayLocked(reason)
    return turn_on(db, principal=principal, account_id=recurring.account_id, method=method,
                   ach_authorized=ach_authorized, client_ip=client_ip)


def remove(db: Session, *, principal: Principal, recurring_id: int) -> None:
    require_role(principal, BILLING)
    recurring = access_recurring(db, principal, recurring_id)
    reason = lock_reason(db)
    if reason:
        raise AutoPayLocked(reason)
    recurring.cancelled_at = utcnow()
    db.add(recurring)
    method = db.get(PaymentMethod, recurring.payment_method_id)
    history.record(db, principal=principal, account_id=recurring.account_id, kind="autopay", action="removed",
                   summary=f"AutoPay with {method_label(method)} removed", entity_type="recurring_payment",
                   entity_id=recurring.id)


def charges(db: Session, *, principal: Principal, recurring_id: int) -> list[Payment]:
    """The AutoPay charges made while this recurring payment was on, newest first."""
    recurring = access_owned_any(db, principal, recurring_id)
    query = select(Payment).where(Payment.account_id == recurring.account_id, Payment.source == "autopay",
                                  Payment.created_at >= recurring.created_at)
    if recurring.cancelled_at is not None:
        query = query.where(Payment.created_at <= recurring.cancelled_at)
    return list(db.exec(query.order_by(col(Payment.created_at).desc(), col(Payment.id).desc()).limit(50)))


def access_owned_any(db: Session, principal: Principal, recurring_id: int) -> RecurringPayment:
    from portal_app.services.core.access import access_owned

    return access_owned(db, principal, RecurringPayment, recurring_id, "recurring payment")


def stored_methods(db: Session, *, principal: Principal) -> list[PaymentMethod]:
    account = access_account(db, principal)
    return list(db.exec(
        select(PaymentMethod).where(PaymentMethod.account_id == account.id, col(PaymentMethod.removed_at).is_(None))
        .order_by(col(PaymentMethod.id))
    ))


def remove_method(db: Session, *, principal: Principal, method_id: int, gateway=None) -> None:
    """Forget a stored card or bank account: detached at the gateway, so it can never be charged
    again, and kept here only as a removed row (for the payments that used it)."""
    require_role(principal, BILLING)
    from portal_app.integrations.payments import GatewayDeclined, get_gateway

    method = access_payment_method(db, principal, method_id)
    current = active(db, account_id=method.account_id)
    if current is not None and current.payment_method_id == method.id:
        raise PortalError(_("AutoPay charges this method. Change or remove AutoPay first."))
    gateway = gateway or get_gateway()
    if method.gateway == gateway.name:
        try:
            gateway.detach(token=method.gateway_token)
        except GatewayDeclined:
            pass  # the gateway no longer has it: nothing left to detach
        except Exception:
            raise PortalError(_("We could not reach the payment processor to remove this method. Try again "
                                "in a minute.")) from None
    method.removed_at = utcnow()
    db.add(method)
    history.record(db, principal=principal, account_id=method.account_id, kind="payment_method", action="removed",
                   summary=f"Removed stored payment method {method_label(method)}", entity_type="payment_method",
                   entity_id=method.id)
