"""Mail: written to the outbox in the caller's transaction, delivered later over SMTP.

Without `PORTAL_SMTP_URL` mail stays in the outbox and is printed to the log, so a developer
can follow links locally.
"""

from __future__ import annotations

import logging
import re
import smtplib
import ssl
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from urllib.parse import unquote, urlsplit

from email_validator import EmailNotValidError, validate_email
from sqlmodel import Session, col, select

from portal_app.log_redaction import redact
from portal_app.models import OutboxMail, lease_outbox_row, utcnow

log = logging.getLogger("portal.mail")
MAX_ATTEMPTS = 8  # a message that failed this often is dead: no more attempts, staff see it
KEPT_MARK = "kept in the outbox: no PORTAL_SMTP_URL"
_LINE_BREAKS = re.compile(r"[\r\n\x00-\x1f\x7f\u2028\u2029\x85]+")


class BadRecipient(ValueError):
    """The address cannot be a mail recipient (malformed, or carrying a line break)."""


def mail_address(value: str) -> str:
    """A recipient address fit for a header: valid, no CR/LF, normalised; else BadRecipient."""
    text = (value or "").strip()
    if not text or _LINE_BREAKS.search(text):
        raise BadRecipient("That email address cannot receive mail.")
    try:
        return validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError as problem:
        raise BadRecipient("That email address cannot receive mail.") from problem


def header_text(value: str, limit: int = 200) -> str:
    """One header line: every line break or control character becomes a space."""
    return " ".join(_LINE_BREAKS.sub(" ", value or "").split())[:limit]


def enqueue_mail(
    db: Session,
    *,
    to: str,
    subject: str,
    body: str,
    account_id: int | None = None,
    attachment: tuple[str, str, str] | None = None,
    html: str | None = None,
) -> OutboxMail:
    """Add a message to the outbox; it is sent only if the surrounding transaction commits.

    `html` is an optional HTML alternative of `body` (mail programs show one of the two);
    `attachment` is an optional (file name, MIME type, text), e.g. an appointment's .ics file.
    Headers are checked here, so one message can never stop delivery later: a bad recipient raises
    BadRecipient, and line breaks in the subject or file name become spaces.
    """
    mail = OutboxMail(account_id=account_id, to_address=mail_address(to), subject=header_text(subject),
                      body_text=body, body_html=html)
    if attachment:
        name, kind, text = attachment
        mail.attachment_name, mail.attachment_type, mail.attachment_text = header_text(name, 120), header_text(kind, 80), text
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
    message["Subject"] = header_text(mail.subject)
    message["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1].strip(">"))
    message.set_content(mail.body_text)
    if mail.body_html:
        message.add_alternative(mail.body_html, subtype="html")
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


@dataclass
class DeliveryReport:
    """What one delivery pass did. `server_errors` counts failures of the SMTP server or the
    connection (as opposed to one message that cannot be built)."""

    sent: int = 0
    failed: int = 0
    dead: int = 0
    server_errors: int = 0
    reasons: list[str] = field(default_factory=list)  # one line per failed message

    @property
    def nothing_delivered_for_server_error(self) -> bool:
        return self.sent == 0 and self.server_errors > 0

    def summary(self) -> str:
        text = f"Mail sent: {self.sent}."
        if self.failed:
            text += f" Failed: {self.failed} ({self.dead} given up after {MAX_ATTEMPTS} attempts or unsendable)."
        return text


def _record_failure(mail: OutboxMail, problem: BaseException, now: datetime, *, permanent: bool) -> None:
    mail.attempts = MAX_ATTEMPTS if permanent else mail.attempts + 1
    mail.last_error = f"{type(problem).__name__}: {problem}"[:500]
    mail.next_attempt_at = now + _backoff(mail.attempts)


def deliver_pending(
    db: Session, *, smtp_url: str, sender_name: str, sender_address: str, now: datetime | None = None, limit: int = 100
) -> DeliveryReport:
    """Send what is due. Any error marks that one message (attempts, last error, dead after
    MAX_ATTEMPTS; a message that cannot even be built is dead at once) and the run goes on."""
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
        return DeliveryReport()
    smtp = SmtpSettings.from_url(smtp_url)
    sender = formataddr((header_text(sender_name), sender_address))
    report = DeliveryReport()
    for mail in due:
        if not lease_outbox_row(db, mail, now=now, lease=CLAIM_LEASE):
            continue  # another delivery worker took it between our read and now
        try:
            message = _message(mail, sender)
        except Exception as problem:  # noqa: BLE001 - a row that cannot be built is dead, never a jam
            _record_failure(mail, problem, now, permanent=True)
        else:
            try:
                _send(smtp, message)
            except Exception as problem:  # noqa: BLE001 - any error marks this message; the run goes on
                server_side = isinstance(problem, (OSError, smtplib.SMTPException))
                report.server_errors += server_side
                _record_failure(mail, problem, now, permanent=False)
            else:
                mail.attempts += 1
                mail.sent_at = utcnow()
                # Sent: the outbox keeps no usable link token (verification, reset, Quick Pay...).
                mail.body_text = redact(mail.body_text, links=True)
                mail.body_html = redact(mail.body_html, links=True) if mail.body_html else mail.body_html
                report.sent += 1
        if mail.sent_at is None:
            report.failed += 1
            report.dead += mail.attempts >= MAX_ATTEMPTS
            reason = f"mail {mail.id} to {mail.to_address}: {mail.last_error}"
            report.reasons.append(reason)
            log.warning("Mail not delivered (attempt %s of %s): %s", mail.attempts, MAX_ATTEMPTS, reason)
        db.add(mail)
        db.commit()  # one row at a time: a crash half-way never re-sends what went out
    return report
