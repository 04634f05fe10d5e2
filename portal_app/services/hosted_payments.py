"""Payments through a hosted page (Stripe Checkout): start one here, finish it from the webhook.

Starting records a pending payment under the attempt key (the account is claimed while it is
written), then asks the gateway for a Checkout page. Stripe's webhook events finish it, in any
order and any number of times: each event id is recorded once, and a payment leaves "pending"
only once.
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from portal_app.config import get_settings
from portal_app.models import Account, GatewayEvent, Payment, PaymentMethod
from portal_app.services import autopay, billing, history, payments
from portal_app.services.access import access_account
from portal_app.services.errors import FieldErrors
from portal_app.services.principal import Principal


def _customer(db: Session, gateway, account: Account) -> str:
    stored = db.exec(select(PaymentMethod).where(PaymentMethod.account_id == account.id,
                                                 PaymentMethod.gateway == gateway.name)
                     .order_by(col(PaymentMethod.id).desc())).first()
    if stored is not None and ":" in stored.gateway_token:
        return stored.gateway_token.split(":", 1)[0]
    return gateway.create_customer(account_number=account.account_number, name=account.display_name,
                                   email=payments.receipt_address(db, account_id=account.id))


def start_checkout(db: Session, *, principal: Principal, amount_cents: int, kind: str, attempt_key: str,
                   expected_balance_cents: int | None, save_method: bool, autopay_on: bool, ach_authorized: bool,
                   client_ip: str, return_path: str, source: str = "portal", gateway=None) -> str:
    """Record a pending payment and return the URL of the gateway's hosted payment page."""
    gateway = gateway or payments.get_gateway()
    account = access_account(db, principal)
    amount_cents = payments.validate_amount(db, amount_cents)
    if kind == "ach" and not ach_authorized:
        raise FieldErrors({"ach_authorization": "Tick the box to authorize the bank debit."})
    account_id = account.id
    db.commit()
    if not payments.claim_account(db, account_id, attempt_key):
        raise payments.PaymentInProgress()
    try:
        existing = payments.payment_by_key(db, attempt_key)
        if existing is None:
            if expected_balance_cents is not None and billing.balance_cents(db, account_id=account_id) != expected_balance_cents:
                raise payments.BalanceChanged()
            db.add(Payment(account_id=account_id, receipt_number=payments.new_receipt_number(), amount_cents=amount_cents,
                           status="pending", method_kind=kind, method_label="Card" if kind == "card" else "Bank account",
                           source=source, gateway=gateway.name, idempotency_key=attempt_key))
            if kind == "ach":
                history.record(db, principal=principal, account_id=account_id, kind="payment", action="ach_authorized",
                               summary=f"Bank debit authorized under terms {payments.ACH_TERMS_VERSION}"
                                       + (f" from {client_ip}" if client_ip else ""), entity_type="account",
                               entity_id=account_id)
            db.commit()
        base = get_settings().public_url.rstrip("/")
        metadata = {"attempt_key": attempt_key, "account_id": str(account_id), "save": "1" if save_method or autopay_on else "0",
                    "autopay": "1" if autopay_on else "0", "client_ip": client_ip[:64]}
        session = gateway.create_checkout(
            mode="payment", customer=_customer(db, gateway, account), kind=kind, attempt_key=attempt_key,
            success_url=f"{base}/payments?checkout=done", cancel_url=f"{base}{return_path}", metadata=metadata,
            amount_cents=amount_cents, description=f"Account {account.account_number}", save=save_method or autopay_on)
        return session.url
    finally:
        payments.release_account(db, account_id, attempt_key)


def start_setup(db: Session, *, principal: Principal, kind: str, attempt_key: str, autopay_on: bool,
                client_ip: str, gateway=None) -> str:
    """Save a new card or bank account without paying (Checkout in setup mode)."""
    gateway = gateway or payments.get_gateway()
    account = access_account(db, principal)
    base = get_settings().public_url.rstrip("/")
    metadata = {"attempt_key": attempt_key, "account_id": str(account.id), "save": "1",
                "autopay": "1" if autopay_on else "0", "client_ip": client_ip[:64]}
    session = gateway.create_checkout(mode="setup", customer=_customer(db, gateway, account), kind=kind,
                                      attempt_key=attempt_key, success_url=f"{base}/autopay?checkout=done",
                                      cancel_url=f"{base}/autopay", metadata=metadata)
    return session.url


# --- webhook events -----------------------------------------------------------------------------


def handle_event(db: Session, *, event: dict, gateway) -> str:
    """Apply one verified event; returns "duplicate" for an event id seen before. The caller commits."""
    db.add(GatewayEvent(gateway=gateway.name, event_id=str(event["id"])[:120], event_type=str(event["type"])[:80]))
    try:
        db.flush()
    except IntegrityError:
        db.rollback()
        return "duplicate"
    obj = event["data"]["object"]
    kind = event["type"]
    if kind == "checkout.session.completed":
        _checkout_completed(db, obj, gateway)
    elif kind in ("payment_intent.succeeded", "payment_intent.payment_failed", "payment_intent.processing"):
        payment = _payment_for(db, obj.get("metadata") or {})
        if payment is not None:
            payment.gateway_ref = payment.gateway_ref or obj["id"]
            if kind == "payment_intent.succeeded":
                payments.settle(db, payment=payment, status="succeeded")
            elif kind == "payment_intent.payment_failed":
                error = obj.get("last_payment_error") or {}
                payments.settle(db, payment=payment, status="failed",
                                reason=error.get("message") or "The payment was declined.")
            db.add(payment)
    return "applied"


def _payment_for(db: Session, metadata: dict) -> Payment | None:
    key = metadata.get("attempt_key")
    return payments.payment_by_key(db, key) if key else None


def _checkout_completed(db: Session, session: dict, gateway) -> None:
    metadata = session.get("metadata") or {}
    account = db.get(Account, int(metadata.get("account_id") or 0))
    if account is None:
        return
    principal = Principal(kind="system", display_name="Stripe Checkout", account_id=account.id)
    intent_id = session.get("payment_intent") if session.get("mode") == "payment" else session.get("setup_intent")
    intent = gateway.retrieve_intent("payment" if session.get("mode") == "payment" else "setup", intent_id) if intent_id else {}
    method: PaymentMethod | None = None
    if metadata.get("save") == "1" and intent.get("payment_method"):
        tokenized = gateway.describe(customer=session["customer"], payment_method_id=intent["payment_method"])
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
        if metadata.get("autopay") == "1":
            autopay.turn_on(db, principal=principal, account_id=account.id, method=method,
                            ach_authorized=True, client_ip=metadata.get("client_ip", ""))
    payment = _payment_for(db, metadata)
    if payment is None or session.get("mode") != "payment":
        return
    payment.gateway_ref = payment.gateway_ref or (intent_id or "")
    if method is not None:
        payment.payment_method_id = method.id
        payment.method_label = f"{method.brand} •••• {method.last4}"[:60]
    db.add(payment)
    if session.get("payment_status") == "paid":
        payments.settle(db, payment=payment, status="succeeded")


def uses_hosted_collection(gateway=None) -> bool:
    return bool(getattr(gateway or payments.get_gateway(), "hosted_collection", False))

