"""What was sent to an account, and how it went: for the subscriber (Notifications page) and for staff
(an account's Notifications page). Statuses come from the outbox rows themselves."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from portal_app.integrations.mail import KEPT_MARK
from portal_app.integrations.mail import MAX_ATTEMPTS as MAIL_ATTEMPTS
from portal_app.models import Account, Notification, OutboxMail, OutboxSms, utcnow
from portal_app.services.core import formatting
from portal_app.services.core.access import access_account, require_staff
from portal_app.services.core.errors import NotFound
from portal_app.services.core.principal import Principal
from portal_app.services.core.reach import format_phone
from portal_app.services.notify.events import BY_KEY
from portal_app.services.notify.sms_outbox import MAX_ATTEMPTS as SMS_ATTEMPTS
from portal_app.theming import current_theme

LIMIT = 50


@dataclass(frozen=True)
class SentRow:
    id: int
    when: str
    event: str  # its label
    channel: str  # Email | Text
    to: str
    subject: str
    status: str  # Sent | Waiting | Not delivered | Held until ... (quiet hours)
    detail: str  # the last error, for staff


def _local(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(ZoneInfo(current_theme().timezone))


def _status(note: Notification, mail: OutboxMail | None, sms: OutboxSms | None, now: dt.datetime) -> tuple[str, str]:
    if mail is not None:
        if mail.sent_at is not None:
            return "Sent", ""
        if mail.attempts >= MAIL_ATTEMPTS:
            return "Not delivered", mail.last_error
        return "Waiting", "" if mail.last_error == KEPT_MARK else mail.last_error
    if sms is not None:
        if sms.sent_at is not None:
            return "Sent", ""
        if sms.attempts >= SMS_ATTEMPTS:
            return "Not delivered", sms.last_error
        if sms.attempts == 0 and sms.next_attempt_at > now + dt.timedelta(minutes=10):
            return f"Held until {formatting.formatter().time(sms.next_attempt_at)} (quiet hours)", ""
        return "Waiting", sms.last_error
    return "Waiting", ""


def _rows(db: Session, account_id: int, limit: int) -> list[SentRow]:
    now = utcnow()
    found = db.exec(
        select(Notification, OutboxMail, OutboxSms)
        .join(OutboxMail, col(OutboxMail.id) == Notification.outbox_mail_id, isouter=True)
        .join(OutboxSms, col(OutboxSms.id) == Notification.outbox_sms_id, isouter=True)
        .where(Notification.account_id == account_id)
        .order_by(col(Notification.created_at).desc(), col(Notification.id).desc())
        .limit(limit)
    ).all()
    rows = []
    for note, mail, sms in found:
        status, detail = _status(note, mail, sms, now)
        event = BY_KEY.get(note.event)
        rows.append(SentRow(
            id=note.id, when=formatting.moment(note.created_at), event=event.label if event else note.event,
            channel="Email" if note.channel == "email" else "Text",
            to=note.to_address if note.channel == "email" else format_phone(note.to_address),
            subject=note.subject, status=status, detail=detail))
    return rows


def sent_to_me(db: Session, *, principal: Principal, limit: int = 20) -> list[SentRow]:
    """The signed-in account's latest notifications (no error details: they are for staff)."""
    account = access_account(db, principal)
    return [SentRow(**{**row.__dict__, "detail": ""}) for row in _rows(db, account.id, limit)]


def sent_to_account(db: Session, *, principal: Principal, account_number: str, limit: int = LIMIT) -> tuple[Account, list[SentRow]]:
    """Staff: an account's notifications with each one's delivery status and last error."""
    require_staff(principal)
    account = db.exec(select(Account).where(Account.account_number == str(account_number).strip()[:32])).first()
    if account is None:
        raise NotFound("account")
    return account, _rows(db, account.id, limit)
