"""Taking a payment: claim the account, record, charge once, apply to the oldest invoices.

The order of steps is what keeps money and records in step:
1. claim the account with a conditional UPDATE (one attempt at a time; the claim is the
   attempt's idempotency key), and commit;
2. write the payment as *pending* and commit, so a charge is never made without a record;
3. charge the gateway with the idempotency key (a retry with the same key never charges twice);
4. in one transaction: mark it succeeded (or pending for ACH), allocate it, save the method,
   turn on AutoPay, write history and the receipt mail; then release the claim.
A crash between 2 and 4, or an answer whose outcome is unknown (5xx, timeout), leaves the payment
pending and the claim held; `reconcile` settles it by asking the gateway about that payment (the
same request body under the same key, never a second charge). A decline marks the attempt failed
and changes nothing else; so does a request the processor refused without looking (rate limit,
configuration), which is logged.
"""

from __future__ import annotations

from collections.abc import Mapping

import datetime as dt
import logging
import secrets
from dataclasses import dataclass

from sqlalchemy import case, func, or_, update
from sqlmodel import Session, col, select

from portal_app.integrations.mail import BadRecipient, mail_address
from portal_app.integrations.payments import (
    BankDetails, CardDetails, ChargeResult, GatewayBusy, GatewayDeclined, GatewayMisconfigured,
    GatewayUnavailable, HostedGateway, PaymentGateway, Tokenized, get_gateway,
)
from portal_app.models import (
    Account, Invoice, Payment, PaymentAdjustment, PaymentAllocation, PaymentMethod, utcnow,
)
from portal_app.services.billing import autopay as autopay_service
from portal_app.services.billing import billing, notices, service_status
from portal_app.services.billing.billing import receipt_address, receipt_addresses  # noqa: F401  (callers say payments.)
from portal_app.services.billing.mandates import ACH_TERMS_VERSION
from portal_app.services.core import history, live
from portal_app.services.core.access import BILLING, require_role, access_account, access_payment_method
from portal_app.services.core.errors import FieldErrors, PortalError
from portal_app.services.core.i18n import _
from portal_app.services.core import formatting
from portal_app.services.core.principal import Principal
from portal_app.services.core.provider_settings import provider_settings
from portal_app.theming import current_theme

log = logging.getLogger("portal.payments")

CLAIM_TTL = dt.timedelta(minutes=2)
# An attempt whose outcome is unknown holds the account until reconciliation has asked the gateway.
UNKNOWN_OUTCOME_HOLD = dt.timedelta(hours=26)
# Stripe keeps an idempotency key's answer for 24 hours; after that a repeat would be a new charge,
# so older attempts are looked up by their metadata instead of being sent again.
IDEMPOTENCY_WINDOW = dt.timedelta(hours=23)
HOSTED_PAGE_LIFETIME = dt.timedelta(hours=25)  # a Checkout Session expires after 24 hours


class PaymentDeclined(PortalError):
    """The gateway refused; the message says why in plain words."""

    def __init__(self, message: str, *, needs_authentication: bool = False) -> None:
        super().__init__(message)
        self.needs_authentication = needs_authentication


class PaymentPending(PortalError):
    """The processor's answer was lost: the payment stays pending until it is confirmed."""

    def __init__(self) -> None:
        super().__init__(_("We could not get an answer from the payment processor. Your payment is pending while "
                           "we check with them; do not pay again. We will email you when it is confirmed."))


class PaymentNotProcessed(PortalError):
    """The processor did not look at the request (busy, or the provider's setup): nothing was charged."""


BUSY = "The payment processor is busy right now. Nothing was charged; try again in a minute."
UNAVAILABLE = "Online payments are not available right now. Nothing was charged; please try again later or call us."


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
    note: str = ""  # what the payer still has to do (verify microdeposits)
    service_restored: bool = False  # this payment restored a service suspended for non-payment

    @property
    def settling(self) -> bool:
        """A pending outcome here is a bank debit on its way (the processor answered)."""
        return self.status == "pending"


def new_attempt_key() -> str:
    return "pay_" + secrets.token_hex(16)


def ach_offered() -> bool:
    """ACH bank debits exist only in US dollars."""
    return current_theme().currency.upper() == "USD"


def charge_description(account_number: str) -> str:
    """The description sent with a charge (also what a reconciling retry must send again)."""
    return f"{current_theme().provider_name} account {account_number}"


def validate_amount(db: Session, amount_cents: object) -> int:
    settings = provider_settings(db)
    if not isinstance(amount_cents, int) or isinstance(amount_cents, bool):
        raise FieldErrors({"amount": _("Enter an amount in dollars and cents, such as 84.50.")})
    if amount_cents < settings.min_payment_cents:
        raise FieldErrors({"amount": _("The smallest payment we accept is %(amount)s.", amount=formatting.money(settings.min_payment_cents))})
    if amount_cents > settings.max_payment_cents:
        raise FieldErrors({"amount": _("The largest payment we accept online is %(amount)s.", amount=formatting.money(settings.max_payment_cents))})
    return amount_cents


def payment_by_key(db: Session, key: str) -> Payment | None:
    return db.exec(select(Payment).where(Payment.idempotency_key == key)).first()


def _outcome(db: Session, payment: Payment, **extra: bool) -> PaymentOutcome:
    if payment.status == "failed":
        raise PaymentDeclined(payment.failure_reason or "The payment was declined.")
    return PaymentOutcome(
        payment_id=payment.id, receipt_number=payment.receipt_number, status=payment.status,
        amount_cents=payment.amount_cents, method_label=payment.method_label,
        new_balance_cents=billing.balance_cents(db, account_id=payment.account_id), note=payment.payer_note, **extra,
    )


def claim_account(db: Session, account_id: int, key: str, *, commit: bool = True) -> bool:
    """One attempt at a time per account: a conditional UPDATE; `commit=False` leaves it to a batch."""
    now = utcnow()
    claimed = db.execute(
        update(Account)
        .where(col(Account.id) == account_id,
               or_(col(Account.payment_claim).is_(None), col(Account.payment_claim_expires_at) < now))
        .values(payment_claim=key, payment_claim_expires_at=now + CLAIM_TTL)
        .execution_options(synchronize_session=False)  # the claim is read from the database, never the session
    )
    if commit:
        db.commit()
    return claimed.rowcount == 1


def claim_accounts(db: Session, keys: dict[int, str]) -> set[int]:
    """`claim_account` for a batch, in the caller's transaction: one conditional UPDATE, then read
    back which accounts now carry their own attempt's key. Returns those account ids."""
    if not keys:
        return set()
    now = utcnow()
    db.execute(
        update(Account)
        .where(col(Account.id).in_(list(keys)),
               or_(col(Account.payment_claim).is_(None), col(Account.payment_claim_expires_at) < now))
        .values(payment_claim=case(keys, value=Account.id), payment_claim_expires_at=now + CLAIM_TTL)
        .execution_options(synchronize_session=False)
    )
    return {account_id for account_id, claim in db.exec(
        select(Account.id, Account.payment_claim).where(col(Account.id).in_(list(keys)))) if claim == keys[account_id]}


def release_claims(db: Session, keys: dict[int, str]) -> None:
    """End a batch's claims in the caller's transaction (each key names one account's attempt)."""
    if keys:
        db.execute(update(Account).where(col(Account.id).in_(list(keys)), col(Account.payment_claim).in_(list(keys.values())))
                   .values(payment_claim=None, payment_claim_expires_at=None)
                   .execution_options(synchronize_session=False))


def set_claim(db: Session, account_id: int, key: str, *, hold: bool) -> None:
    """In the caller's transaction: end this attempt's claim, or hold it until reconciliation."""
    values = {"payment_claim_expires_at": utcnow() + UNKNOWN_OUTCOME_HOLD} if hold else \
        {"payment_claim": None, "payment_claim_expires_at": None}
    db.execute(update(Account).where(col(Account.id) == account_id, col(Account.payment_claim) == key).values(**values)
               .execution_options(synchronize_session=False))


def release_account(db: Session, account_id: int, key: str) -> None:
    db.rollback()
    db.execute(update(Account).where(col(Account.id) == account_id, col(Account.payment_claim) == key)
               .values(payment_claim=None, payment_claim_expires_at=None)
               .execution_options(synchronize_session=False))
    db.commit()


def hold_account(db: Session, account_id: int, key: str) -> None:
    """Keep the claim of an attempt whose outcome is unknown until reconciliation decides it."""
    db.rollback()
    db.execute(update(Account).where(col(Account.id) == account_id, col(Account.payment_claim) == key)
               .values(payment_claim_expires_at=utcnow() + UNKNOWN_OUTCOME_HOLD)
               .execution_options(synchronize_session=False))
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
    require_role(principal, BILLING)
    gateway = gateway or get_gateway()
    account = access_account(db, principal)
    amount_cents = validate_amount(db, amount_cents)
    if receipt_email:  # typed by a Quick Pay visitor: it becomes a mail header, so check it here
        try:
            receipt_email = mail_address(receipt_email)
        except BadRecipient:
            raise FieldErrors({"email": _("Enter an email address such as name@example.com, or leave it empty.")}) from None
    if not attempt_key or len(attempt_key) > 64:
        raise FieldErrors({"method": _("This payment form has expired. Reload the page and try again.")})
    stored: PaymentMethod | None = None
    if isinstance(method, StoredMethod):
        stored = access_payment_method(db, principal, method.method_id)
    kind = stored.kind if stored else ("ach" if isinstance(method, NewBank) else "card")
    if kind == "ach" and not ach_offered():
        raise FieldErrors({"method": _("Bank debits (ACH) are only offered in US dollars. Pay by card.")})
    if kind == "ach" and not ach_authorized:
        raise FieldErrors({"ach_authorization": _("Tick the box to authorize the bank debit.")})
    if autopay and source != "portal":
        autopay = False
    if autopay and stored is None:
        save_method = True  # AutoPay charges a stored method
    account_id = account.id
    suspended = account.service_status == "suspended_nonpayment"
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
        if not _reconcile_claim_holder(db, account_id, gateway) or not claim_account(db, account_id, attempt_key):
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
                                    idempotency_key=attempt_key, description=charge_description(account.account_number))
        except GatewayDeclined as refusal:
            record_refusal(db, principal, payment, str(refusal), reference=refusal.reference, code=refusal.code)
            raise PaymentDeclined(str(refusal), needs_authentication=refusal.needs_authentication) from None
        except GatewayBusy:
            record_refusal(db, principal, payment, BUSY, action="not_processed")
            raise PaymentNotProcessed(BUSY) from None
        except GatewayMisconfigured as problem:
            log.error("Payment %s not processed: the gateway refused the portal's request: %s", payment.receipt_number, problem)
            record_refusal(db, principal, payment, UNAVAILABLE, action="not_processed")
            raise PaymentNotProcessed(UNAVAILABLE) from None
        except Exception as problem:  # GatewayUnavailable, or anything else: the charge may have happened
            keep_claim = True
            log.warning("Payment %s outcome unknown (%s); kept pending for reconciliation",
                        payment.receipt_number, type(problem).__name__)
            db.rollback()
            record_unknown(db, principal, payment)
            db.commit()
            raise PaymentPending() from None
        saved = finish_charge(db, principal, payment, result, tokenized=tokenized if save_method else None,
                        autopay=autopay, stored=stored, ach_authorized=kind == "ach", client_ip=client_ip,
                        receipt_email=receipt_email)
        db.commit()
        restored = suspended and db.get(Account, account_id).service_status == "active"
        return _outcome(db, payment, method_saved=saved, autopay_on=autopay, service_restored=restored)
    finally:
        if keep_claim:
            hold_account(db, account_id, attempt_key)
        else:
            release_account(db, account_id, attempt_key)


def _reconcile_claim_holder(db: Session, account_id: int, gateway: PaymentGateway) -> bool:
    """The account is claimed: if by a pending attempt past its claim time whose outcome was lost,
    ask the gateway about it now; True when that decided it and released the account."""
    claim = db.exec(select(Account.payment_claim).where(Account.id == account_id)).first()
    holder = payment_by_key(db, claim) if claim else None
    db.commit()
    if holder is None or holder.status != "pending" or holder.created_at > utcnow() - CLAIM_TTL:
        return False
    try:
        return reconcile(db, payment=holder, gateway=gateway) != "pending"
    except (GatewayMisconfigured, GatewayDeclined):
        return False


def new_receipt_number() -> str:
    return f"RCP-{formatting.day_stamp(utcnow().date())}-{secrets.token_hex(4).upper()}"  # the UTC day, as always


def record_refusal(db: Session, principal: Principal, payment: Payment, reason: str, *, reference: str = "",
                   code: str = "", action: str = "declined", commit: bool = True) -> None:
    payment.status = "failed"
    payment.failure_reason = reason[:200]
    payment.gateway_ref = payment.gateway_ref or reference[:120]
    db.add(payment)
    what = "declined" if action == "declined" else "not processed"
    summary = f"Payment of {formatting.money(payment.amount_cents)} ({payment.method_label}) {what}: {reason}"
    summary += f" [{code}]" if code else ""
    history.record(db, principal=principal, account_id=payment.account_id, kind="payment", action=action,
                   summary=summary[:500], entity_type="payment", entity_id=payment.id)
    if commit:
        db.commit()


def record_unknown(db: Session, principal: Principal, payment: Payment) -> None:
    """History for a charge whose answer was lost; the caller holds the claim and commits."""
    history.record(db, principal=principal, account_id=payment.account_id, kind="payment", action="outcome_unknown",
                   summary=f"Payment {payment.receipt_number} of {formatting.money(payment.amount_cents)} "
                           f"({payment.method_label}): no answer from the payment processor; pending until it is "
                           "confirmed", entity_type="payment", entity_id=payment.id)


def finish_charge(db: Session, principal: Principal, payment: Payment, result: ChargeResult, *,
                  tokenized: Tokenized | None, autopay: bool, stored: PaymentMethod | None, ach_authorized: bool,
                  client_ip: str, receipt_email: str | None, balance_after_cents: int | None = None,
                  owed: list[tuple[Invoice, int]] | None = None) -> bool:
    """Everything that follows a charge the gateway accepted, in the caller's transaction.
    A batch passes what it already read (the receipt address, the balance after) to save queries."""

    payment.gateway_ref = result.reference[:120]
    payment.status = result.status
    payment.payer_note = result.note[:300]
    if result.status == "succeeded":
        payment.settled_at = utcnow()
        allocate(db, payment, owed=owed)
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
    verb += f". {result.note}" if result.note else ""
    summary = f"Payment {payment.receipt_number} of {formatting.money(payment.amount_cents)} ({payment.method_label}) {verb}"
    if ach_authorized:
        summary += f"; bank debit authorized under terms {ACH_TERMS_VERSION} at {formatting.formatter().moment(utcnow(), zone_name=True)}"
        summary += f" from {client_ip}" if client_ip else ""
    history.record(db, principal=principal, account_id=payment.account_id, kind="payment",
                   action=result.status, summary=summary[:500], entity_type="payment", entity_id=payment.id)
    if result.status == "succeeded":  # a service suspended for non-payment comes back once the balance allows
        service_status.restore_after_payment(db, account_id=payment.account_id)
    if autopay and method is not None:
        autopay_service.turn_on(db, principal=principal, account_id=payment.account_id, method=method,
                                ach_authorized=method.kind == "ach", client_ip=client_ip)
    notices.payment_receipt(db, payment=payment, balance_cents=balance_after_cents, email_to=receipt_email,
                            user_id=principal.user_id)
    return tokenized is not None


def allocate(db: Session, payment: Payment, *, owed: list[tuple[Invoice, int]] | None = None) -> None:
    """Apply a succeeded payment to the account's oldest open invoices; what is left is a credit.

    A batch that read the account's open invoices and what each still owes passes them as `owed`
    (oldest first) for a payment with nothing applied yet; otherwise they are read here.
    """
    if owed is not None:
        _apply(db, payment, payment.amount_cents, owed)
        return
    remaining = payment.amount_cents - int(db.exec(
        select(func.coalesce(func.sum(PaymentAllocation.amount_cents), 0)).where(PaymentAllocation.payment_id == payment.id)
    ).one()) - int(db.exec(  # what refunds, disputes and returns took back is not there to apply
        select(func.coalesce(func.sum(PaymentAdjustment.amount_cents), 0)).where(
            PaymentAdjustment.payment_id == payment.id, col(PaymentAdjustment.status).in_(("pending", "applied")))
    ).one())
    open_invoices = db.exec(
        select(Invoice).where(Invoice.account_id == payment.account_id, Invoice.status == "open")
        .order_by(col(Invoice.due_on), col(Invoice.id))
    ).all()
    if remaining > 0 and open_invoices:
        _apply(db, payment, remaining, ((i, i.total_cents - invoice_paid_cents(db, i.id)) for i in open_invoices))
    db.flush()


def _apply(db: Session, payment: Payment, remaining: int, owed_invoices) -> None:
    for invoice, owed in owed_invoices:
        if remaining <= 0:
            break
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


def open_invoices_owed(db: Session, account_ids: list[int]) -> dict[int, list[tuple[Invoice, int]]]:
    """For a batch: each account's open invoices, oldest first, with what each still owes (two queries)."""
    invoices = db.exec(select(Invoice).where(col(Invoice.account_id).in_(account_ids), Invoice.status == "open")
                       .order_by(col(Invoice.account_id), col(Invoice.due_on), col(Invoice.id))).all()
    paid = dict(db.exec(
        select(PaymentAllocation.invoice_id, func.sum(PaymentAllocation.amount_cents))
        .join(Payment, col(Payment.id) == PaymentAllocation.payment_id)
        .where(col(PaymentAllocation.invoice_id).in_([i.id for i in invoices]), Payment.status == "succeeded")
        .group_by(PaymentAllocation.invoice_id)).all()) if invoices else {}
    owed: dict[int, list[tuple[Invoice, int]]] = {}
    for invoice in invoices:
        owed.setdefault(invoice.account_id, []).append((invoice, invoice.total_cents - int(paid.get(invoice.id) or 0)))
    return owed


def invoice_paid_cents(db: Session, invoice_id: int) -> int:
    return int(db.exec(
        select(func.coalesce(func.sum(PaymentAllocation.amount_cents), 0))
        .join(Payment, col(Payment.id) == PaymentAllocation.payment_id)
        .where(PaymentAllocation.invoice_id == invoice_id, Payment.status == "succeeded")
    ).one())


def settle(db: Session, *, payment: Payment, status: str, reason: str = "") -> bool:
    """A payment's outcome as the gateway reports it; the caller commits. True when it changed.

    Pending moves once to succeeded or failed, and the account's claim by this attempt ends.
    A failed payment that the gateway later reports succeeded (a late webhook after a decision)
    becomes succeeded, because the money was taken. Replays and older news change nothing.
    """
    if payment.status == "succeeded" or status == payment.status:
        return False
    if payment.status == "failed" and status != "succeeded":
        return False
    system = Principal.system("Payment processor")
    was_failed = payment.status == "failed"
    if status == "succeeded":
        payment.status = "succeeded"
        payment.settled_at = utcnow()
        payment.failure_reason = ""
        payment.payer_note = ""
        db.add(payment)
        allocate(db, payment)
        summary = f"Payment {payment.receipt_number} of {formatting.money(payment.amount_cents)} ({payment.method_label}) settled"
        summary += " (the processor confirmed it after it had been recorded as failed)" if was_failed else ""
    else:
        payment.status = "failed"
        payment.failure_reason = reason[:200]
        payment.payer_note = ""
        db.add(payment)
        summary = f"Payment {payment.receipt_number} of {formatting.money(payment.amount_cents)} ({payment.method_label}) failed: {reason}"
    db.execute(update(Account).where(col(Account.id) == payment.account_id,
                                     col(Account.payment_claim) == payment.idempotency_key)
               .values(payment_claim=None, payment_claim_expires_at=None)
               .execution_options(synchronize_session=False))
    history.record(db, principal=system, account_id=payment.account_id, kind="payment", action=payment.status,
                   summary=summary[:500], entity_type="payment", entity_id=payment.id)
    if payment.status == "succeeded":
        service_status.restore_after_payment(db, account_id=payment.account_id)
        notices.payment_receipt(db, payment=payment)
    else:
        notices.payment_failed(db, payment=payment, reason=reason)
    live.account_changed(db, account_id=payment.account_id, kind="payment")
    return True


def note_pending(db: Session, *, payment: Payment, note: str) -> None:
    """A pending payment waits for the payer (microdeposits): keep the note, tell them once."""
    if payment.status != "pending" or not note or payment.payer_note == note:
        return
    payment.payer_note = note[:300]
    db.add(payment)
    history.record(db, principal=Principal.system("Payment processor"), account_id=payment.account_id,
                   kind="payment", action="awaiting_payer",
                   summary=f"Payment {payment.receipt_number} pending: {note}"[:500], entity_type="payment",
                   entity_id=payment.id)
    notices.payment_needs_step(db, payment=payment, note=note)


def reconcile(db: Session, *, payment: Payment, gateway: PaymentGateway, now: dt.datetime | None = None,
              abandoned: bool = False) -> str:
    """Ask the gateway what became of a pending payment and record it; commits. Returns its status.

    `abandoned`: the caller knows no worker is still making this attempt (its tab's state lock
    was free, so the event that made it has ended or its worker is gone), so it is decided now
    rather than after the time a gateway call may take. Raises GatewayMisconfigured when the
    gateway refuses to answer (the caller reports it); an unknown answer keeps it pending.
    """
    now = now or utcnow()
    try:
        outcome, reference, note = _ask_gateway(db, gateway, payment, now, abandoned=abandoned)
    except (GatewayUnavailable, GatewayBusy):
        db.rollback()
        return "pending"
    if reference and not payment.gateway_ref:
        payment.gateway_ref = reference[:120]
        db.add(payment)
    if outcome == "pending":
        note_pending(db, payment=payment, note=note)
        db.commit()
        return "pending"
    status, _sep, reason = outcome.partition(":")
    settle(db, payment=payment, status=status, reason=reason)
    db.commit()
    return payment.status


@dataclass(frozen=True)
class AttemptOutcome:
    """What became of one payment attempt, as its payer should be told."""

    status: str  # succeeded | pending | failed
    payment_id: int
    receipt_number: str
    amount_cents: int
    method_label: str
    new_balance_cents: int
    settling: bool = False  # a bank debit on its way (pending by design), not an answer still awaited
    reason: str = ""  # why it failed
    note: str = ""  # what the payer still has to do (verify microdeposits)
    autopay_on: bool = False  # an interrupted attempt's AutoPay request is not carried out
    hosted: bool = False  # made on the processor's own page (Checkout): that page decides it


def attempt_outcome(db: Session, *, principal: Principal, attempt_key: str,
                    gateway: PaymentGateway | None = None) -> AttemptOutcome | None:
    """The outcome of the principal's attempt under `attempt_key`, for a page that lost the answer
    (its worker stopped mid-payment, or the processor's answer was lost). None when no payment was
    recorded under the key: then nothing was charged, because the record comes before the charge.

    The caller holds the attempt's tab, so no worker is still making it: a pending attempt that has
    no processor reference yet is decided now (`reconcile(abandoned=True)`): a charge the processor
    made under the key is recorded once; one it never made fails with nothing charged; an answer
    still unknown (the processor unreachable) stays pending, holding the account until it is known.
    """
    account = access_account(db, principal)
    payment = db.exec(select(Payment).where(Payment.idempotency_key == attempt_key,
                                            Payment.account_id == account.id)).first()
    if payment is None:
        return None
    # A payment on the processor's own page (Checkout) is decided there and by its webhook.
    if payment.status == "pending" and not payment.gateway_ref and not payment.checkout_session_id:
        try:
            reconcile(db, payment=payment, gateway=gateway or get_gateway(), abandoned=True)
        except (GatewayMisconfigured, GatewayDeclined) as problem:
            db.rollback()
            log.error("Payment %s: the processor would not say what became of it: %s", payment.receipt_number,
                      type(problem).__name__)
        db.refresh(payment)
    return AttemptOutcome(
        status=payment.status, payment_id=payment.id, receipt_number=payment.receipt_number,
        amount_cents=payment.amount_cents, method_label=payment.method_label,
        new_balance_cents=billing.balance_cents(db, account_id=payment.account_id),
        settling=payment.status == "pending" and bool(payment.gateway_ref), reason=payment.failure_reason,
        note=payment.payer_note, hosted=bool(payment.checkout_session_id),
    )


def _ask_gateway(db: Session, gateway: PaymentGateway, payment: Payment, now: dt.datetime, *,
                 abandoned: bool = False) -> tuple[str, str, str]:
    """(pending | succeeded | failed:<reason>, gateway reference, payer note) for one payment."""
    if payment.checkout_session_id and isinstance(gateway, HostedGateway):
        outcome, intent_id = gateway.checkout_outcome(session_id=payment.checkout_session_id)
        return outcome, intent_id, ""
    if payment.gateway_ref:
        return gateway.settlement_status(reference=payment.gateway_ref), "", ""
    if payment.created_at > now - CLAIM_TTL and not abandoned:
        return "pending", "", ""  # it may still be in flight
    method = db.get(PaymentMethod, payment.payment_method_id) if payment.payment_method_id else None
    if method is not None and payment.created_at > now - IDEMPOTENCY_WINDOW:
        # The same body under the same key: Stripe answers with the first result, never a new charge.
        account = db.get(Account, payment.account_id)
        try:
            result = gateway.charge(token=method.gateway_token, kind=payment.method_kind,
                                    amount_cents=payment.amount_cents, idempotency_key=payment.idempotency_key,
                                    description=charge_description(account.account_number))
        except GatewayDeclined as refusal:
            return f"failed:{refusal}", refusal.reference, ""
        return result.status, result.reference, result.note
    found = gateway.find_charge(idempotency_key=payment.idempotency_key)
    if found is not None:
        outcome = f"failed:{found.note}" if found.status == "failed" else found.status
        return outcome, found.reference, found.note if found.status == "pending" else ""
    if method is None and payment.created_at > now - HOSTED_PAGE_LIFETIME and not abandoned:
        # A hosted page may still be completed (Checkout expires after 24 hours); an abandoned
        # attempt without a Checkout Session never handed a page out.
        return "pending", "", ""
    return "failed:The payment was not made. Nothing was charged.", "", ""


def parse_amount(text: str, *, locale: str | None = None) -> int:
    """An amount typed in the subscriber's locale (in en_US: '84.5', '1,084.50', with or without the
    dollar sign) -> integer cents, more than zero; anything else is a field error."""
    cents = formatting.formatter(locale).parse_amount(text)
    if not cents:
        raise FieldErrors({"amount": _("Enter an amount in dollars and cents, such as 84.50.")})
    return cents


def parse_card(number: str, expiry: str, cvc: str, postal_code: str = "") -> CardDetails:
    """Read the card form; 'MM/YY' or 'MM/YYYY' expiry. Field errors name the field."""
    errors: dict[str, str] = {}
    digits = "".join(ch for ch in str(number) if ch.isdigit())
    if not 13 <= len(digits) <= 19:
        errors["card_number"] = _("Enter the card number as shown on the card.")
    month = year = 0
    parts = str(expiry).replace(" ", "").split("/")
    if len(parts) == 2 and parts[0].isdigit() and parts[1].isdigit():
        month, year = int(parts[0]), int(parts[1])
        year += 2000 if year < 100 else 0
    if not 1 <= month <= 12 or year < 2000:
        errors["expiry"] = _("Enter the expiry date as MM/YY.")
    cvc = str(cvc).strip()
    if not (cvc.isdigit() and len(cvc) in (3, 4)):
        errors["cvc"] = _("Enter the 3 or 4 digit security code.")
    if errors:
        raise FieldErrors(errors)
    return CardDetails(number=digits, exp_month=month, exp_year=year, cvc=cvc, postal_code=str(postal_code).strip()[:10])


def parse_bank(routing: str, account_number: str, holder: str = "") -> BankDetails:
    errors: dict[str, str] = {}
    routing = str(routing).strip()
    account_number = str(account_number).strip().replace(" ", "")
    if not (routing.isdigit() and len(routing) == 9):
        errors["routing"] = _("The routing number is the 9 digits at the bottom left of a check.")
    if not (account_number.isdigit() and 4 <= len(account_number) <= 17):
        errors["bank_account"] = _("Enter the bank account number (4 to 17 digits).")
    if errors:
        raise FieldErrors(errors)
    return BankDetails(routing_number=routing, account_number=account_number, holder_name=str(holder).strip()[:80])


def new_method_from_form(kind: str, form: Mapping[str, object]) -> NewCard | NewBank:
    """A card or bank account typed into a payment form (Make a Payment, Quick Pay): the same field
    names and the same messages on both. `kind` is "card" or "ach"."""
    if kind == "ach":
        return NewBank(parse_bank(str(form.get("routing", "")), str(form.get("bank_account", "")),
                                  str(form.get("holder", ""))))
    return NewCard(parse_card(str(form.get("card_number", "")), str(form.get("expiry", "")),
                              str(form.get("cvc", "")), str(form.get("postal_code", ""))))


def attempt_reference(attempt_key: str) -> str:
    """A name for an attempt that a page may show or hand to the browser: it reveals nothing of the key."""
    import hashlib

    return hashlib.sha256(f"attempt-ref:{attempt_key}".encode()).hexdigest()[:16]
