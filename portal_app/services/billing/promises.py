"""Promise to pay (an extension): a suspended or past-due subscriber picks a date to pay by.

The provider decides whether it is offered and how (`ProviderSettings`): how many days ahead
(`promise_max_days`, 0 = not offered), how many a year (`promise_per_year`), and how much must have
been paid in the last 30 days first (`promise_min_paid_cents`). A promise is recorded with the
account history, turns a service suspended for non-payment back on until its date (the network is
told through `service.restored`), shows on the calendar, and is reminded two days before. The daily
job (`promise_run`) keeps a promise once what was owed is paid, and lapses one whose date has passed
unpaid, with a notice, suspending again a service it had turned on. Staff see it and can cancel it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, select

from portal_app.models import Account, Payment, PaymentPromise, utcnow
from portal_app.services.core import formatting
from portal_app.services.billing import billing, service_status
from portal_app.services.core import history
from portal_app.services.core.access import BILLING, require_role, access_account, require_staff
from portal_app.services.core.errors import FieldErrors, NotFound, PortalError
from portal_app.services.core.i18n import _
from portal_app.services.core.principal import Principal
from portal_app.services.core.provider_settings import provider_settings
from portal_app.services.notify.send import send

REMIND_BEFORE = dt.timedelta(days=2)
SYSTEM = Principal.system("Promise to pay")


@dataclass(frozen=True)
class Offer:
    """Whether this account may promise now, until when, and why not."""

    allowed: bool
    latest: dt.date | None = None
    amount_cents: int = 0
    reason: str = ""  # why not, in words for the subscriber ("" when allowed or not relevant)



def active_promise(db: Session, account_id: int) -> PaymentPromise | None:
    return db.exec(select(PaymentPromise).where(PaymentPromise.account_id == account_id,
                                                PaymentPromise.status == "active")).first()


def offer(db: Session, account: Account, *, today: dt.date) -> Offer:
    """A promise is for a suspended or past-due account, within the provider's rules."""
    settings = provider_settings(db)
    owed = billing.restore_amount(db, account_id=account.id)
    due = billing.amount_due(db, account_id=account.id, today=today)
    if settings.promise_max_days <= 0 or owed <= 0 or active_promise(db, account.id) is not None:
        return Offer(False)
    if account.service_status != "suspended_nonpayment" and not due.past_due:
        return Offer(False)
    year_ago = utcnow() - dt.timedelta(days=365)
    made = db.exec(select(func.count()).select_from(PaymentPromise).where(
        PaymentPromise.account_id == account.id, PaymentPromise.created_at >= year_ago,
        PaymentPromise.status != "cancelled")).one()
    if made >= settings.promise_per_year:
        return Offer(False, reason=_("You have used the %(count)s promises to pay a year we offer. "
                                     "Please pay now or call us.", count=settings.promise_per_year))
    if settings.promise_min_paid_cents:
        paid = db.exec(select(func.coalesce(func.sum(Payment.amount_cents), 0)).where(
            Payment.account_id == account.id, Payment.status == "succeeded",
            Payment.created_at >= utcnow() - dt.timedelta(days=30))).one()
        if paid < settings.promise_min_paid_cents:
            return Offer(False, reason=_("Pay at least %(amount)s first; then you can promise the rest by a date.",
                                         amount=formatting.money(settings.promise_min_paid_cents)))
    return Offer(True, latest=today + dt.timedelta(days=settings.promise_max_days), amount_cents=owed)


def make_promise(db: Session, *, principal: Principal, promised_on: str | dt.date, today: dt.date) -> PaymentPromise:
    """The subscriber promises to pay what is owed by `promised_on`. The caller commits."""
    require_role(principal, BILLING)
    account = access_account(db, principal)
    if principal.kind != "subscriber":
        raise NotFound("account")
    chosen = offer(db, account, today=today)
    if not chosen.allowed:
        raise PortalError(chosen.reason or _("A promise to pay is not available for your account now."))
    try:
        day = promised_on if isinstance(promised_on, dt.date) else dt.date.fromisoformat(str(promised_on).strip())
    except ValueError:
        raise FieldErrors({"promise_date": "Pick the date you will pay by."}) from None
    if not today < day <= chosen.latest:
        raise FieldErrors({"promise_date": f"Pick a date from tomorrow to {formatting.date(chosen.latest)}."})
    restored = account.service_status == "suspended_nonpayment"
    promise = PaymentPromise(account_id=account.id, promised_on=day, amount_cents=chosen.amount_cents,
                             restored_service=restored, created_by=principal.display_name[:120])
    db.add(promise)
    db.flush()
    history.record(db, principal=principal, account_id=account.id, kind="billing", action="promise_made",
                   summary=f"Promised to pay {formatting.money(chosen.amount_cents)} by {formatting.date(day)}",
                   entity_type="payment_promise", entity_id=promise.id)
    if restored:
        service_status.set_by_promise(db, account=account, on=True, until=day)
    _tell(db, promise, "made", chosen.amount_cents, user_id=principal.user_id)
    return promise


def _tell(db: Session, promise: PaymentPromise, stage: str, amount_cents: int, *, user_id: int | None = None) -> None:
    send(db, account_id=promise.account_id, event="promise", template="promise", key=f"promise:{promise.id}:{stage}",
         user_id=user_id, context={"stage": stage, "amount_cents": amount_cents, "promised_on": promise.promised_on,
                                   "restored": promise.restored_service})


def _keep(db: Session, promise: PaymentPromise) -> None:
    promise.status, promise.closed_at = "kept", utcnow()
    db.add(promise)
    history.record(db, principal=SYSTEM, account_id=promise.account_id, kind="billing", action="promise_kept",
                   summary=f"Promise to pay by {formatting.date(promise.promised_on)} kept",
                   entity_type="payment_promise", entity_id=promise.id)


def _lapse(db: Session, promise: PaymentPromise, *, principal: Principal, action: str, summary: str) -> None:
    promise.status, promise.closed_at = ("cancelled" if action == "promise_cancelled" else "lapsed"), utcnow()
    db.add(promise)
    history.record(db, principal=principal, account_id=promise.account_id, kind="billing", action=action,
                   summary=summary, entity_type="payment_promise", entity_id=promise.id)
    account = db.get(Account, promise.account_id)
    owed = billing.restore_amount(db, account_id=promise.account_id)
    if promise.restored_service and owed > 0 and account.service_status == "active":
        service_status.set_by_promise(db, account=account, on=False, until=promise.promised_on)


def promise_run(db: Session, *, today: dt.date) -> str:
    """Daily: remind two days before, keep what was paid, lapse what was not. Safe to run twice."""
    reminded = lapsed = kept = 0
    for promise in db.exec(select(PaymentPromise).where(PaymentPromise.status == "active")
                           .order_by(col(PaymentPromise.id))).all():
        owed = billing.restore_amount(db, account_id=promise.account_id)
        if owed <= 0:  # paid: no per-payment check, the day's run sees it
            _keep(db, promise)
            kept += 1
        elif promise.promised_on < today:
            _lapse(db, promise, principal=SYSTEM, action="promise_lapsed",
                   summary=f"Promise to pay by {formatting.date(promise.promised_on)} lapsed with {formatting.money(owed)} unpaid")
            _tell(db, promise, "lapsed", owed)
            lapsed += 1
        elif promise.reminded_at is None and promise.promised_on - REMIND_BEFORE <= today:
            promise.reminded_at = utcnow()
            db.add(promise)
            _tell(db, promise, "reminder", owed)
            reminded += 1
        db.commit()
    return f"{reminded} reminded, {kept} kept, {lapsed} lapsed"


def cancel_promise(db: Session, *, principal: Principal, account_id: int) -> bool:
    """Staff cancel an account's active promise (a service it turned on is suspended again while owed)."""
    require_staff(principal, what="account")
    promise = active_promise(db, account_id)
    if promise is None:
        return False
    _lapse(db, promise, principal=principal, action="promise_cancelled",
           summary=f"Promise to pay by {formatting.date(promise.promised_on)} cancelled by staff")
    return True


def staff_promise(db: Session, *, principal: Principal, account_id: int) -> PaymentPromise | None:
    """The account's promise to pay in force, for staff."""
    require_staff(principal, what="account")
    return active_promise(db, account_id)
