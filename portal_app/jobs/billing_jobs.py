"""Scheduled billing jobs: issue invoices, run AutoPay, remind of expiring cards, settle ACH.
Each is safe to run twice.

- billing run: one invoice per account per month (its number is unique per account and month) with
  the part-month lines of prorated package changes, the days of vacation holds at the hold price and
  package-change fees (services/billing/invoicing.py), announced through
  the notification service (services/billing/notices.py: a signed Quick Pay link, or with AutoPay what
  will be charged when; by email to paperless accounts, by text where chosen) and marked for the post
  for paper accounts (`paper-bills` prints them); credit already on the account is applied to it.
- AutoPay run: one attempt per recurring payment, invoice and day (the attempt key names all
  three), at most `autopay_max_retries` failed days in a row, a notice on each failure.
- card-expiry reminders: a notice when a stored card AutoPay uses expires within 30 days, once
  per card (the account history records it and is what "once" is checked against).
- settle ACH: ask the gateway about every pending payment (ACH, Checkout, answers lost to a 5xx)
  and record the outcome.
Every run carries on per account: one account's error is logged and reported, never fatal.
"""

from __future__ import annotations

import calendar
import datetime as dt
import logging
from dataclasses import dataclass, field

from sqlalchemy import func
from sqlmodel import Session, col, select

from portal_app.integrations.payments import (
    ChargeResult, GatewayBusy, GatewayDeclined, GatewayMisconfigured, PaymentGateway, get_gateway,
)
from portal_app.models import (
    Account, AccountHistory, AccountService, CartOrder, Invoice, InvoiceLine, Payment, PaymentAllocation,
    PaymentMethod, RecurringPayment, ServiceHold, utcnow,
)
from portal_app.services.billing import billing, invoicing, notices, payments
from portal_app.services.core import history
from portal_app.services.core.provider_settings import provider_settings
from portal_app.services.core import formatting
from portal_app.services.core.principal import Principal
from portal_app.services.notify import send as notify_send

log = logging.getLogger("portal.jobs")

BILL_DUE_DAY = 21
EXPIRY_NOTICE = dt.timedelta(days=30)
SYSTEM = Principal.system("Billing run")
EXPIRY_SYSTEM = Principal.system("Card-expiry reminders")


@dataclass
class RunReport:
    done: int = 0
    skipped: int = 0
    failed: int = 0
    pending: int = 0  # outcome unknown or still settling: reconciliation decides
    problems: list[str] = field(default_factory=list)  # one line per account the run could not handle

    def problem(self, line: str) -> None:
        self.failed += 1
        self.problems.append(line)

    def __str__(self) -> str:
        text = f"{self.done} done, {self.skipped} skipped, {self.failed} failed"
        text += f", {self.pending} pending" if self.pending else ""
        return text + "".join(f"\n  {line}" for line in self.problems[:50])



# --- billing run --------------------------------------------------------------------------


def billing_run(db: Session, *, today: dt.date, batch: int = 500, account_ids: list[int] | None = None) -> RunReport:
    """Invoice every active account's billable services for today's month (or only `account_ids`),
    with the part-month lines of prorated package changes staff have completed since the last bill."""
    period_start = today.replace(day=1)
    period_end = today.replace(day=calendar.monthrange(today.year, today.month)[1])
    report = RunReport()
    services = db.exec(
        select(AccountService).join(Account, col(Account.id) == AccountService.account_id)
        .where(AccountService.billable, AccountService.status == "active", Account.status == "active",
               *([col(Account.id).in_(account_ids)] if account_ids is not None else []))
        .order_by(col(AccountService.account_id), col(AccountService.id))
    ).all()
    by_account: dict[int, list[AccountService]] = {}
    for service in services:
        by_account.setdefault(service.account_id, []).append(service)
    existing = set(db.exec(select(Invoice.account_id).where(Invoice.period_start == period_start)).all())
    prorations = invoicing.pending_prorations(db)  # few: read once for the whole run
    holds, fees = invoicing.pending_holds(db), invoicing.pending_fees(db)
    todo = list(by_account.items())
    for first in range(0, len(todo), batch):
        chunk = todo[first:first + batch]
        notify_send.prefetch(db, [account_id for account_id, _ in chunk if account_id not in existing])
        try:
            for account_id, lines in chunk:
                if account_id in existing:
                    report.skipped += 1
                    continue
                _issue(db, db.get(Account, account_id), lines, period_start, period_end,
                       prorations.get(account_id, []), today=today, holds=holds.get(account_id, []),
                       fees=fees.get(account_id, []))
                report.done += 1
            db.commit()
        finally:
            notify_send.forget(db)
    return report


def _issue(db: Session, account: Account, services: list[AccountService], start: dt.date, end: dt.date,
           prorations: list[tuple[CartOrder, invoicing.PriceChange]] = (), *, today: dt.date,
           holds: list[tuple[ServiceHold, invoicing.HoldDays]] = (),
           fees: list[tuple[CartOrder, invoicing.PlannedLine]] = ()) -> Invoice:
    billed = invoicing.billed_days(db, account.id) if prorations or holds else (lambda day: False)
    planned = invoicing.plan_lines(invoicing.charges(services), [change for _, change in prorations],
                                   period_start=start, period_end=end, billed=billed,
                                   holds=[days for _, days in holds], one_time=[line for _, line in fees])
    paper = not account.paperless
    invoice = Invoice(account_id=account.id, number=f"INV-{account.account_number}-{formatting.month_stamp(start)}", issued_on=start,
                      due_on=start.replace(day=BILL_DUE_DAY), period_start=start, period_end=end,
                      total_cents=sum(line.amount_cents for line in planned), status="open",
                      delivery="paper" if paper else "email")
    db.add(invoice)
    db.flush()
    db.add_all(InvoiceLine(invoice_id=invoice.id, description=line.description[:200], amount_cents=line.amount_cents,
                           sort_order=i, kind=line.kind, account_service_id=line.account_service_id)
               for i, line in enumerate(planned, start=1))
    for order, _ in prorations:
        order.prorated_invoice_id = invoice.id
        db.add(order)
    for order, _ in fees:
        order.fee_invoice_id = invoice.id
        db.add(order)
    for hold, _ in holds:  # billed at the hold price up to this period's end (later days: their own bill)
        if hold.starts_on <= end:
            hold.invoiced_through = min(hold.ends_on, end)
            db.add(hold)
    _apply_credit(db, account.id)
    history.record(db, principal=SYSTEM, account_id=account.id, kind="billing", action="invoice_issued",
                   summary=(f"Invoice {invoice.number} of {formatting.money(invoice.total_cents)} issued, due "
                            f"{formatting.date(invoice.due_on)}" + (", printed and posted (paper bill)" if paper else "")),
                   entity_type="invoice", entity_id=invoice.id)
    # A paper bill goes in the post (paper-bills prints it) and is never emailed; the notice service
    # knows that, and still sends the text a paper-bill account may have chosen.
    notices.bill_ready(db, account=account, invoice=invoice, today=today)
    return invoice


def _apply_credit(db: Session, account_id: int) -> None:
    """Succeeded payments with money not yet applied (paid ahead) go to the new invoice."""
    allocated = (select(PaymentAllocation.payment_id, func.sum(PaymentAllocation.amount_cents).label("used"))
                 .group_by(PaymentAllocation.payment_id).subquery())
    with_credit = db.exec(
        select(Payment).outerjoin(allocated, allocated.c.payment_id == Payment.id)
        .where(Payment.account_id == account_id, Payment.status == "succeeded",
               Payment.amount_cents > func.coalesce(allocated.c.used, 0))
        .order_by(col(Payment.created_at))
    ).all()
    for payment in with_credit:
        payments.allocate(db, payment)


# --- AutoPay run --------------------------------------------------------------------------


AUTOPAY_BATCH = 200


@dataclass
class _Attempt:
    """One account's AutoPay charge in a batch."""

    recurring_id: int
    account_id: int
    recurring: RecurringPayment
    method: PaymentMethod
    amount_cents: int
    key: str
    payment: Payment | None = None
    result: ChargeResult | None = None
    error: Exception | None = None
    outcome: str = ""  # done | pending | failed | problem
    hold: bool = False  # the answer was lost: the claim stays until reconciliation
    today: dt.date | None = None  # the run's day (a failure notice says when the next try is)


def autopay_run(db: Session, *, today: dt.date, gateway: PaymentGateway | None = None,
                batch: int = AUTOPAY_BATCH) -> RunReport:
    """Charge every due AutoPay once per day, in batches that keep the payments protocol:
    claim and record pending (one commit per batch) -> charge each with its own key -> record each
    outcome (one commit per batch). A crash between the steps leaves pending payments holding their
    claims, which `settle_pending` decides by asking the gateway with the same keys."""
    gateway = gateway or get_gateway()
    report = RunReport()
    settings = provider_settings(db)
    attempts = _due_attempts(db, today, settings, report)
    for start in range(0, len(attempts), batch):
        chunk = attempts[start:start + batch]
        try:
            _autopay_batch(db, chunk, gateway, settings, report)
        except Exception:  # the batch could not even be recorded: account by account instead
            log.exception("AutoPay run: batch starting at recurring payment %s; retrying one by one",
                          chunk[0].recurring_id)
            db.rollback()
            for attempt in chunk:
                try:
                    _autopay_one(db, attempt.recurring_id, today, gateway, settings, report)
                except Exception as problem:
                    log.exception("AutoPay run: recurring payment %s failed", attempt.recurring_id)
                    db.rollback()
                    report.problem(f"recurring payment {attempt.recurring_id}: {type(problem).__name__}: {problem}"[:300])
    return report


def _due_attempts(db: Session, today: dt.date, settings, report: RunReport) -> list[_Attempt]:
    """Who AutoPay charges today, read in a few queries for all accounts."""
    rows = db.exec(select(RecurringPayment, PaymentMethod)
                   .join(PaymentMethod, col(PaymentMethod.id) == RecurringPayment.payment_method_id)
                   .where(col(RecurringPayment.cancelled_at).is_(None)).order_by(col(RecurringPayment.id))).all()
    balances = billing.balances_by_account(db)
    oldest_due = dict(db.exec(select(Invoice.account_id, func.min(Invoice.due_on))
                              .where(Invoice.status == "open").group_by(Invoice.account_id)).all())
    done_today = set(db.exec(select(Payment.idempotency_key)
                             .where(col(Payment.idempotency_key).like(f"autopay-%-{formatting.day_stamp(today)}"))).all())
    attempts: list[_Attempt] = []
    for recurring, method in rows:
        balance = balances.get(recurring.account_id, 0)
        due_on = oldest_due.get(recurring.account_id) if balance > 0 else None
        if balance <= 0 or due_on is None or due_on > today or method.removed_at is not None \
                or method.mandate_status == "inactive" or recurring.consecutive_failures >= settings.autopay_max_retries \
                or balance < settings.min_payment_cents:
            report.skipped += 1
            continue
        key = f"autopay-{recurring.id}-{formatting.day_stamp(due_on)}-{formatting.day_stamp(today)}"
        if key in done_today:
            report.skipped += 1
            continue
        attempts.append(_Attempt(recurring_id=recurring.id, account_id=recurring.account_id, recurring=recurring,
                                 method=method, amount_cents=min(balance, settings.max_payment_cents), key=key,
                                 today=today))
    db.commit()  # end the read transaction before the batches claim accounts
    return attempts


def _autopay_batch(db: Session, chunk: list[_Attempt], gateway: PaymentGateway, settings, report: RunReport) -> None:
    ids = [t.account_id for t in chunk]
    accounts = {a.id: a for a in db.exec(select(Account).where(col(Account.id).in_(ids)))}
    # 1. Claim each account (one conditional UPDATE) and record its payment pending: one commit,
    # before any charge.
    won = payments.claim_accounts(db, {t.account_id: t.key for t in chunk})
    claimed: list[_Attempt] = []
    for attempt in chunk:
        if attempt.account_id not in won:
            report.skipped += 1  # a subscriber is paying right now; tomorrow's run will see the result
            continue
        method = attempt.method
        attempt.payment = Payment(
            account_id=attempt.account_id, receipt_number=payments.new_receipt_number(),
            amount_cents=attempt.amount_cents, status="pending", method_kind=method.kind,
            method_label=f"{method.brand} •••• {method.last4}"[:60], payment_method_id=method.id, source="autopay",
            gateway=gateway.name, idempotency_key=attempt.key)
        db.add(attempt.payment)
        claimed.append(attempt)
    db.commit()
    # 2. Charge each under its own key (a repeat never charges twice).
    for attempt in claimed:
        try:
            attempt.result = gateway.charge(
                token=attempt.method.gateway_token, kind=attempt.method.kind, amount_cents=attempt.amount_cents,
                idempotency_key=attempt.key,
                description=payments.charge_description(accounts[attempt.account_id].account_number))
        except Exception as problem:
            attempt.error = problem
    # 3. Record every outcome: one commit. An account whose recording fails is left pending with its
    # claim held (reconciliation decides it) and the rest are recorded again without it.
    balances = billing.balances_by_account(db, [t.account_id for t in claimed])
    mail_to = payments.receipt_addresses(db, [t.account_id for t in claimed])
    owed = payments.open_invoices_owed(db, [t.account_id for t in claimed])
    todo = list(claimed)
    while todo:
        current = None
        try:
            with db.no_autoflush:  # everything goes out in one flush at commit
                for current in todo:
                    _record_attempt(db, current, settings, balances.get(current.account_id, 0),
                                    mail_to.get(current.account_id), owed.get(current.account_id, []))
            current = None
            payments.release_claims(db, {t.account_id: t.key for t in todo if not t.hold})
            db.commit()  # the batch's writes go out together here
            break
        except Exception as problem:
            db.rollback()
            if current is None:  # the database refused the batch's writes: record one by one
                log.exception("AutoPay run: recording a batch failed; recording one by one")
                _record_one_by_one(db, todo, settings, balances, mail_to, owed, report)
                return
            log.exception("AutoPay run: recording recurring payment %s failed", current.recurring_id)
            todo.remove(current)
            _left_pending(report, current, problem)
    _tally(report, todo)


def _record_one_by_one(db: Session, todo: list[_Attempt], settings, balances, mail_to, owed, report) -> None:
    recorded = []
    for attempt in todo:
        try:
            _record_attempt(db, attempt, settings, balances.get(attempt.account_id, 0),
                            mail_to.get(attempt.account_id), owed.get(attempt.account_id, []))
            if not attempt.hold:
                payments.set_claim(db, attempt.account_id, attempt.key, hold=False)
            db.commit()
            recorded.append(attempt)
        except Exception as problem:
            log.exception("AutoPay run: recording recurring payment %s failed", attempt.recurring_id)
            db.rollback()
            _left_pending(report, attempt, problem)
    _tally(report, recorded)


def _left_pending(report: RunReport, attempt: _Attempt, problem: Exception) -> None:
    attempt.outcome = "problem"
    report.problem(f"recurring payment {attempt.recurring_id}: {type(problem).__name__}: {problem}; "
                   f"payment {attempt.key} left pending for settle-ach"[:300])


def _tally(report: RunReport, recorded: list[_Attempt]) -> None:
    for attempt in recorded:
        if attempt.outcome == "problem":
            report.problem(f"recurring payment {attempt.recurring_id}: not processed: {attempt.error}"[:300])
        else:
            setattr(report, attempt.outcome, getattr(report, attempt.outcome) + 1)


def _record_attempt(db: Session, attempt: _Attempt, settings, balance_cents: int, mail_to: str | None,
                    owed: list) -> None:
    """One account's outcome, in the batch's transaction (no commit here)."""
    payment, error = attempt.payment, attempt.error
    principal = Principal(kind="system", display_name="AutoPay", account_id=attempt.account_id)
    recurring = attempt.recurring  # held here: a lookup would flush the batch one account at a time
    if isinstance(error, GatewayDeclined):
        payments.record_refusal(db, principal, payment, str(error), reference=error.reference, code=error.code,
                                commit=False)
        recurring.consecutive_failures += 1
        db.add(recurring)
        _failure_mail(db, recurring, attempt.method, str(error), recurring.consecutive_failures,
                      settings.autopay_max_retries, needs_authentication=error.needs_authentication,
                      key=attempt.key, today=attempt.today)
        attempt.outcome = "failed"
    elif isinstance(error, (GatewayBusy, GatewayMisconfigured)):
        message = payments.BUSY if isinstance(error, GatewayBusy) else payments.UNAVAILABLE
        if isinstance(error, GatewayMisconfigured):
            log.error("AutoPay %s not processed: the gateway refused the portal's request: %s", attempt.key, error)
        payments.record_refusal(db, principal, payment, message, action="not_processed", commit=False)
        attempt.outcome = "problem"  # not the subscriber's doing: no failure counted, no mail
    elif error is not None:  # unknown outcome: pending, the claim held until reconciliation
        log.warning("AutoPay %s outcome unknown (%s); kept pending", attempt.key, type(error).__name__)
        payments.record_unknown(db, principal, payment)
        payments.set_claim(db, attempt.account_id, attempt.key, hold=True)
        attempt.outcome, attempt.hold = "pending", True
    else:
        succeeded = attempt.result.status == "succeeded"
        payments.finish_charge(db, principal, payment, attempt.result, tokenized=None, autopay=False,
                               stored=attempt.method, ach_authorized=attempt.method.kind == "ach", client_ip="",
                               receipt_email=mail_to, owed=owed,
                               balance_after_cents=balance_cents - (payment.amount_cents if succeeded else 0))
        if recurring.consecutive_failures:
            recurring.consecutive_failures = 0
            db.add(recurring)
        attempt.outcome = "done" if attempt.result.status == "succeeded" else "pending"


def _autopay_one(db: Session, recurring_id: int, today: dt.date, gateway: PaymentGateway, settings,
                 report: RunReport) -> None:
    recurring = db.get(RecurringPayment, recurring_id)
    method = db.get(PaymentMethod, recurring.payment_method_id)
    due = billing.amount_due(db, account_id=recurring.account_id, today=today)
    if due.balance_cents <= 0 or due.due_on is None or due.due_on > today or method.removed_at is not None \
            or method.mandate_status == "inactive" or recurring.consecutive_failures >= settings.autopay_max_retries:
        report.skipped += 1
        db.commit()
        return
    key = f"autopay-{recurring.id}-{formatting.day_stamp(due.due_on)}-{formatting.day_stamp(today)}"
    if db.exec(select(Payment.id).where(Payment.idempotency_key == key)).first() is not None:
        report.skipped += 1
        db.commit()
        return
    principal = Principal(kind="system", display_name="AutoPay", account_id=recurring.account_id)
    try:
        outcome = payments.pay(db, principal=principal, amount_cents=min(due.balance_cents, settings.max_payment_cents),
                               method=payments.StoredMethod(method.id), attempt_key=key, source="autopay",
                               ach_authorized=method.kind == "ach", gateway=gateway)
    except payments.PaymentInProgress:
        db.rollback()
        report.skipped += 1  # a subscriber is paying right now; tomorrow's run will see the result
        return
    except payments.PaymentPending:
        db.rollback()
        report.pending += 1  # no answer from the processor: settle-ach asks again, with the same key
        return
    except payments.PaymentNotProcessed as refusal:
        db.rollback()
        report.problem(f"recurring payment {recurring_id}: not processed: {refusal}")  # not the subscriber's doing
        return
    except payments.PaymentDeclined as refusal:
        db.rollback()
        recurring = db.get(RecurringPayment, recurring_id)
        recurring.consecutive_failures += 1
        db.add(recurring)
        _failure_mail(db, recurring, method, str(refusal), recurring.consecutive_failures,
                      settings.autopay_max_retries, needs_authentication=refusal.needs_authentication, key=key,
                      today=today)
        db.commit()
        report.failed += 1
        return
    if recurring.consecutive_failures:
        recurring.consecutive_failures = 0
        db.add(recurring)
    db.commit()
    if outcome.status == "pending":
        report.pending += 1
    else:
        report.done += 1


def _failure_mail(db: Session, recurring: RecurringPayment, method: PaymentMethod, reason: str, attempt: int,
                  max_retries: int, *, needs_authentication: bool = False, key: str, today: dt.date | None) -> None:
    notices.autopay_failed(db, recurring=recurring, method=method, reason=reason, attempt=attempt,
                           max_retries=max_retries, needs_authentication=needs_authentication, attempt_key=key,
                           today=today)


# --- card-expiry reminders -------------------------------------------------------------------


def _card_expires(method: PaymentMethod) -> dt.date:
    """The last day a card works: the end of its expiry month."""
    return dt.date(method.exp_year, method.exp_month, calendar.monthrange(method.exp_year, method.exp_month)[1])


def expiry_reminders(db: Session, *, today: dt.date) -> RunReport:
    """Remind every account whose AutoPay card expires within EXPIRY_NOTICE, once per card.

    A card is counted once however many recurring payments use it; "once" is the account history's
    `expiry_reminder` entry for that card, written in the same transaction as the email. A card
    already expired, removed or far from expiry is left alone. One account's error never stops the rest.
    """
    report = RunReport()
    last_month = today + EXPIRY_NOTICE
    rows = db.exec(
        select(PaymentMethod).join(RecurringPayment, col(RecurringPayment.payment_method_id) == PaymentMethod.id)
        .where(col(RecurringPayment.cancelled_at).is_(None), PaymentMethod.kind == "card",
               col(PaymentMethod.removed_at).is_(None), col(PaymentMethod.exp_year).is_not(None),
               col(PaymentMethod.exp_month).is_not(None),
               # a coarse filter in SQL (year-month), the exact end-of-month check below
               col(PaymentMethod.exp_year) * 100 + col(PaymentMethod.exp_month) >= today.year * 100 + today.month,
               col(PaymentMethod.exp_year) * 100 + col(PaymentMethod.exp_month)
               <= last_month.year * 100 + last_month.month)
        .distinct().order_by(col(PaymentMethod.id))).all()
    reminded = set(db.exec(select(AccountHistory.entity_id).where(
        AccountHistory.action == "expiry_reminder", AccountHistory.entity_type == "payment_method",
        col(AccountHistory.entity_id).in_([m.id for m in rows]))).all()) if rows else set()
    due = [(m.id, m.account_id) for m in rows if m.id not in reminded and today <= _card_expires(m) <= last_month]
    report.skipped = len(rows) - len(due)
    db.commit()
    for method_id, account_id in due:
        try:
            _remind(db, db.get(PaymentMethod, method_id))
            db.commit()
            report.done += 1
        except Exception as problem:  # noqa: BLE001 - one account's problem never stops the others
            log.exception("Card-expiry reminders: card %s of account %s failed", method_id, account_id)
            db.rollback()
            report.problem(f"card {method_id} (account {account_id}): {type(problem).__name__}: {problem}"[:300])
    return report


def _remind(db: Session, method: PaymentMethod) -> None:
    expires = _card_expires(method)
    history.record(db, principal=EXPIRY_SYSTEM, account_id=method.account_id, kind="autopay",
                   action="expiry_reminder",
                   summary=f"Reminded that AutoPay card {method.brand} •••• {method.last4} expires {formatting.date(expires, 'yMMM')}",
                   entity_type="payment_method", entity_id=method.id)
    notices.card_expiring(db, method=method, expires=expires)


# --- settle ACH (and reconcile interrupted card charges) -------------------------------------


def settle_pending(db: Session, *, gateway: PaymentGateway | None = None, now: dt.datetime | None = None) -> RunReport:
    """Ask the gateway about every pending payment (nothing is decided without asking it)."""
    gateway = gateway or get_gateway()
    now = now or utcnow()
    report = RunReport()
    pending = db.exec(select(Payment.id).where(Payment.status == "pending", Payment.gateway == gateway.name)
                      .order_by(col(Payment.id))).all()
    db.commit()
    for payment_id in pending:
        try:
            payment = db.get(Payment, payment_id)
            status = payments.reconcile(db, payment=payment, gateway=gateway, now=now)
        except GatewayMisconfigured as problem:
            db.rollback()
            report.problem(f"payment {payment_id}: the gateway refused the portal's request: {problem}"[:300])
            continue
        except Exception as problem:  # one bad reference never stops the others
            log.exception("settle-ach: payment %s failed", payment_id)
            db.rollback()
            report.problem(f"payment {payment_id}: {type(problem).__name__}: {problem}"[:300])
            continue
        if status == "pending":
            report.pending += 1
        elif status == "succeeded":
            report.done += 1
        else:
            report.failed += 1
    return report
