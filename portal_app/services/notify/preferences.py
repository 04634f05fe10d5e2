"""What a subscriber chooses about notifications: channels per event, paperless billing, quiet hours,
and the mobile number for texts (proved by a code sent to it before any notification goes there).

The account's own sign-ins set the account's choices (full role); a person invited to the
account sets only what they are emailed about it (MemberNotificationChoice), whatever their role.

Replies from phones (STOP, START, HELP) arrive through the SMS webhook and are handled here too.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlmodel import Session, col, select

from portal_app.config import get_settings
from portal_app.integrations.sms import sms_enabled
from portal_app.models import (
    Account, MemberNotificationChoice, NotificationChoice, NotificationSettings, PortalUser, utcnow,
)
from portal_app.services.core import history
from portal_app.services.core.access import FULL, access_account, invited_to, require_role, require_staff
from portal_app.services.core.errors import FieldErrors, NotFound, PortalError
from portal_app.services.core.i18n import Text, _, joined
from portal_app.services.core.principal import Principal
from portal_app.services.core.reach import format_phone, normalize_phone
from portal_app.services.identity import ratelimit
from portal_app.services.notify import render
from portal_app.services.notify.events import EVENTS, MEMBER_EVENTS, email_offered, email_required, member_default
from portal_app.services.notify.send import DEFAULT_QUIET, reach_many
from portal_app.services.notify.sms_outbox import CODE_LIFETIME, enqueue_sms, mark_opted_out
from portal_app.theming import current_theme

CODE_TRIES = 5  # wrong codes before a code is spent
# Codes cost money and reach someone else's phone: a few an hour per account, and per number.
SMS_CODE = ratelimit.Rule("sms-code", 3, dt.timedelta(hours=1), dt.timedelta(minutes=10), dt.timedelta(hours=1))
SMS_CODE_NUMBER = ratelimit.Rule("sms-code-number", 5, dt.timedelta(days=1), dt.timedelta(hours=1),
                                 dt.timedelta(hours=12))
QUIET_TIMES = [f"{minute // 60:02d}:{minute % 60:02d}" for minute in range(0, 24 * 60, 30)]
STOP_WORDS = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "REVOKE",
              "PARAR", "CANCELAR", "DETENER", "BAJA"}  # Spanish readers' ways of saying stop count too
START_WORDS = {"START", "YES", "UNSTOP", "OPTIN"}
HELP_WORDS = {"HELP", "INFO", "AYUDA"}
SPANISH_WORDS = {"PARAR", "CANCELAR", "DETENER", "BAJA", "AYUDA"}  # answered in Spanish


class TextsUnavailable(PortalError):
    def __init__(self) -> None:
        super().__init__(_("Text messages are not available."))


@dataclass(frozen=True)
class ChoiceRow:
    key: str
    label: str
    description: str
    email: bool
    sms: bool
    email_required: bool
    email_offered: bool  # False: the bill comes by post (paper bills), never by email


@dataclass(frozen=True)
class PreferencesView:
    rows: list[ChoiceRow]
    paperless: bool
    texts_available: bool
    sms_phone: str  # shown nationally; "" when none
    sms_opted_out: bool
    pending_phone: str  # a number waiting for its code
    quiet_hours: bool
    quiet_start: str  # "21:00"
    quiet_end: str
    zone: str  # the provider's zone as people read it now ("CST")
    texting_from: str  # the number subscribers text START or HELP to
    invited: bool = False  # an invited person's own choices: email only, no account settings



def _minutes_text(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _settings(db: Session, account_id: int, *, create: bool = False) -> NotificationSettings | None:
    row = db.get(NotificationSettings, account_id)
    if row is None and create:
        row = NotificationSettings(account_id=account_id)
        db.add(row)
    return row


def _invited(db: Session, principal: Principal, account: Account) -> bool:
    """Whether the signed-in person is invited to the account (access.is_invited)."""
    return invited_to(db, principal)


def preferences(db: Session, *, principal: Principal) -> PreferencesView:
    account = access_account(db, principal)
    if _invited(db, principal, account):
        return _member_view(db, account, principal)
    return _view(db, account)


def _member_choices(db: Session, account_id: int, user_id: int) -> dict[str, MemberNotificationChoice]:
    return {c.event: c for c in db.exec(select(MemberNotificationChoice).where(
        MemberNotificationChoice.account_id == account_id, MemberNotificationChoice.user_id == user_id))}


def _member_view(db: Session, account: Account, principal: Principal) -> PreferencesView:
    """An invited person's page: by email, each event an invited person can be told about, as they chose."""
    chosen = _member_choices(db, account.id, principal.user_id or 0)
    rows = []
    for event in MEMBER_EVENTS:
        choice = chosen.get(event.key)
        offered = email_offered(event, paperless=account.paperless)
        rows.append(ChoiceRow(key=event.key, label=event.label, description=event.description,
                              email=offered and (choice.email if choice else member_default(event, principal.role)),
                              sms=False, email_required=False, email_offered=offered))
    return PreferencesView(rows=rows, paperless=account.paperless, texts_available=False, sms_phone="",
                           sms_opted_out=False, pending_phone="", quiet_hours=False, quiet_start="", quiet_end="",
                           zone="", texting_from="", invited=True)


def _save_member_choices(db: Session, principal: Principal, account: Account,
                         choices: dict[str, tuple[bool, bool]]) -> str:
    """An invited person's own email choices for the account (any role: it is their own mail)."""
    before = {row.key: row for row in _member_view(db, account, principal).rows}
    existing = _member_choices(db, account.id, principal.user_id or 0)
    changes: list[str] = []
    for event in MEMBER_EVENTS:
        was = before[event.key]
        if not was.email_offered:
            continue  # a bill by post: no email to choose
        email = bool(choices.get(event.key, (was.email, False))[0])
        if email != was.email:
            changes.append(f"{event.label}: email {'on' if email else 'off'}")
        row = existing.get(event.key)
        if email == member_default(event, principal.role):
            if row is not None:
                db.delete(row)
        elif row is None:
            db.add(MemberNotificationChoice(user_id=principal.user_id, account_id=account.id, event=event.key,
                                            email=email))
        else:
            row.email = email
            db.add(row)
    if not changes:
        return "Nothing changed."
    user = db.get(PortalUser, principal.user_id)
    who = user.username if user else principal.display_name
    history.record(db, principal=principal, account_id=account.id, kind="notifications",
                   action="member_choices_changed",
                   summary=f"What '{who}' is emailed about this account changed: {'; '.join(changes)}"[:500],
                   entity_type="portal_user", entity_id=principal.user_id)
    return "Saved. " + "; ".join(changes)[:300] + "."


def account_preferences(db: Session, *, principal: Principal, account_number: str) -> PreferencesView:
    """Staff: what an account chose (to answer "why did I not get a text?")."""
    require_staff(principal)
    account = db.exec(select(Account).where(Account.account_number == str(account_number).strip()[:32])).first()
    if account is None:
        raise NotFound("account")
    return _view(db, account)


def _view(db: Session, account: Account) -> PreferencesView:
    chosen = {c.event: c for c in db.exec(select(NotificationChoice).where(NotificationChoice.account_id == account.id))}
    settings = _settings(db, account.id)
    texts = sms_enabled()
    rows = []
    for event in EVENTS:
        choice = chosen.get(event.key)
        required = email_required(event, paperless=account.paperless)
        offered = email_offered(event, paperless=account.paperless)
        rows.append(ChoiceRow(key=event.key, label=event.label, description=event.description,
                              email=offered and (required or (choice.email if choice else event.email)),
                              sms=choice.sms if choice else event.sms, email_required=required,
                              email_offered=offered))
    verified = settings is not None and settings.sms_verified_at is not None and bool(settings.sms_phone)
    quiet = (settings.quiet_start_minute, settings.quiet_end_minute) if settings else DEFAULT_QUIET
    sender = get_settings().twilio_from_number
    return PreferencesView(
        rows=rows, paperless=account.paperless, texts_available=texts,
        sms_phone=format_phone(settings.sms_phone) if verified else "",
        sms_opted_out=verified and settings.sms_opted_out_at is not None,
        pending_phone=format_phone(settings.pending_phone) if settings and settings.pending_phone else "",
        quiet_hours=settings.quiet_hours if settings else True,
        quiet_start=_minutes_text(quiet[0]), quiet_end=_minutes_text(quiet[1]),
        zone=dt.datetime.now(ZoneInfo(current_theme().timezone)).tzname() or current_theme().timezone,
        texting_from=format_phone(sender) if sender.startswith("+") else "")


def _minutes(value: str, field: str) -> int:
    if value not in QUIET_TIMES:
        raise FieldErrors({field: _("Choose a time from the list.")})
    hours, minutes = value.split(":")
    return int(hours) * 60 + int(minutes)


def save_preferences(db: Session, *, principal: Principal, choices: dict[str, tuple[bool, bool]], paperless: bool,
                     quiet_hours: bool, quiet_start: str, quiet_end: str) -> str:
    """Keep the subscriber's choices (a required email stays on whatever was sent); returns what changed.
    The account holder's sign-in sets the account's choices (full role); an invited person only their own."""
    account = access_account(db, principal)
    if _invited(db, principal, account):
        return _save_member_choices(db, principal, account, choices)
    require_role(principal, FULL)
    start, end = _minutes(quiet_start, "quiet_start"), _minutes(quiet_end, "quiet_end")
    if quiet_hours and start == end:
        raise FieldErrors({"quiet_end": _("Quiet hours need an end different from their start.")})
    before = preferences(db, principal=principal)
    changes: list[Text] = []  # each said in the reader's language on the page, in English in the history
    if bool(paperless) != account.paperless:
        account.paperless = bool(paperless)
        db.add(account)
        changes.append(_("paperless billing on") if account.paperless else _("paperless billing off (paper bill by post)"))
    existing = {c.event: c for c in db.exec(select(NotificationChoice).where(NotificationChoice.account_id == account.id))}
    for event, was in zip(EVENTS, before.rows, strict=True):
        email, sms = choices.get(event.key, (was.email, was.sms))
        offered = email_offered(event, paperless=account.paperless)
        sms = bool(sms)
        if offered:
            email = bool(email) or email_required(event, paperless=account.paperless)
            parts = [_("email on") if email else _("email off")] if email != was.email and was.email_offered else []
        else:  # a bill by post: no email to choose (what is kept is the default)
            email, parts = event.email, []
        parts += [_("texts on") if sms else _("texts off")] if sms != was.sms else []
        if parts:
            changes.append(_("%(event)s: %(parts)s", event=event.label, parts=joined(parts, ", ")))
        row = existing.get(event.key)
        if (email, sms) == (event.email, event.sms):
            if row is not None:
                db.delete(row)  # back to the defaults: no row, so a better default later reaches them too
        elif row is None:
            db.add(NotificationChoice(account_id=account.id, event=event.key, email=email, sms=sms))
        else:
            row.email, row.sms = email, sms
            db.add(row)
    settings = _settings(db, account.id, create=True)
    quiet_changed = bool(quiet_hours) != settings.quiet_hours or (
        quiet_hours and (start, end) != (settings.quiet_start_minute, settings.quiet_end_minute))
    if quiet_changed:
        changes.append(_("quiet hours %(start)s-%(end)s", start=quiet_start, end=quiet_end) if quiet_hours
                       else _("quiet hours off"))
    settings.quiet_hours = bool(quiet_hours)
    if quiet_hours:
        settings.quiet_start_minute, settings.quiet_end_minute = start, end
    if not changes:
        return _("Nothing changed.")
    summary = "Notification choices changed: " + "; ".join(changes)
    history.record(db, principal=principal, account_id=account.id, kind="notifications", action="choices_changed",
                   summary=summary[:500], entity_type="account", entity_id=account.id)
    return _("Saved. %(changes)s.", changes=joined(changes, "; "))


# --- the texting number ----------------------------------------------------------------------


def _code_hash(account_id: int, phone: str, code: str) -> str:
    key = get_settings().secret_key.encode()
    return hmac.new(key, f"{account_id}:{phone}:{code}".encode(), hashlib.sha256).hexdigest()


def send_code(db: Session, *, principal: Principal, phone: str, now: dt.datetime | None = None) -> str:
    """Text a 6-digit code to the number; it becomes the texting number once the code comes back."""
    require_role(principal, FULL)
    if not sms_enabled():
        raise TextsUnavailable()
    account = access_account(db, principal)
    try:
        number = normalize_phone(phone)
    except ValueError as problem:
        raise FieldErrors({"phone": problem.args[0] if problem.args else str(problem)}) from None
    limits = [(SMS_CODE, str(account.id)), (SMS_CODE_NUMBER, number)]
    try:
        ratelimit.check(db, limits, now=now)
    except ratelimit.RateLimited as limited:
        raise FieldErrors({"phone": limited.message}) from None
    ratelimit.hit(db, limits, now=now)
    now = now or utcnow()
    code = f"{secrets.randbelow(10**6):06d}"
    settings = _settings(db, account.id, create=True)
    settings.pending_phone, settings.code_hash = number, _code_hash(account.id, number, code)
    settings.code_expires_at, settings.code_attempts = now + CODE_LIFETIME, 0
    db.add(settings)
    body = render.render_sms("verification_code", {"code": code, "locale": principal.language or None})
    enqueue_sms(db, to=number, body=body, account_id=account.id, purpose="verification")
    history.record(db, principal=principal, account_id=account.id, kind="notifications", action="phone_code_sent",
                   summary=f"A code to confirm {format_phone(number)} for texts was sent to it",
                   entity_type="account", entity_id=account.id)
    return _("We texted a code to %(number)s. Enter it below; it works for 10 minutes.", number=format_phone(number))


def confirm_code(db: Session, *, principal: Principal, code: str, now: dt.datetime | None = None) -> str:
    """The code from the text: the number becomes the account's texting number."""
    require_role(principal, FULL)
    account = access_account(db, principal)
    now = now or utcnow()
    settings = _settings(db, account.id)
    if settings is None or not settings.pending_phone or settings.code_expires_at is None:
        raise FieldErrors({"code": _("Ask for a code first.")})
    if settings.code_expires_at <= now or settings.code_attempts >= CODE_TRIES:
        raise FieldErrors({"code": _("That code has expired. Ask for a new one.")})
    typed = "".join(ch for ch in str(code) if ch.isdigit())[:6]
    if not hmac.compare_digest(_code_hash(account.id, settings.pending_phone, typed), settings.code_hash):
        # Counted in the database before the refusal (the caller rolls back): a few guesses per code.
        db.execute(update(NotificationSettings)
                   .where(col(NotificationSettings.account_id) == account.id)
                   .values(code_attempts=NotificationSettings.code_attempts + 1))
        db.commit()
        raise FieldErrors({"code": _("That code is not right. Check the text and try again.")})
    number = settings.pending_phone
    settings.sms_phone, settings.sms_verified_at, settings.sms_opted_out_at = number, now, None
    settings.pending_phone, settings.code_hash, settings.code_expires_at = "", "", None
    db.add(settings)
    history.record(db, principal=principal, account_id=account.id, kind="notifications", action="phone_verified",
                   summary=f"{format_phone(number)} confirmed for texts", entity_type="account", entity_id=account.id)
    return _("Texts now go to %(number)s.", number=format_phone(number))


def remove_phone(db: Session, *, principal: Principal) -> str:
    require_role(principal, FULL)
    account = access_account(db, principal)
    settings = _settings(db, account.id)
    if settings is None or not (settings.sms_phone or settings.pending_phone):
        return _("No number to remove.")
    was = settings.sms_phone or settings.pending_phone
    settings.sms_phone, settings.sms_verified_at, settings.sms_opted_out_at = "", None, None
    settings.pending_phone, settings.code_hash, settings.code_expires_at = "", "", None
    db.add(settings)
    history.record(db, principal=principal, account_id=account.id, kind="notifications", action="phone_removed",
                   summary=f"{format_phone(was)} removed; no more texts", entity_type="account", entity_id=account.id)
    return _("We will not text you any more.")


# --- replies from phones ---------------------------------------------------------------------


def inbound_text(db: Session, *, from_number: str, body: str, now: dt.datetime | None = None) -> str:
    """A text someone sent to the portal's number: STOP ends texts to that number on every account,
    START brings them back, HELP gets the help text (AYUDA: in Spanish). Returns the reply ("" for none)."""
    word = "".join(ch for ch in (body or "").strip().upper() if ch.isalpha())
    now = now or utcnow()
    system = Principal.system("Text message reply")
    if word in STOP_WORDS:
        for account_id in mark_opted_out(db, number=from_number, now=now):
            history.record(db, principal=system, account_id=account_id, kind="notifications", action="texts_stopped",
                           summary=f"{format_phone(from_number)} replied {word}: no more texts",
                           entity_type="account", entity_id=account_id)
        return ""  # the carrier and Twilio confirm the opt-out themselves
    if word in START_WORDS:
        rows = db.exec(select(NotificationSettings).where(NotificationSettings.sms_phone == from_number,
                                                          col(NotificationSettings.sms_opted_out_at).is_not(None)))
        for settings in rows:
            settings.sms_opted_out_at = None
            db.add(settings)
            history.record(db, principal=system, account_id=settings.account_id, kind="notifications",
                           action="texts_started", summary=f"{format_phone(from_number)} replied {word}: texts again",
                           entity_type="account", entity_id=settings.account_id)
        return ""
    if word in HELP_WORDS:
        language = "es_US" if word in SPANISH_WORDS else _language_of_number(db, from_number)
        return render.render_sms("help", {"locale": language})
    return ""


def _language_of_number(db: Session, number: str) -> str | None:
    """The language the sign-ins behind a texting number read (a family's number may serve several
    accounts): theirs when they agree, else None (the provider's)."""
    account_ids = list(db.exec(select(NotificationSettings.account_id).where(NotificationSettings.sms_phone == number)))
    languages = {reach.language for reach in reach_many(db, account_ids).values()}
    return languages.pop() if len(languages) == 1 else None
