"""Notification jobs: bill reminders before the due date, and sending the text-message outbox.

- bill reminders: for each account with money still owed on a bill due within REMIND_DAYS, one
  reminder per bill (the notification log's key is what "once" is checked against): what is due
  and a Quick Pay link, or with AutoPay which card or bank account will be charged, and when.
- texts: every due text through the configured provider (Twilio); nothing while texts are off.
Both carry on per account or text: one problem is logged and reported, never fatal.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import func
from sqlmodel import Session, col, select

from portal_app.integrations.sms import get_sender
from portal_app.jobs.billing_jobs import RunReport
from portal_app.models import Account, Invoice
from portal_app.services.billing import billing, notices
from portal_app.services.notify.sms_outbox import deliver_due

log = logging.getLogger("portal.jobs")
REMIND_DAYS = 3


def bill_reminders(db: Session, *, today: dt.date, days: int = REMIND_DAYS,
                   account_ids: list[int] | None = None) -> RunReport:
    """Remind every active account (or only `account_ids`) of its oldest open bill due in the next `days`
    days, once per bill."""
    report = RunReport()
    oldest = (select(Invoice.account_id, func.min(Invoice.due_on).label("due_on"))
              .where(Invoice.status == "open").group_by(Invoice.account_id).subquery())
    rows = db.exec(
        select(Invoice.id, Invoice.account_id)
        .join(oldest, (oldest.c.account_id == Invoice.account_id) & (oldest.c.due_on == Invoice.due_on))
        .join(Account, col(Account.id) == Invoice.account_id)
        .where(Invoice.status == "open", Account.status == "active", Invoice.due_on > today,
               Invoice.due_on <= today + dt.timedelta(days=days),
               *([col(Invoice.account_id).in_(account_ids)] if account_ids is not None else []))
        .order_by(col(Invoice.account_id), col(Invoice.id))).all()
    balances = billing.balances_by_account(db, list({account_id for _, account_id in rows}))
    db.commit()
    seen: set[int] = set()
    for invoice_id, account_id in rows:
        if account_id in seen or balances.get(account_id, 0) <= 0:
            report.skipped += 1
            continue
        seen.add(account_id)
        try:
            due = billing.amount_due(db, account_id=account_id, today=today)
            if due.left_cents <= 0:  # a payment still settling covers it
                report.skipped += 1
                continue
            notices.bill_reminder(db, account=db.get(Account, account_id), invoice=db.get(Invoice, invoice_id),
                                  due=due, today=today)
            db.commit()
            report.done += 1
        except Exception as problem:  # noqa: BLE001 - one account's problem never stops the others
            log.exception("Bill reminders: account %s failed", account_id)
            db.rollback()
            report.problem(f"account {account_id}: {type(problem).__name__}: {problem}"[:300])
    return report


def deliver_texts(db: Session) -> str:
    """Send the due texts; raises when the provider refused every one for its own reasons (so the job
    runner retries and, after a while, tells the admins)."""
    sender = get_sender()
    if sender is None:
        return "Texts are off (no PORTAL_TWILIO_* settings)."
    report = deliver_due(db, sender=sender)
    if report.sent == 0 and report.server_errors:
        raise RuntimeError(report.summary() + "".join(f"; {reason}" for reason in report.reasons[:5]))
    return report.summary()
