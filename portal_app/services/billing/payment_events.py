"""Stripe webhook events, applied once each, in any order (the README lists them and what each does).

Every event id is recorded once (`GatewayEvent`), and every handler is idempotent on its own
(Stripe tells the same fact through several events): a payment leaves pending once, an
adjustment is keyed by Stripe's id, a method is updated to what Stripe says now.
"""

from __future__ import annotations

import logging

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from portal_app.models import Account, GatewayEvent, Payment, PaymentMethod
from portal_app.services.billing import autopay, notices, payments, refunds
from portal_app.services.core import history
from portal_app.services.core.principal import Principal

log = logging.getLogger("portal.payments")
STRIPE = Principal.system("Stripe")
NOT_COMPLETED = "The payment page was not completed. Nothing was charged."


def handle_event(db: Session, *, event: dict, gateway) -> str:
    """Apply one verified event; returns "duplicate" for an event id seen before. The caller commits."""
    db.add(GatewayEvent(gateway=gateway.name, event_id=str(event["id"])[:120], event_type=str(event["type"])[:80]))
    try:
        db.flush()
    except IntegrityError:
        db.rollback()
        return "duplicate"
    handler = HANDLERS.get(event["type"])
    if handler is None:
        return "ignored"
    handler(db, event["data"]["object"], gateway)
    return "applied"


# --- lookups ---------------------------------------------------------------------------------------


def _id(value) -> str:
    return (value.get("id") or "") if isinstance(value, dict) else (value or "")


def _payment(db: Session, *, key: str = "", reference: str = "", session_id: str = "") -> Payment | None:
    """The payment an event is about, locked for this transaction (PostgreSQL; SQLite serialises writes)."""
    for column, value in ((Payment.idempotency_key, key), (Payment.checkout_session_id, session_id),
                          (Payment.gateway_ref, reference)):
        if value:
            found = db.exec(select(Payment).where(column == value).with_for_update()).first()
            if found is not None:
                return found
    return None


def _intent_payment(db: Session, intent: dict) -> Payment | None:
    return _payment(db, key=(intent.get("metadata") or {}).get("attempt_key", ""), reference=intent.get("id", ""))


def _charge_payment(db: Session, obj: dict) -> Payment | None:
    """The payment of a charge, refund or dispute object (each names its PaymentIntent)."""
    return _payment(db, key=(obj.get("metadata") or {}).get("attempt_key", ""),
                    reference=_id(obj.get("payment_intent")))


def _is_checkout(payment: Payment, intent: dict) -> bool:
    # Checkout's PaymentIntents carry the session's metadata (account_id); off-session ones do not.
    return bool(payment.checkout_session_id) or "account_id" in (intent.get("metadata") or {})


def _reason(intent: dict, default: str) -> str:
    from portal_app.integrations.payments.stripe_gateway import decline_words

    error = intent.get("last_payment_error") or {}
    code = error.get("decline_code") or error.get("code")
    return decline_words(code) if code else (error.get("message") or default)


# --- Checkout Sessions: they decide hosted payments -------------------------------------------------


def _checkout_completed(db: Session, session: dict, gateway) -> None:
    metadata = session.get("metadata") or {}
    account = db.get(Account, int(metadata.get("account_id") or 0))
    if account is None:
        return
    principal = Principal(kind="system", display_name="Stripe Checkout", account_id=account.id)
    mode = session.get("mode")
    intent_id = _id(session.get("payment_intent") if mode == "payment" else session.get("setup_intent"))
    intent = gateway.retrieve_intent("payment" if mode == "payment" else "setup", intent_id) if intent_id else {}
    method: PaymentMethod | None = None
    if metadata.get("save") == "1" and intent.get("payment_method"):
        tokenized = gateway.describe(customer=_id(session.get("customer")), payment_method_id=_id(intent["payment_method"]))
        method = db.exec(select(PaymentMethod).where(PaymentMethod.account_id == account.id,
                                                     PaymentMethod.gateway_token == tokenized.token)).first()
        if method is None:
            method = PaymentMethod(account_id=account.id, kind=tokenized.kind, gateway=gateway.name,
                                   gateway_token=tokenized.token, brand=tokenized.brand[:40], last4=tokenized.last4,
                                   exp_month=tokenized.exp_month, exp_year=tokenized.exp_year)
            db.add(method)
            db.flush()
            history.record(db, principal=principal, account_id=account.id, kind="payment_method", action="saved",
                           summary=f"Saved {tokenized.label} for future payments", entity_type="payment_method",
                           entity_id=method.id)
        mandate = _id(intent.get("mandate"))
        if mandate and not method.mandate_id:
            method.mandate_id, method.mandate_status = mandate[:120], "active"
            db.add(method)
        if metadata.get("autopay") == "1":
            autopay.turn_on(db, principal=principal, account_id=account.id, method=method,
                            ach_authorized=True, client_ip=metadata.get("client_ip", ""))
    if mode != "payment":
        return
    payment = _payment(db, key=metadata.get("attempt_key", "") or session.get("client_reference_id") or "",
                       session_id=session.get("id", ""))
    if payment is None:
        return
    payment.checkout_session_id = payment.checkout_session_id or session.get("id", "")[:120]
    payment.gateway_ref = payment.gateway_ref or intent_id
    if method is not None:
        payment.payment_method_id = method.id
        payment.method_label = f"{method.brand} •••• {method.last4}"[:60]
    db.add(payment)
    if session.get("payment_status") in ("paid", "no_payment_required"):
        payments.settle(db, payment=payment, status="succeeded")
    elif intent:  # unpaid: a bank debit on its way, or one waiting for microdeposit verification
        result = gateway.intent_outcome(intent)
        if result == "succeeded":
            payments.settle(db, payment=payment, status="succeeded")
        elif result == "pending":
            _note_microdeposits(db, payment, intent)


def _note_microdeposits(db: Session, payment: Payment, intent: dict) -> None:
    from portal_app.integrations.payments.stripe_gateway import MICRODEPOSITS

    if intent.get("status") == "requires_action" and \
            (intent.get("next_action") or {}).get("type") == "verify_with_microdeposits":
        payments.note_pending(db, payment=payment, note=MICRODEPOSITS)


def _checkout_async_succeeded(db: Session, session: dict, gateway) -> None:
    payment = _payment(db, key=(session.get("metadata") or {}).get("attempt_key", ""), session_id=session.get("id", ""))
    if payment is not None:
        payment.gateway_ref = payment.gateway_ref or _id(session.get("payment_intent"))
        payments.settle(db, payment=payment, status="succeeded")


def _checkout_async_failed(db: Session, session: dict, gateway) -> None:
    payment = _payment(db, key=(session.get("metadata") or {}).get("attempt_key", ""), session_id=session.get("id", ""))
    if payment is None:
        return
    intent_id = _id(session.get("payment_intent"))
    reason = "Your bank did not complete the payment."
    if intent_id:
        payment.gateway_ref = payment.gateway_ref or intent_id
        reason = _reason(gateway.retrieve_intent("payment", intent_id), reason)
    payments.settle(db, payment=payment, status="failed", reason=reason)


def _checkout_expired(db: Session, session: dict, gateway) -> None:
    payment = _payment(db, key=(session.get("metadata") or {}).get("attempt_key", ""), session_id=session.get("id", ""))
    if payment is not None and session.get("mode") == "payment":
        payments.settle(db, payment=payment, status="failed", reason=NOT_COMPLETED)


# --- PaymentIntents: they decide off-session charges (stored methods, AutoPay) ------------------------


def _intent_succeeded(db: Session, intent: dict, gateway) -> None:
    payment = _intent_payment(db, intent)
    if payment is not None:
        payment.gateway_ref = payment.gateway_ref or intent["id"]
        payments.settle(db, payment=payment, status="succeeded")


def _intent_failed(db: Session, intent: dict, gateway) -> None:
    payment = _intent_payment(db, intent)
    if payment is None:
        return
    if payment.status == "succeeded":
        _maybe_returned(db, payment, intent["id"], _reason(intent, "Your bank returned the payment."), gateway)
        return
    if _is_checkout(payment, intent):
        return  # the payer may try again on the same Checkout page; the session's events decide
    payment.gateway_ref = payment.gateway_ref or intent["id"]
    payments.settle(db, payment=payment, status="failed", reason=_reason(intent, "The payment was declined."))


def _intent_processing(db: Session, intent: dict, gateway) -> None:
    payment = _intent_payment(db, intent)
    if payment is not None and not payment.gateway_ref:
        payment.gateway_ref = intent["id"]
        db.add(payment)


def _intent_requires_action(db: Session, intent: dict, gateway) -> None:
    payment = _intent_payment(db, intent)
    if payment is not None:
        payment.gateway_ref = payment.gateway_ref or intent["id"]
        _note_microdeposits(db, payment, intent)


# --- after success: refunds, disputes, returns ----------------------------------------------------


def _returned(db: Session, payment: Payment, reason: str, reference: str) -> None:
    refunds.record_adjustment(db, payment=payment, kind="return", amount_cents=payment.amount_cents,
                              status="applied", key=f"return:{reference}", gateway_ref=reference,
                              reason=reason, actor=STRIPE, flag="returned")


def _maybe_returned(db: Session, payment: Payment, intent_id: str, reason: str, gateway) -> None:
    """A failure reported for a succeeded payment: an ACH debit the bank returned, or an older
    failed try arriving late. Only Stripe's current word on the PaymentIntent tells them apart."""
    if payment.method_kind != "ach" or not intent_id:
        return  # cards are never returned (they are disputed): this is older news
    if gateway.retrieve_intent("payment", intent_id).get("status") == "succeeded":
        return
    _returned(db, payment, reason, intent_id)


def _charge_failed(db: Session, charge: dict, gateway) -> None:
    payment = _charge_payment(db, charge)
    if payment is not None and payment.status == "succeeded":
        _maybe_returned(db, payment, _id(charge.get("payment_intent")),
                        charge.get("failure_message") or "Your bank returned the payment.", gateway)


def _apply_refund(db: Session, refund: dict, payment: Payment) -> None:
    status = {"succeeded": "applied", "pending": "pending", "requires_action": "pending",
              "failed": "failed", "canceled": "failed"}.get(refund.get("status") or "", "pending")
    key = (refund.get("metadata") or {}).get("refund_key") or f"refund:{refund['id']}"
    reason = (refund.get("metadata") or {}).get("reason") or "Refunded in the Stripe Dashboard"
    refunds.record_adjustment(db, payment=payment, kind="refund", amount_cents=int(refund.get("amount") or 0),
                              status=status, key=key, gateway_ref=refund["id"], reason=reason, actor=STRIPE)


def _refund_event(db: Session, refund: dict, gateway) -> None:
    payment = _charge_payment(db, refund)
    if payment is not None and payment.status == "succeeded":
        _apply_refund(db, refund, payment)


def _charge_refunded(db: Session, charge: dict, gateway) -> None:
    payment = _charge_payment(db, charge)
    if payment is None or payment.status != "succeeded":
        return
    listed = (charge.get("refunds") or {}).get("data")
    if listed is None:  # newer API versions leave the list out: ask for each refund by its id
        listed = gateway.refunds_for(reference=_id(charge.get("payment_intent")))
    for refund in listed:
        _apply_refund(db, refund, payment)


def _dispute(db: Session, dispute: dict, gateway) -> None:
    payment = _charge_payment(db, dispute)
    if payment is None or payment.status != "succeeded":
        return
    status = dispute.get("status") or ""
    if payment.flag in ("dispute_won", "dispute_lost") and status not in ("won", "lost"):
        return  # the dispute is closed; an earlier stage arriving late is older news
    if status == "won":
        state, flag = "reversed", "dispute_won"
    elif status == "lost":
        state, flag = "applied", "dispute_lost"
    else:
        state, flag = "applied", "disputed"
    reason = f"{(dispute.get('reason') or 'general').replace('_', ' ')} ({status.replace('_', ' ') or 'open'})"
    refunds.record_adjustment(db, payment=payment, kind="dispute", amount_cents=int(dispute.get("amount") or 0),
                              status=state, key=f"dispute:{dispute['id']}", gateway_ref=dispute["id"],
                              reason=reason, actor=STRIPE, flag=flag)
    if payment.flag != flag:  # a later stage of the same dispute with the same amount still shows
        payment.flag = flag
        db.add(payment)


# --- stored methods and mandates ------------------------------------------------------------------


def _methods_for(db: Session, method_id: str) -> list[PaymentMethod]:
    return list(db.exec(select(PaymentMethod).where(col(PaymentMethod.gateway_token).like(f"%:{method_id}"),
                                                    col(PaymentMethod.removed_at).is_(None))))


def _method_updated(db: Session, obj: dict, gateway) -> None:
    """A card the network updated (new expiry or number): keep the stored facts current."""
    fresh = gateway.tokenized(obj)
    for method in _methods_for(db, obj["id"]):
        facts = (fresh.brand[:40], fresh.last4, fresh.exp_month, fresh.exp_year)
        if facts == (method.brand, method.last4, method.exp_month, method.exp_year):
            continue
        before = f"{method.brand} •••• {method.last4}" + (f" {method.exp_month:02d}/{method.exp_year}" if method.exp_month else "")
        method.brand, method.last4, method.exp_month, method.exp_year = facts
        db.add(method)
        after = f"{method.brand} •••• {method.last4}" + (f" {method.exp_month:02d}/{method.exp_year}" if method.exp_month else "")
        history.record(db, principal=STRIPE, account_id=method.account_id, kind="payment_method", action="updated",
                       summary=f"Stored method updated by the card network: {before} is now {after}",
                       entity_type="payment_method", entity_id=method.id)


def _mandate_updated(db: Session, mandate: dict, gateway) -> None:
    method_id = _id(mandate.get("payment_method"))
    rows = list(db.exec(select(PaymentMethod).where(PaymentMethod.mandate_id == mandate["id"])))
    rows += [m for m in _methods_for(db, method_id) if m not in rows] if method_id else []
    status = "inactive" if mandate.get("status") == "inactive" else "active"
    for method in rows:
        method.mandate_id = method.mandate_id or mandate["id"][:120]
        if method.mandate_status == status:
            db.add(method)
            continue
        method.mandate_status = status
        db.add(method)
        if status != "inactive":
            continue
        label = autopay.method_label(method)
        history.record(db, principal=STRIPE, account_id=method.account_id, kind="payment_method",
                       action="mandate_inactive",
                       summary=f"The bank debit authorization for {label} is no longer active; AutoPay will not charge it",
                       entity_type="payment_method", entity_id=method.id)
        notices.mandate_inactive(db, method=method)


HANDLERS = {
    "checkout.session.completed": _checkout_completed,
    "checkout.session.async_payment_succeeded": _checkout_async_succeeded,
    "checkout.session.async_payment_failed": _checkout_async_failed,
    "checkout.session.expired": _checkout_expired,
    "payment_intent.succeeded": _intent_succeeded,
    "payment_intent.payment_failed": _intent_failed,
    "payment_intent.processing": _intent_processing,
    "payment_intent.requires_action": _intent_requires_action,
    "charge.failed": _charge_failed,
    "charge.refunded": _charge_refunded,
    "refund.created": _refund_event,
    "refund.updated": _refund_event,
    "refund.failed": _refund_event,
    "charge.dispute.created": _dispute,
    "charge.dispute.updated": _dispute,
    "charge.dispute.closed": _dispute,
    "payment_method.automatically_updated": _method_updated,
    "payment_method.updated": _method_updated,
    "mandate.updated": _mandate_updated,
}
