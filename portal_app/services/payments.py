"""Taking a payment: claim the account, record, charge once, apply to the oldest invoices.

The order of steps is what keeps money and records in step:
1. claim the account with a conditional UPDATE (one attempt at a time; the claim is the
   attempt's idempotency key), and commit;
2. write the payment as *pending* and commit, so a charge is never made without a record;
3. charge the gateway with the idempotency key (a retry with the same key never charges twice);
4. in one transaction: mark it succeeded (or pending for ACH), allocate it, save the method,
   turn on AutoPay, write history and the receipt mail; then release the claim.
A crash between 2 and 4 leaves a pending payment that `reconcile_pending` settles by asking
the gateway again with the same key. A decline marks the attempt failed and changes nothing else.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import func, or_, update
from sqlmodel import Session, col, select

from portal_app.integrations.mail import BadRecipient, enqueue_mail, mail_address
from portal_app.integrations.payments import (
    BankDetails,
    CardDetails,
    ChargeResult,
    GatewayDeclined,
    GatewayUnavailable,
    PaymentGateway,
    Tokenized,
    get_gateway,
)
from portal_app.models import (
    Account,
    Invoice,
    Payment,
    PaymentAllocation,
    PaymentMethod,
    PortalUser,
    ProviderSettings,
    utcnow,
)
from portal_app.services import billing, history
from portal_app.services.access import access_account, access_payment_method
from portal_app.services.errors import FieldErrors, PortalError
from portal_app.services.money import format_cents
from portal_app.services.principal import Principal
from portal_app.theming import current_theme

CLAIM_TTL = dt.timedelta(minutes=2)
ACH_TERMS_VERSION = "ACH-2026-01"
ACH_TERMS = (
    "I authorize {provider} to debit the bank account above for the amount shown, and to credit it "
    "if a debit is made in error. I can revoke this authorization by contacting {provider} at least "
    "3 business days before the debit."
)


class PaymentDeclined(PortalError):
    """The gateway refused; the message says why in plain words."""


class PaymentInProgress(PortalError):
    def __init__(self) -> None:
        super().__init__("A payment for this account is already being processed. Wait a moment, then check your payments.")


class BalanceChanged(PortalError):
    def __init__(self) -> None:
        super().__init__("Your balance changed since this page was opened (another payment went through). Check the new balance before paying again.")


@dataclass(frozen=True)
class NewCard:
    details: CardDetails


@dataclass(frozen=True)
class NewBank:
    details: BankDetails


@dataclass(frozen=True)
class StoredMethod:
    method_id: int


@dataclass(frozen=True)
class PaymentOutcome:
    payment_id: int
    receipt_number: str
    status: str  # succeeded | pending
    amount_cents: int
    method_label: str
    new_balance_cents: int
    method_saved: bool = False
    autopay_on: bool = False


def ach_terms_text() -> str:
    return ACH_TERMS.format(provider=current_theme().provider_name)


def new_attempt_key() -> str:
    return "pay_" + secrets.token_hex(16)


def provider_settings(db: Session) -> ProviderSettings:
    return db.exec(select(ProviderSettings)).first() or ProviderSettings()


def validate_amount(db: Session, amount_cents: object) -> int:
    settings = provider_settings(db)
    if not isinstance(amount_cents, int) or isinstance(amount_cents, bool):
        raise FieldErrors({"amount": "Enter an amount in dollars and cents, such as 84.50."})
    if amount_cents < settings.min_payment_cents:
        raise FieldErrors({"amount": f"The smallest payment we accept is {format_cents(settings.min_payment_cents)}."})
    if amount_cents > settings.max_payment_cents:
        raise FieldErrors({"amount": f"The largest payment we accept online is {format_cents(settings.max_payment_cents)}."})
    return amount_cents


def receipt_address(db: Session, *, account_id: int, user_id: int | None = None) -> str | None:
    """Where bills and receipts go: the signed-in user's email, else the account's first portal user;
    only a verified, enabled sign-in's address (an unproven one could be anybody's)."""
    if user_id is not None:
        user = db.get(PortalUser, user_id)
        if user is not None and user.account_id == account_id and user.verified_at is not None and not user.disabled:
            return user.email
    user = db.exec(select(PortalUser).where(PortalUser.account_id == account_id, col(PortalUser.verified_at).is_not(None),
                                            col(PortalUser.disabled).is_(False)).order_by(col(PortalUser.id))).first()
    return user.email if user else None


def payment_by_key(db: Session, key: str) -> Payment | None:
    return db.exec(select(Payment).where(Payment.idempotency_key == key)).first()


def _outcome(db: Session, payment: Payment, **extra: bool) -> PaymentOutcome:
    if payment.status == "failed":
        raise PaymentDeclined(payment.failure_reason or "The payment was declined.")
    return PaymentOutcome(
        payment_id=payment.id, receipt_number=payment.receipt_number, status=payment.status,
        amount_cents=payment.amount_cents, method_label=payment.method_label,
        new_balance_cents=billing.balance_cents(db, account_id=payment.account_id), **extra,
    )


def claim_account(db: Session, account_id: int, key: str) -> bool:
    now = utcnow()
    claimed = db.execute(
        update(Account)
        .where(col(Account.id) == account_id,
               or_(col(Account.payment_claim).is_(None), col(Account.payment_claim_expires_at) < now))
        .values(payment_claim=key, payment_claim_expires_at=now + CLAIM_TTL)
    )
    db.commit()
    return claimed.rowcount == 1


def release_account(db: Session, account_id: int, key: str) -> None:
    db.rollback()
    db.execute(update(Account).where(col(Account.id) == account_id, col(Account.payment_claim) == key)
               .values(payment_claim=None, payment_claim_expires_at=None))
    db.commit()


def pay(
    db: Session,
    *,
    principal: Principal,
    amount_cents: int,
    method: NewCard | NewBank | StoredMethod,
    attempt_key: str,
    expected_balance_cents: int | None = None,
    save_method: bool = False,
    autopay: bool = False,
    ach_authorized: bool = False,
    client_ip: str = "",
    receipt_email: str | None = None,
    source: str = "portal",
    gateway: PaymentGateway | None = None,
) -> PaymentOutcome:
    """Pay `amount_cents` on the principal's account. Commits in steps (see the module docstring)."""
    gateway = gateway or get_gateway()
    account = access_account(db, principal)
    amount_cents = validate_amount(db, amount_cents)
    if receipt_email:  # typed by a Quick Pay visitor: it becomes a mail header, so check it here
        try:
            receipt_email = mail_address(receipt_email)
        except BadRecipient:
            raise FieldErrors({"email": "Enter an email address such as name@example.com, or leave it empty."}) from None
    if not attempt_key or len(attempt_key) > 64:
        raise FieldErrors({"method": "This payment form has expired. Reload the page and try again."})
    stored: PaymentMethod | None = None
    if isinstance(method, StoredMethod):
        stored = access_payment_method(db, principal, method.method_id)
    kind = stored.kind if stored else ("ach" if isinstance(method, NewBank) else "card")
    if kind == "ach" and not ach_authorized:
        raise FieldErrors({"ach_authorization": "Tick the box to authorize the bank debit."})
    if autopay and source != "portal":
        autopay = False
    if autopay and stored is None:
        save_method = True  # AutoPay charges a stored method
    account_id = account.id
    db.commit()  # end the read transaction before claiming (SQLite upgrades locks badly)

    # The hosted step: card or bank details go to the gateway, the portal gets a token back.
    tokenized: Tokenized | None = None
    if not stored:
        try:
            tokenized = (gateway.tokenize_bank(method.details) if isinstance(method, NewBank)
                         else gateway.tokenize_card(method.details))
        except GatewayDeclined as refusal:
            raise PaymentDeclined(str(refusal)) from None
    token = stored.gateway_token if stored else tokenized.token
    label = f"{stored.brand} •••• {stored.last4}" if stored else tokenized.label

    if not claim_account(db, account_id, attempt_key):
        done = payment_by_key(db, attempt_key)
        if done is not None and done.status != "pending":
            return _outcome(db, done)
        raise PaymentInProgress()
    keep_claim = False
    try:
        done = payment_by_key(db, attempt_key)
        if done is not None:  # a double tap after the first tap finished
            return _outcome(db, done)
        if expected_balance_cents is not None and billing.balance_cents(db, account_id=account_id) != expected_balance_cents:
            raise BalanceChanged()
        payment = Payment(
            account_id=account_id, receipt_number=new_receipt_number(), amount_cents=amount_cents, status="pending",
            method_kind=kind, method_label=label[:60], payment_method_id=stored.id if stored else None,
            source=source, gateway=gateway.name, idempotency_key=attempt_key,
        )
        db.add(payment)
        db.commit()
        try:
            result = gateway.charge(token=token, kind=kind, amount_cents=amount_cents,
                                    idempotency_key=attempt_key, description=f"Account {account.account_number}")
        except GatewayDeclined as refusal:
            _record_decline(db, principal, payment, str(refusal))
            raise PaymentDeclined(str(refusal)) from None
        except GatewayUnavailable:
            keep_claim = True  # the outcome is unknown: no new attempt until the claim times out
            raise PortalError("We could not reach the payment processor. Your payment is being checked; "
                              "we will email you when it is confirmed.") from None
        saved = _finish(db, principal, payment, result, tokenized=tokenized if save_method else None,
                        autopay=autopay, stored=stored, ach_authorized=kind == "ach", client_ip=client_ip,
                        receipt_email=receipt_email)
        db.commit()
        return _outcome(db, payment, method_saved=saved, autopay_on=autopay)
    finally:
        if keep_claim:
            db.rollback()
        else:
            release_account(db, account_id, attempt_key)


def new_receipt_number() -> str:
    return f"RCP-{utcnow():%Y%m%d}-{secrets.token_hex(4).upper()}"


def _record_decline(db: Session, principal: Principal, payment: Payment, reason: str) -> None:
    payment.status = "failed"
    payment.failure_reason = reason[:200]
    db.add(payment)
    history.record(db, principal=principal, account_id=payment.account_id, kind="payment", action="declined",
                   summary=f"Payment of {format_cents(payment.amount_cents)} ({payment.method_label}) declined: {reason}",
                   entity_type="payment", entity_id=payment.id)
    db.commit()


def _finish(db: Session, principal: Principal, payment: Payment, result: ChargeResult, *,
            tokenized: Tokenized | None, autopay: bool, stored: PaymentMethod | None, ach_authorized: bool,
            client_ip: str, receipt_email: str | None) -> bool:
    """Everything that follows a charge the gateway accepted, in the caller's transaction."""
    from portal_app.services import autopay as autopay_service  # AutoPay builds on payments

    payment.gateway_ref = result.reference[:120]
    payment.status = result.status
    if result.status == "succeeded":
        payment.settled_at = utcnow()
        allocate(db, payment)
    db.add(payment)
    method = stored
    if tokenized is not None:
        method = PaymentMethod(account_id=payment.account_id, kind=tokenized.kind, gateway=payment.gateway,
                               gateway_token=tokenized.token, brand=tokenized.brand[:40], last4=tokenized.last4,
                               exp_month=tokenized.exp_month, exp_year=tokenized.exp_year)
        db.add(method)
        db.flush()
        payment.payment_method_id = method.id
        history.record(db, principal=principal, account_id=payment.account_id, kind="payment_method",
                       action="saved", summary=f"Saved {tokenized.label} for future payments",
                       entity_type="payment_method", entity_id=method.id)
    verb = "made" if result.status == "succeeded" else "submitted (pending until the bank settles it)"
    summary = f"Payment {payment.receipt_number} of {format_cents(payment.amount_cents)} ({payment.method_label}) {verb}"
    if ach_authorized:
        summary += f"; bank debit authorized under terms {ACH_TERMS_VERSION} at {utcnow():%Y-%m-%d %H:%M} UTC"
        summary += f" from {client_ip}" if client_ip else ""
    history.record(db, principal=principal, account_id=payment.account_id, kind="payment",
                   action=result.status, summary=summary[:500], entity_type="payment", entity_id=payment.id)
    if autopay and method is not None:
        autopay_service.turn_on(db, principal=principal, account_id=payment.account_id, method=method,
                                ach_authorized=method.kind == "ach", client_ip=client_ip)
    to = receipt_email or receipt_address(db, account_id=payment.account_id, user_id=principal.user_id)
    if to:
        enqueue_mail(db, to=to, account_id=payment.account_id, **_receipt_mail(db, payment))
    return tokenized is not None


def _receipt_mail(db: Session, payment: Payment) -> dict[str, str]:
    theme = current_theme()
    account = db.get(Account, payment.account_id)
    balance = billing.balance_cents(db, account_id=payment.account_id)
    state = "received" if payment.status == "succeeded" else "submitted and will settle in 1-3 business days"
    body = (
        f"Thank you. Your payment of {format_cents(payment.amount_cents, theme.currency)} was {state}.\n\n"
        f"Receipt: {payment.receipt_number}\nAccount: {account.account_number}\nMethod: {payment.method_label}\n"
        f"Balance now: {format_cents(balance, theme.currency)}\n\n"
        f"{theme.provider_name} · {theme.support_phone} · {theme.support_email}\n"
    )
    return {"subject": f"{theme.provider_name} payment receipt {payment.receipt_number}", "body": body}


def allocate(db: Session, payment: Payment) -> None:
    """Apply a succeeded payment to the account's oldest open invoices; what is left is a credit."""
    remaining = payment.amount_cents - int(db.exec(
        select(func.coalesce(func.sum(PaymentAllocation.amount_cents), 0)).where(PaymentAllocation.payment_id == payment.id)
    ).one())
    open_invoices = db.exec(
        select(Invoice).where(Invoice.account_id == payment.account_id, Invoice.status == "open")
        .order_by(col(Invoice.due_on), col(Invoice.id))
    ).all()
    for invoice in open_invoices:
        if remaining <= 0:
            break
        owed = invoice.total_cents - invoice_paid_cents(db, invoice.id)
        if owed <= 0:
            invoice.status = "paid"
            db.add(invoice)
            continue
        applied = min(owed, remaining)
        db.add(PaymentAllocation(payment_id=payment.id, invoice_id=invoice.id, amount_cents=applied))
        remaining -= applied
        if applied == owed:
            invoice.status = "paid"
            db.add(invoice)
    db.flush()


def invoice_paid_cents(db: Session, invoice_id: int) -> int:
    return int(db.exec(
        select(func.coalesce(func.sum(PaymentAllocation.amount_cents), 0))
        .join(Payment, col(Payment.id) == PaymentAllocation.payment_id)
        .where(PaymentAllocation.invoice_id == invoice_id, Payment.status == "succeeded")
    ).one())


def settle(db: Session, *, payment: Payment, status: str, reason: str = "") -> None:
    """A pending payment's final outcome (ACH settled or returned); the caller commits."""
    if payment.status != "pending":
        return
    system = Principal.system("Payment processor")
    if status == "succeeded":
        payment.status = "succeeded"
        payment.settled_at = utcnow()
        db.add(payment)
        allocate(db, payment)
        summary = f"Payment {payment.receipt_number} of {format_cents(payment.amount_cents)} ({payment.method_label}) settled"
    else:
        payment.status = "failed"
        payment.failure_reason = reason[:200]
        db.add(payment)
        summary = f"Payment {payment.receipt_number} of {format_cents(payment.amount_cents)} ({payment.method_label}) failed: {reason}"
    history.record(db, principal=system, account_id=payment.account_id, kind="payment", action=payment.status,
                   summary=summary[:500], entity_type="payment", entity_id=payment.id)
    to = receipt_address(db, account_id=payment.account_id)
    if to:
        theme = current_theme()
        if payment.status == "succeeded":
            enqueue_mail(db, to=to, account_id=payment.account_id, **_receipt_mail(db, payment))
        else:
            enqueue_mail(db, to=to, account_id=payment.account_id,
                         subject=f"{theme.provider_name}: your payment {payment.receipt_number} did not go through",
                         body=f"Your payment of {format_cents(payment.amount_cents, theme.currency)} "
                              f"({payment.method_label}) was not completed: {reason}\n\nYour balance is unchanged. "
                              f"Sign in to pay another way, or call {theme.support_phone}.\n")


def parse_amount(text: str) -> int:
    """'84.5', '$1,084.50' -> integer cents; anything else is a field error."""
    from decimal import Decimal, InvalidOperation

    cleaned = str(text).strip().replace("$", "").replace(",", "")
    # Plain digits only: Decimal would read "1e3" as 1000 and choke on "1e30".
    if not re.fullmatch(r"\d{1,9}(\.\d{1,2})?", cleaned):
        raise FieldErrors({"amount": "Enter an amount in dollars and cents, such as 84.50."})
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise FieldErrors({"amount": "Enter an amount in dollars and cents, such as 84.50."}) from None
    if not value.is_finite() or value != value.quantize(Decimal("0.01")) or value <= 0:
        raise FieldErrors({"amount": "Enter an amount in dollars and cents, such as 84.50."})
    return int(value * 100)


def parse_card(number: str, expiry: str, cvc: str, postal_code: str = "") -> CardDetails:
    """Read the card form; 'MM/YY' or 'MM/YYYY' expiry. Field errors name the field."""
    errors: dict[str, str] = {}
    digits = "".join(ch for ch in str(number) if ch.isdigit())
    if not 13 <= len(digits) <= 19:
        errors["card_number"] = "Enter the card number as shown on the card."
    month = year = 0
    parts = str(expiry).replace(" ", "").split("/")
    if len(parts) == 2 and parts[0].isdigit() and parts[1].isdigit():
        month, year = int(parts[0]), int(parts[1])
        year += 2000 if year < 100 else 0
    if not 1 <= month <= 12 or year < 2000:
        errors["expiry"] = "Enter the expiry date as MM/YY."
    cvc = str(cvc).strip()
    if not (cvc.isdigit() and len(cvc) in (3, 4)):
        errors["cvc"] = "Enter the 3 or 4 digit security code."
    if errors:
        raise FieldErrors(errors)
    return CardDetails(number=digits, exp_month=month, exp_year=year, cvc=cvc, postal_code=str(postal_code).strip()[:10])


def parse_bank(routing: str, account_number: str, holder: str = "") -> BankDetails:
    errors: dict[str, str] = {}
    routing = str(routing).strip()
    account_number = str(account_number).strip().replace(" ", "")
    if not (routing.isdigit() and len(routing) == 9):
        errors["routing"] = "The routing number is the 9 digits at the bottom left of a check."
    if not (account_number.isdigit() and 4 <= len(account_number) <= 17):
        errors["bank_account"] = "Enter the bank account number (4 to 17 digits)."
    if errors:
        raise FieldErrors(errors)
    return BankDetails(routing_number=routing, account_number=account_number, holder_name=str(holder).strip()[:80])
