"""Money taken back from a succeeded payment: staff refunds, Dashboard refunds, disputes, ACH returns.

Each is a `PaymentAdjustment` keyed once (a staff refund by its form's key, anything Stripe reports
by Stripe's own id), so a double tap, a replayed or a reordered webhook applies it once. While an
adjustment counts (pending or applied) the payment's allocations are reversed newest invoice first
and the balance rises by it; a dispute the provider wins is reinstated.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, select

from portal_app.integrations.payments import (
    GatewayBusy, GatewayDeclined, GatewayMisconfigured, GatewayUnavailable, PaymentGateway, get_gateway,
)
from portal_app.models import Account, Invoice, Payment, PaymentAdjustment, PaymentAllocation
from portal_app.services.billing import notices, payments
from portal_app.services.core import history
from portal_app.services.core.access import AGENT, require_refund_allowed, require_staff
from portal_app.services.core.errors import FieldErrors, NotFound, PortalError
from portal_app.services.core import formatting
from portal_app.services.core.principal import Principal

log = logging.getLogger("portal.payments")

COUNTED = ("pending", "applied")
KIND_WORDS = {"refund": "Refund", "dispute": "Dispute", "return": "Bank return"}


def taken_back_cents(db: Session, payment_id: int) -> int:
    """What refunds, open or lost disputes and returns have taken back from a payment."""
    return int(db.exec(select(func.coalesce(func.sum(PaymentAdjustment.amount_cents), 0)).where(
        PaymentAdjustment.payment_id == payment_id, col(PaymentAdjustment.status).in_(COUNTED))).one())


def refundable_cents(db: Session, payment: Payment) -> int:
    return 0 if payment.status != "succeeded" else max(0, payment.amount_cents - taken_back_cents(db, payment.id))


def _unallocate(db: Session, payment: Payment) -> None:
    """Reverse allocations (newest invoice first) until they fit what is left of the payment."""
    db.flush()
    left = payment.amount_cents - taken_back_cents(db, payment.id)
    rows = db.exec(
        select(PaymentAllocation.invoice_id, func.sum(PaymentAllocation.amount_cents))
        .join(Invoice, col(Invoice.id) == PaymentAllocation.invoice_id)
        .where(PaymentAllocation.payment_id == payment.id)
        .group_by(PaymentAllocation.invoice_id, Invoice.due_on)
        .order_by(col(Invoice.due_on).desc(), col(PaymentAllocation.invoice_id).desc())
    ).all()
    over = sum(int(amount) for _, amount in rows) - left
    for invoice_id, amount in rows:
        if over <= 0:
            break
        take = min(int(amount), over)
        if take <= 0:
            continue
        db.add(PaymentAllocation(payment_id=payment.id, invoice_id=invoice_id, amount_cents=-take))
        over -= take
        invoice = db.get(Invoice, invoice_id)
        if invoice.status == "paid":
            invoice.status = "open"
            db.add(invoice)
    db.flush()


def _flag(db: Session, payment: Payment, flag: str | None = None) -> None:
    if flag is None:
        taken = taken_back_cents(db, payment.id)
        flag = "" if taken == 0 else ("refunded" if taken >= payment.amount_cents else "partly_refunded")
    payment.flag = flag
    db.add(payment)


def record_adjustment(db: Session, *, payment: Payment, kind: str, amount_cents: int, status: str, key: str,
                      gateway_ref: str = "", reason: str = "", actor: Principal, flag: str | None = None,
                      tell_subscriber: bool = True) -> PaymentAdjustment | None:
    """Record (or move on) one adjustment, once per key; the caller commits. None when nothing changed."""
    adjustment = db.exec(select(PaymentAdjustment).where(PaymentAdjustment.idempotency_key == key)).first()
    if adjustment is None and gateway_ref:
        adjustment = db.exec(select(PaymentAdjustment).where(PaymentAdjustment.gateway_ref == gateway_ref,
                                                             PaymentAdjustment.kind == kind)).first()
    amount_cents = max(0, min(amount_cents, payment.amount_cents))
    was_counted = adjustment is not None and adjustment.status in COUNTED
    if adjustment is None:
        if status not in COUNTED and status != "reversed":
            return None  # a failed refund nobody recorded: nothing to undo
        adjustment = PaymentAdjustment(payment_id=payment.id, account_id=payment.account_id, kind=kind,
                                       amount_cents=amount_cents, status=status, reason=reason[:200],
                                       gateway_ref=gateway_ref[:120], idempotency_key=key[:80],
                                       created_by=actor.display_name[:120])
        db.add(adjustment)
        changed = True
    else:
        changed = adjustment.status != status and not (adjustment.status == "applied" and status == "pending")
        if gateway_ref and not adjustment.gateway_ref:
            adjustment.gateway_ref = gateway_ref[:120]
        if changed:
            adjustment.status = status
        db.add(adjustment)
    if not changed:
        return None
    db.flush()
    if adjustment.status in COUNTED:
        _unallocate(db, payment)
    else:
        payments.allocate(db, payment)  # failed or reversed: the money is the provider's again
    _flag(db, payment, flag)
    words = KIND_WORDS.get(kind, kind)
    state = {"pending": "requested", "applied": "applied", "failed": "failed", "reversed": "reversed"}[adjustment.status]
    summary = (f"{words} of {formatting.money(adjustment.amount_cents)} on payment {payment.receipt_number} {state}"
               + (f": {adjustment.reason}" if adjustment.reason else ""))
    history.record(db, principal=actor, account_id=payment.account_id, kind="payment", action=f"{kind}_{adjustment.status}",
                   summary=summary[:500], entity_type="payment", entity_id=payment.id)
    if tell_subscriber and was_counted != (adjustment.status in COUNTED):  # one mail per change they notice
        _mail(db, payment, adjustment)
    return adjustment


def _mail(db: Session, payment: Payment, adjustment: PaymentAdjustment) -> None:
    if adjustment.kind == "refund":
        variant = "refunded" if adjustment.status in COUNTED else "refund_failed"
    elif adjustment.status == "reversed":
        variant = "counted_again"
    else:
        variant = "returned" if adjustment.kind == "return" else "disputed"
    notices.adjustment(db, payment=payment, adjustment=adjustment, variant=variant)


def refund_payment(db: Session, *, principal: Principal, account_number: str, payment_id: int, amount_cents: object,
                   reason: str, refund_key: str, gateway: PaymentGateway | None = None) -> PaymentAdjustment:
    """Staff refund all or part of a payment, once per `refund_key`; commits in steps like `pay`."""
    require_staff(principal, role=AGENT, what="payment")
    gateway = gateway or get_gateway()
    account = db.exec(select(Account).where(Account.account_number == str(account_number).strip())).first()
    payment = db.exec(select(Payment).where(Payment.id == payment_id, Payment.account_id == account.id)).first() \
        if account is not None else None
    if payment is None:
        raise NotFound("payment")
    done = db.exec(select(PaymentAdjustment).where(PaymentAdjustment.idempotency_key == refund_key)).first()
    if done is not None and (done.gateway_ref or done.status != "pending"):
        return done  # a double tap: the first refund stands
    if done is not None:  # the processor's answer was lost: ask again with the same key and amount
        return _send_refund(db, principal, payment, done, gateway)
    reason = str(reason).strip()
    errors: dict[str, str] = {}
    available = refundable_cents(db, payment)
    if payment.status != "succeeded" or payment.gateway != gateway.name:
        raise PortalError("Only a completed payment taken through this processor can be refunded.")
    if not isinstance(amount_cents, int) or isinstance(amount_cents, bool) or amount_cents <= 0:
        errors["refund_amount"] = "Enter an amount in dollars and cents, such as 20.00."
    elif amount_cents > available:
        errors["refund_amount"] = f"At most {formatting.money(available)} of this payment can be refunded."
    if not reason:
        errors["refund_reason"] = "Say why (the subscriber sees it in their history)."
    if not refund_key or len(refund_key) > 64:
        errors["refund_amount"] = "This form has expired. Reload the page."
    if errors:
        raise FieldErrors(errors)
    require_refund_allowed(db, principal, amount_cents)
    adjustment = record_adjustment(db, payment=payment, kind="refund", amount_cents=amount_cents, status="pending",
                                   key=refund_key, reason=reason[:200], actor=principal, tell_subscriber=False)
    db.commit()
    return _send_refund(db, principal, payment, adjustment, gateway)


def _send_refund(db: Session, principal: Principal, payment: Payment, adjustment: PaymentAdjustment,
                 gateway: PaymentGateway) -> PaymentAdjustment:
    amount_cents, refund_key, reason = adjustment.amount_cents, adjustment.idempotency_key, adjustment.reason
    try:
        reference, status = gateway.refund(reference=payment.gateway_ref, amount_cents=amount_cents,
                                           idempotency_key=refund_key, reason=reason)
    except GatewayUnavailable:
        # Unknown: it stays pending; Stripe's refund.* webhook (or repeating this key) settles it.
        raise PortalError("No answer from the payment processor. The refund is pending: press REFUND again to "
                          "ask once more (it is never made twice).") from None
    except (GatewayDeclined, GatewayBusy, GatewayMisconfigured) as problem:
        log.error("Refund %s refused by the gateway: %s", refund_key, problem)
        record_adjustment(db, payment=payment, kind="refund", amount_cents=amount_cents, status="failed",
                          key=refund_key, actor=principal, tell_subscriber=False)
        db.commit()
        raise PortalError(f"The processor refused the refund: {problem}") from None
    db.refresh(adjustment)
    adjustment.gateway_ref = reference[:120]
    db.add(adjustment)
    final = {"succeeded": "applied", "failed": "failed"}.get(status, "pending")
    record_adjustment(db, payment=payment, kind="refund", amount_cents=amount_cents, status=final,
                      key=refund_key, gateway_ref=reference, actor=principal, tell_subscriber=False)
    if final in COUNTED:
        _mail(db, payment, adjustment)  # the processor took it: tell the subscriber once
    db.commit()
    db.refresh(adjustment)
    return adjustment


FLAG_WORDS = {"refunded": "Refunded", "partly_refunded": "Partly refunded", "disputed": "Disputed",
              "returned": "Returned by the bank", "dispute_won": "Dispute won", "dispute_lost": "Dispute lost"}


@dataclass(frozen=True)
class StaffPaymentRow:
    id: int
    receipt_number: str
    created_at: dt.datetime
    method_label: str
    amount_cents: int
    status: str
    flag: str  # staff-visible words, "" when nothing happened after the payment
    taken_back_cents: int
    refundable_cents: int


def staff_payments(db: Session, *, principal: Principal, account_number: str, limit: int = 50) -> list[StaffPaymentRow]:
    """An account's payments for staff, newest first, with what was taken back and what can be refunded."""
    require_staff(principal, role=AGENT, what="payment")
    account = db.exec(select(Account).where(Account.account_number == str(account_number).strip())).first()
    if account is None:
        raise NotFound("account")
    rows = db.exec(select(Payment).where(Payment.account_id == account.id)
                   .order_by(col(Payment.created_at).desc(), col(Payment.id).desc()).limit(limit)).all()
    return [StaffPaymentRow(id=p.id, receipt_number=p.receipt_number, created_at=p.created_at,
                            method_label=p.method_label, amount_cents=p.amount_cents, status=p.status,
                            flag=FLAG_WORDS.get(p.flag, ""), taken_back_cents=taken_back_cents(db, p.id),
                            refundable_cents=refundable_cents(db, p)) for p in rows]
