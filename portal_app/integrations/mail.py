"""Mail: written to the outbox in the caller's transaction, delivered later over SMTP.

Without `PORTAL_SMTP_URL` mail stays in the outbox and is printed to the log, so a developer
can follow links locally.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from urllib.parse import unquote, urlsplit

from sqlalchemy import update
from sqlmodel import Session, col, select

from portal_app.models import OutboxMail, utcnow

log = logging.getLogger("portal.mail")
MAX_ATTEMPTS = 8
KEPT_MARK = "kept in the outbox: no PORTAL_SMTP_URL"


def enqueue_mail(
    db: Session,
    *,
    to: str,
    subject: str,
    body: str,
    account_id: int | None = None,
    attachment: tuple[str, str, str] | None = None,
) -> OutboxMail:
    """Add a message to the outbox; it is sent only if the surrounding transaction commits.

    `attachment` is an optional (file name, MIME type, text), e.g. an appointment's .ics file.
    """
    mail = OutboxMail(account_id=account_id, to_address=to, subject=subject[:200], body_text=body)
    if attachment:
        mail.attachment_name, mail.attachment_type, mail.attachment_text = attachment
    db.add(mail)
    return mail


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    username: str
    password: str
    security: str  # "starttls", "ssl" or "none"

    @classmethod
    def from_url(cls, url: str) -> SmtpSettings:
        """smtp://user:pass@host:587 (STARTTLS), smtps://...:465 (TLS), smtp+plain://host:25 (none)."""
        parts = urlsplit(url)
        security = {"smtps": "ssl", "smtp": "starttls", "smtp+plain": "none"}.get(parts.scheme)
        if security is None or not parts.hostname:
            raise ValueError("PORTAL_SMTP_URL must look like smtp://user:password@host:587")
        default_port = {"ssl": 465, "starttls": 587, "none": 25}[security]
        return cls(
            host=parts.hostname,
            port=parts.port or default_port,
            username=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
            security=security,
        )


def _backoff(attempts: int) -> timedelta:
    return timedelta(minutes=min(2 ** attempts, 240))


def _message(mail: OutboxMail, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mail.to_address
    message["Subject"] = mail.subject
    message["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1].strip(">"))
    message.set_content(mail.body_text)
    if mail.attachment_text is not None and mail.attachment_name:
        maintype, _, subtype = (mail.attachment_type or "text/plain").partition("/")
        message.add_attachment(mail.attachment_text.encode(), maintype=maintype, subtype=subtype or "plain",
                               filename=mail.attachment_name)
    return message


def _send(smtp: SmtpSettings, message: EmailMessage) -> None:
    if smtp.security == "ssl":
        client: smtplib.SMTP = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=20, context=ssl.create_default_context())
    else:
        client = smtplib.SMTP(smtp.host, smtp.port, timeout=20)
    with client:
        if smtp.security == "starttls":
            client.starttls(context=ssl.create_default_context())
        if smtp.username:
            client.login(smtp.username, smtp.password)
        client.send_message(message)


CLAIM_LEASE = timedelta(minutes=10)


def _claim(db: Session, mail: OutboxMail, now: datetime) -> bool:
    """Lease one row with a conditional UPDATE so two delivery workers never send the same mail."""
    leased = db.execute(
        update(OutboxMail)
        .where(col(OutboxMail.id) == mail.id, col(OutboxMail.sent_at).is_(None), OutboxMail.next_attempt_at <= now)
        .values(next_attempt_at=now + CLAIM_LEASE)
    )
    db.commit()
    if leased.rowcount != 1:
        return False
    db.refresh(mail)
    return True


def deliver_pending(
    db: Session, *, smtp_url: str, sender_name: str, sender_address: str, now: datetime | None = None, limit: int = 100
) -> int:
    """Send what is due; failures are retried later with back-off. Returns how many were sent."""
    now = now or utcnow()
    due = list(
        db.exec(
            select(OutboxMail)
            .where(col(OutboxMail.sent_at).is_(None), OutboxMail.next_attempt_at <= now, OutboxMail.attempts < MAX_ATTEMPTS)
            .order_by(col(OutboxMail.id))
            .limit(limit)
        )
    )
    if not smtp_url:
        # Printed once (marked, still due), so a job run every minute does not repeat the whole outbox,
        # and everything still goes out once SMTP is configured.
        for mail in due:
            if mail.last_error == KEPT_MARK:
                continue
            log.info("Mail kept in the outbox (no PORTAL_SMTP_URL) to %s: %s\n%s", mail.to_address, mail.subject, mail.body_text)
            mail.last_error = KEPT_MARK
            db.add(mail)
        db.commit()
        return 0
    smtp = SmtpSettings.from_url(smtp_url)
    sender = formataddr((sender_name, sender_address))
    sent = 0
    for mail in due:
        if not _claim(db, mail, now):
            continue  # another delivery worker took it between our read and now
        try:
            _send(smtp, _message(mail, sender))
        except (OSError, smtplib.SMTPException) as problem:
            mail.attempts += 1
            mail.last_error = str(problem)[:500]
            mail.next_attempt_at = now + _backoff(mail.attempts)
        else:
            mail.attempts += 1
            mail.sent_at = utcnow()
            sent += 1
        db.add(mail)
        db.commit()  # one row at a time: a crash half-way never re-sends what went out
    return sent
