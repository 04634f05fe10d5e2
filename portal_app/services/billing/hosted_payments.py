"""Payments through a hosted page (Stripe Checkout): start one here, finish it from the webhook.

Starting records a pending payment under the attempt key (the account is claimed while it is
written), then asks the gateway for a Checkout page and stores the Checkout Session id. The
Checkout Session's own events finish it (`payment_events`); a payer may fail and retry on the
same page, so an intermediate PaymentIntent failure never decides it. A late or lost webhook
is covered by `payments.reconcile`, which asks Stripe about the session.
"""

from __future__ import annotations

import logging

from sqlalchemy import update
from sqlmodel import Session, col, select

from portal_app.config import get_settings
from portal_app.integrations.payments import GatewayBusy, GatewayMisconfigured, GatewayUnavailable
from portal_app.models import Account, Payment, PaymentMethod
from portal_app.services.billing.mandates import ACH_TERMS_VERSION
from portal_app.services.billing import billing, payments
from portal_app.services.core import history
from portal_app.services.core.access import BILLING, require_role, access_account
from portal_app.services.core.errors import FieldErrors, PortalError
from portal_app.services.core.principal import Principal

log = logging.getLogger("portal.payments")


def gateway_customer(db: Session, gateway, account: Account) -> str:
    """The account's one customer at the gateway: stored on the account, created once, reused."""
    if account.gateway_customer_id:
        return account.gateway_customer_id
    # Accounts that stored a method before customers were kept on the account already have one.
    stored = db.exec(select(PaymentMethod).where(PaymentMethod.account_id == account.id,
                                                 PaymentMethod.gateway == gateway.name,
                                                 col(PaymentMethod.gateway_token).like("cus_%:%"))
                     .order_by(col(PaymentMethod.id))).first()
    customer = stored.gateway_token.split(":", 1)[0] if stored is not None else gateway.create_customer(
        account_number=account.account_number, name=account.display_name,
        email=payments.receipt_address(db, account_id=account.id))
    # Two workers racing here got the same customer (the creation's idempotency key names the account).
    db.execute(update(Account).where(col(Account.id) == account.id, col(Account.gateway_customer_id) == "")
               .values(gateway_customer_id=customer))
    db.commit()
    db.refresh(account)
    return account.gateway_customer_id


def _not_processed(db: Session, principal: Principal, payment: Payment | None, message: str) -> PortalError:
    if payment is not None and payment.status == "pending" and not payment.checkout_session_id:
        payments.record_refusal(db, principal, payment, message, action="not_processed")
    return payments.PaymentNotProcessed(message)


def start_checkout(db: Session, *, principal: Principal, amount_cents: int, kind: str, attempt_key: str,
                   expected_balance_cents: int | None, save_method: bool, autopay_on: bool, ach_authorized: bool,
                   client_ip: str, return_path: str, source: str = "portal", gateway=None) -> str:
    """Record a pending payment and return the URL of the gateway's hosted payment page."""
    require_role(principal, BILLING)
    gateway = gateway or payments.get_gateway()
    account = access_account(db, principal)
    amount_cents = payments.validate_amount(db, amount_cents)
    if kind == "ach" and not payments.ach_offered():
        raise FieldErrors({"method": "Bank debits (ACH) are only offered in US dollars. Pay by card."})
    if kind == "ach" and not ach_authorized:
        raise FieldErrors({"ach_authorization": "Tick the box to authorize the bank debit."})
    account_id = account.id
    db.commit()
    if not payments.claim_account(db, account_id, attempt_key):
        raise payments.PaymentInProgress()
    payment: Payment | None = None
    try:
        payment = payments.payment_by_key(db, attempt_key)
        if payment is not None and payment.status != "pending":
            raise PortalError("This payment page was already used. Reload the page to pay again.")
        if payment is None:
            if expected_balance_cents is not None and billing.balance_cents(db, account_id=account_id) != expected_balance_cents:
                raise payments.BalanceChanged()
            payment = Payment(account_id=account_id, receipt_number=payments.new_receipt_number(),
                              amount_cents=amount_cents, status="pending", method_kind=kind,
                              method_label="Card" if kind == "card" else "Bank account", source=source,
                              gateway=gateway.name, idempotency_key=attempt_key)
            db.add(payment)
            if kind == "ach":
                history.record(db, principal=principal, account_id=account_id, kind="payment", action="ach_authorized",
                               summary=f"Bank debit authorized under terms {ACH_TERMS_VERSION}"
                                       + (f" from {client_ip}" if client_ip else ""), entity_type="account",
                               entity_id=account_id)
            db.commit()
        # A repeat of the same attempt sends exactly the first body (Stripe refuses a changed one).
        base = get_settings().public_url.rstrip("/")
        save = save_method or autopay_on
        metadata = {"attempt_key": attempt_key, "account_id": str(account_id), "save": "1" if save else "0",
                    "autopay": "1" if autopay_on else "0", "client_ip": client_ip[:64]}
        try:
            session = gateway.create_checkout(
                mode="payment", customer=gateway_customer(db, gateway, account), kind=payment.method_kind,
                attempt_key=attempt_key, success_url=f"{base}/payments?checkout=done",
                cancel_url=f"{base}{return_path}", metadata=metadata, amount_cents=payment.amount_cents,
                description=payments.charge_description(account.account_number), save=save)
        except GatewayBusy:
            raise _not_processed(db, principal, payment, payments.BUSY) from None
        except GatewayMisconfigured as problem:
            log.error("Checkout for %s not started: the gateway refused the portal's request: %s",
                      payment.receipt_number, problem)
            raise _not_processed(db, principal, payment, payments.UNAVAILABLE) from None
        except GatewayUnavailable:
            # No page was handed out; the same attempt (same key) gets the same session if one exists.
            raise PortalError("We could not reach the payment processor. Nothing was charged; try again.") from None
        if payment.checkout_session_id != session.id:
            payment.checkout_session_id = session.id[:120]
            db.add(payment)
            db.commit()
        return session.url
    finally:
        payments.release_account(db, account_id, attempt_key)


def start_setup(db: Session, *, principal: Principal, kind: str, attempt_key: str, autopay_on: bool,
                client_ip: str, gateway=None) -> str:
    """Save a new card or bank account without paying (Checkout in setup mode)."""
    require_role(principal, BILLING)
    gateway = gateway or payments.get_gateway()
    account = access_account(db, principal)
    if kind == "ach" and not payments.ach_offered():
        raise FieldErrors({"method": "Bank debits (ACH) are only offered in US dollars. Add a card."})
    base = get_settings().public_url.rstrip("/")
    metadata = {"attempt_key": attempt_key, "account_id": str(account.id), "save": "1",
                "autopay": "1" if autopay_on else "0", "client_ip": client_ip[:64]}
    try:
        session = gateway.create_checkout(mode="setup", customer=gateway_customer(db, gateway, account), kind=kind,
                                          attempt_key=attempt_key, success_url=f"{base}/autopay?checkout=done",
                                          cancel_url=f"{base}/autopay", metadata=metadata)
    except GatewayMisconfigured as problem:
        log.error("Setup checkout not started: the gateway refused the portal's request: %s", problem)
        raise PortalError(payments.UNAVAILABLE) from None
    except (GatewayBusy, GatewayUnavailable):
        raise PortalError("We could not reach the payment processor. Try again in a minute.") from None
    return session.url


def uses_hosted_collection(gateway=None) -> bool:
    return bool(getattr(gateway or payments.get_gateway(), "hosted_collection", False))
