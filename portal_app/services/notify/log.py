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
from portal_app.services.core.access import access_account, invited_to, require_staff
from portal_app.services.core.errors import NotFound
from portal_app.services.core.i18n import _
from portal_app.services.core.principal import Principal
from portal_app.services.core.reach import format_phone
from portal_app.services.identity.portal_users import mask_email
from portal_app.services.notify.events import BY_KEY
from portal_app.services.notify.send import MEMBER_MARK
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
            return _("Sent"), ""
        if mail.attempts >= MAIL_ATTEMPTS:
            return _("Not delivered"), mail.last_error
        return _("Waiting"), "" if mail.last_error == KEPT_MARK else mail.last_error
    if sms is not None:
        if sms.sent_at is not None:
            return _("Sent"), ""
        if sms.attempts >= SMS_ATTEMPTS:
            return _("Not delivered"), sms.last_error
        if sms.attempts == 0 and sms.next_attempt_at > now + dt.timedelta(minutes=10):
            return _("Held until %(time)s (quiet hours)", time=formatting.formatter().time(sms.next_attempt_at)), ""
        return _("Waiting"), sms.last_error
    return _("Waiting"), ""


def _rows(db: Session, account_id: int, limit: int, *, only_member: int | None = None,
          mask_members: bool = False) -> list[SentRow]:
    """The account's messages; `only_member` keeps one invited person's copies, `mask_members` masks the
    addresses of invited people (the account holder sees that they were told, not their address)."""
    now = utcnow()
    query = (
        select(Notification, OutboxMail, OutboxSms)
        .join(OutboxMail, col(OutboxMail.id) == Notification.outbox_mail_id, isouter=True)
        .join(OutboxSms, col(OutboxSms.id) == Notification.outbox_sms_id, isouter=True)
        .where(Notification.account_id == account_id)
    )
    if only_member is not None:
        query = query.where(col(Notification.dedupe_key).endswith(f"{MEMBER_MARK}{only_member}"))
    found = db.exec(query.order_by(col(Notification.created_at).desc(), col(Notification.id).desc()).limit(limit)).all()
    rows = []
    for note, mail, sms in found:
        status, detail = _status(note, mail, sms, now)
        event = BY_KEY.get(note.event)
        to = note.to_address if note.channel == "email" else format_phone(note.to_address)
        if mask_members and MEMBER_MARK in (note.dedupe_key or ""):
            to = mask_email(to)
        rows.append(SentRow(
            id=note.id, when=formatting.moment(note.created_at), event=event.label if event else note.event,
            channel=_("Email") if note.channel == "email" else _("Text"),
            to=to,
            subject=note.subject, status=status, detail=detail))
    return rows


def sent_to_me(db: Session, *, principal: Principal, limit: int = 20) -> list[SentRow]:
    """The signed-in account's latest notifications (no error details: they are for staff); for a person
    invited to the account, those sent to them."""
    account = access_account(db, principal)
    invited = invited_to(db, principal)
    rows = _rows(db, account.id, limit, only_member=principal.user_id if invited else None, mask_members=not invited)
    return [SentRow(**{**row.__dict__, "detail": ""}) for row in rows]


def sent_to_account(db: Session, *, principal: Principal, account_number: str, limit: int = LIMIT) -> tuple[Account, list[SentRow]]:
    """Staff: an account's notifications with each one's delivery status and last error."""
    require_staff(principal)
    account = db.exec(select(Account).where(Account.account_number == str(account_number).strip()[:32])).first()
    if account is None:
        raise NotFound("account")
    return account, _rows(db, account.id, limit)


@dataclass(frozen=True)
class OutboxText:
    """A text in the outbox as staff see it: what it was about (never its words: a code, a link), where it
    went, and how it went."""

    id: int
    what: str  # the event's label, or "Verification code"
    to: str
    account_number: str
    created_at: dt.datetime
    status: str  # Sent | Waiting | Not delivered | Held until ... (quiet hours)
    attempts: int
    last_error: str
    next_attempt_at: dt.datetime | None  # the next automatic attempt of a failed text still retried
    failed: bool  # not sent, and at least one attempt failed
    can_retry: bool  # failed, and a notification (a code text is asked for anew instead)


def outbox_texts(db: Session, *, principal: Principal, failed_only: bool = True, limit: int = 100) -> list[OutboxText]:
    """Staff: the text outbox, newest first; `failed_only` keeps the texts that failed at least once and
    were not sent."""
    require_staff(principal)
    now = utcnow()
    query = (select(OutboxSms, Account.account_number, Notification.event)
             .join(Account, col(Account.id) == OutboxSms.account_id, isouter=True)
             .join(Notification, col(Notification.outbox_sms_id) == OutboxSms.id, isouter=True))
    if failed_only:
        query = query.where(col(OutboxSms.sent_at).is_(None), OutboxSms.attempts > 0)
    rows = []
    for sms, number, event in db.exec(query.order_by(col(OutboxSms.id).desc()).limit(limit)).all():
        status, _words = _status(None, None, sms, now)  # type: ignore[arg-type]
        label = "Verification code" if sms.purpose == "verification" else (
            BY_KEY[event].label if event in BY_KEY else (event or "Text"))
        failed = sms.sent_at is None and sms.attempts > 0
        rows.append(OutboxText(
            id=sms.id, what=label, to=format_phone(sms.to_number), account_number=number or "",
            created_at=sms.created_at, status=status, attempts=sms.attempts, last_error=sms.last_error,
            next_attempt_at=sms.next_attempt_at if failed and sms.attempts < SMS_ATTEMPTS else None,
            failed=failed, can_retry=failed and sms.purpose == "notification"))
    return rows

