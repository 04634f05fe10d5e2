"""`send`: one event's message to an account on the channels it chose; `send_many` for a notice to many.

Everything is written in the caller's transaction (the outbox rows and the log rows together), so a
message exists exactly when its cause was committed. A `key` names the cause (an invoice, a payment, a
notice's stage): the same key never reaches an account twice on one channel.

People invited to the account (memberships other than the account holder's sign-in) are emailed too, on
their own address and by their own choices (events.member_default, MemberNotificationChoice); each is logged
on the account under the cause's key marked with the person (`member_key`), so they are de-duplicated per
recipient and staff see them with the account's other messages.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from portal_app.integrations.mail import BadRecipient, enqueue_mail
from portal_app.integrations.sms import sms_enabled
from portal_app.models import (
    Account, AccountMembership, MemberNotificationChoice, Notification, NotificationChoice, NotificationSettings,
    PortalUser, utcnow,
)
from portal_app.services.core.access import is_invited
from portal_app.services.notify import render
from portal_app.services.notify.events import (
    BY_KEY, MEMBER_EVENTS, Event, email_offered, email_required, member_default,
)
from portal_app.services.notify.sms_outbox import enqueue_sms
from portal_app.theming import current_theme

# Texts wait overnight unless the subscriber says otherwise (21:00 to 8:00 where the provider is).
DEFAULT_QUIET = (NotificationSettings.model_fields["quiet_start_minute"].default,
                 NotificationSettings.model_fields["quiet_end_minute"].default)


@dataclass
class Reach:
    """How one account can be reached and what it chose."""

    email: str | None  # the verified sign-in's address
    sms_phone: str | None  # a verified number that has not replied STOP
    paperless: bool
    choices: dict[str, tuple[bool, bool]]  # event -> (email, sms), only where changed from the defaults
    quiet: tuple[int, int] | None  # (start, end) minutes after midnight in the provider's zone, or None
    language: str | None = None  # the locale the addressed sign-in reads (None: the provider's)
    holder_id: int | None = None  # the account's first sign-in, whose address its own mail uses
    invited: list[Invited] = field(default_factory=list)  # the people invited to the account (member events only)


@dataclass
class Invited:
    """A person holding an account through a membership who is not its holder: their own address and choices."""

    user_id: int
    email: str
    language: str | None
    role: str
    choices: dict[str, bool]  # event -> email, only where changed from the role's default

    def wants(self, event: Event, *, paperless: bool) -> bool:
        return self.choices.get(event.key, member_default(event, self.role)) and email_offered(event, paperless=paperless)


Words = dict[str, Any] | Callable[[], dict[str, Any]]  # a template's values, or a function giving them
MEMBER_EVENT_KEYS = frozenset(event.key for event in MEMBER_EVENTS)


MEMBER_MARK = "@member:"


def member_key(key: str, user_id: int) -> str:
    """The de-duplication key of one invited person's copy of a message."""
    return f"{key[:100]}{MEMBER_MARK}{user_id}"


def channels(event: Event, reach: Reach) -> tuple[bool, bool]:
    """(email, sms) for this event and account: its choices over the defaults; required email always, and
    never the email of a bill that goes by post."""
    email, sms = reach.choices.get(event.key, (event.email, event.sms))
    email = (email or email_required(event, paperless=reach.paperless)) and email_offered(event, paperless=reach.paperless)
    return email, (sms and reach.sms_phone is not None)


def texting_phone(settings: NotificationSettings | None) -> str | None:
    if settings is None or not settings.sms_phone or settings.sms_verified_at is None \
            or settings.sms_opted_out_at is not None:
        return None
    return settings.sms_phone


def reach_many(db: Session, account_ids: list[int], *, user_id: int | None = None,
               members: bool = False) -> dict[int, Reach]:
    """`Reach` of each account, whatever their number: one query for the sign-ins holding them, and (only when
    someone can be told) one each for the accounts' choices and settings, and the invited people's choices
    when `members` (an event they can be told about)."""
    if not account_ids:
        return {}
    emails: dict[int, str] = {}
    languages: dict[int, str | None] = {}
    holders: dict[int, int] = {}
    invited: dict[int, list[Invited]] = {}
    # Every sign-in holding the accounts through a membership: the sign-ins made for the account give its
    # address (the first one's, or the signed-in one's); the people invited to it are told on their own.
    rows = db.exec(
        select(AccountMembership.account_id, AccountMembership.role, AccountMembership.added_by, PortalUser.id,
               PortalUser.account_id, PortalUser.email, PortalUser.language)
        .join(PortalUser, col(PortalUser.id) == AccountMembership.user_id)
        .where(col(AccountMembership.account_id).in_(account_ids), col(PortalUser.verified_at).is_not(None),
               col(PortalUser.disabled).is_(False))
        .order_by(col(AccountMembership.account_id), col(PortalUser.id))).all()
    for account_id, _role, _by, uid, home, email, language in rows:
        if home == account_id:
            holders.setdefault(account_id, uid)
            if uid == user_id or account_id not in emails:  # the signed-in subscriber's own address first
                emails[account_id], languages[account_id] = email, language
    for account_id, role, added_by, uid, home, email, language in rows:
        if members and is_invited(home_account_id=home, account_id=account_id, added_by=added_by):
            invited.setdefault(account_id, []).append(Invited(uid, email, language, role, {}))
    texts = sms_enabled()
    if not (emails or invited or texts):  # nobody can be told anything: no need to read what they chose
        return {account_id: Reach(email=None, sms_phone=None, paperless=True, choices={}, quiet=DEFAULT_QUIET)
                for account_id in account_ids}
    choices: dict[int, dict[str, tuple[bool, bool]]] = {}
    for choice in db.exec(select(NotificationChoice).where(col(NotificationChoice.account_id).in_(account_ids))):
        choices.setdefault(choice.account_id, {})[choice.event] = (choice.email, choice.sms)
    settings = {row.account_id: row for row in db.exec(
        select(NotificationSettings).where(col(NotificationSettings.account_id).in_(account_ids)))}
    if len(account_ids) == 1:  # one account: usually already in the session (no query)
        account = db.get(Account, account_ids[0])
        paperless = {account.id: account.paperless} if account is not None else {}
    else:
        paperless = dict(db.exec(select(Account.id, Account.paperless).where(col(Account.id).in_(account_ids))).all())
    if invited:
        people = {(account_id, person.user_id): person for account_id, them in invited.items() for person in them}
        for choice in db.exec(select(MemberNotificationChoice).where(
                col(MemberNotificationChoice.account_id).in_(list(invited)),
                col(MemberNotificationChoice.user_id).in_({uid for _, uid in people}))):
            person = people.get((choice.account_id, choice.user_id))
            if person is not None:
                person.choices[choice.event] = choice.email
    found = {}
    for account_id in account_ids:
        row = settings.get(account_id)
        quiet = (row.quiet_start_minute, row.quiet_end_minute) if row is not None and row.quiet_hours \
            else None if row is not None else (DEFAULT_QUIET[0], DEFAULT_QUIET[1])
        found[account_id] = Reach(email=emails.get(account_id), sms_phone=texting_phone(row) if texts else None,
                                  paperless=bool(paperless.get(account_id, True)), choices=choices.get(account_id, {}),
                                  quiet=quiet, language=languages.get(account_id), holder_id=holders.get(account_id),
                                  invited=invited.get(account_id, []))
    return found


PREFETCHED = "notify_reach"  # db.info: the reach of a batch's accounts (prefetch), until the batch is committed


def prefetch(db: Session, account_ids: list[int]) -> None:
    """For a job that tells a batch of accounts one at a time in one transaction (the billing run): how each
    can be reached, read once for the batch instead of once per message. Call `forget` when the batch is
    committed; nothing the batch does may change sign-ins or choices meanwhile."""
    db.info[PREFETCHED] = reach_many(db, account_ids, members=True)


def forget(db: Session) -> None:
    db.info.pop(PREFETCHED, None)


def _reaches(db: Session, account_ids: list[int], *, user_id: int | None, members: bool) -> dict[int, Reach]:
    known = db.info.get(PREFETCHED)
    if known is None or user_id is not None or not all(account_id in known for account_id in account_ids):
        return reach_many(db, account_ids, user_id=user_id, members=members)
    return {account_id: known[account_id] if members else replace(known[account_id], invited=[])
            for account_id in account_ids}


def quiet_until(quiet: tuple[int, int] | None, now: dt.datetime) -> dt.datetime | None:
    """When a text may go out if `now` falls in the quiet hours (provider's time zone), else None."""
    if quiet is None:
        return None
    start, end = quiet
    if start == end:
        return None
    zone = ZoneInfo(current_theme().timezone)
    local = now.astimezone(zone)
    minute = local.hour * 60 + local.minute
    inside = (start <= minute < end) if start < end else (minute >= start or minute < end)
    if not inside:
        return None
    day = local.date() if minute < end else local.date() + dt.timedelta(days=1)
    release = dt.datetime(day.year, day.month, day.day, end // 60, end % 60, tzinfo=zone)
    return release.astimezone(dt.UTC)


def _sent_keys(db: Session, account_ids: list[int], keys: set[str]) -> set[tuple[int, str, str]]:
    """(account, channel, key) triples that already exist for these keys, in the database or earlier in this
    transaction."""
    found = set(db.exec(select(Notification.account_id, Notification.channel, Notification.dedupe_key)
                        .where(col(Notification.dedupe_key).in_(keys), col(Notification.account_id).in_(account_ids)))
                .all())
    pending = db.info.setdefault("notify_keys", set())
    return found | {(a, c, k) for a, c, k in pending if k in keys}


def send(db: Session, *, account_id: int, event: str, template: str, context: Words, key: str | None,
         email_to: str | None = None, user_id: int | None = None, attachment: tuple[str, str, str] | None = None,
         now: dt.datetime | None = None) -> list[Notification]:
    """Tell one account about `event` with the `template`'s words. `email_to` sends the email to that
    address instead of the account's (a security notice to the address that was just replaced);
    `user_id` prefers that sign-in's address. `context` may be a function giving the words' values, called
    only when someone is told (the billing run: nothing is worked out for an account nobody can be told about)."""
    return send_many(db, account_ids=[account_id], event=event, template=template, context=context, key=key,
                     email_to=email_to, user_id=user_id, attachment=attachment, now=now)


def send_many(db: Session, *, account_ids: list[int], event: str, template: str, context: Words,
              key: str | None, email_to: str | None = None, user_id: int | None = None,
              attachment: tuple[str, str, str] | None = None, now: dt.datetime | None = None) -> list[Notification]:
    """The same message to many accounts (an outage notice): a few queries in all, the words rendered once."""
    spec = BY_KEY[event]
    now = now or utcnow()
    reaches = _reaches(db, account_ids, user_id=user_id, members=spec.key in MEMBER_EVENT_KEYS)
    pending = db.info.setdefault("notify_keys", set())
    mails: dict[tuple[str | None, bool], render.Mail] = {}  # rendered once per language (and opt-out line)
    sms_texts: dict[str | None, str] = {}
    written: list[Notification] = []
    values: list[dict[str, Any]] = []  # the context, once worked out
    done: list[set[tuple[int, str, str]]] = []  # what this key already reached, once read

    def words() -> dict[str, Any]:
        if not values:
            values.append(context() if callable(context) else context)
        return values[0]

    def sent(account_id: int, channel: str, its_key: str | None) -> bool:
        if its_key is None:
            return False
        if not done:  # one query for every recipient's key, and only when something may go out
            keys = {key} | {member_key(key, person.user_id) for reach in reaches.values() for person in reach.invited}
            done.append(_sent_keys(db, account_ids, keys))
        return (account_id, channel, its_key) in done[0]

    def mail_in(language: str | None, *, can_opt_out: bool) -> render.Mail:
        if (language, can_opt_out) not in mails:
            mails[language, can_opt_out] = render.render_mail(template, {**words(), "locale": language},
                                                              can_opt_out=can_opt_out)
        return mails[language, can_opt_out]

    for account_id in account_ids:
        reach = reaches[account_id]
        email_on, sms_on = channels(spec, reach)
        address = email_to or reach.email
        if email_on and address and not sent(account_id, "email", key):
            mail = mail_in(reach.language, can_opt_out=not spec.required)
            try:
                outbox = enqueue_mail(db, to=address, subject=mail.subject, body=mail.text, html=mail.html,
                                      account_id=account_id, attachment=attachment)
            except BadRecipient:
                if email_to:
                    raise  # the caller named this address: it should have checked it
                outbox = None  # an account's address that cannot receive mail: a text may still reach them
            if outbox is not None:
                written.append(Notification(account_id=account_id, event=event, channel="email", dedupe_key=key,
                                            to_address=outbox.to_address, subject=mail.subject[:200], mail=outbox))
        if sms_on and render.has_sms(template) and not sent(account_id, "sms", key):
            if reach.language not in sms_texts:
                sms_texts[reach.language] = render.render_sms(template, {**words(), "locale": reach.language})
            text = sms_texts[reach.language]
            outbox_sms = enqueue_sms(db, to=reach.sms_phone, body=text, account_id=account_id,
                                     send_at=quiet_until(reach.quiet, now))
            written.append(Notification(account_id=account_id, event=event, channel="sms", dedupe_key=key,
                                        to_address=reach.sms_phone, subject=text[:200], sms=outbox_sms))
        told = {address.lower()} if address else set()  # one copy per address, whoever it belongs to
        for person in reach.invited:
            their_key = member_key(key, person.user_id) if key else None
            if not person.wants(spec, paperless=reach.paperless) or person.email.lower() in told \
                    or sent(account_id, "email", their_key):
                continue
            told.add(person.email.lower())
            mail = mail_in(person.language, can_opt_out=True)  # nothing is required of them
            try:
                outbox = enqueue_mail(db, to=person.email, subject=mail.subject, body=mail.text, html=mail.html,
                                      account_id=account_id, attachment=attachment)
            except BadRecipient:
                continue  # their address cannot receive mail; the account holder's copy went
            written.append(Notification(account_id=account_id, event=event, channel="email", dedupe_key=their_key,
                                        to_address=outbox.to_address, subject=mail.subject[:200], mail=outbox))
    for row in written:
        row.created_at = now
        db.add(row)
        if row.dedupe_key:
            pending.add((row.account_id, row.channel, row.dedupe_key))
    return written
