"""The text-message outbox: texts written in the caller's transaction, sent by a job when due.

Like the mail outbox: each text is leased with a conditional UPDATE before it is sent (several
workers never send it twice), any error marks only that text (retried with back-off, given up after
MAX_ATTEMPTS), and a text the provider will never send is given up at once. Right before sending, a
notification's number must still be the account's verified number and must not have replied STOP
(a text held overnight by quiet hours may meet a STOP sent in the meantime).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from portal_app.integrations.sms import SmsRefused, SmsSender, SmsUnavailable
from portal_app.models import NotificationSettings, OutboxSms, lease_outbox_row, utcnow
from portal_app.services.core import history
from portal_app.services.core.access import require_staff
from portal_app.services.core.errors import NotFound, PortalError
from portal_app.services.core.principal import Principal

log = logging.getLogger("portal.sms")
MAX_ATTEMPTS = 6
CLAIM_LEASE = dt.timedelta(minutes=5)
NOT_SENT_STOPPED = "not sent: the number replied STOP or is no longer the account's texting number"
CODE_LIFETIME = dt.timedelta(minutes=10)  # a verification code works this long; later it is not sent at all
NOT_SENT_EXPIRED = "not sent: the code expired before it could be sent"
CODE_GONE = "(verification code, removed once sent)"


def enqueue_sms(db: Session, *, to: str, body: str, account_id: int | None, purpose: str = "notification",
                send_at: dt.datetime | None = None) -> OutboxSms:
    """Add a text to the outbox, due at `send_at` (the end of quiet hours) or now."""
    row = OutboxSms(account_id=account_id, to_number=to, body=body[:640], purpose=purpose)
    if send_at is not None:
        row.next_attempt_at = send_at
    db.add(row)
    return row


@dataclass
class SmsReport:
    sent: int = 0
    failed: int = 0
    dropped: int = 0  # no longer wanted (STOP, number removed)
    server_errors: int = 0
    reasons: list[str] = field(default_factory=list)

    def summary(self) -> str:
        text = f"Texts sent: {self.sent}."
        if self.failed:
            text += f" Failed: {self.failed}."
        if self.dropped:
            text += f" Not sent (STOP or number removed): {self.dropped}."
        return text


def _backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(minutes=min(2 ** attempts, 120))


def _why_not(db: Session, row: OutboxSms, now: dt.datetime) -> str:
    """Why a due text must not go out any more ("" when it should)."""
    if row.purpose == "verification":  # goes to the number being verified, while the code works
        return NOT_SENT_EXPIRED if now - row.created_at > CODE_LIFETIME else ""
    settings = db.get(NotificationSettings, row.account_id) if row.account_id is not None else None
    wanted = (settings is not None and settings.sms_phone == row.to_number and settings.sms_verified_at is not None
              and settings.sms_opted_out_at is None)
    return "" if wanted else NOT_SENT_STOPPED


def mark_opted_out(db: Session, *, number: str, now: dt.datetime) -> list[int]:
    """Every account texting `number` stops getting texts (STOP, or the carrier says so); their ids."""
    rows = list(db.exec(select(NotificationSettings).where(NotificationSettings.sms_phone == number,
                                                           col(NotificationSettings.sms_opted_out_at).is_(None))))
    for settings in rows:
        settings.sms_opted_out_at = now
        db.add(settings)
    return [settings.account_id for settings in rows]


def deliver_due(db: Session, *, sender: SmsSender, now: dt.datetime | None = None, limit: int = 200) -> SmsReport:
    """Send the texts that are due, one at a time, committing each outcome."""
    now = now or utcnow()
    due = list(db.exec(select(OutboxSms).where(col(OutboxSms.sent_at).is_(None), OutboxSms.next_attempt_at <= now,
                                                OutboxSms.attempts < MAX_ATTEMPTS)
                       .order_by(col(OutboxSms.next_attempt_at), col(OutboxSms.id)).limit(limit)))
    db.commit()
    report = SmsReport()
    for row in due:
        if not lease_outbox_row(db, row, OutboxSms.attempts < MAX_ATTEMPTS, now=now, lease=CLAIM_LEASE):
            continue  # another worker took it
        why_not = _why_not(db, row, now)
        if why_not:
            row.attempts, row.last_error = MAX_ATTEMPTS, why_not
            report.dropped += 1
        else:
            try:
                row.provider_ref = sender.send(to=row.to_number, body=row.body)[:64]
            except SmsRefused as problem:
                row.attempts, row.last_error = MAX_ATTEMPTS, str(problem)[:300]
                if problem.opted_out:
                    mark_opted_out(db, number=row.to_number, now=now)
            except SmsUnavailable as problem:
                row.attempts += 1
                row.last_error = str(problem)[:300]
                row.next_attempt_at = now + _backoff(row.attempts)
                report.server_errors += 1
            except Exception as problem:  # noqa: BLE001 - one text never stops the others
                log.exception("Text %s could not be sent", row.id)
                row.attempts += 1
                row.last_error = f"{type(problem).__name__}: {problem}"[:300]
                row.next_attempt_at = now + _backoff(row.attempts)
            else:
                row.attempts += 1
                row.sent_at = utcnow()
                row.last_error = ""
                if row.purpose == "verification":
                    row.body = CODE_GONE  # the outbox keeps no usable code
                report.sent += 1
            if row.sent_at is None:
                if row.purpose == "verification" and row.attempts >= MAX_ATTEMPTS:
                    row.body = CODE_GONE
                report.failed += 1
                report.reasons.append(f"text {row.id}: {row.last_error}")
                log.warning("Text %s not sent (attempt %s of %s): %s", row.id, row.attempts, MAX_ATTEMPTS,
                            row.last_error)
        db.add(row)
        db.commit()
    return report


def retry_text(db: Session, *, principal: Principal, text_id: int, now: dt.datetime | None = None) -> OutboxSms:
    """Staff: a failed text gets a fresh set of attempts, due now (e.g. after the Twilio account was fixed).
    A code text is never sent again (the subscriber asks for a new code), nor a text to a number that
    replied STOP or is no longer the account's texting number."""
    require_staff(principal)
    now = now or utcnow()
    row = db.exec(select(OutboxSms).where(OutboxSms.id == text_id, col(OutboxSms.sent_at).is_(None),
                                          OutboxSms.attempts > 0)).first()
    if row is None:
        raise NotFound("message")
    if row.purpose == "verification":
        raise PortalError("A code is not sent again: the subscriber asks for a new one on their Notifications page.")
    if _why_not(db, row, now):
        raise PortalError("Not queued: that number replied STOP or is no longer the account's texting number.")
    was = row.last_error
    row.attempts, row.next_attempt_at = 0, now
    db.add(row)
    if row.account_id is not None:
        history.record(db, principal=principal, account_id=row.account_id, kind="notifications",
                       action="text_retried", summary=f"Text {row.id} queued again after: {was}"[:500],
                       entity_type="outbox_sms", entity_id=row.id)
    return row

