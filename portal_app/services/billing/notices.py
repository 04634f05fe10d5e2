"""What billing tells subscribers (bills, reminders, receipts, payment problems, AutoPay), through the
notification service. AutoPay-aware: an account whose AutoPay will pay is told what will be charged,
to which card or bank account and when, and never asked to pay; a failed AutoPay says what to do."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import asdict, dataclass

from sqlmodel import Session

from portal_app.models import Account, Invoice, Payment, PaymentAdjustment, PaymentMethod, RecurringPayment
from portal_app.services.billing import autopay, billing, quickpay
from portal_app.services.core.clock import provider_today
from portal_app.services.core.provider_settings import provider_settings
from portal_app.services.notify.send import send
from portal_app.services.core import formatting


@dataclass(frozen=True)
class AutoPayPlan:
    method: str  # "Visa •••• 4242"
    on: dt.date  # the day AutoPay charges
    amount_cents: int


def autopay_plan(db: Session, *, account_id: int, today: dt.date, due: billing.AmountDue | None = None,
                 recurring: RecurringPayment | None = None) -> AutoPayPlan | None:
    """What AutoPay will charge, with what and when, or None when it will not (none set up, its method
    removed or refused, retries used up, nothing owed)."""
    recurring = recurring or autopay.active(db, account_id=account_id)
    if recurring is None:
        return None
    method = db.get(PaymentMethod, recurring.payment_method_id)
    settings = provider_settings(db)
    if method is None or method.removed_at is not None or method.mandate_status == "inactive" \
            or recurring.consecutive_failures >= settings.autopay_max_retries:
        return None
    due = due or billing.amount_due(db, account_id=account_id, today=today)
    owed = due.balance_cents - due.pending_cents
    if due.due_on is None or owed < settings.min_payment_cents:
        return None
    # The run charges on the due date (or, for a date already past, at its next run).
    on = due.due_on if due.due_on > today else today + dt.timedelta(days=1)
    return AutoPayPlan(method=autopay.method_label(method), on=on, amount_cents=min(owed, settings.max_payment_cents))


def bill_ready(db: Session, *, account: Account, invoice: Invoice, today: dt.date | None = None) -> None:
    """The new bill, with a Quick Pay link, or (AutoPay) nothing to do."""
    today = today or provider_today()

    def words() -> dict:  # worked out only when someone is told (the billing run's accounts without a sign-in)
        recurring = autopay.active(db, account_id=account.id)
        if recurring is None:  # most accounts: the balance is all the words need
            plan, balance = None, billing.balance_cents(db, account_id=account.id)
        else:
            due = billing.amount_due(db, account_id=account.id, today=today)
            plan = autopay_plan(db, account_id=account.id, today=today, due=due, recurring=recurring)
            balance = due.balance_cents
        return {"invoice_number": invoice.number, "period_start": invoice.period_start,
                "total_cents": invoice.total_cents, "due_on": invoice.due_on, "balance_cents": balance,
                "autopay": asdict(plan) if plan else None, "pay_link": quickpay.link_url(account.account_number)}

    send(db, account_id=account.id, event="bill_ready", template="bill_ready", key=f"bill_ready:{invoice.id}",
         context=words)


def bill_reminder(db: Session, *, account: Account, invoice: Invoice, due: billing.AmountDue, today: dt.date) -> None:
    """A few days before a bill is due: what is owed and a link, or (AutoPay) what will be charged when."""
    plan = autopay_plan(db, account_id=account.id, today=today, due=due)
    send(db, account_id=account.id, event="bill_reminder", template="bill_reminder",
         key=f"bill_reminder:{invoice.id}",
         context={"due_on": due.due_on, "balance_cents": due.left_cents, "autopay": asdict(plan) if plan else None,
                  "pay_link": quickpay.link_url(account.account_number)})


def payment_receipt(db: Session, *, payment: Payment, balance_cents: int | None = None, email_to: str | None = None,
                    user_id: int | None = None) -> None:
    """The receipt of a payment received (or submitted, for a bank debit that settles later)."""
    account = db.get(Account, payment.account_id)
    balance = billing.balance_cents(db, account_id=payment.account_id) if balance_cents is None else balance_cents
    send(db, account_id=payment.account_id, event="payment_receipt", template="payment_receipt",
         key=f"receipt:{payment.id}:{payment.status}", email_to=email_to, user_id=user_id,
         context={"amount_cents": payment.amount_cents, "status": payment.status, "payer_note": payment.payer_note,
                  "receipt_number": payment.receipt_number, "account_number": account.account_number,
                  "method_label": payment.method_label, "balance_cents": balance})


def payment_failed(db: Session, *, payment: Payment, reason: str) -> None:
    send(db, account_id=payment.account_id, event="payment_problem", template="payment_failed",
         key=f"payment_failed:{payment.id}",
         context={"amount_cents": payment.amount_cents, "method_label": payment.method_label,
                  "receipt_number": payment.receipt_number, "reason": reason})


def payment_needs_step(db: Session, *, payment: Payment, note: str) -> None:
    """A pending payment waits for the payer (a bank's microdeposits): once per distinct step."""
    step = hashlib.sha256(note.encode()).hexdigest()[:12]
    send(db, account_id=payment.account_id, event="payment_problem", template="payment_needs_step",
         key=f"payment_step:{payment.id}:{step}",
         context={"amount_cents": payment.amount_cents, "method_label": payment.method_label,
                  "receipt_number": payment.receipt_number, "note": note})


def autopay_failed(db: Session, *, recurring: RecurringPayment, method: PaymentMethod, reason: str, attempt: int,
                   max_retries: int, attempt_key: str, needs_authentication: bool = False,
                   today: dt.date | None = None) -> None:
    """A declined AutoPay charge: why, when we try again (or that we will not), and what to do meanwhile.
    Once per attempt (`attempt_key`: the run's idempotency key for that recurring payment and day)."""
    today = today or provider_today()
    balance = billing.balance_cents(db, account_id=recurring.account_id)
    send(db, account_id=recurring.account_id, event="payment_problem", template="autopay_failed",
         key=f"autopay_failed:{attempt_key}",
         context={"method_label": autopay.method_label(method), "reason": reason, "amount_cents": max(balance, 0),
                  "balance_cents": balance, "needs_authentication": needs_authentication,
                  "retry_on": today + dt.timedelta(days=1) if attempt < max_retries else None})


def card_expiring(db: Session, *, method: PaymentMethod, expires: dt.date) -> None:
    send(db, account_id=method.account_id, event="card_expiring", template="card_expiring",
         key=f"card_expiring:{method.id}:{formatting.month_stamp(expires)}",
         context={"method_label": autopay.method_label(method), "expires": expires})


def mandate_inactive(db: Session, *, method: PaymentMethod) -> None:
    send(db, account_id=method.account_id, event="payment_problem", template="mandate_inactive",
         key=f"mandate_inactive:{method.id}:{method.mandate_id}",
         context={"method_label": autopay.method_label(method)})


def adjustment(db: Session, *, payment: Payment, adjustment: PaymentAdjustment, variant: str) -> None:
    """A refund (made or failed), a payment counted again, or one returned or disputed by the bank."""
    problem = variant in ("returned", "disputed")
    send(db, account_id=payment.account_id, event="payment_problem" if problem else "payment_receipt",
         template="refund", key=f"adjustment:{adjustment.id}:{variant}",
         context={"variant": variant, "amount_cents": adjustment.amount_cents, "receipt_number": payment.receipt_number,
                  "method_label": payment.method_label,
                  "balance_cents": billing.balance_cents(db, account_id=payment.account_id)})
