"""Staff view of the outbox: mail that could not be delivered, and sending it again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from portal_app.integrations.mail import KEPT_MARK, MAX_ATTEMPTS
from portal_app.models import Account, OutboxMail, utcnow
from portal_app.services.core import history
from portal_app.services.core.access import require_staff
from portal_app.services.core.errors import NotFound
from portal_app.services.core.principal import Principal


@dataclass(frozen=True)
class FailedMail:
    id: int
    to_address: str
    subject: str
    account_number: str
    created_at: datetime
    attempts: int
    dead: bool  # no more automatic attempts
    last_error: str
    next_attempt_at: datetime


def failed_mail(db: Session, *, principal: Principal, limit: int = 100) -> list[FailedMail]:
    """Unsent mail that failed at least once, newest first (never the bodies: they may hold links)."""
    require_staff(principal)
    rows = db.exec(
        select(OutboxMail, Account.account_number)
        .join(Account, col(Account.id) == OutboxMail.account_id, isouter=True)
        .where(col(OutboxMail.sent_at).is_(None), OutboxMail.attempts > 0, OutboxMail.last_error != KEPT_MARK)
        .order_by(col(OutboxMail.id).desc())
        .limit(limit)
    ).all()
    return [
        FailedMail(id=mail.id, to_address=mail.to_address, subject=mail.subject, account_number=number or "",
                   created_at=mail.created_at, attempts=mail.attempts, dead=mail.attempts >= MAX_ATTEMPTS,
                   last_error=mail.last_error, next_attempt_at=mail.next_attempt_at)
        for mail, number in rows
    ]


def retry_mail(db: Session, *, principal: Principal, mail_id: int) -> None:
    """Give an undelivered message a fresh set of attempts, due now (e.g. after SMTP was fixed)."""
    require_staff(principal)
    mail = db.exec(select(OutboxMail).where(OutboxMail.id == mail_id, col(OutboxMail.sent_at).is_(None))).first()
    if mail is None:
        raise NotFound("message")
    mail.attempts = 0
    mail.next_attempt_at = utcnow()
    db.add(mail)
    if mail.account_id is not None:
        history.record(db, principal=principal, account_id=mail.account_id, kind="mail", action="mail_retried",
                       summary=f"Mail '{mail.subject}' to {mail.to_address} queued again after: {mail.last_error}"[:500],
                       entity_type="outbox_mail", entity_id=mail.id)
